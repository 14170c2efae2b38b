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
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestResetDuringRequests resets the simulator, injects faults and moves its clock while
// requests of every kind are in flight, for the race detector (go test -race): every access
// to the state a reset replaces must happen under the server's lock. A fault delays each
// request between its authentication and its handler, where a reset is most likely to land.
// Each request must still get an answer the gateway could give, and the state left must keep
// the publication rules.
func TestResetDuringRequests(t *testing.T) {
	sim := newExampleSim(t, Options{})
	const rounds = 40
	publish := `{"action":"online","api_id":"` + exAPI + `","env_id":"` + ReleaseEnvID + `"}`
	requests := []struct {
		method, path, query, body, token string
		want                             int // 0: any documented status but 500
	}{
		{"POST", "/apis/action", "", publish, exToken, 0},
		{"POST", "/apis/action", "", `{"action":"offline","api_id":"` + exAPI + `","env_id":"` + ReleaseEnvID + `"}`, exToken, 0},
		{"POST", "/apis/publish", "action=online", `{"env_id":"` + ReleaseEnvID + `","apis":["` + exAPI + `","` + exMockAPI + `"]}`, exToken, 0},
		{"PUT", "/apis/publish/" + exAPI, "", `{"version_id":"` + exVersion + `"}`, exToken, 0},
		{"DELETE", "/apis/versions/" + exVersion, "", "", exToken, 0},
		{"POST", "/apis/action", "", publish, exReadOnly, http.StatusForbidden},
		{"GET", "/apis/" + exAPI, "", "", exToken, 0},
		{"GET", "/envs", "", "", exToken, 0},
		{"POST", "/openapi/async-export", "", `{"env_id":"` + ReleaseEnvID + `","group_id":"` + exGroup + `"}`, exToken, 0},
		{"POST", dataArtsBase + "/instances/" + exCluster + "/action", "",
			`{"action":"STOP","time":"` + dataArtsTime(49*time.Hour) + `"}`, exToken, 0},
		{"GET", dataArtsBase + "/publish-info", "", "", exToken, 0},
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, r := range requests {
		wg.Go(func() {
			path := r.path
			if !strings.HasPrefix(path, "/v1/") {
				path = apigBase + path
			}
			for range rounds {
				rec := serveExample(sim, r.method, path, r.query, r.body, r.token)
				if r.want != 0 && rec.Code != r.want ||
					r.want == 0 && (rec.Code == http.StatusInternalServerError || !slices.Contains(fuzzStatuses, rec.Code)) {
					t.Errorf("%s %s during resets: %d %s", r.method, r.path, rec.Code, rec.Body)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := sim.Reset(); err != nil {
				t.Errorf("Reset: %v", err)
				return
			}
			for _, f := range []Fault{
				{Operation: opListEnvs, Status: http.StatusTooManyRequests, Count: 1},
				{Operation: "*", Latency: "200us"},
			} {
				if err := sim.AddFault(f); err != nil {
					t.Errorf("AddFault: %v", err)
					return
				}
			}
			sim.AdvanceClock(time.Hour)
			_, _, _ = sim.State(), sim.Stats(), sim.Calls()
		}
	}()
	wg.Wait()
	close(stop)
	<-done
	fuzzCheckState(t, sim)
}
