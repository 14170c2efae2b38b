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

package dataarts

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

const (
	project   = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	clusterID = "c2e2f6b1a9d84e5f8a7b6c5d4e3f2a10"
	apiID     = "4704f5a0b6c24e0c9d8e7f6a5b4c3d21"
)

func newClient(t *testing.T, creds gateway.Credentials) (*Client, *gatewaysim.Server) {
	t.Helper()
	sim, err := gatewaysim.New(&gatewaysim.Seed{
		Tokens:     []string{"demo-token"},
		AccessKeys: []gatewaysim.SeedAccessKey{{AccessKey: "DEMOAK", SecretKey: "DEMOSK"}},
		Projects: []gatewaysim.SeedProject{{ID: project, DataArts: []gatewaysim.SeedCluster{{
			ClusterID: clusterID, Workspace: "ws-demo",
			APIs: []gatewaysim.SeedDataAPI{{ID: apiID, Name: "sales_report", Path: "/reports/sales"}, {Name: "sales_report_v2", Path: "/v2"}},
		}}}},
	}, gatewaysim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := New(gateway.Config{Name: "ns/gw", Endpoint: srv.URL, ProjectID: project, InstanceID: clusterID,
		Workspace: "ws-demo", Credentials: creds, Caller: &gateway.Caller{Gateway: "ns/gw", Gate: gateway.NewGate(1000, 1000)}})
	if err != nil {
		t.Fatal(err)
	}
	return c, sim
}

func TestLifecycle(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"token": {Token: "demo-token"},
		"AK/SK": {AccessKey: "DEMOAK", SecretKey: "DEMOSK"},
	} {
		t.Run(name, func(t *testing.T) {
			c, sim := newClient(t, creds)
			ctx := context.Background()
			if err := c.Probe(ctx); err != nil {
				t.Fatalf("probe: %v", err)
			}
			api, err := c.ResolveAPI(ctx, gateway.APIRef{Name: "sales_report"})
			if err != nil || api.ID != apiID {
				t.Fatalf("resolve by name: %+v, %v", api, err)
			}
			if _, err := c.ResolveAPI(ctx, gateway.APIRef{Name: "sales"}); !gateway.HasCode(err, "DLM.4018") {
				t.Errorf("a name that only matches as a substring: %v", err)
			}
			if pub, err := c.Publication(ctx, apiID); err != nil || pub.PublishID != "" {
				t.Fatalf("before publishing: %+v, %v", pub, err)
			}
			if err := c.Publish(ctx, apiID); err != nil {
				t.Fatalf("publish: %v", err)
			}
			expectStatus(t, c, gateway.DataStatusPublished)

			at := sim.Now().Add(49 * time.Hour).UTC().Truncate(time.Hour)
			if err := c.Act(ctx, apiID, gateway.DataStop, at); err != nil {
				t.Fatalf("stop: %v", err)
			}
			expectStatus(t, c, gateway.DataStatusWaitingStop)
			sim.AdvanceClock(50 * time.Hour)
			expectStatus(t, c, gateway.DataStatusStopped)
			if err := c.Act(ctx, apiID, gateway.DataRecover, time.Time{}); err != nil {
				t.Fatalf("recover: %v", err)
			}
			expectStatus(t, c, gateway.DataStatusPublished)

			err = c.Act(ctx, apiID, gateway.DataUnpublish, sim.Now().Add(time.Hour).Truncate(time.Hour))
			if class := gateway.Classify(err).Class; class != gateway.Terminal || !gateway.HasCode(err, "DLM.4182") {
				t.Errorf("UNPUBLISH with an hour's notice: %v (%s)", err, class)
			}
		})
	}
}

func expectStatus(t *testing.T, c *Client, want string) {
	t.Helper()
	pub, err := c.Publication(context.Background(), apiID)
	if err != nil || pub.Status != want {
		t.Fatalf("status %q, %v; want %s", pub.Status, err, want)
	}
}

func TestErrors(t *testing.T) {
	c, _ := newClient(t, gateway.Credentials{AccessKey: "DEMOAK", SecretKey: "wrong-secret"})
	err := c.Probe(context.Background())
	if class := gateway.Classify(err).Class; class != gateway.Terminal || !gateway.Classify(err).Auth {
		t.Fatalf("wrong secret: %v (%s)", err, class)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("the error shows the secret: %v", err)
	}
	c, _ = newClient(t, gateway.Credentials{Token: "demo-token"})
	_, err = c.ResolveAPI(context.Background(), gateway.APIRef{ID: "ffffffffffffffffffffffffffffffff"})
	if h := gateway.Classify(err); h.Class != gateway.Waiting || h.Delay != gateway.NotFoundDelay {
		t.Errorf("unknown API: %v (%+v)", err, h)
	}
}
