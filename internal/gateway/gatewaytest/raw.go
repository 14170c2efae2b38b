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

package gatewaytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// Response is what a RawServer answers.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// EmptyPage is a valid empty page of every listing of both adapters.
const EmptyPage = `{"total":0,"size":0,"envs":[],"groups":[],"apis":[],"api_versions":[],"records":[],"publish_messages":[]}`

// RawServer is a gateway that answers any request with canned bytes, for the adapters' tests of
// what the simulator never sends: truncated or mistyped JSON, HTML pages, empty bodies. The
// first calls after Answer get the canned response, later ones EmptyPage, so that a listing
// whose canned page promises more pages ends.
type RawServer struct {
	URL string

	mu     sync.Mutex
	resp   Response
	served int
	repeat int
}

// NewRawServer starts a RawServer, closed when the test ends.
func NewRawServer(t testing.TB) *RawServer {
	s := &RawServer{}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Answer makes the next repeat calls get resp.
func (s *RawServer) Answer(resp Response, repeat int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resp, s.served, s.repeat = resp, 0, repeat
}

func (s *RawServer) serve(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	resp := Response{Status: http.StatusOK, ContentType: "application/json", Body: []byte(EmptyPage)}
	if s.served < s.repeat {
		resp = s.resp
	}
	s.served++
	s.mu.Unlock()
	w.Header().Set("X-Request-Id", "raw-request")
	if resp.ContentType != "" {
		w.Header().Set("Content-Type", resp.ContentType)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// MaxErrorText bounds the text of an error an adapter returns: it becomes a condition message.
const MaxErrorText = 1500

// CheckError asserts that err crosses the gateway boundary as it must: a *gateway.Error with an
// operation, and a text that says something, is bounded, valid UTF-8, and on one line.
func CheckError(t testing.TB, err error) {
	t.Helper()
	var gerr *gateway.Error
	if !errors.As(err, &gerr) {
		t.Fatalf("error %T %q is not a *gateway.Error", err, err)
	}
	if gerr.Op == "" {
		t.Errorf("error %q has no operation", err)
	}
	text := err.Error()
	if len(text) > MaxErrorText {
		t.Errorf("error text is %d bytes long: %.300q...", len(text), text)
	}
	if !utf8.ValidString(text) {
		t.Errorf("error text is not valid UTF-8: %q", text)
	}
	if i := strings.IndexFunc(text, unicode.IsControl); i >= 0 {
		t.Errorf("error text has a control character at %d: %q", i, text)
	}
	if strings.TrimSpace(strings.TrimPrefix(text, gerr.Op+":")) == "" {
		t.Errorf("error text %q says nothing beyond the operation", text)
	}
}

// Failed checks the error of a call with CheckError, and reports whether there was one.
func Failed(t testing.TB, err error) bool {
	t.Helper()
	if err == nil {
		return false
	}
	CheckError(t, err)
	return true
}

// FuzzAnswers fuzzes what a gateway answers to an adapter's ops operations: each seed is added
// for every operation, and each input is served by s (its status, Content-Type and body, for
// the first two calls: a listing reads a second page of it) while run calls operation op with
// a 10-second limit. run checks what the operation returned.
func FuzzAnswers(f *testing.F, s *RawServer, seeds []Response, ops int,
	run func(ctx context.Context, t *testing.T, op int)) {
	for _, seed := range seeds {
		for op := range ops {
			f.Add(uint8(op), uint16(seed.Status), seed.ContentType, seed.Body)
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, status uint16, contentType string, body []byte) {
		s.Answer(Response{Status: fuzzStatus(status), ContentType: contentType, Body: body}, 2)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		run(ctx, t, int(op)%ops)
	})
}

// fuzzStatus maps a fuzzed number to an HTTP status from 200 to 599.
func fuzzStatus(n uint16) int {
	code := int(n)
	if code < 200 || code > 599 {
		code = 200 + code%400
	}
	return code
}

// Listing is a gateway that never ends a listing: every call gets a page of as many items as
// its limit asks for (100 without one) plus Extra, each with an id and a name of its own, under
// the field List. The page says Total when it is not 0, and answers after Delay, as a slow
// gateway does.
type Listing struct {
	List  string
	Total int64
	Extra int
	Delay time.Duration
}

// Serve starts a server of l, closed when the test ends, and returns its URL.
func (l Listing) Serve(t testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (l Listing) serve(w http.ResponseWriter, r *http.Request) {
	if l.Delay > 0 {
		select {
		case <-time.After(l.Delay):
		case <-r.Context().Done():
			return
		}
	}
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 100
	}
	var b strings.Builder
	b.WriteString(`{"` + l.List + `":[`)
	for i := range limit + l.Extra {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%032x","name":"item_%d","group_id":"g","instance_id":"other"}`, offset+i, offset+i)
	}
	b.WriteString("]")
	if l.Total != 0 {
		fmt.Fprintf(&b, `,"total":%d`, l.Total)
	}
	b.WriteString("}")
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, b.String())
}
