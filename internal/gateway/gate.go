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
	"net/http"
	"strconv"
	"sync"
	"time"
	"unique"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Gate is the single door to one gateway: every call waits for a rate-limit token, and a 429
// pauses every caller of the gateway, not only the one that saw it.
//
// A 429 also slows the gate down, the way adaptive clients do: a gateway counts calls in
// windows of a second (APIG.0308 names its "limit:10,time:1 second"), and a token bucket at
// the same rate still overshoots a window with its burst and with the jitter of the network.
// After a 429 the gate admits half the rate it had, one call at a time; every recoverEvery
// without another 429 gives back a tenth of the configured rate, and the burst with the whole
// of it.
type Gate struct {
	limiter *rate.Limiter
	qps     float64
	burst   int

	mu          sync.Mutex
	pausedUntil time.Time
	// rate is the rate admitted now, below qps after a 429; slowed is when it was last lowered
	// or raised.
	rate   float64
	slowed time.Time
	now    func() time.Time
}

// How the gate slows down after a 429 and recovers.
const (
	// recoverEvery is how long the gate runs 429-free before it admits more.
	recoverEvery = 5 * time.Second
	// slowOncePer: the 429s of calls that were in flight together lower the rate once.
	slowOncePer = time.Second
)

// NewGate returns a gate admitting qps calls per second with bursts of burst.
func NewGate(qps float64, burst int) *Gate {
	burst = max(1, burst)
	return &Gate{limiter: rate.NewLimiter(rate.Limit(qps), burst), qps: qps, burst: burst, rate: qps, now: time.Now}
}

// Wait blocks until the gateway is not paused and a token is available, or ctx ends.
func (g *Gate) Wait(ctx context.Context) error {
	g.recover()
	for {
		g.mu.Lock()
		wait := g.pausedUntil.Sub(g.now())
		g.mu.Unlock()
		if wait <= 0 {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return g.limiter.Wait(ctx)
}

// Pause stops every call until d from now (a later pause wins).
func (g *Gate) Pause(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until := g.now().Add(d); until.After(g.pausedUntil) {
		g.pausedUntil = until
	}
}

// Throttled is a 429 answer: every call pauses for d, and the gate slows down.
func (g *Gate) Throttled(d time.Duration) {
	g.Pause(d)
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.rate < g.qps && now.Sub(g.slowed) < slowOncePer {
		return
	}
	g.rate, g.slowed = max(g.qps/10, g.rate/2), now
	g.limiter.SetLimit(rate.Limit(g.rate))
	g.limiter.SetBurst(1)
}

// recover gives back a tenth of the configured rate for every recoverEvery since the rate
// was last changed, and the burst once the whole rate is back.
func (g *Gate) recover() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.rate >= g.qps {
		return
	}
	steps := g.now().Sub(g.slowed) / recoverEvery
	if steps <= 0 {
		return
	}
	g.rate, g.slowed = min(g.qps, g.rate+float64(steps)*g.qps/10), g.slowed.Add(steps*recoverEvery)
	g.limiter.SetLimit(rate.Limit(g.rate))
	if g.rate >= g.qps {
		g.limiter.SetBurst(g.burst)
	}
}

// Rate is the rate the gate admits now: the configured one, or less after a 429.
func (g *Gate) Rate() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rate
}

// PausedUntil is when the current pause ends; zero or past when there is none.
func (g *Gate) PausedUntil() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pausedUntil
}

// Metrics are the outbound call metrics, shared by every gateway connection. Register
// Collectors with the manager's registry.
type Metrics struct {
	Calls   *prometheus.CounterVec
	Latency *prometheus.HistogramVec
	Batch   *prometheus.HistogramVec
	Drift   *prometheus.CounterVec
	// OutOfSync is set by the ApiPublication controller: the APIs that objects in
	// managementPolicy Observe would change.
	OutOfSync *prometheus.GaugeVec
	// Objects counts the objects of each kind and namespace by their Ready condition's status
	// and reason (SetReady): its series are bounded by namespaces and reasons, not by objects.
	Objects *prometheus.GaugeVec
	// NotReady is 1 for each object whose Ready condition is not True, labelled with the
	// condition (SetReady): the series alerts name objects by, one per object not Ready. It
	// is made from ready at each scrape: between scrapes an object not Ready costs its entry
	// in ready, not a series (0.5 KB each, tens of thousands during a large rollout).
	NotReady prometheus.Collector

	readyMu sync.Mutex
	// ready is each object's Ready condition, to take it out of its series of Objects when it
	// changes or the object is gone. Scope and condition are interned: an entry is the name and
	// two pointers, however many objects share a namespace or a reason.
	ready map[objectKey]unique.Handle[readyCondition]
	// counts are the values of the series of Objects; a series whose count drops to 0 is deleted.
	counts map[objectBucket]int
}

