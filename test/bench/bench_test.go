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
	"testing"
	"time"
)

// TestSmoke runs the benchmark at a tiny size, so that make test notices when it breaks. Its
// figures are not checked against the targets: a benchmark is not a timed test.
func TestSmoke(t *testing.T) {
	cfg := Config{N: 20, Envs: 2, Groups: 1, RateLimit: 50, Latency: 5 * time.Millisecond,
		ObserveInterval: 5 * time.Second, Concurrency: 50, KubeQPS: 200, KubeBurst: 300,
		Baseline: true, Timeout: 2 * time.Minute, BaselineCap: 2 * time.Minute}
	rep, err := run(cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Batched.Converged || !rep.Baseline.Converged {
		t.Fatalf("did not converge: batched %+v, baseline %+v", rep.Batched, rep.Baseline)
	}
	if rep.Batched.Writes == 0 || rep.Batched.Floor == 0 || rep.Batched.PeakRSS == 0 {
		t.Errorf("figures missing: %+v", rep.Batched)
	}
	rep.Print(testWriter{t})
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
