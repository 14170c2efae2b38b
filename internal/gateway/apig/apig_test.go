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

package apig

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// The world of these tests; the IDs have the shapes of the reference examples.
const (
	tProject     = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	tInstance    = "eddc4d25480b4cd6b512f270a1b8b341"
	tGroup       = "c77f5e81d9cb4424bf704ef2b0ac7600"
	tGroupName   = "api_group_001"
	tTestEnv     = "7a1ad0c350844ee69479b47df9a881cb"
	tAPIUser     = "5f918d104dc84480a75166ba99efff21" // get_user: published in RELEASE, two versions
	tAPIMock     = "3a955b791bd24b1c9cd94c745f8d1aad" // Api_mock: unpublished
	tAPIOrders   = "9f27d1dc4f4242a9abf88e563dbfc33d" // list_orders: unpublished
	tMissing     = "abd9c4b2ff974888b0ba79be7e6b2762"
	tVersionOld  = "ee1a5a38d3d3493abf1dc4ed6cacfa0b"
	tVersionLive = "0123456789abcdef0123456789abcdef"
	tToken       = "demo-token"
	tAK          = "DEMOAK"
	tSK          = "DEMOSK"
	tWrongSK     = "WRONG-SECRET-KEY"
	tWrongToken  = "wrong-token-value"
)

func testSeed() *gatewaysim.Seed {
	return &gatewaysim.Seed{
		Tokens:     []string{tToken},
		AccessKeys: []gatewaysim.SeedAccessKey{{AccessKey: tAK, SecretKey: tSK}},
		Projects: []gatewaysim.SeedProject{{
			ID: tProject,
			APIG: []gatewaysim.SeedInstance{{
				InstanceID:   tInstance,
				Environments: []gatewaysim.SeedEnvironment{{ID: tTestEnv, Name: "TEST"}},
				Groups: []gatewaysim.SeedGroup{{ID: tGroup, Name: tGroupName, APIs: []gatewaysim.SeedAPI{
					{ID: tAPIUser, Name: "get_user", Path: "/users/{id}", Published: []gatewaysim.SeedPublication{
						{Environment: "RELEASE", Versions: []string{tVersionOld, tVersionLive}},
					}},
					{ID: tAPIMock, Name: "Api_mock", Method: "POST", Path: "/mock"},
					{ID: tAPIOrders, Name: "list_orders", Path: "/orders"},
				}}},
			}},
		}},
	}
}

// credentialKinds are the two ways a client authenticates; every behaviour is tested with both.
var credentialKinds = []struct {
	name  string
	creds gateway.Credentials
}{
	{"token", gateway.Credentials{Token: tToken}},
	{"aksk", gateway.Credentials{AccessKey: tAK, SecretKey: tSK}},
}

