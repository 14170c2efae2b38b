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
	"slices"
	"testing"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/gatewaytest"
)

// fuzzOp is one Publisher operation and what its result must satisfy when it has no error.
type fuzzOp struct {
	name string
	run  func(ctx context.Context, t *testing.T, c *Client)
}

// fuzzOps are the operations FuzzResponses answers; the fuzzed op byte picks one.
var fuzzOps = []fuzzOp{
	{"Environments", func(ctx context.Context, t *testing.T, c *Client) {
		envs, err := c.Environments(ctx)
		if gatewaytest.Failed(t, err) {
			return
		}
		for _, e := range envs {
			if e.ID == "" {
				t.Errorf("an environment without an ID: %+v", e)
			}
		}
	}},
	{"Group by ID", func(ctx context.Context, t *testing.T, c *Client) {
		g, err := c.Group(ctx, gateway.GroupRef{ID: tGroup})
		if !gatewaytest.Failed(t, err) && g.ID != tGroup {
			t.Errorf("Group by ID %s = %+v", tGroup, g)
		}
	}},
	{"Group by name", func(ctx context.Context, t *testing.T, c *Client) {
		g, err := c.Group(ctx, gateway.GroupRef{Name: tGroupName})
		if !gatewaytest.Failed(t, err) && (g.ID == "" || g.Name != tGroupName) {
			t.Errorf("Group by name %s = %+v", tGroupName, g)
		}
	}},
	{"GroupAPIs", func(ctx context.Context, t *testing.T, c *Client) {
		apis, err := c.GroupAPIs(ctx, tGroup)
		if gatewaytest.Failed(t, err) {
			return
		}
		for _, a := range apis {
			if a.ID == "" || a.GroupID != tGroup {
				t.Errorf("GroupAPIs(%s) has %+v", tGroup, a)
			}
		}
	}},
	{"ResolveAPIs one by one", func(ctx context.Context, t *testing.T, c *Client) {
		checkResolved(t, []gateway.APIRef{{ID: tAPIUser}, {Name: "get_user"}})(c.ResolveAPIs(ctx, []gateway.APIRef{{ID: tAPIUser}, {Name: "get_user"}}))
	}},
	{"ResolveAPIs through a listing", func(ctx context.Context, t *testing.T, c *Client) {
		refs := []gateway.APIRef{{ID: tAPIUser}, {Name: "get_user"}, {ID: tAPIMock}, {Name: "list_orders"}}
		checkResolved(t, refs)(c.ResolveAPIs(ctx, refs))
	}},
	{"APIs", func(ctx context.Context, t *testing.T, c *Client) {
		apis, err := c.APIs(ctx)
		if gatewaytest.Failed(t, err) {
			return
		}
		for _, a := range apis {
			if a.ID == "" {
				t.Errorf("APIs has an API without an ID: %+v", a)
			}
		}
	}},
	{"Observe", func(ctx context.Context, t *testing.T, c *Client) {
		snap, err := c.Observe(ctx, gateway.ReleaseEnvID)
		if gatewaytest.Failed(t, err) {
			return
		}
		if snap == nil || snap.EnvID != gateway.ReleaseEnvID {
			t.Fatalf("Observe = %+v", snap)
		}
		for id, p := range snap.APIs {
			if id == "" || p.API.ID != id {
				t.Errorf("snapshot entry %q is %+v", id, p)
			}
		}
	}},
	{"Versions", func(ctx context.Context, t *testing.T, c *Client) {
		versions, err := c.Versions(ctx, tAPIUser, tTestEnv)
		if gatewaytest.Failed(t, err) {
			return
		}
		for _, v := range versions {
			if v.ID == "" || v.EnvID != tTestEnv {
				t.Errorf("version %+v of environment %s", v, tTestEnv)
			}
		}
		if !slices.IsSortedFunc(versions, func(a, b gateway.Version) int { return b.PublishTime.Compare(a.PublishTime) }) {
			t.Errorf("versions are not newest first: %+v", versions)
		}
	}},
	{"Publish", func(ctx context.Context, t *testing.T, c *Client) {
		checkBatch(t, gateway.ActionOnline)(c.Publish(ctx, gateway.ReleaseEnvID, []string{tAPIUser, tAPIMock, tAPIUser}, "r"))
	}},
	{"Offline", func(ctx context.Context, t *testing.T, c *Client) {
		checkBatch(t, gateway.ActionOffline)(c.Offline(ctx, gateway.ReleaseEnvID, []string{tAPIUser, tAPIMock}))
	}},
	{"SwitchVersion", func(ctx context.Context, t *testing.T, c *Client) {
		out, err := c.SwitchVersion(ctx, tAPIUser, tVersionOld)
		switch {
		case gatewaytest.Failed(t, err):
			if out.Err == nil {
				t.Error("a failed switch has no error in its outcome")
			}
		case out.APIID != tAPIUser || out.VersionID == "" || out.Err != nil:
			t.Errorf("SwitchVersion = %+v", out)
		}
	}},
	{"StartExport", func(ctx context.Context, t *testing.T, c *Client) {
		id, err := c.StartExport(ctx, gateway.ExportRequest{EnvID: gateway.ReleaseEnvID, GroupID: tGroup, OASVersion: "3.0"})
		if !gatewaytest.Failed(t, err) && id == "" {
			t.Error("StartExport returned no task ID")
		}
	}},
	{"ExportTask", func(ctx context.Context, t *testing.T, c *Client) {
		const taskID = "d9ce8c9eede54b3f841ec324fe0bfdc2"
		task, err := c.ExportTask(ctx, taskID)
		if gatewaytest.Failed(t, err) {
			return
		}
		if task.ID != taskID || task.Status == "" {
			t.Errorf("ExportTask = %+v", task)
		}
		switch task.Status {
		case gateway.TaskSucceeded:
			if task.Content == nil {
				t.Error("a finished export without content")
			}
		case gateway.TaskFailed:
			if task.Err == nil {
				t.Error("a failed export without its error")
			} else {
				gatewaytest.CheckError(t, task.Err)
			}
		}
	}},
}

