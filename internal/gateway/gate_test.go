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
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
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

// A throttled call waits out the gateway's pause and is made again, up to ThrottleRetries
// times: a 429 costs the pass latency, not a RateLimited failure. A pause longer than
// MaxInlinePause, or a context that ends first, is reported at once.
func TestThrottledCallsAreMadeAgainAfterThePause(t *testing.T) {
	throttled := func(retryAfter time.Duration) error {
		return &Error{Op: "list APIs", HTTPStatus: http.StatusTooManyRequests, Code: CodeThrottled, RetryAfter: retryAfter}
	}
	run := func(ctx context.Context, c *Caller, refusals int, retryAfter time.Duration) (calls int, took time.Duration, err error) {
		start := time.Now()
		err = c.Do(ctx, "list", func() error {
			calls++
			if calls <= refusals {
				return throttled(retryAfter)
			}
			return nil
		})
		return calls, time.Since(start), err
	}
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		m := NewMetrics()
		c := &Caller{Gateway: "team/gw", Gate: NewGate(100, 100), Metrics: m, ThrottleRetries: ThrottleRetries}

		calls, took, err := run(ctx, c, ThrottleRetries, 0)
		if err != nil || calls != ThrottleRetries+1 {
			t.Fatalf("throttled %d times: %d calls, %v; want success on call %d", ThrottleRetries, calls, err, ThrottleRetries+1)
		}
		if want := ThrottleRetries * ThrottleDelay; took < want {
			t.Errorf("the retries took %s: they must wait out the pause (%s)", took, want)
		}
		if got := testutil.ToFloat64(m.Calls.WithLabelValues("team/gw", "list", CodeThrottled)); got != ThrottleRetries {
			t.Errorf("%v throttled calls recorded, want %d", got, ThrottleRetries)
		}

		calls, _, err = run(ctx, c, 100, 0)
		if calls != ThrottleRetries+1 || !Classify(err).Throttled {
			t.Errorf("throttled throughout: %d calls, %v; want %d calls and the throttling reported", calls, err, ThrottleRetries+1)
		}

		c = &Caller{Gateway: "team/gw", Gate: NewGate(100, 100), ThrottleRetries: ThrottleRetries} // not paused by the last refusal
		calls, took, err = run(ctx, c, 100, time.Minute)
		if calls != 1 || !Classify(err).Throttled || took != 0 {
			t.Errorf("Retry-After of a minute: %d calls in %s, %v; want it reported at once", calls, took, err)
		}

		c = &Caller{Gateway: "team/none", Gate: NewGate(100, 100)}
		if calls, took, err = run(ctx, c, 100, 0); calls != 1 || took != 0 || !Classify(err).Throttled {
			t.Errorf("no retries: %d calls in %s, %v; want the first 429 reported", calls, took, err)
		}

		c = &Caller{Gateway: "team/other", Gate: NewGate(100, 100), ThrottleRetries: ThrottleRetries}
		short, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		calls, took, err = run(short, c, 100, 0)
		if calls != 1 || err == nil || took > time.Second {
			t.Errorf("a context of 1s: %d calls in %s, %v; want one call and the context's end", calls, took, err)
		}
	})
}

// A 429 halves the rate the gate admits and takes its burst away (once for the 429s of calls
// in flight together); the rate comes back a tenth at a time, the burst with the whole rate.
func TestGateSlowsDownAfterA429AndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := NewGate(10, 10)
		admit := func(n int) time.Duration {
			start := time.Now()
			for range n {
				if err := g.Wait(ctx); err != nil {
					t.Fatal(err)
				}
			}
			return time.Since(start)
		}
		if took := admit(10); took != 0 {
			t.Fatalf("a burst of 10 took %s at first", took)
		}

		g.Throttled(0)
		g.Throttled(0) // another call of the same moment
		if r := g.Rate(); r != 5 {
			t.Fatalf("rate after a 429: %v, want 5", r)
		}
		if took := admit(10); took < 1800*time.Millisecond {
			t.Errorf("10 calls after a 429 took %s: want one at a time at 5/s (1.8s)", took)
		}
		g.Throttled(0) // a 429 more than a second later halves again
		if r := g.Rate(); r != 2.5 {
			t.Fatalf("rate after a second 429: %v, want 2.5", r)
		}

		time.Sleep(recoverEvery)
		admit(1)
		if r := g.Rate(); r != 3.5 {
			t.Errorf("rate after %s without a 429: %v, want 3.5", recoverEvery, r)
		}
		time.Sleep(10 * recoverEvery)
		admit(1)
		if r := g.Rate(); r != 10 {
			t.Errorf("rate after a long time without a 429: %v, want all of 10", r)
		}
		time.Sleep(time.Second)
		if took := admit(10); took != 0 {
			t.Errorf("a burst of 10 took %s once the rate was back", took)
		}
	})
}