// objectScope is a kind in a namespace ("" for a cluster-scoped kind).
type objectScope struct{ kind, namespace string }

// readyCondition is a Ready condition's status and reason.
type readyCondition struct{ status, reason string }

// objectKey names one object.
type objectKey struct {
	scope unique.Handle[objectScope]
	name  string
}

// objectBucket is one series of Objects: the objects of a scope with a Ready condition.
type objectBucket struct {
	scope unique.Handle[objectScope]
	cond  unique.Handle[readyCondition]
}

// conditionTrue is metav1.ConditionTrue, which this package does not import.
const conditionTrue = "True"

// NewMetrics creates the metrics (unregistered).
func NewMetrics() *Metrics {
	m := &Metrics{
		Calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apig_gateway_calls_total",
			Help: "Calls made to gateways, by gateway (namespace/name), operation and result code " +
				"(ok, a documented error code or other, the HTTP status, or error).",
		}, []string{"gateway", "operation", "code"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apig_gateway_call_duration_seconds",
			Help:    "Duration of calls to gateways, including the rate-limit wait, by gateway and operation.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"gateway", "operation"}),
		Batch: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apig_gateway_batch_size",
			Help:    "Number of APIs per batch publish or offline call, by gateway and action.",
			Buckets: []float64{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000},
		}, []string{"gateway", "action"}),
		Drift: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apig_drift_corrections_total",
			Help: "APIs put back in their declared state after a change made on the gateway, by gateway and environment.",
		}, []string{"gateway", "environment"}),
		Objects: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apig_objects",
			Help: "ApiGateways, ClusterApiGateways, ApiPublications and ApiExports, counted by kind, namespace and " +
				"their Ready condition's status (True, False, Unknown) and reason; object_namespace is empty for " +
				"cluster-scoped kinds, and a count that drops to 0 has no series.",
		}, []string{"kind", "object_namespace", "status", "reason"}),
		ready:  map[objectKey]unique.Handle[readyCondition]{},
		counts: map[objectBucket]int{},
		OutOfSync: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apig_out_of_sync_apis",
			Help: "APIs that ApiPublications in managementPolicy Observe would change (publish, take offline, switch, " +
				"suspend, recover or release), by gateway and environment: drift reported, not corrected.",
		}, []string{"gateway", "environment"}),
	}
	m.NotReady = notReady{m: m, desc: prometheus.NewDesc("apig_object_not_ready",
		"1 for each ApiGateway, ClusterApiGateway, ApiPublication and ApiExport whose Ready condition is "+
			"not True, with its status (False, Unknown) and reason; an object that is Ready, or gone, has no "+
			"series. object_namespace is empty for cluster-scoped kinds.",
		[]string{"kind", "object_namespace", "object_name", "status", "reason"}, nil)}
	return m
}

// notReady is the collector of apig_object_not_ready.
type notReady struct {
	m    *Metrics
	desc *prometheus.Desc
}

func (c notReady) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect sends a series for each object not Ready, from a copy taken under the lock: the
// scrape does not hold up the passes that record conditions.
func (c notReady) Collect(ch chan<- prometheus.Metric) {
	type series struct {
		key  objectKey
		cond readyCondition
	}
	c.m.readyMu.Lock()
	var out []series
	for key, cond := range c.m.ready {
		if v := cond.Value(); v.status != conditionTrue {
			out = append(out, series{key, v})
		}
	}
	c.m.readyMu.Unlock()
	for _, s := range out {
		scope := s.key.scope.Value()
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 1,
			scope.kind, scope.namespace, s.key.name, s.cond.status, s.cond.reason)
	}
}

// Collectors returns the metrics to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Calls, m.Latency, m.Batch, m.Drift, m.OutOfSync, m.Objects, m.NotReady}
}

