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
		c := New(fake, time.Minute)
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
	if r := <-stale; r.err != nil || len(r.snap.APIs) != 0 {
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
