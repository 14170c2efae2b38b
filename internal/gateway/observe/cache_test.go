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

package observe

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/gatewaytest"
)

func TestConcurrentObserversShareOneRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &gatewaytest.Publisher{}
		c := New(fake, time.Minute, WithReadLag(0)) // no read at the start that may miss writes
		now := time.Now()
		c.now = func() time.Time { return now }
		// observeAll runs 100 concurrent observers. A read they make is held until every one
		// of them waits, so that they all come while it is in flight.
		observeAll := func() {
			release := fake.Hold("Observe")
			var wg sync.WaitGroup
			for range 100 {
				wg.Go(func() {
					if _, err := c.Observe(context.Background(), "RELEASE"); err != nil {
						t.Error(err)
					}
				})
			}
			synctest.Wait()
			release()
			wg.Wait()
		}
		observeAll()
		if n := len(fake.Calls("Observe")); n != 1 {
			t.Fatalf("100 observers made %d reads", n)
		}
		now = now.Add(30 * time.Second)
		observeAll()
		if n := len(fake.Calls("Observe")); n != 1 {
			t.Fatalf("a snapshot younger than the interval was read again: %d reads", n)
		}
		now = now.Add(31 * time.Second)
		observeAll()
		if n := len(fake.Calls("Observe")); n != 2 {
			t.Fatalf("after the interval: %d reads, want 2", n)
		}
	})
}

func TestOwnWritesInvalidate(t *testing.T) {
	fake := &gatewaytest.Publisher{}
	c := New(fake, time.Hour)
	ctx := context.Background()
	if s, _ := c.Observe(ctx, "RELEASE"); len(s.APIs) != 0 {
		t.Fatalf("snapshot %v", s.APIs)
	}
	if _, err := c.Publish(ctx, "RELEASE", []string{"a"}, ""); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Observe(ctx, "RELEASE"); len(s.APIs) != 1 {
		t.Fatalf("after our publish the snapshot has %d APIs, want 1", len(s.APIs))
	}
	// A write to another environment leaves this one cached.
	if _, err := c.Offline(ctx, "TEST", []string{"a"}); err != nil {
		t.Fatal(err)
	}
	c.Observe(ctx, "RELEASE") //nolint:errcheck
	if n := len(fake.Calls("Observe")); n != 2 {
		t.Errorf("%d reads, want 2", n)
	}
	if _, err := c.SwitchVersion(ctx, "a", "v"); err != nil {
		t.Fatal(err)
	}
	c.Observe(ctx, "RELEASE") //nolint:errcheck
	if n := len(fake.Calls("Observe")); n != 3 {
		t.Errorf("a version switch did not invalidate: %d reads, want 3", n)
	}
}

func TestReadStartedBeforeAWriteIsNotShared(t *testing.T) {
	fake := &gatewaytest.Publisher{}
	c := New(fake, time.Hour)
	ctx := context.Background()
	type read struct {
		snap *gateway.Snapshot
		err  error
	}
	observe := func() <-chan read {
		ch := make(chan read, 1)
		go func() {
			s, err := c.Observe(ctx, "RELEASE")
			ch <- read{s, err}
		}()
		return ch
	}

	releaseStale := fake.Hold("Observe")
	defer releaseStale()
	stale := observe() // a read in flight before the write, answering what was there then
	arrived(t, fake.Arrived("Observe", 1), "the read before the write")
	releaseFresh := fake.Hold("Observe")
	defer releaseFresh()
	if _, err := c.Publish(ctx, "RELEASE", []string{"a"}, ""); err != nil {
		t.Fatal(err)
	}
	fresh := observe()
	// An observer that joined the read in flight would make no read of its own.
	arrived(t, fake.Arrived("Observe", 2), "a read of its own by the observer after our write")
	releaseFresh()
	if r := <-fresh; r.err != nil || len(r.snap.APIs) != 1 {
		t.Fatalf("a read after our write returned %v, %v", r.snap, r.err)
	}
	releaseStale()
	// It shows our write all the same: the write's answer outranks a read that old.
	if r := <-stale; r.err != nil || len(r.snap.APIs) != 1 {
		t.Fatalf("the read before our write returned %v, %v", r.snap, r.err)
	}
	// The read that started before the write ended last; what it saw is not kept.
	if s, err := c.Observe(ctx, "RELEASE"); err != nil || len(s.APIs) != 1 {
		t.Fatalf("after both reads the cache answers %v, %v", s, err)
	}
	if n := len(fake.Calls("Observe")); n != 2 {
		t.Errorf("%d reads, want 2", n)
	}
}

// arrived waits for a call the fake gateway signals on ch.
func arrived(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("no call came: %s", what)
	}
}