// newSim serves a simulator of seed over real HTTP.
func newSim(t *testing.T, seed *gatewaysim.Seed) (*gatewaysim.Server, string) {
	t.Helper()
	sim, err := gatewaysim.New(seed, gatewaysim.Options{})
	if err != nil {
		t.Fatalf("gatewaysim.New: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func testConfig(endpoint string, creds gateway.Credentials) gateway.Config {
	return gateway.Config{
		Name: "default/test", Endpoint: endpoint, ProjectID: tProject, InstanceID: tInstance,
		Credentials: creds, Timeout: 5 * time.Second,
		Caller: &gateway.Caller{Gateway: "default/test", Gate: gateway.NewGate(1000, 1000), Metrics: gateway.NewMetrics()},
	}
}

func newClient(t *testing.T, cfg gateway.Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// asGatewayError asserts that err is a *gateway.Error and returns it.
func asGatewayError(t *testing.T, err error) *gateway.Error {
	t.Helper()
	var gerr *gateway.Error
	if !errors.As(err, &gerr) {
		t.Fatalf("error %T %v is not a *gateway.Error", err, err)
	}
	return gerr
}

func expectCode(t *testing.T, err error, code string, class gateway.Class) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want %s", code)
	}
	gerr := asGatewayError(t, err)
	if gerr.Code != code {
		t.Errorf("code = %q (%v); want %s", gerr.Code, err, code)
	}
	if got := gateway.Classify(err).Class; got != class {
		t.Errorf("class of %v = %v; want %v", err, got, class)
	}
}

// apiState is the simulator's record of one API.
func apiState(t *testing.T, sim *gatewaysim.Server, id string) gatewaysim.APIDump {
	t.Helper()
	for _, a := range sim.State().Projects[tProject].APIG[tInstance].APIs {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("API %s is not in the simulator", id)
	return gatewaysim.APIDump{}
}

func calls(sim *gatewaysim.Server, op string) int {
	n := 0
	for _, count := range sim.Stats().Operations[op] {
		n += count
	}
	return n
}

// TestPublisher drives every method once against the simulator, with a token and with an
// access key. The steps share one simulator and run in order.
func TestPublisher(t *testing.T) {
	for _, kind := range credentialKinds {
		t.Run(kind.name, func(t *testing.T) {
			sim, url := newSim(t, testSeed())
			cfg := testConfig(url, kind.creds)
			c := newClient(t, cfg)
			ctx := context.Background()
			steps := []struct {
				name string
				run  func(t *testing.T)
			}{
				{"Environments", func(t *testing.T) { testEnvironments(ctx, t, c) }},
				{"Group", func(t *testing.T) { testGroup(ctx, t, c) }},
				{"GroupAPIs", func(t *testing.T) { testGroupAPIs(ctx, t, c) }},
				{"ResolveAPIs", func(t *testing.T) { testResolveAPIs(ctx, t, c, sim) }},
				{"Observe", func(t *testing.T) { testObserve(ctx, t, c, sim) }},
				{"Publish", func(t *testing.T) { testPublish(ctx, t, c, sim, cfg.Caller.Metrics) }},
				{"Versions", func(t *testing.T) { testVersions(ctx, t, c) }},
				{"SwitchVersion", func(t *testing.T) { testSwitchVersion(ctx, t, c, sim) }},
				{"Offline", func(t *testing.T) { testOffline(ctx, t, c, sim) }},
				{"Export", func(t *testing.T) { testExport(ctx, t, c) }},
				{"ExportFailed", func(t *testing.T) { testExportFailed(ctx, t, c, sim) }},
			}
			for _, s := range steps {
				t.Run(s.name, s.run)
			}
		})
	}
}

func testEnvironments(ctx context.Context, t *testing.T, c *Client) {
	envs, err := c.Environments(ctx)
	if err != nil {
		t.Fatalf("Environments: %v", err)
	}
	want := map[string]string{gateway.ReleaseEnvID: "RELEASE", tTestEnv: "TEST"}
	if len(envs) != len(want) {
		t.Fatalf("Environments = %v; want %v", envs, want)
	}
	for _, e := range envs {
		if want[e.ID] != e.Name {
			t.Errorf("environment %s is named %q; want %q", e.ID, e.Name, want[e.ID])
		}
	}
}

func testGroup(ctx context.Context, t *testing.T, c *Client) {
	want := gateway.Group{ID: tGroup, Name: tGroupName}
	for _, ref := range []gateway.GroupRef{{ID: tGroup}, {Name: tGroupName}} {
		g, err := c.Group(ctx, ref)
		if err != nil || g != want {
			t.Errorf("Group(%+v) = %+v, %v; want %+v", ref, g, err, want)
		}
	}
	for _, ref := range []gateway.GroupRef{{ID: tMissing}, {Name: "no_such_group"}} {
		_, err := c.Group(ctx, ref)
		expectCode(t, err, gateway.CodeGroupNotFound, gateway.Waiting)
		if gerr := asGatewayError(t, err); gerr.HTTPStatus != 404 {
			t.Errorf("Group(%+v): HTTP %d; want 404", ref, gerr.HTTPStatus)
		}
	}
	if _, err := c.Group(ctx, gateway.GroupRef{}); err == nil {
		t.Error("Group of an empty ref: no error")
	}
}

func testGroupAPIs(ctx context.Context, t *testing.T, c *Client) {
	apis, err := c.GroupAPIs(ctx, tGroup)
	if err != nil {
		t.Fatalf("GroupAPIs: %v", err)
	}
	names := map[string]string{}
	for _, a := range apis {
		names[a.ID] = a.Name
		if a.GroupID != tGroup || a.UpdateTime.IsZero() {
			t.Errorf("API %+v: want group %s and an update time", a, tGroup)
		}
	}
	want := map[string]string{tAPIUser: "get_user", tAPIMock: "Api_mock", tAPIOrders: "list_orders"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("GroupAPIs = %v; want %v", names, want)
	}
}

func testResolveAPIs(ctx context.Context, t *testing.T, c *Client, sim *gatewaysim.Server) {
	cases := []struct {
		name     string
		refs     []gateway.APIRef
		want     []string // API IDs; "" where the ref is missing
		wantErr  []string // error codes; "" where the ref resolved, "-" for a refusal
		listings int      // ListApisV2 calls
		shows    int      // ShowDetailsOfApiV2 calls
	}{
		{"one by ID and one by name", []gateway.APIRef{{ID: tAPIUser}, {Name: "Api_mock"}},
			[]string{tAPIUser, tAPIMock}, []string{"", ""}, 1, 1},
		{"both missing", []gateway.APIRef{{ID: tMissing}, {Name: "no_such_api"}},
			[]string{"", ""}, []string{gateway.CodeAPINotFound, gateway.CodeAPINotFound}, 1, 1},
		{"a bad ref", []gateway.APIRef{{ID: tAPIUser, Name: "get_user"}},
			[]string{""}, []string{"-"}, 0, 0},
		{"many, through one listing",
			[]gateway.APIRef{{ID: tAPIUser}, {Name: "list_orders"}, {ID: tMissing}, {Name: "Api_mock"}, {Name: "nope"}},
			[]string{tAPIUser, tAPIOrders, "", tAPIMock, ""},
			[]string{"", "", gateway.CodeAPINotFound, "", gateway.CodeAPINotFound}, 1, 0},
		{"none", nil, nil, nil, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			listings, shows := calls(sim, "ListApisV2"), calls(sim, "ShowDetailsOfApiV2")
			apis, errs, err := c.ResolveAPIs(ctx, tc.refs)
			if err != nil {
				t.Fatalf("ResolveAPIs: %v", err)
			}
			if len(apis) != len(tc.refs) || len(errs) != len(tc.refs) {
				t.Fatalf("got %d APIs and %d errors for %d refs", len(apis), len(errs), len(tc.refs))
			}
			for i := range tc.refs {
				if apis[i].ID != tc.want[i] {
					t.Errorf("ref %d: API %q; want %q", i, apis[i].ID, tc.want[i])
				}
				switch tc.wantErr[i] {
				case "":
					if errs[i] != nil {
						t.Errorf("ref %d: %v", i, errs[i])
					}
				case "-":
					if errs[i] == nil {
						t.Errorf("ref %d: no error", i)
					}
				default:
					expectCode(t, errs[i], tc.wantErr[i], gateway.Waiting)
				}
			}
			if got := calls(sim, "ListApisV2") - listings; got != tc.listings {
				t.Errorf("%d ListApisV2 calls; want %d", got, tc.listings)
			}
			if got := calls(sim, "ShowDetailsOfApiV2") - shows; got != tc.shows {
				t.Errorf("%d ShowDetailsOfApiV2 calls; want %d", got, tc.shows)
			}
		})
	}
}

func testObserve(ctx context.Context, t *testing.T, c *Client, sim *gatewaysim.Server) {
	before := time.Now()
	snap, err := c.Observe(ctx, gateway.ReleaseEnvID)
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	if snap.EnvID != gateway.ReleaseEnvID || snap.Taken.Before(before) {
		t.Errorf("snapshot of %s taken %v; want %s, after %v", snap.EnvID, snap.Taken, gateway.ReleaseEnvID, before)
	}
	if len(snap.APIs) != 1 {
		t.Fatalf("RELEASE serves %v; want get_user only", snap.APIs)
	}
	got := snap.APIs[tAPIUser]
	want := apiState(t, sim, tAPIUser).Publications["RELEASE"]
	if got.API.Name != "get_user" || got.PublishID != want.PublishID {
		t.Errorf("get_user in RELEASE = %+v; want publish ID %s", got, want.PublishID)
	}
	// The list has whole seconds.
	if d := got.PublishTime.Sub(*want.LiveSince); d < -time.Second || d > time.Second {
		t.Errorf("publish time %v; want %v", got.PublishTime, *want.LiveSince)
	}
	snap, err = c.Observe(ctx, tTestEnv)
	if err != nil || len(snap.APIs) != 0 {
		t.Errorf("Observe(TEST) = %v, %v; want nothing published", snap, err)
	}
}

// testPublish publishes two APIs and an unknown one to TEST in one call: the unknown one fails
// on its own, the others are published.
func testPublish(ctx context.Context, t *testing.T, c *Client, sim *gatewaysim.Server, m *gateway.Metrics) {
	batches := calls(sim, "BatchPublishOrOfflineApiV2")
	res, err := c.Publish(ctx, tTestEnv, []string{tAPIMock, tAPIOrders, tMissing, tAPIMock}, "from the test")
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got := calls(sim, "BatchPublishOrOfflineApiV2") - batches; got != 1 {
		t.Errorf("%d batch calls; want 1", got)
	}
	if len(res) != 3 {
		t.Errorf("Publish returned %d outcomes; want 3: %v", len(res), res)
	}
	expectCode(t, res[tMissing].Err, gateway.CodeAPINotFound, gateway.Waiting)
	for _, id := range []string{tAPIMock, tAPIOrders} {
		out := res[id]
		if out.Err != nil {
			t.Fatalf("Publish %s: %v", id, out.Err)
		}
		pub := apiState(t, sim, id).Publications["TEST"]
		if out.APIID != id || out.VersionID != pub.LiveVersion || out.PublishID != pub.PublishID || out.PublishTime.IsZero() {
			t.Errorf("outcome %+v; the simulator has %s live with publish ID %s", out, pub.LiveVersion, pub.PublishID)
		}
		if len(pub.Versions) != 1 || pub.Versions[0].Remark != "from the test" {
			t.Errorf("%s versions in TEST: %+v; want one with the remark", id, pub.Versions)
		}
	}
	count, sum := batchSamples(t, m)
	if count != 1 || sum != 3 {
		t.Errorf("batch size metric: %d samples summing to %v; want 1 of 3", count, sum)
	}
	snap, err := c.Observe(ctx, tTestEnv)
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	for _, id := range []string{tAPIMock, tAPIOrders} {
		if snap.APIs[id].PublishID != res[id].PublishID {
			t.Errorf("TEST serves %s with publish ID %q; want %q", id, snap.APIs[id].PublishID, res[id].PublishID)
		}
	}
}

// batchSamples reads the batch size histogram of every gateway and action.
func batchSamples(t *testing.T, m *gateway.Metrics) (count uint64, sum float64) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m.Batch)
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering metrics: %v", err)
	}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			count += metric.GetHistogram().GetSampleCount()
			sum += metric.GetHistogram().GetSampleSum()
		}
	}
	return count, sum
}

