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
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/gatewaytest"
	"github.com/apig-operator/apig-operator/internal/gateway/sdkclient"
)

// expectBound asserts that err is a transient *gateway.Error whose text is want.
func expectBound(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %q", want)
	}
	gatewaytest.CheckError(t, err)
	if err.Error() != want {
		t.Errorf("error %q; want %q", err, want)
	}
	if class := gateway.Classify(err).Class; class != gateway.Transient {
		t.Errorf("class %v; want Transient", class)
	}
}

// TestLargeAPIsAskedInHalves: APIs may carry samples of 20,480 characters each, which make a
// page of 500 larger than the body bound. The listing asks for smaller pages until one fits,
// keeps that size, and reads every API once.
func TestLargeAPIsAskedInHalves(t *testing.T) {
	const apis = 100
	sample := strings.Repeat("s", 20480)
	var mu sync.Mutex
	var limits []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		mu.Lock()
		limits = append(limits, limit)
		mu.Unlock()
		page := []map[string]any{}
		for i := offset; i < min(offset+limit, apis); i++ {
			page = append(page, map[string]any{"id": fmt.Sprintf("%032x", i), "name": fmt.Sprintf("api_%d", i), "group_id": tGroup,
				"body_remark": sample, "result_normal_sample": sample, "result_failure_sample": sample})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"total": apis, "size": len(page), "apis": page})
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, testConfig(srv.URL, gateway.Credentials{Token: tToken}))
	got, err := c.APIs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != apis {
		t.Errorf("read %d APIs; want %d", len(got), apis)
	}
	// The 100 APIs of 61 KB are beyond 4 MiB; 62 are not, and the next page keeps that size.
	if want := []int{500, 250, 125, 62, 62}; !slices.Equal(limits, want) {
		t.Errorf("pages asked for %v; want %v", limits, want)
	}
}

// TestOverfullPage: a page with more items than the listing asked for is an error, not a page
// to read.
func TestOverfullPage(t *testing.T) {
	url := gatewaytest.Listing{List: "apis", Total: 1000, Extra: 1}.Serve(t)
	c := newClient(t, testConfig(url, gateway.Credentials{Token: tToken}))
	_, err := c.Observe(context.Background(), gateway.ReleaseEnvID)
	expectBound(t, err, `observe environment: the page holds 501 items in "apis", more than the 500 it asked for (HTTP 200)`)
}

// TestEndlessListing: a listing that announces more items than its bound stops at once; the
// default bound is 20,000 items.
func TestEndlessListing(t *testing.T) {
	for _, tc := range []struct {
		reason string
		bound  sdkclient.ListBound
		total  int64
		want   string
	}{
		{"the default bound", sdkclient.DefaultListBound, 1e9,
			"list APIs: the gateway lists 1000000000 items, more than 20000, the bound for one listing " +
				"(the largest gateway edition holds 8000 APIs)"},
		{"a lower bound", sdkclient.ListBound{Items: 1000, Time: time.Minute}, 1001,
			"list APIs: the gateway lists 1001 items, more than 1000, the bound for one listing " +
				"(the largest gateway edition holds 8000 APIs)"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			url := gatewaytest.Listing{List: "apis", Total: tc.total}.Serve(t)
			c := newClient(t, testConfig(url, gateway.Credentials{Token: tToken}))
			c.list = tc.bound
			_, err := c.APIs(context.Background())
			expectBound(t, err, tc.want)
		})
	}
}

// TestSlowListing: a listing that takes longer than its time bound stops at the next page.
func TestSlowListing(t *testing.T) {
	url := gatewaytest.Listing{List: "apis", Total: 10000, Delay: 50 * time.Millisecond}.Serve(t)
	c := newClient(t, testConfig(url, gateway.Credentials{Token: tToken}))
	c.list = sdkclient.ListBound{Items: 20000, Time: 200 * time.Millisecond}
	start := time.Now()
	_, err := c.APIs(context.Background())
	expectBound(t, err, "list APIs: the listing took more than 200ms, the bound for one listing; the gateway answers too slowly")
	// The bound is checked between pages: the page in flight at the bound ends first.
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the listing took %v", took)
	}
}

// TestExportBound: the export task's answer has its own bound, larger than a page's: a document
// beyond sdkclient.PageBody is read, one beyond sdkclient.ExportBody is an error that names it.
func TestExportBound(t *testing.T) {
	// A document of n bytes, a string in the JSON string task_result.
	task := func(n int) []byte {
		b := []byte(`{"task_status":"succeed","task_result":"{\"file_type\":\"yaml\",\"content\":\"`)
		b = append(b, bytes.Repeat([]byte("x"), n)...)
		return append(b, `\"}"}`...)
	}
	g := gatewaytest.NewRawServer(t)
	c := rawClient(t, g)
	ctx := context.Background()

	g.Answer(gatewaytest.Response{Status: 200, ContentType: "application/json", Body: task(4<<20 + 1)}, 1)
	got, err := c.ExportTask(ctx, "t1")
	if err != nil {
		t.Fatalf("a document beyond a page's bound: %v", err)
	}
	if len(got.Content) != 4<<20+1 {
		t.Errorf("read %d bytes of the document", len(got.Content))
	}

	g.Answer(gatewaytest.Response{Status: 200, ContentType: "application/json", Body: task(16 << 20)}, 1)
	_, err = c.ExportTask(ctx, "t1")
	expectBound(t, err, "read export task: the response body exceeds 16 MiB, the bound for an exported document "+
		"(HTTP 200, request raw-request)")
}