func checkResolved(t *testing.T, refs []gateway.APIRef) func([]gateway.API, []error, error) {
	return func(apis []gateway.API, errs []error, err error) {
		t.Helper()
		if gatewaytest.Failed(t, err) {
			return
		}
		if len(apis) != len(refs) || len(errs) != len(refs) {
			t.Fatalf("%d APIs and %d errors for %d refs", len(apis), len(errs), len(refs))
		}
		for i, ref := range refs {
			switch {
			case errs[i] != nil:
				gatewaytest.CheckError(t, errs[i])
			case apis[i].ID == "", ref.ID != "" && apis[i].ID != ref.ID, ref.Name != "" && apis[i].Name != ref.Name:
				t.Errorf("ref %+v resolved to %+v", ref, apis[i])
			}
		}
	}
}

func checkBatch(t *testing.T, action gateway.Action) func(gateway.BatchResult, error) {
	return func(res gateway.BatchResult, err error) {
		t.Helper()
		if gatewaytest.Failed(t, err) {
			return
		}
		if len(res) != 2 {
			t.Errorf("%d outcomes for 2 APIs: %+v", len(res), res)
		}
		for _, id := range []string{tAPIUser, tAPIMock} {
			o, ok := res[id]
			switch {
			case !ok || o.APIID != id:
				t.Errorf("outcome of %s: %+v", id, o)
			case o.Err != nil:
				gatewaytest.CheckError(t, o.Err)
			case action == gateway.ActionOnline && o.PublishID == "":
				t.Errorf("API %s published without a publish ID: %+v", id, o)
			}
		}
	}
}