// seriesOf renders each series of c as its label values, in the order of the labels named,
// then its value, sorted: "ApiPublication,shop,False,GatewayUnreachable=1".
func seriesOf(t *testing.T, c prometheus.Collector, labels ...string) []string {
	t.Helper()
	ch := make(chan prometheus.Metric, 100)
	go func() { c.Collect(ch); close(ch) }()
	var out []string
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, l := range d.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		values := make([]string, len(labels))
		for i, l := range labels {
			values[i] = got[l]
		}
		out = append(out, fmt.Sprintf("%s=%v", strings.Join(values, ","), d.GetGauge().GetValue()))
	}
	slices.Sort(out)
	return out
}

// An object's Ready condition is counted in apig_objects by kind, namespace, status and
// reason, and named in apig_object_not_ready only while it is not True.
func TestReadyMetrics(t *testing.T) {
	m := NewMetrics()
	objects := func() []string { return seriesOf(t, m.Objects, "kind", "object_namespace", "status", "reason") }
	notReady := func() []string {
		return seriesOf(t, m.NotReady, "kind", "object_namespace", "object_name", "status", "reason")
	}
	const pub, cgw = "ApiPublication", "ClusterApiGateway"
	steps := []struct {
		reason       string
		do           func()
		wantObjects  []string
		wantNotReady []string
	}{
		{"a Ready publication is counted, not named",
			func() { m.SetReady(pub, "shop", "orders", "True", "Succeeded") },
			[]string{"ApiPublication,shop,True,Succeeded=1"}, nil},
		{"a second one in its bucket",
			func() { m.SetReady(pub, "shop", "catalog", "True", "Succeeded") },
			[]string{"ApiPublication,shop,True,Succeeded=2"}, nil},
		{"True to False moves it to another bucket and names it",
			func() { m.SetReady(pub, "shop", "orders", "False", "GatewayUnreachable") },
			[]string{"ApiPublication,shop,False,GatewayUnreachable=1", "ApiPublication,shop,True,Succeeded=1"},
			[]string{"ApiPublication,shop,orders,False,GatewayUnreachable=1"}},
		{"a pass that changes nothing changes no series",
			func() { m.SetReady(pub, "shop", "orders", "False", "GatewayUnreachable") },
			[]string{"ApiPublication,shop,False,GatewayUnreachable=1", "ApiPublication,shop,True,Succeeded=1"},
			[]string{"ApiPublication,shop,orders,False,GatewayUnreachable=1"}},
		{"a new reason: the old bucket, at 0, and the old not-ready series are deleted",
			func() { m.SetReady(pub, "shop", "orders", "Unknown", "Publishing") },
			[]string{"ApiPublication,shop,True,Succeeded=1", "ApiPublication,shop,Unknown,Publishing=1"},
			[]string{"ApiPublication,shop,orders,Unknown,Publishing=1"}},
		{"back to True: counted again, no longer named",
			func() { m.SetReady(pub, "shop", "orders", "True", "Succeeded") },
			[]string{"ApiPublication,shop,True,Succeeded=2"}, nil},
		{"the same name in another namespace, and a cluster-scoped gateway, are other objects",
			func() {
				m.SetReady(pub, "data", "orders", "False", "GatewayUnreachable")
				m.SetReady(cgw, "", "shared", "False", "AuthenticationFailed")
			},
			[]string{"ApiPublication,data,False,GatewayUnreachable=1", "ApiPublication,shop,True,Succeeded=2",
				"ClusterApiGateway,,False,AuthenticationFailed=1"},
			[]string{"ApiPublication,data,orders,False,GatewayUnreachable=1", "ClusterApiGateway,,shared,False,AuthenticationFailed=1"}},
		{"two namespaces in one bucket each",
			func() { m.SetReady(pub, "data", "reports", "False", "GatewayUnreachable") },
			[]string{"ApiPublication,data,False,GatewayUnreachable=2", "ApiPublication,shop,True,Succeeded=2",
				"ClusterApiGateway,,False,AuthenticationFailed=1"},
			[]string{"ApiPublication,data,orders,False,GatewayUnreachable=1", "ApiPublication,data,reports,False,GatewayUnreachable=1",
				"ClusterApiGateway,,shared,False,AuthenticationFailed=1"}},
		{"forgetting a not-ready object uncounts it and removes its series",
			func() { m.ForgetReady(pub, "data", "orders") },
			[]string{"ApiPublication,data,False,GatewayUnreachable=1", "ApiPublication,shop,True,Succeeded=2",
				"ClusterApiGateway,,False,AuthenticationFailed=1"},
			[]string{"ApiPublication,data,reports,False,GatewayUnreachable=1", "ClusterApiGateway,,shared,False,AuthenticationFailed=1"}},
		{"forgetting a Ready one, one never seen, and one already forgotten",
			func() {
				m.ForgetReady(pub, "shop", "orders")
				m.ForgetReady(pub, "shop", "never-seen")
				m.ForgetReady(pub, "data", "orders")
			},
			[]string{"ApiPublication,data,False,GatewayUnreachable=1", "ApiPublication,shop,True,Succeeded=1",
				"ClusterApiGateway,,False,AuthenticationFailed=1"},
			[]string{"ApiPublication,data,reports,False,GatewayUnreachable=1", "ClusterApiGateway,,shared,False,AuthenticationFailed=1"}},
		{"forgetting the rest leaves no series",
			func() {
				m.ForgetReady(pub, "shop", "catalog")
				m.ForgetReady(pub, "data", "reports")
				m.ForgetReady(cgw, "", "shared")
			},
			nil, nil},
	}
	for _, s := range steps {
		s.do()
		if got := objects(); !slices.Equal(got, s.wantObjects) {
			t.Errorf("%s: apig_objects %q, want %q", s.reason, got, s.wantObjects)
		}
		if got := notReady(); !slices.Equal(got, s.wantNotReady) {
			t.Errorf("%s: apig_object_not_ready %q, want %q", s.reason, got, s.wantNotReady)
		}
	}

	var nilMetrics *Metrics // a manager without metrics
	nilMetrics.SetReady(pub, "shop", "orders", "True", "Succeeded")
	nilMetrics.ForgetReady(pub, "shop", "orders")
}

