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
	"strings"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/gatewaytest"
)

// rawClient is a client of a RawServer with a gate of its own, so that a throttle answered to
// one call does not pause the calls of the next.
func rawClient(t testing.TB, s *gatewaytest.RawServer) *Client {
	t.Helper()
	c, err := New(gateway.Config{Name: "ns/raw", Endpoint: s.URL, ProjectID: project, InstanceID: clusterID,
		Workspace: "ws-demo", Credentials: gateway.Credentials{Token: "demo-token"}, Timeout: 5 * time.Second,
		Caller: &gateway.Caller{Gateway: "ns/raw", Gate: gateway.NewGate(1e6, 1e6)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fuzzOps are the DataService operations FuzzResponses answers, each with what its result
// must satisfy when it has no error.
var fuzzOps = []func(ctx context.Context, t *testing.T, c *Client){
	func(ctx context.Context, t *testing.T, c *Client) { gatewaytest.Failed(t, c.Probe(ctx)) },
	func(ctx context.Context, t *testing.T, c *Client) {
		api, err := c.ResolveAPI(ctx, gateway.APIRef{ID: apiID})
		if !gatewaytest.Failed(t, err) && api.ID == "" {
			t.Errorf("ResolveAPI by ID = %+v", api)
		}
	},
	func(ctx context.Context, t *testing.T, c *Client) {
		api, err := c.ResolveAPI(ctx, gateway.APIRef{Name: "sales_report"})
		if !gatewaytest.Failed(t, err) && (api.ID == "" || api.Name != "sales_report") {
			t.Errorf("ResolveAPI by name = %+v", api)
		}
	},
	func(ctx context.Context, t *testing.T, c *Client) {
		_, err := c.Publication(ctx, apiID)
		gatewaytest.Failed(t, err)
	},
	func(ctx context.Context, t *testing.T, c *Client) { gatewaytest.Failed(t, c.Publish(ctx, apiID)) },
	func(ctx context.Context, t *testing.T, c *Client) {
		gatewaytest.Failed(t, c.Act(ctx, apiID, gateway.DataStop, time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)))
	},
	func(ctx context.Context, t *testing.T, c *Client) {
		gatewaytest.Failed(t, c.Act(ctx, apiID, gateway.DataRecover, time.Time{}))
	},
}

func fuzzSeeds() []gatewaytest.Response {
	j := func(status int, body string) gatewaytest.Response {
		return gatewaytest.Response{Status: status, ContentType: "application/json", Body: []byte(body)}
	}
	return []gatewaytest.Response{
		j(200, `{"total":1,"records":[{"id":"4704f5a0b6c24e0c9d8e7f6a5b4c3d21","name":"sales_report"}]}`),
		j(200, `{"id":"4704f5a0b6c24e0c9d8e7f6a5b4c3d21","name":"sales_report","path":"/reports/sales"}`),
		j(200, `{"total":1,"publish_messages":[{"id":"343a","api_id":"4704f5a0b6c24e0c9d8e7f6a5b4c3d21",`+
			`"instance_id":"c2e2f6b1a9d84e5f8a7b6c5d4e3f2a10","api_status":"API_STATUS_PUBLISHED"}]}`),
		j(200, `{"total":1,"publish_messages":[{"instance_id":"c2e2f6b1a9d84e5f8a7b6c5d4e3f2a10","api_status":"SOMETHING_NEW"}]}`),
		{Status: 204},
		j(200, `{"total":1,"records":[{"name":"sales_report"}]}`),
		j(200, `{"total":1,"records":[{"id":"4704`),
		j(200, `{"total":"one","publish_messages":{}}`),
		j(200, `{}`),
		j(200, ``),
		j(400, `{"error_code":"DLM.4018","error_msg":"The API does not exist"}`),
		j(400, `{"error_code":"DLM.4182","error_msg":"Data illegal"}`),
		j(429, `{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached"}`),
		{Status: 502, ContentType: "text/html", Body: []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")},
		{Status: 200, ContentType: "text/html", Body: []byte("<html><body>Please log in</body></html>")},
	}
}

// FuzzResponses answers a DataService operation with a fuzzed status, Content-Type and body: no
// answer may panic it, and each call returns either a result that makes sense or an error that
// crosses the boundary as it must (gatewaytest.CheckError).
func FuzzResponses(f *testing.F) {
	s := gatewaytest.NewRawServer(f)
	base := rawClient(f, s)
	gatewaytest.FuzzAnswers(f, s, fuzzSeeds(), len(fuzzOps), func(ctx context.Context, t *testing.T, op int) {
		c := *base
		c.caller = &gateway.Caller{Gateway: "ns/fuzz", Gate: gateway.NewGate(1e6, 1e6)}
		fuzzOps[op](ctx, t, &c)
	})
}

// TestMalformedResponses: what a DataArts gateway or a proxy in front of it answers by mistake is
// an error that says what was wrong, retried as transient, never an answer read as "not
// published" or "no such API".
func TestMalformedResponses(t *testing.T) {
	resolve := func(ctx context.Context, c *Client) error {
		_, err := c.ResolveAPI(ctx, gateway.APIRef{ID: apiID})
		return err
	}
	publication := func(ctx context.Context, c *Client) error {
		_, err := c.Publication(ctx, apiID)
		return err
	}
	cases := []struct {
		reason string
		call   func(context.Context, *Client) error
		resp   gatewaytest.Response
		want   string
	}{
		{"truncated JSON", publication, gatewaytest.Response{Status: 200, ContentType: "application/json",
			Body: []byte(`{"total":1,"publish_messages":[{"id":"34`)}, "malformed response body: the JSON ends early"},
		{"a list as an object", publication, gatewaytest.Response{Status: 200, ContentType: "application/json",
			Body: []byte(`{"total":1,"publish_messages":{"id":"343a"}}`)}, "malformed response body: field publish_messages is not a list"},
		{"a publication without its list", publication, gatewaytest.Response{Status: 200, ContentType: "application/json",
			Body: []byte(`{"total":0}`)}, `malformed response body: no "publish_messages" list`},
		{"an empty body with 200", resolve, gatewaytest.Response{Status: 200}, "malformed response body: the body is empty"},
		{"an API without an id", resolve, gatewaytest.Response{Status: 200, ContentType: "application/json",
			Body: []byte(`{"name":"sales_report"}`)}, "malformed response body: no id"},
		{"an HTML page with 200", resolve, gatewaytest.Response{Status: 200, ContentType: "text/html",
			Body: []byte(`<html><body><p>Please log in</p></body></html>`)}, "malformed response body: not JSON (text/html): Please log in"},
		{"an HTML page with 502", func(ctx context.Context, c *Client) error { return c.Publish(ctx, apiID) },
			gatewaytest.Response{Status: 502, ContentType: "text/html", Body: []byte(`<html><body><h1>502 Bad Gateway</h1></body></html>`)},
			"unreadable error response (text/html): 502 Bad Gateway"},
	}
	s := gatewaytest.NewRawServer(t)
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			s.Answer(tc.resp, 1)
			err := tc.call(context.Background(), rawClient(t, s))
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			gatewaytest.CheckError(t, err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if class := gateway.Classify(err).Class; class != gateway.Transient {
				t.Errorf("class %v; want Transient, retried with backoff", class)
			}
		})
	}
}