func TestWritesThatMayHaveLandedInvalidate(t *testing.T) {
	refused := gateway.Outcome{APIID: "a", Err: &gateway.Error{Code: gateway.CodeAPINotFound}}
	cases := []struct {
		reason string
		res    gateway.BatchResult
		err    error
		drop   bool
	}{
		{"every API refused with a code: nothing changed", gateway.BatchResult{"a": refused}, nil, false},
		{"one API done", gateway.BatchResult{"a": refused, "b": {APIID: "b"}}, nil, true},
		{"the call failed: it may have landed", nil, errors.New("timeout"), true},
		{"an answer without the API, or unreadable: it may have landed", gateway.BatchResult{"a": refused,
			"b": {APIID: "b", Err: &gateway.Error{Err: errors.New("the gateway did not report API b")}}}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			c := New(&gatewaytest.Publisher{}, time.Hour)
			c.snaps["RELEASE"] = &gateway.Snapshot{EnvID: "RELEASE", Taken: time.Now()}
			c.invalidateAfter("RELEASE", tc.res, tc.err)
			if _, kept := c.snaps["RELEASE"]; kept == tc.drop {
				t.Errorf("snapshot kept %v; want dropped %v", kept, tc.drop)
			}
		})
	}
}

// lagging is a gateway whose reads show what it served before the last writes: the real
// gateway takes 5 to 10 seconds to show a change.
type lagging struct {
	*gatewaytest.Publisher
	now      func() time.Time
	live     map[string]bool // what reads show
	versions []gateway.Version
}

func (l *lagging) Observe(_ context.Context, envID string) (*gateway.Snapshot, error) {
	s := &gateway.Snapshot{EnvID: envID, Taken: l.now(), APIs: map[string]gateway.Published{}}
	for id := range l.live {
		s.APIs[id] = gateway.Published{API: gateway.API{ID: id, Name: "listed-" + id}, PublishID: "old-" + id}
	}
	return s, nil
}

func (l *lagging) Versions(context.Context, string, string) ([]gateway.Version, error) {
	return l.versions, nil
}

func TestAWritesAnswerOutranksAReadWithinTheLag(t *testing.T) {
	clock := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	gw := &lagging{Publisher: &gatewaytest.Publisher{}, now: now, live: map[string]bool{"b": true},
		versions: []gateway.Version{{ID: "v2", Live: true}, {ID: "v1"}}}
	c := New(gw, time.Minute, WithClock(now), WithReadLag(10*time.Second))
	ctx := context.Background()

	if _, err := c.Publish(ctx, "RELEASE", []string{"a"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Offline(ctx, "RELEASE", []string{"b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SwitchVersion(ctx, "p", "v1"); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(3 * time.Second)
	snap, err := c.Observe(ctx, "RELEASE")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.APIs["a"]; !ok {
		t.Error("a read 3s after a publish, within the lag, shows the API offline: it would be published again")
	}
	if _, ok := snap.APIs["b"]; ok {
		t.Error("a read 3s after an offline, within the lag, shows the API live")
	}
	versions, err := c.Versions(ctx, "p", "RELEASE")
	if err != nil || !versions[1].Live || versions[0].Live {
		t.Errorf("versions within the lag of a switch to v1: %+v, %v", versions, err)
	}
	if gw.versions[1].Live {
		t.Error("the overlay changed the gateway's answer in place")
	}

	// Past the lag the read is the truth: still offline is a change made behind our back.
	clock = clock.Add(10 * time.Second)
	c.Invalidate("")
	if snap, err = c.Observe(ctx, "RELEASE"); err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.APIs["a"]; ok {
		t.Error("a read taken after the lag still shows the write's answer, not the gateway's")
	}
	if versions, _ = c.Versions(ctx, "p", "RELEASE"); versions[1].Live {
		t.Error("versions after the lag still show the switch")
	}
	if len(c.writes) != 0 || len(c.switches) != 0 {
		t.Errorf("answers older than the lag are kept: %v %v", c.writes, c.switches)
	}
}

// A read taken within the lag of the manager's start may miss what the manager before a
// restart published just before it stopped: it says so, and is read again once the lag has
// passed.
func TestAReadWithinTheLagOfTheStartMayMissWritesAndIsReadAgainAfterIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &gatewaytest.Publisher{}
		start := time.Now().Add(-time.Second) // the manager started a second before the connection
		c := New(fake, time.Minute, WithReadLag(10*time.Second), WithStart(start))
		ctx := context.Background()
		observe := func(after time.Duration, reads int, partial bool) {
			t.Helper()
			time.Sleep(after) // the bubble's clock: no real wait
			snap, err := c.Observe(ctx, "RELEASE")
			if err != nil {
				t.Fatal(err)
			}
			if n, misses := len(fake.Calls("Observe")), !snap.MissesBefore.IsZero(); n != reads || misses != partial {
				t.Fatalf("%s after the start: %d reads, may miss writes: %v; want %d, %v", time.Since(start), n, misses, reads, partial)
			}
			if partial && !snap.MissesBefore.Equal(start) {
				t.Fatalf("the read may miss writes before %s, want the start %s", snap.MissesBefore, start)
			}
		}
		observe(time.Second, 1, true)
		observe(5*time.Second, 1, true)   // younger than the interval and the lag not over: shared
		observe(3*time.Second, 2, false)  // the lag is over: read again, whole
		observe(30*time.Second, 2, false) // a whole read is kept for the interval
		observe(30*time.Second, 3, false)
	})
}
