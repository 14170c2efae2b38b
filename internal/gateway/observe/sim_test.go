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

package observe_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/apig"
	"github.com/apig-operator/apig-operator/internal/gateway/observe"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// TestObserversShareListCalls runs 100 concurrent observers of one environment, three rounds
// an observe interval apart, and counts the list calls the simulator received.
func TestObserversShareListCalls(t *testing.T) {
	const interval = time.Minute
	sim, raw := newSim(t, gatewaysim.SeedGroup{Name: "shop", APIs: []gatewaysim.SeedAPI{
		{Name: "get_user", Path: "/users/{id}", Published: []gatewaysim.SeedPublication{
			{Environment: "RELEASE", Versions: []string{"ee1a5a38d3d3493abf1dc4ed6cacfa0b"}}}},
	}})
	// The cache's clock stands still within a round; between rounds it moves to the moment
	// the round's snapshot turns one interval old.
	var mu sync.Mutex
	now, taken := time.Now(), time.Time{}
	cache := observe.New(raw, interval, observe.WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}))

	lists := func() int { return sim.Stats().Operations["ListApisV2"]["200"] }
	for round := 1; round <= 3; round++ {
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				snap, err := cache.Observe(context.Background(), gateway.ReleaseEnvID)
				if err != nil || len(snap.APIs) != 1 {
					t.Errorf("observe: %v, %v", snap, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if snap.Taken.After(taken) {
					taken = snap.Taken
				}
			})
		}
		wg.Wait()
		if got := lists(); got != round {
			t.Fatalf("after round %d of 100 observers: %d list calls, want %d", round, got, round)
		}
		mu.Lock()
		now = taken.Add(interval) // the next observe interval
		mu.Unlock()
	}
}

// TestResolversShareOneListing: 100 objects that each name one unpublished API make one
// listing of the instance's APIs; a reference the listing does not settle goes to the adapter.
func TestResolversShareOneListing(t *testing.T) {
	var apis []gatewaysim.SeedAPI
	for i := range 100 {
		apis = append(apis, gatewaysim.SeedAPI{Name: fmt.Sprintf("api_%03d", i), Path: fmt.Sprintf("/a/%d", i)})
	}
	sim, raw := newSim(t, gatewaysim.SeedGroup{Name: "one", APIs: apis})
	cache := observe.New(raw, time.Minute)
	lists := func() int { return sim.Stats().Operations["ListApisV2"]["200"] }

	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			name := fmt.Sprintf("api_%03d", i)
			got, errs, err := cache.ResolveAPIs(context.Background(), []gateway.APIRef{{Name: name}})
			if err != nil || errs[0] != nil || got[0].Name != name || got[0].ID == "" {
				t.Errorf("resolve %s: %v, %v, %v", name, got, errs, err)
			}
		})
	}
	wg.Wait()
	if n := lists(); n != 1 {
		t.Fatalf("100 resolvers made %d list calls, want 1", n)
	}

	_, errs, err := cache.ResolveAPIs(context.Background(), []gateway.APIRef{{Name: "api_001"}, {Name: "missing"}})
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || !gateway.HasCode(errs[1], gateway.CodeAPINotFound) {
		t.Errorf("errors %v, want none and APIG.3002", errs)
	}
	if n := lists(); n != 2 {
		t.Errorf("the reference the listing lacks made %d more list calls, want 1 lookup", n-1)
	}
	_, errs, err = cache.ResolveAPIs(context.Background(), []gateway.APIRef{{Name: "api_002", ID: "x"}})
	if err == nil && errs[0] != nil {
		err = errs[0]
	}
	if err == nil || !strings.Contains(err.Error(), "exactly one of an ID and a name") {
		t.Errorf("a reference with an ID and a name: %v", err)
	}
}

// newSim serves the groups from a simulator and returns it with an APIG client of it.
func newSim(t *testing.T, groups ...gatewaysim.SeedGroup) (*gatewaysim.Server, *apig.Client) {
	t.Helper()
	const (
		project  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
		instance = "eddc4d25480b4cd6b512f270a1b8b341"
	)
	sim, err := gatewaysim.New(&gatewaysim.Seed{
		Tokens:   []string{"demo-token"},
		Projects: []gatewaysim.SeedProject{{ID: project, APIG: []gatewaysim.SeedInstance{{InstanceID: instance, Groups: groups}}}},
	}, gatewaysim.Options{Latency: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	raw, err := apig.New(gateway.Config{Name: "ns/gw", Endpoint: srv.URL, ProjectID: project, InstanceID: instance,
		Credentials: gateway.Credentials{Token: "demo-token"},
		Caller:      &gateway.Caller{Gateway: "ns/gw", Gate: gateway.NewGate(100, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	return sim, raw
}