func testVersions(ctx context.Context, t *testing.T, c *Client) {
	versions, err := c.Versions(ctx, tAPIUser, gateway.ReleaseEnvID)
	if err != nil {
		t.Fatalf("Versions: %v", err)
	}
	if len(versions) != 2 {
		t.Fatalf("Versions = %+v; want 2", versions)
	}
	if versions[0].ID != tVersionLive || !versions[0].Live || versions[1].ID != tVersionOld || versions[1].Live {
		t.Errorf("Versions = %+v; want %s live, then %s", versions, tVersionLive, tVersionOld)
	}
	if !versions[0].PublishTime.After(versions[1].PublishTime) || versions[0].EnvID != gateway.ReleaseEnvID {
		t.Errorf("Versions = %+v; want newest first, in RELEASE", versions)
	}
	if versions, err := c.Versions(ctx, tAPIUser, tTestEnv); err != nil || len(versions) != 0 {
		t.Errorf("Versions in TEST = %+v, %v; want none", versions, err)
	}
	_, err = c.Versions(ctx, tMissing, gateway.ReleaseEnvID)
	expectCode(t, err, gateway.CodeAPINotFound, gateway.Waiting)
}

func testSwitchVersion(ctx context.Context, t *testing.T, c *Client, sim *gatewaysim.Server) {
	out, err := c.SwitchVersion(ctx, tAPIUser, tVersionOld)
	if err != nil || out.Err != nil {
		t.Fatalf("SwitchVersion: %v", err)
	}
	if out.APIID != tAPIUser || out.VersionID != tVersionOld || out.APIName != "get_user" || out.PublishID == "" {
		t.Errorf("outcome %+v", out)
	}
	if live := apiState(t, sim, tAPIUser).Publications["RELEASE"].LiveVersion; live != tVersionOld {
		t.Errorf("the simulator serves %s; want %s", live, tVersionOld)
	}
	versions, err := c.Versions(ctx, tAPIUser, gateway.ReleaseEnvID)
	if err != nil || len(versions) != 2 || !versions[1].Live || versions[0].Live {
		t.Errorf("Versions after the switch = %+v, %v; want the older one live", versions, err)
	}

	out, err = c.SwitchVersion(ctx, tAPIUser, tMissing)
	expectCode(t, err, gateway.CodeVersionNotFound, gateway.Waiting)
	if d := gateway.Classify(err).Delay; d != gateway.NotFoundDelay {
		t.Errorf("delay %v; want %v", d, gateway.NotFoundDelay)
	}
	if gerr := asGatewayError(t, err); gerr.HTTPStatus != 404 || gerr.RequestID == "" || gerr.Op != "switch API version" {
		t.Errorf("error %+v; want HTTP 404 with a request ID, op \"switch API version\"", gerr)
	}
	if out.Err == nil || out.APIID != tAPIUser {
		t.Errorf("outcome of the failed switch %+v; want the error in it", out)
	}
}