// Forget deletes every series of a gateway (namespace/name), for one that was deleted, so that
// the gateways a cluster ever had are not exported until the manager restarts. A call still in
// flight for it when Forget runs records its series again.
func (m *Metrics) Forget(gateway string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"gateway": gateway}
	m.Calls.DeletePartialMatch(l)
	m.Latency.DeletePartialMatch(l)
	m.Batch.DeletePartialMatch(l)
	m.Drift.DeletePartialMatch(l)
}

// SetReady records an object's Ready condition: it counts the object in its series of
// apig_objects, moving it from the one it was counted in when the status or reason changed,
// and gives it a series of apig_object_not_ready while the status is not True.
func (m *Metrics) SetReady(kind, namespace, name, status, reason string) {
	if m == nil {
		return
	}
	scope, now := unique.Make(objectScope{kind, namespace}), unique.Make(readyCondition{status, reason})
	key := objectKey{scope, name}
	m.readyMu.Lock()
	defer m.readyMu.Unlock()
	was, ok := m.ready[key]
	if ok && was == now {
		return
	}
	if ok {
		m.uncount(key, was)
	}
	m.ready[key] = now
	b := objectBucket{scope, now}
	m.counts[b]++
	m.Objects.WithLabelValues(kind, namespace, status, reason).Set(float64(m.counts[b]))
}

// ForgetReady takes an object that is gone out of apig_objects and removes its series of
// apig_object_not_ready.
func (m *Metrics) ForgetReady(kind, namespace, name string) {
	if m == nil {
		return
	}
	key := objectKey{unique.Make(objectScope{kind, namespace}), name}
	m.readyMu.Lock()
	defer m.readyMu.Unlock()
	if was, ok := m.ready[key]; ok {
		m.uncount(key, was)
		delete(m.ready, key)
	}
}

// uncount takes the object out of the series of apig_objects it was counted in with the
// condition was, deleting that series at 0.
// The caller holds readyMu.
func (m *Metrics) uncount(key objectKey, was unique.Handle[readyCondition]) {
	scope, c := key.scope.Value(), was.Value()
	b := objectBucket{key.scope, was}
	if n := m.counts[b] - 1; n > 0 {
		m.counts[b] = n
		m.Objects.WithLabelValues(scope.kind, scope.namespace, c.status, c.reason).Set(float64(n))
	} else {
		delete(m.counts, b)
		m.Objects.DeleteLabelValues(scope.kind, scope.namespace, c.status, c.reason)
	}
}

// Caller runs every outbound call of one gateway connection through the gate and records it.
type Caller struct {
	Gateway string // namespace/name, the metrics label
	Gate    *Gate
	Metrics *Metrics // nil: not recorded
	// Writes serialises the writes to one gateway instance, across every connection to it;
	// nil: not serialised.
	Writes *WriteLock
	// ThrottleRetries is how many times Do makes a throttled call again after the gateway's
	// pause (ThrottleRetries for connections); 0: the first 429 is reported.
	ThrottleRetries int
}

// WriteLock lets one write at a time reach a gateway instance: concurrent writes to one APIG
// instance can fail with APIG.3500 ("Failed to synchronize data to etcd").
type WriteLock struct{ ch chan struct{} }

var writeLocks sync.Map // instance key → *WriteLock

// InstanceWriteLock is the write lock of the gateway instance key names; every connection to
// the instance shares it.
func InstanceWriteLock(key string) *WriteLock {
	l, _ := writeLocks.LoadOrStore(key, &WriteLock{ch: make(chan struct{}, 1)})
	return l.(*WriteLock)
}

// DoWrite is Do for a call that changes the gateway: it waits for the instance's write lock
// first, so that writes to one instance are never issued in parallel.
func (c *Caller) DoWrite(ctx context.Context, op string, call func() error) error {
	if c.Writes != nil {
		select {
		case c.Writes.ch <- struct{}{}:
			defer func() { <-c.Writes.ch }()
		case <-ctx.Done():
			return Transport(op, ctx.Err())
		}
	}
	return c.Do(ctx, op, call)
}

