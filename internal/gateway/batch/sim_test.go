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

package batch_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/apig"
	"github.com/apig-operator/apig-operator/internal/gateway/batch"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

const (
	project  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	instance = "eddc4d25480b4cd6b512f270a1b8b341"
)

// TestConcurrentPublishesReachTheGatewayAsBatches drives 2,500 concurrent single-API publish
// requests for one environment through the real adapter and counts the calls the simulator
// received.
func TestConcurrentPublishesReachTheGatewayAsBatches(t *testing.T) {
	const n = 2500
	apis := make([]gatewaysim.SeedAPI, n)
	for i := range apis {
		apis[i] = gatewaysim.SeedAPI{ID: fmt.Sprintf("%032x", i+1), Name: fmt.Sprintf("api_%04d", i), Path: fmt.Sprintf("/api/%d", i)}
	}
	sim, err := gatewaysim.New(&gatewaysim.Seed{
		Tokens: []string{"demo-token"},
		Projects: []gatewaysim.SeedProject{{ID: project, APIG: []gatewaysim.SeedInstance{{
			InstanceID: instance, Groups: []gatewaysim.SeedGroup{{Name: "many", APIs: apis}},
		}}}},
	}, gatewaysim.Options{Latency: 20 * time.Millisecond})
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
	pub := batch.Wrap(raw, 100*time.Millisecond, 0, 1000)

	var wg sync.WaitGroup
	results := make([]gateway.BatchResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = pub.Publish(context.Background(), gateway.ReleaseEnvID, []string{apis[i].ID}, "bulk")
		})
	}
	wg.Wait()

	for i := range n {
		out, ok := results[i][apis[i].ID]
		if errs[i] != nil || !ok || out.Err != nil || out.PublishID == "" || out.VersionID == "" {
			t.Fatalf("caller %d: %+v, %v", i, out, errs[i])
		}
	}
	stats := sim.Stats()
	if got := stats.Operations["BatchPublishOrOfflineApiV2"]["200"]; got != 3 {
		t.Errorf("%d batch calls for %d publish requests, want 3 (1000 + 1000 + 500); stats %v", got, n, stats.Operations)
	}
	if got := stats.Operations["CreateOrDeletePublishRecordForApiV2"]; len(got) != 0 {
		t.Errorf("single publish calls were made: %v", got)
	}
	live := 0
	for _, a := range sim.State().Projects[project].APIG[instance].APIs {
		if a.Publications["RELEASE"].LiveVersion != "" {
			live++
		}
	}
	if live != n {
		t.Errorf("%d APIs live in RELEASE, want %d", live, n)
	}
}