// testOffline takes three APIs offline in TEST, one of them never published there: that one
// is already offline, a success.
func testOffline(ctx context.Context, t *testing.T, c *Client, sim *gatewaysim.Server) {
	res, err := c.Offline(ctx, tTestEnv, []string{tAPIMock, tAPIOrders, tAPIUser})
	if err != nil {
		t.Fatalf("Offline: %v", err)
	}
	for _, id := range []string{tAPIMock, tAPIOrders, tAPIUser} {
		if res[id].Err != nil || res[id].APIID != id {
			t.Errorf("Offline %s: %+v", id, res[id])
		}
		if live := apiState(t, sim, id).Publications["TEST"].LiveVersion; live != "" {
			t.Errorf("%s still live in TEST: %s", id, live)
		}
	}
	res, err = c.Offline(ctx, tTestEnv, []string{tMissing})
	if err != nil {
		t.Fatalf("Offline: %v", err)
	}
	expectCode(t, res[tMissing].Err, gateway.CodeAPINotFound, gateway.Waiting)
}

func testExport(ctx context.Context, t *testing.T, c *Client) {
	id, err := c.StartExport(ctx, gateway.ExportRequest{EnvID: gateway.ReleaseEnvID, GroupID: tGroup,
		OASVersion: "3.0", Define: "spec", Format: "json", Version: "1.2.3"})
	if err != nil {
		t.Fatalf("StartExport: %v", err)
	}
	task := pollExport(ctx, t, c, id)
	if task.Status != gateway.TaskSucceeded || task.Err != nil {
		t.Fatalf("export task %+v", task)
	}
	doc := string(task.Content)
	if task.Format != "json" || !strings.Contains(doc, `"openapi"`) || !strings.Contains(doc, "/users/{id}") ||
		!strings.Contains(doc, "1.2.3") {
		t.Errorf("export: format %q, document %.300s", task.Format, doc)
	}
	if _, err := c.StartExport(ctx, gateway.ExportRequest{EnvID: gateway.ReleaseEnvID, GroupID: tGroup, Format: "xml"}); err == nil {
		t.Error("StartExport with format xml: no error")
	}
}