// ThrottleRetries is how many times the connections make a throttled call again within the
// pass. A 429 pauses every caller of the gateway, and a call that waits out the pause and goes
// through costs a little latency, where failing it would mark every object whose pass shared
// it RateLimited (a status write each, and another when it recovers) and put each on its own
// back-off. After the retries, or for a pause longer than MaxInlinePause, the throttling is
// reported.
const (
	ThrottleRetries = 2
	MaxInlinePause  = 5 * time.Second
)

// Do waits at the gate, runs call, pauses the gateway on a 429 and records the outcome; a
// throttled call is made again after the pause, up to ThrottleRetries times.
func (c *Caller) Do(ctx context.Context, op string, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, op, call)
		if err == nil {
			return nil
		}
		if h := Classify(err); !h.Throttled || h.Delay > MaxInlinePause || attempt >= c.ThrottleRetries || ctx.Err() != nil {
			return err
		}
	}
}

// once is one attempt of Do.
func (c *Caller) once(ctx context.Context, op string, call func() error) error {
	start := time.Now()
	err := c.Gate.Wait(ctx)
	if err == nil {
		err = callWithin(ctx, op, call)
	} else {
		err = Transport(op, err)
	}
	if h := Classify(err); err != nil && h.Throttled {
		c.Gate.Throttled(h.Delay)
	}
	if c.Metrics != nil {
		c.Metrics.Calls.WithLabelValues(c.Gateway, op, resultCode(err)).Inc()
		c.Metrics.Latency.WithLabelValues(c.Gateway, op).Observe(time.Since(start).Seconds())
	}
	return err
}

// callWithin runs call, and returns when ctx ends if call has not by then. The SDK's calls
// take no context and end only at their HTTP timeout, so a pass's deadline would not bound a
// gateway that accepts and never answers; the abandoned call ends at that timeout, and its
// answer is dropped.
func callWithin(ctx context.Context, op string, call func() error) error {
	if ctx.Done() == nil {
		return call()
	}
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return Transport(op, ctx.Err())
	}
}

// resultCode is the metrics label of an outcome: "ok"; the error code when it is a known one,
// "other" when it is not; without a code, the HTTP status when it is a standard one, its class
// ("4xx") when it is not, "other" outside 100-599; "error" when no response arrived. Whatever
// a gateway answers, the label takes a bounded set of values.
func resultCode(err error) string {
	var gerr *Error
	switch {
	case err == nil:
		return "ok"
	case !errors.As(err, &gerr):
		return "error"
	case gerr.Code != "":
		if knownCodes[gerr.Code] {
			return gerr.Code
		}
		return "other"
	case gerr.HTTPStatus == 0:
		return "error"
	case http.StatusText(gerr.HTTPStatus) != "":
		return strconv.Itoa(gerr.HTTPStatus)
	case gerr.HTTPStatus >= 100 && gerr.HTTPStatus <= 599:
		return strconv.Itoa(gerr.HTTPStatus/100) + "xx"
	default:
		return "other"
	}
}

// knownCodes are the error codes the metrics name: those the operator acts on and those
// documented for the management APIs (the APIG error code table, APIGW.0301 of the cloud's API
// entrance, the DLM codes the Terraform provider handles).
var knownCodes = func() map[string]bool {
	codes := map[string]bool{CodeThrottled: true, CodeTooManyRequests: true, CodeDataIllegal: true}
	for c := range notFound {
		codes[c] = true
	}
	for _, c := range []string{
		"APIG.1000", "APIG.1001", "APIG.1002", "APIG.1005", "APIG.1101", "APIG.1102", "APIG.1103",
		"APIG.2000", "APIG.2001", "APIG.2002", "APIG.2003", "APIG.2004", "APIG.2005", "APIG.2006",
		"APIG.2007", "APIG.2011", "APIG.2012", "APIG.2026", "APIG.2027", "APIG.2028",
		"APIG.3019", "APIG.3090", "APIG.3100", "APIG.3101", "APIG.3102", "APIG.3103", "APIG.3104",
		"APIG.3125", "APIG.3127", "APIG.3201", "APIG.3202", "APIG.3205", "APIG.3301", "APIG.3309",
		"APIG.3415", "APIG.3416", "APIG.3418", "APIG.3458", "APIG.3500", "APIG.3600", "APIG.3601",
		"APIG.3602", "APIG.3603", "APIG.3609", "APIG.9999",
		"APIGW.0301",
		"DLM.4063", "DLM.4205",
	} {
		codes[c] = true
	}
	return codes
}()
