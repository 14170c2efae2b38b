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

// Package recorder writes the manager's events.k8s.io/v1 Events in bounded memory.
//
// client-go's events recorder starts two goroutines for each event and keeps a copy of every
// event it wrote for 6 to 12 minutes, to count repeats. During a rollout of 50,000
// publications, one event each, that is tens of megabytes. Here the events wait in a queue of
// bounded length, one goroutine writes them through the client's rate limiter, and the repeats
// are counted in a bounded table that keeps a few strings per event, not the event.
package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	eventsclient "k8s.io/client-go/kubernetes/typed/events/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/reference"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

const (
	// QueueSize is how many events wait to be written at most; more are dropped and counted,
	// as client-go's legacy recorder drops them past 1,000.
	QueueSize = 8192
	// SeriesWindow is how long after an event its repeats are counted on it (client-go: 6
	// minutes) instead of written as new events.
	SeriesWindow = 6 * time.Minute
	// MaxSeries bounds the table of recent events that repeats are counted against; past it,
	// a repeat is written as a new event.
	MaxSeries = 8192
	// attempts is how many times an event is written before it is given up: a refused event
	// (the namespace is being deleted, the object is invalid) is not written again.
	attempts = 3
	// Writers is how many events are written at once: one at a time, a write's round trip
	// would hold them below the client's rate limit during a rollout; at 50,000 publications
	// the API server answers in a second or more, and 16 writers fell behind.
	Writers = 64
	// maxNote is the longest note the API server accepts.
	maxNote = 1024
)

// Recorder implements events.EventRecorder. Start it with the manager: events recorded
// before it starts wait in the queue.
type Recorder struct {
	client     eventsclient.EventsGetter
	scheme     *runtime.Scheme
	controller string
	instance   string
	log        logr.Logger
	// Dropped, when set, counts the events dropped because the queue was full or the API
	// server did not take them.
	Dropped func()

	queue chan item
	now   func() time.Time
	// maxSeries is MaxSeries.
	maxSeries int

	mu     sync.Mutex
	series map[seriesKey]*series
}

var _ events.EventRecorder = &Recorder{}

// item is one write: an event to create, or the series of one to patch with its count then.
type item struct {
	event *eventsv1.Event
	key   seriesKey
	tries int
}

// seriesKey identifies the repeats of an event: the same object, type, reason, action and
// note. Unlike client-go the note counts: "Published 3 APIs" and "Published 1 API" are two
// events.
type seriesKey struct {
	uid                  types.UID
	kind, eventType      string
	reason, action, note string // note is a hash of the note
}

// series is an event written in the last SeriesWindow and how often it happened since.
type series struct {
	namespace, name string
	first, last     time.Time
	count           int32
	// pending: a patch of the count is queued. written: the event was created, so its series
	// can be patched. deferred: a patch came before the event was created, and is queued
	// when it is.
	pending, written, deferred bool
}

// New returns a Recorder writing through client as controller, from this instance of it
// (hostname, or pod name).
func New(client eventsclient.EventsGetter, scheme *runtime.Scheme, controller, instance string, log logr.Logger) *Recorder {
	return &Recorder{client: client, scheme: scheme, controller: controller, instance: controller + "-" + instance, log: log,
		queue: make(chan item, QueueSize), now: time.Now, maxSeries: MaxSeries, series: map[seriesKey]*series{}}
}

// Eventf records an event about regarding. It never blocks: an event that does not fit in the
// queue is dropped.
func (r *Recorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	ref, err := reference.GetReference(r.scheme, regarding)
	if err != nil {
		r.log.Error(err, "Could not make a reference to the object of an event; the event is not recorded", "reason", reason)
		return
	}
	if len(args) > 0 {
		note = fmt.Sprintf(note, args...)
	}
	if len(note) > maxNote {
		note = note[:maxNote-3] + "..."
	}
	now := r.now()
	key := seriesKey{uid: ref.UID, kind: ref.Kind, eventType: eventtype, reason: reason, action: action, note: hash(note)}

	r.mu.Lock()
	if s := r.series[key]; s != nil && now.Sub(s.first) < SeriesWindow {
		s.count++
		s.last = now
		queue := !s.pending
		s.pending = true
		r.mu.Unlock()
		if queue {
			r.enqueue(item{key: key})
		}
		return
	}
	r.mu.Unlock()

	namespace := ref.Namespace
	if namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	ev := &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: eventName(ref.Name, now), Namespace: namespace},
		EventTime:  metav1.MicroTime{Time: now}, ReportingController: r.controller, ReportingInstance: r.instance,
		Action: action, Reason: reason, Regarding: *ref, Note: note, Type: eventtype,
	}
	if related != nil {
		if rel, err := reference.GetReference(r.scheme, related); err == nil {
			ev.Related = rel
		}
	}
	if !r.enqueue(item{event: ev, key: key}) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.series) >= r.maxSeries {
		r.sweep(now)
	}
	if len(r.series) < r.maxSeries {
		r.series[key] = &series{namespace: namespace, name: ev.Name, first: now, last: now, count: 1}
	}
}