// testExportFailed makes the gateway fail the export task: the task reports the gateway's reason.
func testExportFailed(ctx context.Context, t *testing.T, c *Client, sim *gatewaysim.Server) {
	if err := sim.AddFault(gatewaysim.Fault{Operation: "ExportApiDefinitionsAsync", TaskStatus: "failed", Count: 1}); err != nil {
		t.Fatal(err)
	}
	id, err := c.StartExport(ctx, gateway.ExportRequest{EnvID: gateway.ReleaseEnvID, GroupID: tGroup})
	if err != nil {
		t.Fatalf("StartExport: %v", err)
	}
	task := pollExport(ctx, t, c, id)
	if task.Status != gateway.TaskFailed {
		t.Fatalf("export task %+v; want failed", task)
	}
	if task.Err == nil || task.Err.Code != "APIG.9999" || task.Err.Message == "" {
		t.Errorf("failed task error %+v; want APIG.9999 with a message", task.Err)
	}
	_, err = c.ExportTask(ctx, tMissing)
	if gerr := asGatewayError(t, err); gerr.HTTPStatus != 404 {
		t.Errorf("unknown task: %v; want HTTP 404", err)
	}
}

func pollExport(ctx context.Context, t *testing.T, c *Client, id string) gateway.ExportTask {
	t.Helper()
	for range 10 {
		task, err := c.ExportTask(ctx, id)
		if err != nil {
			t.Fatalf("ExportTask: %v", err)
		}
		if task.ID != id {
			t.Fatalf("task ID %q; want %q", task.ID, id)
		}
		if task.Status == gateway.TaskSucceeded || task.Status == gateway.TaskFailed {
			return task
		}
	}
	t.Fatalf("export task %s did not finish", id)
	return gateway.ExportTask{}
}

