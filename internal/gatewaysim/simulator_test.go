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
	"strings"
	"testing"
	"time"
)

// do sends a token-authenticated request to the example instance (APIG paths) or the example
// DataArts API (paths starting with /v1/), and decodes a JSON object response.
func do(t *testing.T, sim *Server, method, path, body string) (int, map[string]any, http.Header) {
	t.Helper()
	target, query, _ := strings.Cut(path, "?")
	if !strings.HasPrefix(target, "/v1/") && !strings.HasPrefix(target, "/v2/") {
		target = apigBase + target
	}
	rec := serveExample(sim, method, target, query, body, exToken)
	var out map[string]any
	if rec.Body.Len() > 0 && strings.HasPrefix(strings.TrimSpace(rec.Body.String()), "{") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	}
	return rec.Code, out, rec.Header()
}

func newExampleSim(t *testing.T, opts Options) *Server {
	t.Helper()
	sim, err := New(exampleSeed(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

func TestPublishSnapshotsTheDefinition(t *testing.T) {
	sim := newExampleSim(t, Options{})
	status, pub, _ := do(t, sim, "POST", "/apis/action", `{"action":"online","api_id":"`+exMockAPI+`","env_id":"`+ReleaseEnvID+`"}`)
	if status != 201 {
		t.Fatalf("publish: %d %v", status, pub)
	}
	update := `{"name":"Api_mock","type":1,"req_protocol":"HTTPS","req_method":"POST","req_uri":"/mock/v2","auth_type":"NONE",` +
		`"backend_type":"HTTP","group_id":"` + exGroup + `","backend_api":{"req_protocol":"HTTP","req_method":"POST","req_uri":"/x","timeout":5000}}`
	if status, body, _ := do(t, sim, "PUT", "/apis/"+exMockAPI, update); status != 200 || body["req_uri"] != "/mock/v2" {
		t.Fatalf("update: %d %v", status, body)
	}
	// The live version keeps the definition it was published with.
	_, version, _ := do(t, sim, "GET", "/apis/versions/"+pub["version_id"].(string), "")
	if version["req_uri"] != "/mock" {
		t.Errorf("live version req_uri = %v, want the published /mock", version["req_uri"])
	}
	_, api, _ := do(t, sim, "GET", "/apis/"+exMockAPI, "")
	if api["publish_id"] != pub["publish_id"] || api["run_env_name"] != "RELEASE" {
		t.Errorf("show API after update: publish_id %v run_env_name %v", api["publish_id"], api["run_env_name"])
	}
}

func TestRunEnvironmentsAreIndexAligned(t *testing.T) {
	sim := newExampleSim(t, Options{})
	_, envs, _ := do(t, sim, "GET", "/envs?name=TEST", "")
	testEnv := envs["envs"].([]any)[0].(map[string]any)["id"].(string)
	_, inTest, _ := do(t, sim, "POST", "/apis/action", `{"action":"online","api_id":"`+exAPI+`","env_id":"`+testEnv+`"}`)
	_, api, _ := do(t, sim, "GET", "/apis/"+exAPI, "")
	ids := strings.Split(api["run_env_id"].(string), "|")
	names := strings.Split(api["run_env_name"].(string), "|")
	publishIDs := strings.Split(api["publish_id"].(string), "|")
	times := strings.Split(api["publish_time"].(string), "|")
	if len(ids) != 2 || len(names) != 2 || len(publishIDs) != 2 || len(times) != 2 {
		t.Fatalf("want two aligned entries, got %v", api)
	}
	// Newest first: TEST was published last.
	if ids[0] != testEnv || names[0] != "TEST" || publishIDs[0] != inTest["publish_id"] || ids[1] != ReleaseEnvID {
		t.Errorf("run envs %v %v %v, want TEST first with its publish ID", ids, names, publishIDs)
	}
	status, list, _ := do(t, sim, "GET", "/apis?env_id="+testEnv, "")
	if status != 200 || list["total"].(float64) != 1 {
		t.Errorf("list by env_id: %d %v", status, list)
	}
}

func TestAtMostTenVersionsPerEnvironment(t *testing.T) {
	sim := newExampleSim(t, Options{})
	var first string
	for i := range 12 {
		_, pub, _ := do(t, sim, "POST", "/apis/action", `{"action":"online","api_id":"`+exMockAPI+`","env_id":"`+ReleaseEnvID+`"}`)
		if i == 0 {
			first = pub["version_id"].(string)
		}
	}
	_, versions, _ := do(t, sim, "GET", "/apis/publish/"+exMockAPI+"?env_name=RELEASE", "")
	list := versions["api_versions"].([]any)
	if len(list) != 10 || versions["total"].(float64) != 10 {
		t.Fatalf("kept %d versions, want 10", len(list))
	}
	live := 0
	for _, v := range list {
		if v.(map[string]any)["status"].(float64) == 1 {
			live++
		}
	}
	if live != 1 || list[0].(map[string]any)["status"].(float64) != 1 {
		t.Errorf("want exactly one live version, the newest; got %d", live)
	}
	if status, body, _ := do(t, sim, "PUT", "/apis/publish/"+exMockAPI, `{"version_id":"`+first+`"}`); status != 404 || body["error_code"] != "APIG.3022" {
		t.Errorf("switch to a dropped version: %d %v", status, body)
	}
}

func TestOfflineAndVersionOffline(t *testing.T) {
	sim := newExampleSim(t, Options{})
	status, body, _ := do(t, sim, "POST", "/apis/action", `{"action":"offline","api_id":"`+exAPI+`","env_id":"`+ReleaseEnvID+`"}`)
	if status != 201 {
		t.Fatalf("offline: %d %v", status, body)
	}
	if _, list, _ := do(t, sim, "GET", "/apis?env_id="+ReleaseEnvID, ""); list["total"].(float64) != 0 {
		t.Errorf("still listed in RELEASE: %v", list)
	}
	status, body, _ = do(t, sim, "POST", "/apis/action", `{"action":"offline","api_id":"`+exAPI+`","env_id":"`+ReleaseEnvID+`"}`)
	if status != 404 || body["error_code"] != "APIG.3015" {
		t.Errorf("offline twice: %d %v", status, body)
	}
	// Switching back to a kept version publishes it again; deleting that version takes it offline.
	if status, _, _ := do(t, sim, "PUT", "/apis/publish/"+exAPI, `{"version_id":"`+exVersion+`"}`); status != 200 {
		t.Fatalf("switch: %d", status)
	}
	if status, _, _ := do(t, sim, "DELETE", "/apis/versions/"+exVersion, ""); status != 204 {
		t.Fatalf("version offline: %d", status)
	}
	if _, api, _ := do(t, sim, "GET", "/apis/"+exAPI, ""); api["run_env_id"] != nil {
		t.Errorf("still published: %v", api["run_env_id"])
	}
}

func TestUnknownInstance(t *testing.T) {
	sim := newExampleSim(t, Options{})
	path := "/v2/" + exProject + "/apigw/instances/" + exMissing + "/envs"
	status, body, _ := do(t, sim, "GET", path, "")
	if status != 404 || body["error_code"] != "APIG.3030" || body["error_msg"] != "The instance does not exist;id:"+exMissing {
		t.Errorf("%d %v", status, body)
	}
}

func TestAsyncExportMovesThroughItsStates(t *testing.T) {
	sim := newExampleSim(t, Options{})
	_, started, _ := do(t, sim, "POST", "/openapi/async-export?oas_version=3.0", `{"env_id":"`+ReleaseEnvID+`","group_id":"`+exGroup+`","type":"yaml"}`)
	taskPath := "/async-tasks/" + started["task_id"].(string)
	var states []string
	var last map[string]any
	for range 3 {
		_, last, _ = do(t, sim, "GET", taskPath, "")
		states = append(states, last["task_status"].(string))
	}
	if strings.Join(states, ",") != "processing,succeed,succeed" {
		t.Fatalf("states %v", states)
	}
	var result struct {
		FileType string `json:"file_type"`
		Content  string `json:"content"`
	}
	if err := json.Unmarshal([]byte(last["task_result"].(string)), &result); err != nil {
		t.Fatal(err)
	}
	if result.FileType != "yaml" || !strings.Contains(result.Content, "openapi: 3.0") || !strings.Contains(result.Content, "/users/{id}") {
		t.Errorf("task_result %+v", result)
	}
	if strings.Contains(result.Content, "/mock") {
		t.Error("the unpublished Api_mock is in a spec export")
	}
}

func TestExportTaskFailureFault(t *testing.T) {
	sim := newExampleSim(t, Options{})
	if err := sim.AddFault(Fault{Operation: "ExportApiDefinitionsAsync", TaskStatus: "failed", Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, started, _ := do(t, sim, "POST", "/openapi/async-export", `{"env_id":"`+ReleaseEnvID+`","group_id":"`+exGroup+`"}`)
	taskPath := "/async-tasks/" + started["task_id"].(string)
	do(t, sim, "GET", taskPath, "")
	_, last, _ := do(t, sim, "GET", taskPath, "")
	if last["task_status"] != "failed" || !strings.Contains(last["task_result"].(string), "APIG.9999") {
		t.Errorf("task %v", last)
	}
}

func TestDataArtsFortyEightHourRule(t *testing.T) {
	sim := newExampleSim(t, Options{})
	action := dataArtsBase + "/instances/" + exCluster + "/action"
	at := dataArtsTime(49 * time.Hour)
	if status, body, _ := do(t, sim, "POST", action, `{"action":"STOP","time":"`+at+`"}`); status != 204 {
		t.Fatalf("stop: %d %v", status, body)
	}
	dataStatus := func() string {
		_, info, _ := do(t, sim, "GET", dataArtsBase+"/publish-info", "")
		return info["publish_messages"].([]any)[0].(map[string]any)["api_status"].(string)
	}
	if got := dataStatus(); got != dataStatusWaitingStop {
		t.Fatalf("after STOP: %s", got)
	}
	sim.AdvanceClock(50 * time.Hour)
	if got := dataStatus(); got != dataStatusStopped {
		t.Fatalf("after the time passed: %s", got)
	}
	if status, _, _ := do(t, sim, "POST", action, `{"action":"RECOVER"}`); status != 204 {
		t.Fatalf("recover: %d", status)
	}
	if got := dataStatus(); got != dataStatusPublished {
		t.Fatalf("after RECOVER: %s", got)
	}
	if status, body, _ := do(t, sim, "POST", action, `{"action":"UNPUBLISH","time":"`+sim.Now().Add(49*time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339)+`"}`); status != 204 {
		t.Fatalf("unpublish: %d %v", status, body)
	}
	if got := dataStatus(); got != dataStatusWaitingOffline {
		t.Fatalf("after UNPUBLISH: %s", got)
	}
	status, body, _ := do(t, sim, "POST", action, `{"action":"UNPUBLISH","time":"`+at+`"}`)
	if status != 400 || body["error_code"] != "DLM.4182" {
		t.Errorf("UNPUBLISH again: %d %v", status, body)
	}
}

func TestDataArtsRecoverByNonReviewerWaitsForReview(t *testing.T) {
	seed := exampleSeed()
	seed.Reviewers = []string{"DEMOAK"} // the token caller is not a reviewer
	seed.Projects[0].DataArts[0].APIs[0].Status = dataStatusStopped
	sim, err := New(seed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := do(t, sim, "POST", dataArtsBase+"/instances/"+exCluster+"/action", `{"action":"RECOVER"}`); status != 204 {
		t.Fatalf("recover: %d", status)
	}
	_, api, _ := do(t, sim, "GET", dataArtsBase, "")
	if api["status"] != dataStatusRecoverWaitReview {
		t.Errorf("status %v", api["status"])
	}
}

func TestDataArtsNeedsTheWorkspaceHeader(t *testing.T) {
	sim := newExampleSim(t, Options{})
	req := httptestRequest("GET", dataArtsBase+"/publish-info", "")
	req.Header.Del("workspace")
	rec := record(sim, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "DLM.4001") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestRateLimit(t *testing.T) {
	sim := newExampleSim(t, Options{RateLimit: 2})
	var throttled http.Header
	for range 10 {
		if status, body, h := do(t, sim, "GET", "/envs", ""); status == 429 {
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
	if ra := throttled.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
}

func TestFaultsCountAndStats(t *testing.T) {
	sim := newExampleSim(t, Options{})
	if err := sim.AddFault(Fault{Operation: "ListEnvironmentsV2", Status: 503, Count: 2, RetryAfter: 3}); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for range 3 {
		status, _, h := do(t, sim, "GET", "/envs", "")
		statuses = append(statuses, status)
		if status == 503 && h.Get("Retry-After") != "3" {
			t.Errorf("Retry-After %q", h.Get("Retry-After"))
		}
	}
	if fmt.Sprint(statuses) != "[503 503 200]" {
		t.Errorf("statuses %v", statuses)
	}
	st := sim.Stats()
	if st.Operations["ListEnvironmentsV2"]["503"] != 2 || st.Operations["ListEnvironmentsV2"]["200"] != 1 || st.Writes != 0 {
		t.Errorf("stats %+v", st)
	}
	do(t, sim, "POST", "/apis/action", `{"action":"online","api_id":"`+exAPI+`","env_id":"`+ReleaseEnvID+`"}`)
	if st := sim.Stats(); st.Writes != 1 {
		t.Errorf("writes %d after one publish", st.Writes)
	}
}

func TestMalformedResponseFault(t *testing.T) {
	sim := newExampleSim(t, Options{})
	if err := sim.AddFault(Fault{Operation: "ListApisV2", Status: 502, Body: "<html>Bad Gateway</html>", ContentType: "text/html"}); err != nil {
		t.Fatal(err)
	}
	rec := record(sim, httptestRequest("GET", apigBase+"/apis", ""))
	if rec.Code != 502 || rec.Body.String() != "<html>Bad Gateway</html>" || rec.Header().Get("Content-Type") != "text/html" {
		t.Errorf("%d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

func TestBodyLimit(t *testing.T) {
	sim := newExampleSim(t, Options{})
	huge := `{"remark":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	status, body, _ := do(t, sim, "POST", "/envs", huge)
	if status != 400 || body["error_code"] != "APIG.2000" {
		t.Errorf("%d %v", status, body)
	}
}

func TestResetRestoresTheSeed(t *testing.T) {
	sim := newExampleSim(t, Options{})
	do(t, sim, "POST", "/apis/action", `{"action":"offline","api_id":"`+exAPI+`","env_id":"`+ReleaseEnvID+`"}`)
	if err := sim.Reset(); err != nil {
		t.Fatal(err)
	}
	_, api, _ := do(t, sim, "GET", "/apis/"+exAPI, "")
	if api["run_env_name"] != "RELEASE" {
		t.Errorf("after reset: %v", api["run_env_name"])
	}
	if st := sim.Stats(); st.Total != 1 {
		t.Errorf("stats not reset: %+v", st)
	}
}

// TestCallLogNamesTheAPIsActedOn: the call log says which APIs each change of publication acted
// on, so a test can count the publishes of each API; refused ones and no-ops are not listed.
func TestCallLogNamesTheAPIsActedOn(t *testing.T) {
	sim := newExampleSim(t, Options{})
	missing := strings.Repeat("0", 32)
	steps := []struct {
		method, path, body string
		status             int
		action             string
		apis               []string
	}{
		{"POST", "/apis/publish?action=online", `{"env_id":"` + ReleaseEnvID + `","apis":["` + exMockAPI + `","` + missing + `"]}`,
			200, "online", []string{exMockAPI}},
		{"POST", "/apis/publish?action=offline", `{"env_id":"` + ReleaseEnvID + `","apis":["` + missing + `"]}`, 200, "", nil},
		{"POST", "/apis/action", `{"action":"offline","api_id":"` + exAPI + `","env_id":"` + ReleaseEnvID + `"}`,
			201, "offline", []string{exAPI}},
		{"PUT", "/apis/publish/" + exAPI, `{"version_id":"` + exVersion + `"}`, 200, "switch", []string{exAPI}},
		{"DELETE", "/apis/versions/" + exVersion, "", 204, "offline", []string{exAPI}},
		{"DELETE", "/apis/versions/" + exVersion, "", 204, "", nil}, // no longer live: nothing changes
		{"POST", dataArtsBase + "/instances/" + exCluster + "/action", `{"action":"STOP","time":"` + dataArtsTime(49*time.Hour) + `"}`,
			204, "STOP", []string{exDataAPI}},
		{"POST", dataArtsBase + "/instances/" + exCluster + "/action", `{"action":"RECOVER"}`, 400, "", nil},
	}
	for _, st := range steps {
		if status, body, _ := do(t, sim, st.method, st.path, st.body); status != st.status {
			t.Fatalf("%s %s: %d %v, want %d", st.method, st.path, status, body, st.status)
		}
	}
	calls := sim.Calls()
	if len(calls) != len(steps) {
		t.Fatalf("%d calls logged, want %d", len(calls), len(steps))
	}
	for i, st := range steps {
		if c := calls[i]; c.Action != st.action || fmt.Sprint(c.APIs) != fmt.Sprint(st.apis) {
			t.Errorf("%s %s logged as %q %v, want %q %v", st.method, st.path, c.Action, c.APIs, st.action, st.apis)
		}
	}
}
