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

package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the benchmark at a tiny size over two instances of the realistic simulator,
// with two single edits and a restart, so that make test notices when it breaks. Its figures are not checked against the
// targets (a benchmark is not a timed test), but what must hold at any size is: each edit went
// live on the gateway and Ready, and the restarted manager wrote nothing.
func TestSmoke(t *testing.T) {
	cfg := Config{N: 20, Instances: 2, Envs: 2, Groups: 1, RateLimit: 50, Latency: 5 * time.Millisecond,
		ObserveInterval: 5 * time.Second, Concurrency: 50, KubeQPS: 200, KubeBurst: 300,
		Baseline: true, Timeout: 2 * time.Minute, BaselineCap: 2 * time.Minute,
		Edits: 2, EditEvery: time.Second, EditTimeout: time.Minute, Restart: true, RestartTimeout: 2 * time.Minute,
		Realistic: true}
	rep, err := run(cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b := rep.Batched
	if !b.Converged || !rep.Baseline.Converged {
		t.Fatalf("did not converge: batched %+v, baseline %+v", b, rep.Baseline)
	}
	if b.Writes == 0 || b.Floor == 0 || b.FloorStatus == 0 || b.PeakRSS == 0 {
		t.Errorf("figures missing: %+v", b)
	}
	// One finalizer patch per object; status patches: the hand-off and the verdict, at most
	// one more for an object whose first calls were refused and tried again.
	if got := b.APIServerWrites["apipublications PATCH"]; got != b.Objects {
		t.Errorf("%d finalizer patches for %d objects: %v", got, b.Objects, b.APIServerWrites)
	}
	if got := b.APIServerWrites["apipublications/status PATCH"]; got < b.Objects || got > 3*b.Objects {
		t.Errorf("%d status patches for %d objects: %v", got, b.Objects, b.APIServerWrites)
	}
	if b.Republishes != 0 {
		t.Errorf("%d publishes of an API already live", b.Republishes)
	}
	if b.EventsDropped != 0 {
		t.Errorf("the manager dropped %d events (-1: its metrics could not be read)", b.EventsDropped)
	}
	for k, in := range b.Instances {
		if in.Objects == 0 || in.RolloutWrites == 0 {
			t.Errorf("instance %d has no publications or took no writes: %+v", k, in)
		}
	}
	if b.Edits == nil || len(b.Edits.Edits) != 2 {
		t.Fatalf("edits missing: %+v", b.Edits)
	}
	for _, e := range b.Edits.Edits {
		if !e.Done || e.Live <= 0 || e.Ready <= 0 {
			t.Errorf("edit of %s (%s → %s) not live and Ready: %+v", e.Name, e.From, e.To, e)
		}
	}
	rs := b.Restart
	if rs == nil {
		t.Fatal("restart missing")
	}
	if !rs.Reverified || rs.Reconciles < b.Objects {
		t.Errorf("restarted manager did not verify every object again: %+v", rs)
	}
	if rs.Writes != 0 {
		t.Errorf("restarted manager made %d gateway writes, want 0: %s", rs.Writes, calls(rs.Calls))
	}
	if rs.PeakRSS == 0 || b.PeakRSS < rs.PeakRSS || b.PeakRSS < b.FirstPeakRSS {
		t.Errorf("peak RSS is not the whole run's: %d, first %d, restarted %d", b.PeakRSS, b.FirstPeakRSS, rs.PeakRSS)
	}
	var out strings.Builder
	rep.Print(&out)
	t.Log(out.String())
}
