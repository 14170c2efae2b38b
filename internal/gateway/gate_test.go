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

package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestResultCode(t *testing.T) {
	cases := []struct {
		reason string
		err    error
		want   string
	}{
		{"success", nil, "ok"},
		{"a code the operator acts on", &Error{HTTPStatus: 404, Code: CodeAPINotFound}, "APIG.3002"},
		{"a documented code it does not act on", &Error{HTTPStatus: 403, Code: "APIG.3416"}, "APIG.3416"},
		{"the API entrance's signature error", &Error{HTTPStatus: 401, Code: "APIGW.0301"}, "APIGW.0301"},
		{"a DataArts code", &Error{HTTPStatus: 400, Code: "DLM.4197"}, "DLM.4197"},
		{"a code inside a batch response, without status", &Error{Code: CodeVersionNotFound}, "APIG.3022"},
		{"an undocumented code", &Error{HTTPStatus: 400, Code: "APIG.4711"}, "other"},
		{"a code made up by whatever answers", &Error{HTTPStatus: 500, Code: strings.Repeat("x", 300)}, "other"},
		{"a code that differs only in case", &Error{HTTPStatus: 404, Code: "apig.3002"}, "other"},
		{"a standard status without a code", &Error{HTTPStatus: 502}, "502"},
		{"a non-standard status is its class", &Error{HTTPStatus: 599}, "5xx"},
		{"a status outside HTTP's range", &Error{HTTPStatus: 1234}, "other"},
		{"a negative status", &Error{HTTPStatus: -1}, "other"},
		{"no response", Transport("list APIs", context.DeadlineExceeded), "error"},
		{"wrapped", fmt.Errorf("publish: %w", &Error{HTTPStatus: 429, Code: CodeThrottled}), "APIG.0308"},
		{"not a gateway error", errors.New("something else"), "error"},
	}
	for _, c := range cases {
		if got := resultCode(c.err); got != c.want {
			t.Errorf("%s: resultCode(%v) = %q, want %q", c.reason, c.err, got, c.want)
		}
	}
}

// Whatever codes and statuses a gateway answers with, the code label takes a bounded set of
// values: the known codes, the standard statuses, the classes, ok, other and error.
func TestResultCodeIsBounded(t *testing.T) {
	seen := map[string]bool{}
	for i := range 5000 {
		answer := &Error{HTTPStatus: i % 1000, Code: "APIG." + strconv.Itoa(i)}
		if i%2 == 0 {
			answer.Code = ""
		}
		seen[resultCode(answer)] = true
	}
	// 100-599: at most 500 statuses and classes; at most every known code; other and error.
	if limit := 500 + len(knownCodes) + 2; len(seen) > limit {
		t.Errorf("5000 distinct answers gave %d values of the code label, want at most %d", len(seen), limit)
	}
}

func TestForget(t *testing.T) {
	m := NewMetrics()
	record := func(gw string) {
		c := &Caller{Gateway: gw, Gate: NewGate(1e6, 1e6), Metrics: m}
		_ = c.Do(context.Background(), "ListEnvironmentsV2", func() error { return nil })
		_ = c.Do(context.Background(), "ListEnvironmentsV2", func() error { return &Error{HTTPStatus: 401, Code: "APIG.1002"} })
		m.Batch.WithLabelValues(gw, "online").Observe(3)
		m.Drift.WithLabelValues(gw, "RELEASE").Inc()
	}
	record("ns/gone")
	record("ns/kept")
	record("other/gone") // the same name in another namespace stays

	m.Forget("ns/gone")
	m.Forget("ns/never-existed")

	for _, vec := range []struct {
		name string
		c    prometheus.Collector
		kept int // series left per gateway
	}{
		{"calls", m.Calls, 2}, {"latency", m.Latency, 1}, {"batch", m.Batch, 1}, {"drift", m.Drift, 1},
	} {
		if got, want := testutil.CollectAndCount(vec.c), 2*vec.kept; got != want {
			t.Errorf("%s: %d series after Forget, want %d (those of ns/kept and other/gone)", vec.name, got, want)
		}
	}
	if got := testutil.ToFloat64(m.Calls.WithLabelValues("ns/kept", "ListEnvironmentsV2", "ok")); got != 1 {
		t.Errorf("ns/kept lost its count: %v", got)
	}
	var nilMetrics *Metrics
	nilMetrics.Forget("ns/gone") // a manager without metrics
}

// Forget while calls to the same and other gateways are recorded; run with -race.
func TestForgetConcurrentWithCalls(t *testing.T) {
	m := NewMetrics()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			c := &Caller{Gateway: fmt.Sprintf("ns/gw%d", g%2), Gate: NewGate(1e6, 1e6), Metrics: m}
			for range 200 {
				_ = c.Do(context.Background(), "ListApisV2", func() error { return nil })
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			m.Forget("ns/gw0")
		}
	})
	wg.Wait()
	m.Forget("ns/gw0")
	if got := testutil.ToFloat64(m.Calls.WithLabelValues("ns/gw1", "ListApisV2", "ok")); got != 400 {
		t.Errorf("ns/gw1 counted %v calls, want 400", got)
	}
	if n := testutil.CollectAndCount(m.Calls); n != 1 {
		t.Errorf("%d series left, want only the one of ns/gw1", n)
	}
}

func TestWritesToOneInstanceAreSerialised(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		// Two connections (two gateway objects) to one instance, and one to another.
		a := &Caller{Gateway: "a", Gate: NewGate(100, 100), Writes: InstanceWriteLock("APIG/one/" + t.Name())}
		b := &Caller{Gateway: "b", Gate: NewGate(100, 100), Writes: InstanceWriteLock("APIG/one/" + t.Name())}
		other := &Caller{Gateway: "c", Gate: NewGate(100, 100), Writes: InstanceWriteLock("APIG/two/" + t.Name())}
		var mu sync.Mutex
		var order []string
		record := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
		seen := func() string { mu.Lock(); defer mu.Unlock(); return strings.Join(order, ",") }

		release := make(chan struct{})
		go func() {
			_ = a.DoWrite(ctx, "publish", func() error { record("a"); <-release; record("a done"); return nil })
		}()
		synctest.Wait()
		bDone := make(chan error, 1)
		go func() { bDone <- b.DoWrite(ctx, "publish", func() error { record("b"); return nil }) }()
		cancelled, cancel := context.WithCancel(ctx)
		waiting := make(chan error, 1)
		go func() { waiting <- b.DoWrite(cancelled, "offline", func() error { record("never"); return nil }) }()
		_ = other.DoWrite(ctx, "publish", func() error { record("other instance"); return nil })
		_ = b.Do(ctx, "list", func() error { record("b read"); return nil })
		synctest.Wait()
		if got := seen(); got != "a,other instance,b read" {
			t.Fatalf("while a writes: %s; want the other instance's write and b's read, not b's write", got)
		}
		cancel()
		if err := <-waiting; err == nil || !strings.Contains(err.Error(), "canceled") {
			t.Errorf("a write waiting for the lock ends with its context: %v", err)
		}
		close(release)
		if err := <-bDone; err != nil {
			t.Fatal(err)
		}
		if got := seen(); got != "a,other instance,b read,a done,b" {
			t.Errorf("order %s: b's write must follow a's", got)
		}
	})
}
