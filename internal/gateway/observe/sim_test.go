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
	"net/http/httptest"
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
	const (
		project  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
		instance = "eddc4d25480b4cd6b512f270a1b8b341"
		interval = 300 * time.Millisecond
	)
	sim, err := gatewaysim.New(&gatewaysim.Seed{
		Tokens: []string{"demo-token"},
		Projects: []gatewaysim.SeedProject{{ID: project, APIG: []gatewaysim.SeedInstance{{
			InstanceID: instance, Groups: []gatewaysim.SeedGroup{{Name: "shop", APIs: []gatewaysim.SeedAPI{
				{Name: "get_user", Path: "/users/{id}", Published: []gatewaysim.SeedPublication{
					{Environment: "RELEASE", Versions: []string{"ee1a5a38d3d3493abf1dc4ed6cacfa0b"}}}},
			}}},
		}}}},
	}, gatewaysim.Options{Latency: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	raw, err := apig.New(gateway.Config{Name: "ns/gw", Endpoint: srv.URL, ProjectID: project, InstanceID: instance,
		Credentials: gateway.Credentials{Token: "demo-token"},
		Caller:      &gateway.Caller{Gateway: "ns/gw", Gate: gateway.NewGate(100, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	cache := observe.New(raw, interval)

	lists := func() int { return sim.Stats().Operations["ListApisV2"]["200"] }
	for round := 1; round <= 3; round++ {
		start := time.Now()
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				snap, err := cache.Observe(context.Background(), gateway.ReleaseEnvID)
				if err != nil || len(snap.APIs) != 1 {
					t.Errorf("observe: %v, %v", snap, err)
				}
			})
		}
		wg.Wait()
		if got := lists(); got != round {
			t.Fatalf("after round %d of 100 observers: %d list calls, want %d", round, got, round)
		}
		time.Sleep(interval - time.Since(start) + 10*time.Millisecond) // the next observe interval
	}
}
