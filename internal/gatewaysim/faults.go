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

package gatewaysim

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Fault is a failure injected into matching gateway requests through POST /_sim/faults.
type Fault struct {
	// Operation is the SDK operation name (for example BatchPublishOrOfflineApiV2), or "*".
	Operation string `json:"operation"`
	// Status is the HTTP status returned; default 500 when Code is set.
	Status int `json:"status,omitempty"`
	// Code and Message make the error body; Code defaults from Status.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Count is how many matching requests fail; 0 means until the fault is removed.
	Count int `json:"count,omitempty"`
	// Rate is the probability that a matching request fails; 0 means every one.
	Rate float64 `json:"rate,omitempty"`
	// RetryAfter, in seconds, is sent as the Retry-After header.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Latency delays matching requests, with or without a failure (Go duration).
	Latency string `json:"latency,omitempty"`
	// Drop closes the connection without a response.
	Drop bool `json:"drop,omitempty"`
	// Body is returned verbatim with Status (default 200) and ContentType, to simulate
	// malformed responses: truncated JSON, HTML error pages, wrong types.
	Body        string `json:"body,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	// TaskStatus "failed" lets the request succeed but makes the export task it creates fail.
	TaskStatus string `json:"taskStatus,omitempty"`

	latency time.Duration
}

// AddFault injects a fault; it applies to requests that arrive after it.
func (s *Server) AddFault(f Fault) error {
	if f.Operation == "" {
		return fmt.Errorf("fault: operation is required (an SDK operation name, or *)")
	}
	if f.Latency != "" {
		d, err := time.ParseDuration(f.Latency)
		if err != nil {
			return fmt.Errorf("fault: latency: %w", err)
		}
		f.latency = d
	}
	if f.TaskStatus != "" && f.TaskStatus != taskFailed {
		return fmt.Errorf("fault: taskStatus must be %q", taskFailed)
	}
	if f.Code != "" && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if f.Body != "" && f.Status == 0 {
		f.Status = http.StatusOK
	}
	if f.Status != 0 && f.Code == "" && f.Body == "" {
		f.Code = defaultCode(f.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
	return nil
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func defaultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "APIG.0308"
	case http.StatusUnauthorized:
		return "APIG.1002"
	case http.StatusForbidden:
		return "APIG.1005"
	case http.StatusNotFound:
		return "APIG.3002"
	case http.StatusBadRequest:
		return "APIG.2000"
	default:
		return "APIG.9999"
	}
}

// matchFault picks the first fault for op that fires, under s.mu, and uses up one of its count.
// It returns a copy, which the call may read after s.mu is released.
func (s *Server) matchFault(op string) *Fault {
	for i, f := range s.faults {
		if f.Operation != op && f.Operation != "*" {
			continue
		}
		if f.Rate > 0 && rand.Float64() >= f.Rate {
			continue
		}
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		matched := *f
		return &matched
	}
	return nil
}

// applyFault delays, drops or fails the request; done says whether a response was written.
func (s *Server) applyFault(w http.ResponseWriter, c *call, f *Fault) (status int, done bool) {
	if f.latency > 0 {
		time.Sleep(f.latency)
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				s.record(c, 0)
				return 0, true
			}
		}
		panic(http.ErrAbortHandler) // closes the connection where hijacking is unsupported
	case f.Body != "":
		if s.retryAfter(f) {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		return s.finish(w, c, response{status: f.Status, raw: []byte(f.Body), contentType: ct}), true
	case f.Status != 0:
		if s.retryAfter(f) {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		return s.finish(w, c, fail(&apiError{status: f.Status, code: f.Code, msg: msg})), true
	}
	return 0, false
}

// retryAfter says whether an injected failure carries its Retry-After: not a 429 when the
// simulator throttles without one.
func (s *Server) retryAfter(f *Fault) bool {
	return f.RetryAfter > 0 && (f.Status != http.StatusTooManyRequests || !s.opts.ThrottleWithoutRetryAfter)
}

type taskStatusKey struct{}

func withTaskStatus(ctx context.Context, status string) context.Context {
	return context.WithValue(ctx, taskStatusKey{}, status)
}

func forcedTaskStatus(ctx context.Context) string {
	v, _ := ctx.Value(taskStatusKey{}).(string)
	return v
}

// Stats counts the gateway calls by operation and HTTP status.
type Stats struct {
	Operations map[string]map[string]int `json:"operations"`
	Total      int                       `json:"total"`
	// Writes counts successful calls that change gateway state.
	Writes int `json:"writes"`
	// Republishes counts the publishes of an API that was already live in the environment
	// when the write landed (the true state, whatever a lagging read showed): each made a new
	// version of what was already served. A client that observes before it publishes makes
	// none.
	Republishes int `json:"republishes"`
	// Republished lists those publishes, oldest first (at most the last 100,000).
	Republished []Republish `json:"republished"`
	// Conflicts counts the writes refused with APIG.3500 because another write to the same
	// instance was in flight (Options.ConflictOnConcurrentWrites).
	Conflicts int `json:"conflicts"`
}

// Republish is a publish of an API that was already live in the environment.
type Republish struct {
	Time      time.Time `json:"time"`
	Operation string    `json:"operation"`
	APIID     string    `json:"apiId"`
	APIName   string    `json:"apiName"`
	EnvID     string    `json:"envId"`
	EnvName   string    `json:"envName"`
	// Version is the version the publish created; Replaced the one that was live.
	Version  string `json:"version"`
	Replaced string `json:"replaced"`
}

// writeOps are the operations that change what the gateway serves or stores.
var writeOps = map[string]bool{
	opPublishOne: true, opBatchPublish: true, opSwitchVersion: true, opOfflineVersion: true,
	opCreateAPI: true, opUpdateAPI: true, opDeleteAPI: true, opCreateEnv: true,
	opCreateGroup: true, opDeleteGroup: true, opDataPublish: true, opDataAction: true,
}

// Stats returns the call counts since start or the last reset.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Operations: map[string]map[string]int{}, Republishes: s.republishes, Conflicts: s.conflicts,
		Republished: append([]Republish{}, s.republished...)}
	for op, byStatus := range s.stats {
		m := map[string]int{}
		for status, n := range byStatus {
			m[strconv.Itoa(status)] = n
			st.Total += n
			if writeOps[op] && status >= 200 && status < 300 {
				st.Writes += n
			}
		}
		st.Operations[op] = m
	}
	return st
}

// Calls returns the call log, oldest first (at most the last 100,000 calls).
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// adminRoutes serves /_sim/: state, stats, calls, faults, reset, clock.
func (s *Server) adminRoutes() {
	s.mux.HandleFunc("GET /_sim/state", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.State())
	})
	s.mux.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	})
	s.mux.HandleFunc("GET /_sim/calls", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Calls())
	})
	s.mux.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if err := s.AddFault(f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("POST /_sim/reset", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Reset(); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("POST /_sim/clock", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Advance string `json:"advance"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		d, err := time.ParseDuration(body.Advance)
		if err != nil || d < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "advance must be a non-negative Go duration, for example 49h"})
			return
		}
		s.AdvanceClock(d)
		writeJSON(w, http.StatusOK, map[string]string{"now": s.Now().UTC().Format(time.RFC3339)})
	})
}