// enqueue adds it to the queue unless the queue is full; a dropped event is counted.
func (r *Recorder) enqueue(it item) bool {
	select {
	case r.queue <- it:
		return true
	default:
		r.drop()
		return false
	}
}

func (r *Recorder) drop() {
	if r.Dropped != nil {
		r.Dropped()
	}
}

// sweep forgets the series older than the window. Called with r.mu held.
func (r *Recorder) sweep(now time.Time) {
	for k, s := range r.series {
		if now.Sub(s.first) >= SeriesWindow && !s.pending {
			delete(r.series, k)
		}
	}
}

// Start writes the queued events with Writers goroutines until ctx ends, and forgets old
// series once a window.
func (r *Recorder) Start(ctx context.Context) error {
	var wg sync.WaitGroup
	for range Writers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case it := <-r.queue:
					r.write(ctx, it)
				}
			}
		})
	}
	tick := time.NewTicker(SeriesWindow)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-tick.C:
			r.mu.Lock()
			r.sweep(r.now())
			r.mu.Unlock()
		}
	}
}

// NeedLeaderElection is false: a standby records nothing, and the leader's events must not
// wait for the election.
func (r *Recorder) NeedLeaderElection() bool { return false }

// write creates the event, or patches the series of an earlier one with its count now. A write
// that failed for a reason that may pass goes to the back of the queue, up to attempts times.
func (r *Recorder) write(ctx context.Context, it item) {
	var err error
	if it.event != nil {
		if _, err = r.client.Events(it.event.Namespace).Create(ctx, it.event, metav1.CreateOptions{}); err == nil {
			deferred := false
			r.mu.Lock()
			if s := r.series[it.key]; s != nil && s.name == it.event.Name {
				deferred = s.deferred
				s.written, s.deferred = true, false
			}
			r.mu.Unlock()
			if deferred {
				r.enqueue(item{key: it.key})
			}
		}
	} else {
		err = r.patchSeries(ctx, it.key)
	}
	if err == nil || ctx.Err() != nil {
		return
	}
	it.tries++
	if it.tries < attempts && retriable(err) {
		if r.enqueue(it) {
			return
		}
	} else {
		r.drop()
	}
	r.log.V(1).Info("An event was not recorded", "reason", it.key.reason, "error", err.Error())
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.series[it.key]; s != nil && (it.event == nil || s.name == it.event.Name) {
		delete(r.series, it.key) // its repeats are written as a new event
	}
}

// patchSeries writes the count of a series as it is now.
func (r *Recorder) patchSeries(ctx context.Context, key seriesKey) error {
	r.mu.Lock()
	s := r.series[key]
	if s == nil {
		r.mu.Unlock()
		return nil
	}
	if !s.written {
		s.deferred = true // another writer is creating the event: the patch follows it
		r.mu.Unlock()
		return nil
	}
	s.pending = false
	namespace, name := s.namespace, s.name
	patch, err := json.Marshal(map[string]any{"series": eventsv1.EventSeries{Count: s.count,
		LastObservedTime: metav1.MicroTime{Time: s.last}}})
	r.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = r.client.Events(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// retriable reports whether writing the event again may work: the API server was unavailable
// or busy, not refusing this event.
func retriable(err error) bool {
	refused := apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsNotFound(err) ||
		apierrors.IsAlreadyExists(err) || apierrors.IsBadRequest(err)
	return !refused
}

// eventName is the object's name and the time, as client-go names events, within the 253
// characters a name may have.
func eventName(object string, t time.Time) string {
	suffix := fmt.Sprintf(".%x", t.UnixNano())
	if len(object)+len(suffix) > 253 {
		object = object[:253-len(suffix)]
	}
	return object + suffix
}

func hash(s string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return fmt.Sprintf("%x", h.Sum64())
}

// NewDroppedCounter returns apig_events_dropped_total, unregistered.
func NewDroppedCounter() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: "apig_events_dropped_total",
		Help: "Events not recorded: more were waiting than the queue holds, or the API server refused them."})
}

// ForManager returns a Recorder that runs with mgr: it writes through a client of its own made
// from cfg (its own rate limiter, as controller-runtime's recorder has), as controller from
// this host, and counts the events it drops in apig_events_dropped_total on reg.
func ForManager(mgr manager.Manager, cfg *rest.Config, controller string, reg prometheus.Registerer) (*Recorder, error) {
	client, err := eventsclient.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	r := New(client, mgr.GetScheme(), controller, host, mgr.GetLogger().WithName("events"))
	dropped := NewDroppedCounter()
	if err := reg.Register(dropped); err != nil {
		return nil, err
	}
	r.Dropped = dropped.Inc
	return r, mgr.Add(r)
}
