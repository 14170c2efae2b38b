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

package recorder

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

func newRecorder(t *testing.T) (*Recorder, *fake.Clientset) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cs := fake.NewClientset()
	return New(cs.EventsV1(), scheme, "apig-operator", "host-1", logr.Discard()), cs
}

func configMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team", UID: types.UID("uid-" + name)}}
}

// drain writes what is queued, as Start would.
func drain(r *Recorder) {
	for {
		select {
		case it := <-r.queue:
			r.write(context.Background(), it)
		default:
			return
		}
	}
}

func written(t *testing.T, cs *fake.Clientset) []eventsv1.Event {
	t.Helper()
	list, err := cs.EventsV1().Events("team").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

func TestAnEventIsWrittenAsClientGoWritesIt(t *testing.T) {
	r, cs := newRecorder(t)
	r.Eventf(configMap("shop"), nil, corev1.EventTypeNormal, "Published", "Reconcile", "Published %d APIs in %s", 3, "RELEASE")
	drain(r)
	got := written(t, cs)
	if len(got) != 1 {
		t.Fatalf("%d events, want 1", len(got))
	}
	e := got[0]
	if !strings.HasPrefix(e.Name, "shop.") || e.Note != "Published 3 APIs in RELEASE" || e.Reason != "Published" ||
		e.Action != "Reconcile" || e.Type != corev1.EventTypeNormal || e.ReportingController != "apig-operator" ||
		e.ReportingInstance != "apig-operator-host-1" || e.EventTime.IsZero() || e.Series != nil {
		t.Errorf("event %+v", e)
	}
	if e.Regarding.Kind != "ConfigMap" || e.Regarding.Name != "shop" || e.Regarding.Namespace != "team" || e.Regarding.UID == "" {
		t.Errorf("regarding %+v", e.Regarding)
	}
}

func TestRepeatsWithinTheWindowAreCountedOnTheFirstEvent(t *testing.T) {
	r, cs := newRecorder(t)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	cm := configMap("shop")
	for range 3 {
		r.Eventf(cm, nil, corev1.EventTypeWarning, "Stalled", "Reconcile", "bad credentials")
		now = now.Add(time.Minute)
	}
	r.Eventf(cm, nil, corev1.EventTypeWarning, "Stalled", "Reconcile", "another note") // not a repeat
	drain(r)
	got := written(t, cs)
	if len(got) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(got), got)
	}
	for _, e := range got {
		switch e.Note {
		case "bad credentials":
			if e.Series == nil || e.Series.Count != 3 || !e.Series.LastObservedTime.Time.Equal(now.Add(-time.Minute)) {
				t.Errorf("series of the repeated event: %+v", e.Series)
			}
		case "another note":
			if e.Series != nil {
				t.Errorf("series of an event seen once: %+v", e.Series)
			}
		}
	}
	patches := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == "patch" {
			patches++
		}
	}
	if patches != 1 {
		t.Errorf("%d patches for two repeats queued together, want 1", patches)
	}

	now = now.Add(SeriesWindow)
	r.Eventf(cm, nil, corev1.EventTypeWarning, "Stalled", "Reconcile", "bad credentials")
	drain(r)
	if n := len(written(t, cs)); n != 3 {
		t.Errorf("a repeat after the window: %d events, want a new one (3)", n)
	}
}

func TestAFullQueueDropsAndCountsAndNeverBlocks(t *testing.T) {
	r, cs := newRecorder(t)
	r.queue = make(chan item, 50)
	var dropped atomic.Int64
	r.Dropped = func() { dropped.Add(1) }
	for i := range cap(r.queue) + 10 {
		r.Eventf(configMap("shop"), nil, corev1.EventTypeNormal, "Published", "Reconcile", "Published API %d", i)
	}
	if dropped.Load() != 10 {
		t.Errorf("%d dropped, want 10", dropped.Load())
	}
	drain(r)
	if n := len(written(t, cs)); n != 50 {
		t.Errorf("%d events written, want the 50 queued", n)
	}
}

func TestTheTableOfRecentEventsIsBounded(t *testing.T) {
	r, _ := newRecorder(t)
	r.maxSeries = 100
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	for i := range 150 {
		r.Eventf(configMap("shop"), nil, corev1.EventTypeNormal, "Published", "Reconcile", "Published API %d", i)
		now = now.Add(time.Millisecond)
	}
	if len(r.series) != 100 {
		t.Errorf("%d series kept, want the bound 100", len(r.series))
	}
	if len(r.queue) != 150 {
		t.Errorf("%d events queued, want all 150: past the bound, repeats are not counted, events are still written", len(r.queue))
	}
	now = now.Add(SeriesWindow)
	r.Eventf(configMap("shop"), nil, corev1.EventTypeNormal, "Published", "Reconcile", "one more")
	if len(r.series) != 1 {
		t.Errorf("%d series kept after the window, want only the new one", len(r.series))
	}
}

func TestAWriteThatMayWorkLaterIsMadeAgainARefusedOneIsNot(t *testing.T) {
	r, cs := newRecorder(t)
	var dropped atomic.Int64
	r.Dropped = func() { dropped.Add(1) }
	fails := map[string]int{"busy": 1, "refused": 1}
	cs.PrependReactor("create", "events", func(a clienttesting.Action) (bool, runtime.Object, error) {
		e := a.(clienttesting.CreateAction).GetObject().(*eventsv1.Event)
		if fails[e.Note] == 0 {
			return false, nil, nil
		}
		fails[e.Note]--
		if e.Note == "busy" {
			return true, nil, apierrors.NewTooManyRequests("busy", 1)
		}
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "events"}, e.Name, errors.New("namespace terminating"))
	})
	r.Eventf(configMap("shop"), nil, corev1.EventTypeNormal, "Published", "Reconcile", "busy")
	r.Eventf(configMap("shop"), nil, corev1.EventTypeNormal, "Published", "Reconcile", "refused")
	drain(r)
	got := written(t, cs)
	if len(got) != 1 || got[0].Note != "busy" {
		t.Errorf("events %+v, want the one refused once for a busy API server", got)
	}
	if dropped.Load() != 1 {
		t.Errorf("%d dropped, want the refused one", dropped.Load())
	}
}

func TestALongNoteIsCutToWhatTheAPIServerTakes(t *testing.T) {
	r, cs := newRecorder(t)
	r.Eventf(configMap("shop"), nil, corev1.EventTypeNormal, "Published", "Reconcile", strings.Repeat("x", 3000))
	drain(r)
	if got := written(t, cs); len(got) != 1 || len(got[0].Note) != maxNote {
		t.Errorf("events %d, note of %d bytes", len(got), len(got[0].Note))
	}
}

func TestStartedWritersWriteEveryEventAndCountRepeatsOnTheWrittenOne(t *testing.T) {
	r, cs := newRecorder(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Start(ctx) }()
	for i := range 200 {
		r.Eventf(configMap(fmt.Sprintf("shop-%d", i)), nil, corev1.EventTypeNormal, "Published", "Reconcile", "Published 1 API")
	}
	for range 3 {
		r.Eventf(configMap("shop-0"), nil, corev1.EventTypeWarning, "Stalled", "Reconcile", "bad credentials")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := written(t, cs)
		repeated := slices.IndexFunc(got, func(e eventsv1.Event) bool { return e.Series != nil && e.Series.Count == 3 })
		if len(got) == 201 && repeated >= 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events written, the repeated one at %d; want 201 and a series of 3", len(got), repeated)
		}
		time.Sleep(10 * time.Millisecond) // polling, as Eventually does
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
