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

package sdkclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apigv2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// hostile answers every call with a JSON listing of size bytes, written as it goes, and counts
// what it managed to write.
func hostile(t *testing.T, size int64) (url string, written *atomic.Int64) {
	t.Helper()
	written = &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		n, _ := io.WriteString(w, `{"total":1,"size":1,"envs":[{"id":"e","name":"`)
		written.Add(int64(n))
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for left := size - int64(n); left > 0; left -= int64(len(chunk)) {
			n, err := w.Write(chunk[:min(int64(len(chunk)), left)])
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, written
}

func envClient(t *testing.T, url string, bound BodyBound) *apigv2.ApigClient {
	t.Helper()
	hc, err := New(gateway.Config{Endpoint: url, ProjectID: "p", Credentials: gateway.Credentials{Token: "t"}}, bound)
	if err != nil {
		t.Fatal(err)
	}
	return apigv2.NewApigClient(hc)
}

// TestBodyBound: a 60 MB answer to a listing is refused once its bound is read, with an error
// that names the bound, and the client neither reads nor allocates much more than the bound:
// the SDK never decodes it.
func TestBodyBound(t *testing.T) {
	url, written := hostile(t, 60_000_000)
	c := envClient(t, url, PageBody)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.ListEnvironmentsV2(&model.ListEnvironmentsV2Request{InstanceId: "i"})
	runtime.ReadMemStats(&after)
	gerr := Error("list environments", err)
	if gerr == nil || !IsTooLarge(gerr) {
		t.Fatalf("error %v; want a body beyond its bound", err)
	}
	const want = "list environments: the response body exceeds 4 MiB, the bound for one response " +
		"(a page of 500 APIs is about 1 MiB) (HTTP 200)"
	if gerr.Error() != want {
		t.Errorf("error %q; want %q", gerr, want)
	}
	if h := gateway.Classify(gerr); h.Class != gateway.Transient {
		t.Errorf("class %v; want Transient", h.Class)
	}
	// The server's writes fail once the client has closed the connection; what it wrote before
	// sits in socket buffers.
	if w := written.Load(); w > 32<<20 {
		t.Errorf("the server wrote %d MiB before the client stopped reading", w>>20)
	}
	// Reading 4 MiB into a growing buffer allocates about twice that; decoding 60 MB would
	// allocate gigabytes.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("the call allocated %d MiB", alloc>>20)
	}
}

// TestBodyBoundPerClient: each client has its own bound; a body of exactly the bound is read.
func TestBodyBoundPerClient(t *testing.T) {
	url, _ := hostile(t, 5<<20)
	if _, err := envClient(t, url, BodyBound{Bytes: 8 << 20, For: "a test"}).ListEnvironmentsV2(
		&model.ListEnvironmentsV2Request{InstanceId: "i"}); err == nil || IsTooLarge(err) {
		// The body is not valid JSON (the string never ends): read whole, then refused for that.
		t.Errorf("a 5 MiB body under an 8 MiB bound: %v; want a malformed body", err)
	}
	_, err := envClient(t, url, BodyBound{Bytes: 1 << 20, For: "a test"}).ListEnvironmentsV2(
		&model.ListEnvironmentsV2Request{InstanceId: "i"})
	if !IsTooLarge(err) || !strings.Contains(Error("op", err).Error(), "exceeds 1 MiB, the bound for a test") {
		t.Errorf("a 5 MiB body under a 1 MiB bound: %v", err)
	}
	if _, err := New(gateway.Config{Endpoint: url, ProjectID: "p", Credentials: gateway.Credentials{Token: "t"}},
		BodyBound{}); err == nil {
		t.Error("New accepted a client without a body bound")
	}
}

// TestOverfullPage: a page holding more items than the request's limit is refused before the
// SDK decodes it; a page within its limit, and an answer to a call without a limit, are not.
func TestOverfullPage(t *testing.T) {
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body.Load().(string))
	}))
	t.Cleanup(srv.Close)
	c := envClient(t, srv.URL, PageBody)
	three := `{"total":3,"size":3,"envs":[{"id":"a"},{"id":"b"},{"id":"c"}]}`
	cases := []struct {
		reason string
		limit  int32 // 0: none asked
		body   string
		want   string // the error's text; "" for none
	}{
		{"within the limit", 3, three, ""},
		{"no limit asked", 0, three, ""},
		{"one more than asked", 2, three,
			`list environments: the page holds 3 items in "envs", more than the 2 it asked for (HTTP 200)`},
		{"a million empty objects", 500, `{"envs":[` + strings.Repeat(`{},`, 1e6) + `{}]}`,
			`list environments: the page holds 1000001 items in "envs", more than the 500 it asked for (HTTP 200)`},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			body.Store(tc.body)
			req := &model.ListEnvironmentsV2Request{InstanceId: "i"}
			if tc.limit > 0 {
				req.Limit = &tc.limit
			}
			_, err := c.ListEnvironmentsV2(req)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v; want none", err)
			case tc.want != "" && (err == nil || Error("list environments", err).Error() != tc.want):
				t.Errorf("error %v; want %q", err, tc.want)
			}
		})
	}
}

