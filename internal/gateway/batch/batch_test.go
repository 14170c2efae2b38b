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

package batch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/gatewaytest"
)

func TestConcurrentRequestsShareCalls(t *testing.T) {
	cases := []struct {
		reason    string
		callers   int
		maxSize   int
		wantCalls int
	}{
		{"one caller, one call", 1, 1000, 1},
		{"many callers within the window share one call", 300, 1000, 1},
		{"full batches go at once, the rest at the end of the window", 2500, 1000, 3},
		{"batching off: one call per API", 20, 1, 20},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			fake := &gatewaytest.Publisher{}
			// The first call is held until the test has seen it arrive: while it is in flight,
			// the batches that fill up meanwhile wait for their turn, as under a slow gateway.
			release := fake.Hold("Publish")
			defer release()
			// A window long enough for every caller to arrive, even under the race detector.
			c := New(fake, 500*time.Millisecond, 0, tc.maxSize)
			var wg sync.WaitGroup
			errs := make(chan error, tc.callers)
			for i := range tc.callers {
				wg.Go(func() {
					id := fmt.Sprintf("api-%04d", i)
					res, err := c.Publish(context.Background(), "RELEASE", []string{id}, "r")
					switch {
					case err != nil:
						errs <- err
					case len(res) != 1 || res[id].APIID != id:
						errs <- fmt.Errorf("caller %d got %v", i, res)
					}
				})
			}
			arrived(t, fake.Arrived("Publish", 1), "the first call")
			release()
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			calls := fake.Calls("Publish")
			if len(calls) != tc.wantCalls {
				t.Fatalf("%d calls, want %d", len(calls), tc.wantCalls)
			}
			total := 0
			for _, call := range calls {
				total += len(call.APIIDs)
				if len(call.APIIDs) > tc.maxSize {
					t.Errorf("a call carried %d APIs, max %d", len(call.APIIDs), tc.maxSize)
				}
			}
			if total != tc.callers {
				t.Errorf("calls carried %d APIs, want %d", total, tc.callers)
			}
		})
	}
}

func TestKeysAreNotMixed(t *testing.T) {
	fake := &gatewaytest.Publisher{}
	c := New(fake, 50*time.Millisecond, 0, 1000)
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.Publish(context.Background(), "RELEASE", []string{"a"}, "one") })
	wg.Go(func() { _, _ = c.Publish(context.Background(), "RELEASE", []string{"b"}, "two") })
	wg.Go(func() { _, _ = c.Publish(context.Background(), "TEST", []string{"c"}, "one") })
	wg.Go(func() { _, _ = c.Offline(context.Background(), "RELEASE", []string{"d"}) })
	wg.Wait()
	if n := len(fake.Calls("Publish")); n != 3 {
		t.Errorf("%d publish calls for three (environment, remark) pairs", n)
	}
	if n := len(fake.Calls("Offline")); n != 1 {
		t.Errorf("%d offline calls", n)
	}
}

func TestDuplicateIDsAreSentOnce(t *testing.T) {
	fake := &gatewaytest.Publisher{}
	c := New(fake, 20*time.Millisecond, 0, 1000)
	res, err := c.Publish(context.Background(), "RELEASE", []string{"a", "a", "b"}, "")
	if err != nil || len(res) != 2 {
		t.Fatalf("%v %v", res, err)
	}
	if ids := fake.Calls("Publish")[0].APIIDs; len(ids) != 2 {
		t.Errorf("sent %v", ids)
	}
}

func TestWholeCallFailureReachesEveryCaller(t *testing.T) {
	boom := errors.New("HTTP 500")
	fake := &gatewaytest.Publisher{Err: boom}
	c := New(fake, 20*time.Millisecond, 0, 1000)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if _, err := c.Publish(context.Background(), "RELEASE", []string{fmt.Sprint(i)}, ""); !errors.Is(err, boom) {
				t.Errorf("caller %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := len(fake.Calls("Publish")); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestCallerCancellation(t *testing.T) {
	fake := &gatewaytest.Publisher{}
	release := fake.Hold("Publish") // the call does not answer while the caller waits
	defer release()
	c := New(fake, time.Millisecond, 0, 1000)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Publish(ctx, "RELEASE", []string{"a"}, "")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the caller still waits for the call after its context ended")
	}
}

func TestSpacingGathersARolloutIntoFewCalls(t *testing.T) {
	const window, spacing = 10 * time.Millisecond, 500 * time.Millisecond
	g := NewWithT(t)
	fake := &gatewaytest.Publisher{}
	clk := fakeClock{testingclock.NewFakeClock(time.Now())}
	c := New(fake, window, spacing, 1000)
	c.clock = clk
	publish := func(env, id string) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := c.Publish(context.Background(), env, []string{id}, "")
			done <- err
		}()
		return done
	}
	// timerSet waits for the batch's timer: set at its window, or reset to the end of the
	// spacing.
	timerSet := func(what string) {
		t.Helper()
		g.Eventually(clk.Waiters).WithTimeout(10*time.Second).WithPolling(time.Millisecond).Should(Equal(1), what)
	}
	landed := func(done <-chan error) {
		t.Helper()
		g.Eventually(done).WithTimeout(10 * time.Second).Should(Receive(BeNil()))
	}

	first := publish("RELEASE", "first")
	timerSet("the first request's window")
	clk.Step(window)
	landed(first)
	// Two more requests, further apart than the window but within the spacing of the first
	// call: without spacing they would be two calls.
	second := publish("RELEASE", "second")
	timerSet("the second request's window")
	clk.Step(window)
	timerSet("the spacing after the first call holds the second request's batch open")
	clk.Step(4 * window)
	third := publish("RELEASE", "third")
	g.Eventually(func() int {
		c.mu.Lock()
		defer c.mu.Unlock()
		if b := c.pending[key{"RELEASE", gateway.ActionOnline, ""}]; b != nil {
			return len(b.ids)
		}
		return 0
	}).WithTimeout(10*time.Second).WithPolling(time.Millisecond).Should(Equal(2), "the third request joins the open batch")
	clk.Step(spacing - 5*window) // the end of the spacing, 500ms after the first call
	landed(second)
	landed(third)
	calls := fake.Calls("Publish")
	if len(calls) != 2 || len(calls[1].APIIDs) != 2 {
		t.Fatalf("calls %+v, want the first alone and the next two together", calls)
	}
	// Another environment is not held back by this one's spacing.
	other := publish("TEST", "other")
	timerSet("the other environment's window")
	clk.Step(window)
	landed(other)
	if n := len(fake.Calls("Publish")); n != 3 {
		t.Errorf("%d calls", n)
	}
}

// fakeClock is a fake clock whose AfterFunc runs its function in a goroutine of its own each
// time the timer fires, as time.AfterFunc does. FakeClock's own AfterFunc runs the function
// inside Step, holding the clock's lock, so a function that reads the clock deadlocks; and Step
// blocks when a timer that was reset fires a second time.
type fakeClock struct{ *testingclock.FakeClock }

func (c fakeClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := c.NewTimer(d)
	go func() {
		for range t.C() {
			go f()
		}
	}()
	return t
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
