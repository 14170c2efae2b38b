/*
Copyright 2026 The apig-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package gatewaysim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// The tests of the options that make the simulator behave like the real gateway: each drives
// the simulator through its HTTP handler and moves its clock rather than sleeping.

const exLag = 5 * time.Second

func publishBody(apiID, envID string) string {
	return `{"action":"online","api_id":"` + apiID + `","env_id":"` + envID + `"}`
}

func offlineBody(apiID, envID string) string {
	return `{"action":"offline","api_id":"` + apiID + `","env_id":"` + envID + `"}`
}

// liveInRelease says whether the API is live in RELEASE by every read the operator uses: the
// env_id listing, the run environments of show, and the version list.
func liveInRelease(t *testing.T, sim *Server, apiID string) (listed, shown bool, versions []any) {
	t.Helper()
	_, list, _ := do(t, sim, "GET", "/apis?env_id="+ReleaseEnvID+"&id="+apiID, "")
	listed = list["total"].(float64) == 1
	_, api, _ := do(t, sim, "GET", "/apis/"+apiID, "")
	shown = api["run_env_id"] == ReleaseEnvID
	_, vs, _ := do(t, sim, "GET", "/apis/publish/"+apiID+"?env_id="+ReleaseEnvID, "")
	return listed, shown, vs["api_versions"].([]any)
}

func TestReadLagShowsPublicationsAsTheyWere(t *testing.T) {
	sim := newExampleSim(t, Options{ReadLag: exLag})

	status, pub, _ := do(t, sim, "POST", "/apis/action", publishBody(exMockAPI, ReleaseEnvID))
	if status != http.StatusCreated {
		t.Fatalf("publish: %d %v", status, pub)
	}
	first := pub["version_id"].(string)
	if listed, shown, versions := liveInRelease(t, sim, exMockAPI); listed || shown || len(versions) != 0 {
		t.Errorf("right after the publish: listed %v, shown %v, versions %v; want the API offline, as it was", listed, shown, versions)
	}
	if status, body, _ := do(t, sim, "GET", "/apis/versions/"+first, ""); status != http.StatusNotFound || body["error_code"] != "APIG.3022" {
		t.Errorf("version detail right after the publish: %d %v; want 404 APIG.3022", status, body)
	}
	// Writes see the true state: a second publish makes a second version.
	_, pub, _ = do(t, sim, "POST", "/apis/action", publishBody(exMockAPI, ReleaseEnvID))
	second := pub["version_id"].(string)
	if got := sim.State().Projects[exProject].APIG[exInstance]; len(apiDump(got, "Api_mock").Publications["RELEASE"].Versions) != 2 {
		t.Errorf("the state has %+v; want two versions", apiDump(got, "Api_mock").Publications["RELEASE"])
	}

	sim.AdvanceClock(exLag)
	listed, shown, versions := liveInRelease(t, sim, exMockAPI)
	if !listed || !shown || len(versions) != 2 {
		t.Fatalf("after the lag: listed %v, shown %v, %d versions; want live with two", listed, shown, len(versions))
	}
	if v := versions[0].(map[string]any); v["version_id"] != second || v["status"].(float64) != 1 {
		t.Errorf("after the lag the newest version is %v; want %s live", v, second)
	}
	if status, _, _ := do(t, sim, "GET", "/apis/versions/"+first, ""); status != http.StatusOK {
		t.Errorf("version detail after the lag: %d", status)
	}
}

// TestReadLagIsTheStateOfLagAgo: with two changes a few seconds apart, a read shows each state
// for exactly the time it held, ReadLag later.
func TestReadLagIsTheStateOfLagAgo(t *testing.T) {
	sim := newExampleSim(t, Options{ReadLag: exLag})
	do(t, sim, "POST", "/apis/action", publishBody(exMockAPI, ReleaseEnvID)) // t0
	sim.AdvanceClock(3 * time.Second)
	if status, body, _ := do(t, sim, "POST", "/apis/action", offlineBody(exMockAPI, ReleaseEnvID)); status != http.StatusCreated { // t0+3s
		t.Fatalf("offline: %d %v", status, body)
	}
	for i, want := range []bool{false, true, false} { // at t0+3s, t0+6s, t0+9s: the state at t0-2s, t0+1s, t0+4s
		if listed, shown, _ := liveInRelease(t, sim, exMockAPI); listed != want || shown != want {
			t.Errorf("read %d: listed %v, shown %v; want %v", i, listed, shown, want)
		}
		sim.AdvanceClock(3 * time.Second)
	}
}

func TestReadLagOfAnOffline(t *testing.T) {
	sim := newExampleSim(t, Options{ReadLag: exLag})
	if status, body, _ := do(t, sim, "POST", "/apis/action", offlineBody(exAPI, ReleaseEnvID)); status != http.StatusCreated {
		t.Fatalf("offline: %d %v", status, body)
	}
	if listed, shown, versions := liveInRelease(t, sim, exAPI); !listed || !shown || versions[0].(map[string]any)["status"].(float64) != 1 {
		t.Errorf("right after the offline: listed %v, shown %v, versions %v; want still live", listed, shown, versions)
	}
	// Taking it offline again is refused: the write sees the true state.
	if status, body, _ := do(t, sim, "POST", "/apis/action", offlineBody(exAPI, ReleaseEnvID)); status != http.StatusNotFound {
		t.Errorf("second offline: %d %v; want 404", status, body)
	}
	sim.AdvanceClock(exLag)
	if listed, shown, _ := liveInRelease(t, sim, exAPI); listed || shown {
		t.Errorf("after the lag: listed %v, shown %v; want offline", listed, shown)
	}
}

func TestReadLagOfDataArts(t *testing.T) {
	sim := newExampleSim(t, Options{ReadLag: exLag})
	status, body, _ := do(t, sim, "POST", dataArtsBase+"/instances/"+exCluster+"/action",
		`{"action":"STOP","time":"`+dataArtsTime(49*time.Hour)+`"}`)
	if status != http.StatusNoContent {
		t.Fatalf("STOP: %d %v", status, body)
	}
	apiStatus := func() any {
		_, info, _ := do(t, sim, "GET", dataArtsBase+"/publish-info", "")
		return info["publish_messages"].([]any)[0].(map[string]any)["api_status"]
	}
	if got := apiStatus(); got != dataStatusPublished {
		t.Errorf("right after STOP: %v; want %s", got, dataStatusPublished)
	}
	sim.AdvanceClock(exLag)
	if got := apiStatus(); got != dataStatusWaitingStop {
		t.Errorf("after the lag: %v; want %s", got, dataStatusWaitingStop)
	}
}

func apiDump(in InstanceDump, name string) APIDump {
	for _, a := range in.APIs {
		if a.Name == name {
			return a
		}
	}
	return APIDump{}
}

// inFlight is the number of writes in flight on an instance.
func inFlight(sim *Server, project, instance string) int {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	return sim.writing[project+"/"+instance]
}

func TestConcurrentWritesConflict(t *testing.T) {
	sim := newExampleSim(t, Options{ConflictOnConcurrentWrites: true, WriteLatency: 500 * time.Millisecond})
	first := make(chan int)
	go func() { // not through do, which may call t.Fatal
		first <- serveExample(sim, "POST", apigBase+"/apis/action", "", publishBody(exMockAPI, ReleaseEnvID), exToken).Code
	}()
	for inFlight(sim, exProject, exInstance) == 0 {
		runtime.Gosched()
	}
	status, body, _ := do(t, sim, "POST", "/apis/publish?action=offline", `{"env_id":"`+ReleaseEnvID+`","apis":["`+exAPI+`"]}`)
	if status != http.StatusInternalServerError || body["error_code"] != "APIG.3500" || body["error_msg"] != "Failed to synchronize data to etcd." {
		t.Errorf("a write during another: %d %v; want 500 APIG.3500", status, body)
	}
	if status, _, _ := do(t, sim, "GET", "/apis", ""); status != http.StatusOK {
		t.Errorf("a read during a write: %d", status)
	}
	if status := <-first; status != http.StatusCreated {
		t.Errorf("the first write: %d", status)
	}
	if status, body, _ := do(t, sim, "POST", "/apis/publish?action=offline", `{"env_id":"`+ReleaseEnvID+`","apis":["`+exAPI+`"]}`); status != http.StatusOK {
		t.Errorf("the write after: %d %v", status, body)
	}
	if st := sim.Stats(); st.Conflicts != 1 || st.Operations[opBatchPublish]["500"] != 1 {
		t.Errorf("stats %+v; want one conflict", st)
	}
	if got := sim.State().Projects[exProject].APIG[exInstance]; apiDump(got, "get_user").Publications["RELEASE"].LiveVersion != "" {
		t.Errorf("the refused offline did not take effect after all")
	}
}

func TestConcurrentWritesWithoutConflicts(t *testing.T) {
	sim := newExampleSim(t, Options{WriteLatency: 200 * time.Millisecond})
	first := make(chan int)
	go func() { // not through do, which may call t.Fatal
		first <- serveExample(sim, "POST", apigBase+"/apis/action", "", publishBody(exMockAPI, ReleaseEnvID), exToken).Code
	}()
	status, body, _ := do(t, sim, "POST", "/apis/action", offlineBody(exAPI, ReleaseEnvID))
	if status != http.StatusCreated || <-first != http.StatusCreated {
		t.Errorf("overlapping writes without ConflictOnConcurrentWrites: %d %v", status, body)
	}
}

func TestThrottleWithoutRetryAfter(t *testing.T) {
	sim := newExampleSim(t, Options{RateLimit: 2, ThrottleWithoutRetryAfter: true})
	var throttled http.Header
	for range 10 {
		if status, body, h := do(t, sim, "GET", "/envs", ""); status == http.StatusTooManyRequests {
			if body["error_code"] != "APIG.0308" {
				t.Errorf("429 with %v", body)
			}
			throttled = h
			break
		}
	}
	if throttled == nil {
		t.Fatal("10 immediate requests at 2/s were all accepted")
	}
	if ra, ok := throttled["Retry-After"]; ok {
		t.Errorf("throttled with Retry-After %q", ra)
	}

	sim = newExampleSim(t, Options{ThrottleWithoutRetryAfter: true})
	for _, f := range []Fault{
		{Operation: opListEnvs, Status: http.StatusTooManyRequests, RetryAfter: 3, Count: 1},
		{Operation: opListEnvs, Status: http.StatusServiceUnavailable, RetryAfter: 3, Count: 1},
	} {
		if err := sim.AddFault(f); err != nil {
			t.Fatal(err)
		}
	}
	if status, _, h := do(t, sim, "GET", "/envs", ""); status != http.StatusTooManyRequests || h.Get("Retry-After") != "" {
		t.Errorf("injected 429: %d, Retry-After %q; want none", status, h.Get("Retry-After"))
	}
	if status, _, h := do(t, sim, "GET", "/envs", ""); status != http.StatusServiceUnavailable || h.Get("Retry-After") != "3" {
		t.Errorf("injected 503: %d, Retry-After %q; want 3, only 429s lose it", status, h.Get("Retry-After"))
	}
}

func apiCreateBody(name, groupID string) string {
	return `{"name":"` + name + `","type":1,"req_protocol":"HTTPS","req_method":"GET","req_uri":"/` + name + `","auth_type":"NONE",` +
		`"backend_type":"HTTP","group_id":"` + groupID + `","backend_api":{"req_protocol":"HTTP","req_method":"GET","req_uri":"/x","timeout":5000}}`
}

func TestQuotas(t *testing.T) {
	// The example instance has 2 APIs in 1 group, and 2 environments.
	type step struct {
		method, path, body string
		status             int
		code               string
	}
	cases := []struct {
		name   string
		quotas Quotas
		steps  []step
	}{
		{"APIs per instance", Quotas{APIsPerInstance: 3}, []step{
			{"POST", "/apis", apiCreateBody("third", exGroup), http.StatusCreated, ""},
			{"POST", "/apis", apiCreateBody("fourth", exGroup), http.StatusForbidden, "APIG.3102"},
			{"DELETE", "/apis/" + exMockAPI, "", http.StatusNoContent, ""},
			{"POST", "/apis", apiCreateBody("fourth", exGroup), http.StatusCreated, ""},
		}},
		{"APIs per group", Quotas{APIsPerGroup: 2}, []step{
			{"POST", "/apis", apiCreateBody("third", exGroup), http.StatusForbidden, "APIG.3125"},
		}},
		{"groups", Quotas{Groups: 1}, []step{
			{"POST", "/api-groups", `{"name":"second_group"}`, http.StatusForbidden, "APIG.3101"},
		}},
		{"environments", Quotas{Environments: 3}, []step{
			{"POST", "/envs", `{"name":"STAGING"}`, http.StatusCreated, ""},
			{"POST", "/envs", `{"name":"DEV"}`, http.StatusForbidden, "APIG.3104"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := newExampleSim(t, Options{Quotas: tc.quotas})
			for _, st := range tc.steps {
				status, body, _ := do(t, sim, st.method, st.path, st.body)
				if status != st.status || st.code != "" && body["error_code"] != st.code {
					t.Fatalf("%s %s: %d %v; want %d %s", st.method, st.path, status, body, st.status, st.code)
				}
			}
		})
	}
}

func TestVersionsPerAPIQuota(t *testing.T) {
	sim := newExampleSim(t, Options{Quotas: Quotas{VersionsPerAPI: 3}})
	for range 5 {
		do(t, sim, "POST", "/apis/action", publishBody(exMockAPI, ReleaseEnvID))
	}
	if _, vs, _ := do(t, sim, "GET", "/apis/publish/"+exMockAPI+"?env_id="+ReleaseEnvID, ""); vs["total"].(float64) != 3 {
		t.Errorf("kept %v versions; want 3", vs["total"])
	}
}

func TestRepublishesAreCounted(t *testing.T) {
	sim := newExampleSim(t, Options{ReadLag: exLag})
	steps := []struct {
		name, path, body string
		republishes      int
	}{
		{"first publish", "/apis/action", publishBody(exMockAPI, ReleaseEnvID), 0},
		{"publish of a live API, whatever a lagging read shows", "/apis/action", publishBody(exMockAPI, ReleaseEnvID), 1},
		{"batch publish of the seed's live API", "/apis/publish?action=online", `{"env_id":"` + ReleaseEnvID + `","apis":["` + exAPI + `"]}`, 2},
		{"offline", "/apis/action", offlineBody(exMockAPI, ReleaseEnvID), 2},
		{"publish after an offline", "/apis/action", publishBody(exMockAPI, ReleaseEnvID), 2},
	}
	for _, st := range steps {
		if status, body, _ := do(t, sim, "POST", st.path, st.body); status >= 300 {
			t.Fatalf("%s: %d %v", st.name, status, body)
		}
		if got := sim.Stats().Republishes; got != st.republishes {
			t.Errorf("after %s: %d republishes; want %d", st.name, got, st.republishes)
		}
	}
	// The admin endpoint tells which API, environment and version.
	rec := record(sim, httptestRequest("GET", "/_sim/stats", ""))
	var stats Stats
	if err := json.Unmarshal(rec.Body.Bytes(), &stats); err != nil {
		t.Fatal(err)
	}
	if len(stats.Republished) != 2 {
		t.Fatalf("/_sim/stats lists %v; want 2 republishes", stats.Republished)
	}
	state := sim.State().Projects[exProject].APIG[exInstance]
	got := stats.Republished[1]
	if got.APIID != exAPI || got.APIName != "get_user" || got.EnvID != ReleaseEnvID || got.EnvName != "RELEASE" ||
		got.Operation != opBatchPublish || got.Replaced != "0123456789abcdef0123456789abcdef" ||
		got.Version != apiDump(state, "get_user").Publications["RELEASE"].LiveVersion {
		t.Errorf("republish %+v", got)
	}
}

func TestRealisticPreset(t *testing.T) {
	got := Options{}.Realistic()
	want := Options{ReadLag: 5 * time.Second, WriteLatency: 100 * time.Millisecond, ConflictOnConcurrentWrites: true,
		ThrottleWithoutRetryAfter: true, Quotas: DefaultQuotas()}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("Realistic() = %+v; want %+v", got, want)
	}
	if got := (Options{ReadLag: 10 * time.Second, Quotas: Quotas{APIsPerInstance: 250}}).Realistic(); got.ReadLag != 10*time.Second ||
		got.Quotas.APIsPerInstance != 250 || got.Quotas.APIsPerGroup != 1000 {
		t.Errorf("Realistic() over set options = %+v; want them kept", got)
	}
}