func TestOverfull(t *testing.T) {
	cases := []struct {
		reason string
		body   string
		limit  int
		name   string
		n      int
	}{
		{"empty list", `{"apis":[]}`, 0, "", 0},
		{"within", `{"apis":[1,2]}`, 2, "", 0},
		{"beyond", `{"apis":[1,2,3]}`, 2, "apis", 3},
		{"one item beyond nothing", `{"apis":[{}]}`, 0, "apis", 1},
		{"nested lists and objects count once", `{"apis":[{"tags":[1,2,3,4]},[5,6,7]]}`, 2, "", 0},
		{"commas and brackets in strings", `{"apis":["a,b]","c\",[d"]}`, 1, "apis", 2},
		{"escaped backslash before a quote", `{"apis":["a\\",",", "b"]}`, 2, "apis", 3},
		{"the longest of several lists", `{"x":[1,2],"y":"[1,2,3]","apis":[1,2,3],"z":{"w":[1,2,3,4]}}`, 1, "apis", 3},
		{"a key repeated", `{"apis":[1,2,3],"apis":[]}`, 2, "apis", 3},
		{"whitespace", " \n{ \"apis\" : [ 1 , 2 ,\n3 ] } ", 2, "apis", 3},
		{"a list at the top", `[1,2,3]`, 1, "", 0},
		{"a scalar", `"a"`, 0, "", 0},
	}
	for _, tc := range cases {
		if name, n := overfull([]byte(tc.body), tc.limit); name != tc.name || n != tc.n {
			t.Errorf("%s: overfull(%s, %d) = %q, %d; want %q, %d", tc.reason, tc.body, tc.limit, name, n, tc.name, tc.n)
		}
	}
}

// FuzzOverfull checks overfull against encoding/json's own reading of the lists.
func FuzzOverfull(f *testing.F) {
	for _, s := range []string{`{"apis":[1,2,3]}`, `{"a":["x\"]",[1,[2]],{"b":[3]}],"c":[]}`, `{"a":"\\","b":[1]}`} {
		f.Add([]byte(s), 1)
	}
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		if !json.Valid(data) || limit < 0 {
			return
		}
		wantN := 0
		dec := json.NewDecoder(bytes.NewReader(data))
		if tok, _ := dec.Token(); tok == json.Delim('{') {
			for dec.More() {
				_, _ = dec.Token() // the key
				var v any
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
				if l, ok := v.([]any); ok && len(l) > limit && len(l) > wantN {
					wantN = len(l)
				}
			}
		}
		if _, n := overfull(data, limit); n != wantN {
			t.Errorf("overfull(%q, %d) = %d; want %d", data, limit, n, wantN)
		}
	})
}

func TestListBound(t *testing.T) {
	b := ListBound{Items: 100, Time: time.Hour}
	l, _, cancel := b.Begin(context.Background(), "list APIs")
	defer cancel()
	if err := l.Next(100, 100); err != nil {
		t.Errorf("at the bound: %v", err)
	}
	if err := l.Next(0, 101); err == nil || err.Error() != "list APIs: the gateway lists 101 items, more than 100, "+
		"the bound for one listing (the largest gateway edition holds 8000 APIs)" {
		t.Errorf("a total beyond the bound: %v", err)
	}
	if err := l.Next(101, 0); err == nil || !strings.Contains(err.Error(), "the listing has read 101 items and goes on, more than 100") {
		t.Errorf("items beyond the bound: %v", err)
	}
	boom := errors.New("boom")
	if err := l.Err(boom); err != boom {
		t.Errorf("Err of another error: %v", err)
	}

	short := ListBound{Items: 100, Time: time.Millisecond}
	l, ctx, cancel := short.Begin(context.Background(), "list APIs")
	defer cancel()
	<-ctx.Done()
	want := "list APIs: the listing took more than 1ms, the bound for one listing; the gateway answers too slowly"
	if err := l.Next(0, 0); err == nil || err.Error() != want {
		t.Errorf("Next after the time bound: %v; want %q", err, want)
	}
	if err := l.Err(gateway.Transport("ListApisV2", ctx.Err())); err == nil || err.Error() != want {
		t.Errorf("Err after the time bound: %v; want %q", err, want)
	}
	if h := gateway.Classify(l.Next(0, 0)); h.Class != gateway.Transient {
		t.Errorf("class %v; want Transient", h.Class)
	}

	parent, stop := context.WithCancel(context.Background())
	l, _, cancel = b.Begin(parent, "list APIs")
	defer cancel()
	stop()
	if err := l.Next(0, 0); err != nil {
		t.Errorf("Next with a cancelled parent: %v; want nil, for the call to fail at the gate", err)
	}
	if err := l.Err(context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("Err with a cancelled parent: %v", err)
	}
}

// TestListingBoundAtTheGate: the rate limit refuses at once a wait that would end past the
// listing's bound; that refusal is the bound's error, not a transport error.
func TestListingBoundAtTheGate(t *testing.T) {
	listing, ctx, cancel := ListBound{Items: 10, Time: time.Hour}.Begin(context.Background(), "list APIs")
	defer cancel()
	gate := gateway.NewGate(0.0001, 1)
	if err := gate.Wait(ctx); err != nil {
		t.Fatal(err) // the burst
	}
	err := listing.Err(gateway.Transport("list APIs", gate.Wait(ctx)))
	if err == nil || !strings.Contains(err.Error(), "the bound for one listing") {
		t.Errorf("a wait past the bound: %v", err)
	}
	// A nearer deadline of the caller's is the caller's, not the listing's.
	outer, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	listing, ctx, cancel = ListBound{Items: 10, Time: time.Hour}.Begin(outer, "list APIs")
	defer cancel()
	if err := listing.Err(gateway.Transport("list APIs", gate.Wait(ctx))); strings.Contains(err.Error(), "bound") {
		t.Errorf("the caller's deadline was taken for the bound: %v", err)
	}
}
