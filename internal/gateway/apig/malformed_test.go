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
	"bytes"
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
	cfg := testConfig(s.URL, gateway.Credentials{Token: tToken})
	cfg.Caller = &gateway.Caller{Gateway: "default/raw", Gate: gateway.NewGate(1e6, 1e6)}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// TestMalformedResponses answers each call with a response a gateway or a proxy in front of
// it could send by mistake: every one is an error that says in plain words what was wrong,
// retried as transient, and none is read as a valid, empty answer.
func TestMalformedResponses(t *testing.T) {
	const html = "<html><head><title>Service Unavailable</title></head><body><h1>Upstream is down</h1></body></html>"
	list := func(ctx context.Context, c *Client) error {
		_, err := c.Observe(ctx, gateway.ReleaseEnvID)
		return err
	}
	publish := func(ctx context.Context, c *Client) error {
		res, err := c.Publish(ctx, gateway.ReleaseEnvID, []string{tAPIUser}, "")
		if err != nil {
			return err
		}
		if o := res[tAPIUser]; o.Err != nil {
			return o.Err
		}
		return nil
	}
	huge := append(append([]byte(`{"total":1,"size":1,"apis":[{"id":"`), bytes.Repeat([]byte("x"), 4<<20)...), `"}]}`...)
	cases := []struct {
		reason      string
		call        func(context.Context, *Client) error
		status      int
		contentType string
		body        string
		bodyBytes   []byte
		want        string // the error text has it
		wantStatus  int
		repeat      int // answers of the body before empty pages; 1 if 0
	}{
		{reason: "truncated JSON", call: list, status: 200, body: `{"total":3,"size":3,"apis":[{"id":"5f91`,
			want: "malformed response body", wantStatus: 200},
		{reason: "a number as a string", call: list, status: 200, body: `{"total":"many","size":0,"apis":[]}`,
			want: "malformed response body", wantStatus: 200},
		{reason: "a list as an object", call: list, status: 200, body: `{"total":1,"size":1,"apis":{"id":"x"}}`,
			want: "malformed response body", wantStatus: 200},
		{reason: "a body beyond the size limit, at every page size", call: list, status: 200, bodyBytes: huge, repeat: 100,
			want: "the response body exceeds 4 MiB, the bound for one response (a page of 500 APIs is about 1 MiB), " +
				"even in pages of 10 items", wantStatus: 200},
		{reason: "an HTML page with 200", call: list, status: 200, contentType: "text/html", body: html,
			want: "malformed response body", wantStatus: 200},
		{reason: "an HTML page with 502", call: list, status: 502, contentType: "text/html", body: html,
			want: "unreadable error response (text/html): Service Unavailable Upstream is down", wantStatus: 502},
		{reason: "a listing without its list", call: list, status: 200, body: `{"total":0,"size":0}`,
			want: `malformed response body: no "apis" list`, wantStatus: 200},
		{reason: "an empty body with 200", call: list, status: 200,
			want: "malformed response body: the body is empty", wantStatus: 200},
		{reason: "an API without an ID", call: list, status: 200,
			body: `{"total":1,"size":1,"apis":[{"name":"get_user","run_env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}]}`,
			want: "malformed response body: an API without an id", wantStatus: 200},
		{reason: "a publish answer without publish_id", call: publish, status: 200,
			body: `{"success":[{"api_id":"` + tAPIUser + `","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}],"failure":[]}`,
			want: "malformed response body: API " + tAPIUser + " is reported published without a publish_id"},
		{reason: "a publish answer without api_id", call: publish, status: 200,
			body: `{"success":[{"publish_id":"p1","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}],"failure":[]}`,
			want: "the gateway did not report API " + tAPIUser + " in its batch result"},
		{reason: "an empty publish answer", call: publish, status: 200,
			want: "the gateway did not report API " + tAPIUser + " in its batch result"},
		{reason: "a version switch answered with an empty body", status: 200,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.SwitchVersion(ctx, tAPIUser, tVersionOld)
				return err
			},
			want: "malformed response body: no version_id", wantStatus: 200},
		{reason: "an API answered with an empty object", status: 200, body: `{}`,
			call: func(ctx context.Context, c *Client) error {
				_, errs, err := c.ResolveAPIs(ctx, []gateway.APIRef{{ID: tAPIUser}})
				if err != nil {
					return err
				}
				return errs[0]
			},
			want: "malformed response body: no id", wantStatus: 200},
	}
	g := gatewaytest.NewRawServer(t)
	c := rawClient(t, g)
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			body := tc.bodyBytes
			if body == nil {
				body = []byte(tc.body)
			}
			ct := tc.contentType
			if ct == "" && len(body) > 0 {
				ct = "application/json"
			}
			g.Answer(gatewaytest.Response{Status: tc.status, ContentType: ct, Body: body}, max(tc.repeat, 1))
			c.caller.Gate = gateway.NewGate(1e6, 1e6)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := tc.call(ctx, c)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			gatewaytest.CheckError(t, err)
			gerr := asGatewayError(t, err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if gerr.HTTPStatus != tc.wantStatus {
				t.Errorf("HTTP status %d; want %d", gerr.HTTPStatus, tc.wantStatus)
			}
			if class := gateway.Classify(err).Class; class != gateway.Transient {
				t.Errorf("class %v; want Transient, retried with backoff", class)
			}
		})
	}
}