// Objects changing condition and going away concurrently, sharing buckets; run with -race.
// Once every one has settled, the counts are those of the final conditions.
func TestReadyMetricsConcurrent(t *testing.T) {
	m := NewMetrics()
	conditions := [][2]string{{"False", "GatewayUnreachable"}, {"Unknown", "Publishing"}, {"True", "Succeeded"}}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 300 {
				name := "pub" + strconv.Itoa(i%10) // objects shared between workers
				ns := "ns" + strconv.Itoa(w%2)
				if i%7 == 0 {
					m.ForgetReady("ApiPublication", ns, name)
					continue
				}
				c := conditions[(i+w)%len(conditions)]
				m.SetReady("ApiPublication", ns, name, c[0], c[1])
			}
		})
	}
	wg.Wait()
	for ns := range 2 {
		for i := range 10 {
			m.SetReady("ApiPublication", "ns"+strconv.Itoa(ns), "pub"+strconv.Itoa(i), "True", "Succeeded")
		}
	}
	m.SetReady("ApiPublication", "ns0", "pub0", "False", "GatewayUnreachable")
	want := []string{"ApiPublication,ns0,False,GatewayUnreachable=1", "ApiPublication,ns0,True,Succeeded=9",
		"ApiPublication,ns1,True,Succeeded=10"}
	if got := seriesOf(t, m.Objects, "kind", "object_namespace", "status", "reason"); !slices.Equal(got, want) {
		t.Errorf("apig_objects %q, want %q", got, want)
	}
	if got := seriesOf(t, m.NotReady, "object_namespace", "object_name", "reason"); !slices.Equal(got, []string{"ns0,pub0,GatewayUnreachable=1"}) {
		t.Errorf("apig_object_not_ready %q, want only ns0/pub0's", got)
	}
}
