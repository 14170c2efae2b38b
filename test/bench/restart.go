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
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

// Restart is what a new manager does on a converged gateway: it must write nothing, and it
// verifies every object again.
type Restart struct {
	// Reverified says every object was verified again within the cap, after Time: from the
	// new manager's start until its reconcile count reached the number of objects (the
	// informer's initial list queues each once) with every object Ready True for its current
	// generation.
	Reverified bool          `json:"reverified"`
	Time       time.Duration `json:"reverifiedNs"`
	Reconciles int           `json:"reconciles"`
	// WritesBefore and CallsBefore are the simulators' counts when the first manager had
	// stopped.
	WritesBefore int `json:"writesBefore"`
	CallsBefore  int `json:"callsBefore"`
	// Window is the whole observe intervals after the start the calls are counted over, the
	// first that hold the re-verification.
	Window    time.Duration  `json:"windowNs"`
	Intervals int            `json:"intervals"`
	Calls     map[string]int `json:"calls"`
	Writes    int            `json:"writes"`
	// ReadsPerInterval is the reads of all instances in the window, per interval.
	ReadsPerInterval int           `json:"readsPerInterval"`
	PeakRSS          int64         `json:"managerPeakRSSBytes"`
	CPU              time.Duration `json:"managerCPUNs"`
}

// restart starts a second manager with args once the first has stopped, its metrics served on
// a free port, and measures it until the calls' window is over; it returns the new manager,
// still running.
func (b *bench) restart(mode string, args []string, kubeconfig string, tr *tracker, sims []*simulator,
	objects int) (*Restart, []counts, *harness.Process, error) {
	before, err := allStats(sims)
	if err != nil {
		return nil, nil, nil, err
	}
	addr, err := harness.FreeAddr()
	if err != nil {
		return nil, nil, nil, err
	}
	sofar, _ := between(make([]gatewaysim.Stats, len(before)), before)
	res := &Restart{WritesBefore: sofar.Writes, CallsBefore: total(sofar.Calls)}
	b.logf("%s: restarting the manager (gateway writes so far %d, calls %d)", mode, res.WritesBefore, res.CallsBefore)
	start := time.Now()
	mgr, err := harness.StartManagerEnv(b.work, mode+"-manager", kubeconfig, b.managerEnv(),
		slices.Concat(args, []string{"--metrics-bind-address=" + addr, "--metrics-secure=false"})...)
	if err != nil {
		return nil, nil, nil, err
	}
	res.Reverified = waitUntil(start.Add(b.cfg.RestartTimeout), func() bool {
		select {
		case <-mgr.Exited():
			return true
		default:
		}
		if tr.verifiedCount() < objects {
			return false
		}
		n, err := reconciles(addr, "apipublication")
		res.Reconciles = n
		return err == nil && n >= objects
	})
	select {
	case <-mgr.Exited():
		text, _ := mgr.Log.Read()
		return nil, nil, mgr, fmt.Errorf("the restarted manager exited; the end of its log:\n%s", harness.Tail(string(text), 20))
	default:
	}
	res.Time = time.Since(start)
	res.Intervals = max(1, int(math.Ceil(float64(res.Time)/float64(b.cfg.ObserveInterval))))
	res.Window = time.Duration(res.Intervals) * b.cfg.ObserveInterval
	b.logf("%s: re-verified %v after %s (%d reconciles); counting calls until %s after the restart", mode,
		res.Reverified, res.Time.Round(time.Millisecond), res.Reconciles, res.Window)
	time.Sleep(time.Until(start.Add(res.Window))) // a measurement window, not a wait for state
	after, err := allStats(sims)
	if err != nil {
		return nil, nil, mgr, err
	}
	sum, per := between(before, after)
	res.Calls, res.Writes, res.ReadsPerInterval = sum.Calls, sum.Writes, sum.Reads/res.Intervals
	for k := range per {
		per[k].Reads /= res.Intervals
	}
	res.PeakRSS, res.CPU = procUsage(mgr.PID())
	return res, per, mgr, nil
}

// reconciles sums controller-runtime's reconcile counter of a controller over its results,
// from a manager's metrics endpoint.
func reconciles(addr, controller string) (int, error) {
	return metricSum(addr, "controller_runtime_reconcile_total", map[string]string{"controller": controller})
}

// metricSum sums a metric's samples whose labels include match, from a manager's metrics
// endpoint.
func metricSum(addr, name string, match map[string]string) (int, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close() //nolint:errcheck
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	sum := 0.0
	err = samples(resp.Body, name, func(labels map[string]string, v float64) {
		for k, want := range match {
			if labels[k] != want {
				return
			}
		}
		sum += v
	})
	return int(sum), err
}