// TestPaging lists more APIs than a page holds.
func TestPaging(t *testing.T) {
	const n, published = 520, 505
	seed := testSeed()
	bulk := gatewaysim.SeedGroup{ID: "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", Name: "bulk_group"}
	for i := range n {
		api := gatewaysim.SeedAPI{Name: fmt.Sprintf("bulk_api_%04d", i), Path: fmt.Sprintf("/bulk/%d", i)}
		if i < published {
			api.Published = []gatewaysim.SeedPublication{{Environment: "RELEASE", Versions: []string{fmt.Sprintf("%032x", i+1)}}}
		}
		bulk.APIs = append(bulk.APIs, api)
	}
	seed.Projects[0].APIG[0].Groups = append(seed.Projects[0].APIG[0].Groups, bulk)
	sim, url := newSim(t, seed)
	c := newClient(t, testConfig(url, credentialKinds[0].creds))
	ctx := context.Background()

	apis, err := c.GroupAPIs(ctx, bulk.ID)
	if err != nil || len(apis) != n {
		t.Fatalf("GroupAPIs = %d APIs, %v; want %d", len(apis), err, n)
	}
	snap, err := c.Observe(ctx, gateway.ReleaseEnvID)
	if err != nil || len(snap.APIs) != published+1 {
		t.Fatalf("Observe = %d APIs, %v; want %d", len(snap.APIs), err, published+1)
	}
	if got := calls(sim, "ListApisV2"); got != 4 {
		t.Errorf("%d ListApisV2 calls; want 2 pages for each listing", got)
	}
	refs := make([]gateway.APIRef, 0, 10)
	for i := range 10 {
		refs = append(refs, gateway.APIRef{Name: fmt.Sprintf("bulk_api_%04d", i*50)})
	}
	resolved, errs, err := c.ResolveAPIs(ctx, refs)
	if err != nil {
		t.Fatalf("ResolveAPIs: %v", err)
	}
	for i := range refs {
		if errs[i] != nil || resolved[i].Name != refs[i].Name {
			t.Errorf("ref %s: %+v, %v", refs[i].Name, resolved[i], errs[i])
		}
	}
}

