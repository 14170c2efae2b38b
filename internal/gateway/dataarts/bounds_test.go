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
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/gatewaytest"
	"github.com/apig-operator/apig-operator/internal/gateway/sdkclient"
)

func boundedClient(t *testing.T, url string, bound sdkclient.ListBound) *Client {
	t.Helper()
	c, err := New(gateway.Config{Name: "ns/gw", Endpoint: url, ProjectID: project, InstanceID: clusterID,
		Workspace: "ws-demo", Credentials: gateway.Credentials{Token: "demo-token"},
		Caller: &gateway.Caller{Gateway: "ns/gw", Gate: gateway.NewGate(1e6, 1e6)}})
	if err != nil {
		t.Fatal(err)
	}
	c.list = bound
	return c
}

func expectBound(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %q", want)
	}
	gatewaytest.CheckError(t, err)
	if err.Error() != want {
		t.Errorf("error %q; want %q", err, want)
	}
	if h := gateway.Classify(err); h.Class != gateway.Transient || h.Scope != gateway.ScopeGateway {
		t.Errorf("handling %+v; want Transient, for the whole gateway", h)
	}
}

// TestListingsBounded: the DataArts listings stop at their bound of items and of time, and a
// page holding more than it asked for, or a body beyond its bound, is an error.
func TestListingsBounded(t *testing.T) {
	ctx := context.Background()
	items := sdkclient.ListBound{Items: 300, Time: time.Minute}
	resolve := func(c *Client) error {
		_, err := c.ResolveAPI(ctx, gateway.APIRef{Name: "sales_report"})
		return err
	}
	publication := func(c *Client) error {
		_, err := c.Publication(ctx, apiID)
		return err
	}
	cases := []struct {
		reason  string
		listing gatewaytest.Listing
		bound   sdkclient.ListBound
		call    func(*Client) error
		want    string
	}{
		{"an API name never found", gatewaytest.Listing{List: "records"}, items, resolve,
			"list DataArts APIs named sales_report: the listing has read 400 items and goes on, more than 300, " +
				"the bound for one listing (the largest gateway edition holds 8000 APIs)"},
		{"a publication never found", gatewaytest.Listing{List: "publish_messages"}, items, publication,
			"read the publication of DataArts API " + apiID + ": the listing has read 400 items and goes on, more than 300, " +
				"the bound for one listing (the largest gateway edition holds 8000 APIs)"},
		{"a slow listing", gatewaytest.Listing{List: "records", Delay: 50 * time.Millisecond},
			sdkclient.ListBound{Items: 20000, Time: 200 * time.Millisecond}, resolve,
			"list DataArts APIs named sales_report: the listing took more than 200ms, the bound for one listing; " +
				"the gateway answers too slowly"},
		{"a page with more than asked", gatewaytest.Listing{List: "records", Extra: 1}, sdkclient.DefaultListBound, resolve,
			`list DataArts APIs named sales_report: the page holds 101 items in "records", more than the 100 it asked for (HTTP 200)`},
		{"a probe answered with two APIs", gatewaytest.Listing{List: "records", Extra: 1}, sdkclient.DefaultListBound,
			func(c *Client) error { return c.Probe(ctx) },
			`list DataArts APIs: the page holds 2 items in "records", more than the 1 it asked for (HTTP 200)`},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			c := boundedClient(t, tc.listing.Serve(t), tc.bound)
			expectBound(t, tc.call(c), tc.want)
		})
	}
}

// TestProbeBodyBound: a probe answered with more than a page's bound reads no further.
func TestProbeBodyBound(t *testing.T) {
	g := gatewaytest.NewRawServer(t)
	g.Answer(gatewaytest.Response{Status: 200, ContentType: "application/json",
		Body: append([]byte(`{"total":1,"records":[{"id":"`), bytes.Repeat([]byte("x"), 5<<20)...)}, 1)
	c := boundedClient(t, g.URL, sdkclient.DefaultListBound)
	expectBound(t, c.Probe(context.Background()), "list DataArts APIs: the response body exceeds 4 MiB, the bound for "+
		"one response (a page of 500 APIs is about 1 MiB) (HTTP 200, request raw-request)")
}