// fuzzSeeds are responses for every operation: a valid one, and the ways a gateway or a
// proxy in front of it answers wrongly.
func fuzzSeeds() []gatewaytest.Response {
	j := func(status int, body string) gatewaytest.Response {
		return gatewaytest.Response{Status: status, ContentType: "application/json", Body: []byte(body)}
	}
	const api = `{"id":"5f918d104dc84480a75166ba99efff21","name":"get_user","group_id":"c77f5e81d9cb4424bf704ef2b0ac7600",` +
		`"run_env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID|7a1ad0c350844ee69479b47df9a881cb","publish_id":"p1|p2",` +
		`"publish_time":"2026-11-02T10:00:00Z|2026-11-03T10:00:00","update_time":"2026-11-01T10:00:00Z"}`
	return []gatewaytest.Response{
		j(200, `{"total":2,"size":2,"envs":[{"id":"DEFAULT_ENVIRONMENT_RELEASE_ID","name":"RELEASE"},{"id":"7a1a","name":"TEST"}]}`),
		j(200, `{"id":"c77f5e81d9cb4424bf704ef2b0ac7600","name":"api_group_001"}`),
		j(200, `{"total":1,"size":1,"groups":[{"id":"c77f5e81d9cb4424bf704ef2b0ac7600","name":"api_group_001"}]}`),
		j(200, `{"total":1,"size":1,"apis":[`+api+`]}`),
		j(200, `{"total":900,"size":1,"apis":[`+api+`]}`),
		j(200, api),
		j(200, `{"total":2,"size":2,"api_versions":[{"version_id":"ee1a","env_id":"7a1ad0c350844ee69479b47df9a881cb",`+
			`"publish_time":"2026-11-02T10:00:00Z","status":2},{"version_id":"0123","publish_time":"2026-11-03T10:00:00Z","status":1}]}`),
		j(200, `{"success":[{"api_id":"5f918d104dc84480a75166ba99efff21","publish_id":"p1","version_id":"v1",`+
			`"publish_time":"2026-11-02T10:00:00Z"}],"failure":[{"api_id":"3a955b791bd24b1c9cd94c745f8d1aad",`+
			`"error_code":"APIG.3002","error_msg":"Api 3a95 not found"}]}`),
		j(200, `{"success":[],"failure":[{"api_id":"5f918d104dc84480a75166ba99efff21","error_code":"APIG.3015"},`+
			`{"api_id":"3a955b791bd24b1c9cd94c745f8d1aad","error_msg":"\u0000\n`+"\xff"+`"}]}`),
		j(200, `{"api_id":"5f918d104dc84480a75166ba99efff21","version_id":"ee1a","publish_id":"p9"}`),
		j(202, `{"task_id":"d9ce8c9eede54b3f841ec324fe0bfdc2"}`),
		j(200, `{"task_status":"succeed","task_result":"{\"file_type\":\"json\",\"content\":\"{\\\"openapi\\\":\\\"3.0\\\"}\"}"}`),
		j(200, `{"task_status":"failed","task_result":"{\"error_code\":\"APIG.9999\",\"error_msg\":\"boom\"}"}`),
		j(200, `{"task_status":"processing"}`),
		j(200, `{"total":3,"size":3,"apis":[{"id":"5f91`),
		j(200, `{"total":"many","apis":{}}`),
		j(200, `{"total":1e400,"envs":[],"groups":[],"apis":[],"api_versions":[]}`),
		j(200, `[]`),
		j(200, `{}`),
		j(200, ``),
		j(204, ``),
		j(404, `{"error_code":"APIG.3002","error_msg":"API 5f918d104dc84480a75166ba99efff21 does not exist"}`),
		j(429, `{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached"}`),
		j(500, `{"error":{"code":"APIG.9999","message":"System error"}}`),
		{Status: 502, ContentType: "text/html", Body: []byte(badGatewayPage)},
		{Status: 200, ContentType: "text/html; charset=utf-8", Body: []byte(badGatewayPage)},
		{Status: 599, Body: []byte("\x00\x01\x02")},
	}
}

// FuzzResponses answers an operation of the Publisher with a fuzzed status, Content-Type and
// body: no answer may panic it, and each call returns either a result that makes sense or an
// error that crosses the boundary as it must (checkError).
func FuzzResponses(f *testing.F) {
	g := gatewaytest.NewRawServer(f)
	base := rawClient(f, g)
	gatewaytest.FuzzAnswers(f, g, fuzzSeeds(), len(fuzzOps), func(ctx context.Context, t *testing.T, op int) {
		c := *base
		c.caller = &gateway.Caller{Gateway: "default/fuzz", Gate: gateway.NewGate(1e6, 1e6)}
		fuzzOps[op].run(ctx, t, &c)
	})
}