// TestConcurrentUse shares one client between goroutines, for the race detector.
func TestConcurrentUse(t *testing.T) {
	_, url := newSim(t, testSeed())
	c := newClient(t, testConfig(url, credentialKinds[1].creds))
	ctx := context.Background()
	errs := make(chan error, 16)
	for i := range cap(errs) {
		go func() {
			var err error
			if i%2 == 0 {
				_, err = c.Observe(ctx, gateway.ReleaseEnvID)
			} else {
				_, err = c.Publish(ctx, tTestEnv, []string{tAPIMock}, "")
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestListingThatChangesWhileRead changes the environment while the second page of its listing
// is requested: an API of the first page goes offline (the total moves), or goes offline while an
// API at the end is published (the total stays). Read by offset alone, the first API of the
// second page would be skipped and look offline. The listing is read again, and every live API
// is seen.
func TestListingThatChangesWhileRead(t *testing.T) {
	const published = 505
	for _, tc := range []struct {
		name    string
		publish bool
	}{{"one goes offline", false}, {"one goes offline and another is published", true}} {
		t.Run(tc.name, func(t *testing.T) {
			seed := testSeed()
			bulk := gatewaysim.SeedGroup{ID: "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", Name: "bulk_group"}
			for i := range published + 1 {
				api := gatewaysim.SeedAPI{ID: fmt.Sprintf("%032x", i+1), Name: fmt.Sprintf("bulk_api_%04d", i), Path: fmt.Sprintf("/bulk/%d", i)}
				if i < published {
					api.Published = []gatewaysim.SeedPublication{{Environment: "RELEASE", Versions: []string{fmt.Sprintf("%032x", 0x100000+i)}}}
				}
				bulk.APIs = append(bulk.APIs, api)
			}
			seed.Projects[0].APIG[0].Groups = append(seed.Projects[0].APIG[0].Groups, bulk)
			sim, err := gatewaysim.New(seed, gatewaysim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			act := func(action, apiID string) {
				req := httptest.NewRequest(http.MethodPost, "/v2/"+tProject+"/apigw/instances/"+tInstance+"/apis/action",
					strings.NewReader(`{"action":"`+action+`","api_id":"`+apiID+`","env_id":"`+gateway.ReleaseEnvID+`"}`))
				req.Header.Set("X-Auth-Token", tToken)
				rec := httptest.NewRecorder()
				sim.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					t.Errorf("%s behind the reader's back: %d %s", action, rec.Code, rec.Body)
				}
			}
			var once sync.Once
			var gone string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("offset") != "0" && r.URL.Query().Get("env_id") != "" {
					once.Do(func() {
						for _, a := range sim.State().Projects[tProject].APIG[tInstance].APIs {
							if a.Publications["RELEASE"].LiveVersion != "" {
								gone = a.ID
								break
							}
						}
						act("offline", gone)
						if tc.publish {
							act("online", fmt.Sprintf("%032x", published+1))
						}
					})
				}
				sim.ServeHTTP(w, r)
			}))
			defer srv.Close()
			c := newClient(t, testConfig(srv.URL, credentialKinds[0].creds))
			snap, err := c.Observe(context.Background(), gateway.ReleaseEnvID)
			if err != nil {
				t.Fatal(err)
			}
			live := 0
			for _, a := range sim.State().Projects[tProject].APIG[tInstance].APIs {
				if a.Publications["RELEASE"].LiveVersion == "" {
					continue
				}
				live++
				if _, ok := snap.APIs[a.ID]; !ok {
					t.Errorf("API %s (%s) is live and missing from the snapshot", a.Name, a.ID)
				}
			}
			if _, ok := snap.APIs[gone]; ok || len(snap.APIs) != live {
				t.Errorf("snapshot has %d APIs (the one taken offline: %v); %d are live", len(snap.APIs), ok, live)
			}
			if got := calls(sim, "ListApisV2"); got != 4 {
				t.Errorf("%d ListApisV2 calls; want 2 pages, read twice", got)
			}
		})
	}
}
