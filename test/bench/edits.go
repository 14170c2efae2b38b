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
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// Edit is one single edit after the rollout: a publication switched from its API to a spare
// one, which the gateway must publish while it takes the old one offline.
type Edit struct {
	Name     string `json:"name"`
	Instance int    `json:"instance"`
	From     string `json:"fromApi"`
	To       string `json:"toApi"`
	// Live is from the update to the later of the two gateway writes: the new API online and
	// the old one offline, as the simulator's call log records them.
	Live time.Duration `json:"liveNs"`
	// Ready is from the update to the object seen Ready True with observedGeneration equal
	// to the edit's generation.
	Ready time.Duration `json:"readyNs"`
	// Latency is the larger of the two; Done says both happened within the cap.
	Latency time.Duration `json:"latencyNs"`
	Done    bool          `json:"done"`
}

// Edits are the single edits and their figures; latencies of edits not done count as the cap.
type Edits struct {
	Every   time.Duration `json:"everyNs"`
	Edits   []Edit        `json:"edits"`
	P50     time.Duration `json:"p50Ns"`
	P99     time.Duration `json:"p99Ns"`
	Max     time.Duration `json:"maxNs"`
	LiveP50 time.Duration `json:"liveP50Ns"`
	LiveMax time.Duration `json:"liveMaxNs"`
	Done    int           `json:"done"`
	// Calls are the gateway calls from the first edit until the last was done.
	Calls  map[string]int `json:"calls"`
	Writes int            `json:"writes"`
}

// editTargets picks the publications to edit, spread over the indexes, and so over the
// instances and environments.
func editTargets(n, edits int) []int {
	step := max(1, n/edits)
	taken := map[int]bool{}
	out := make([]int, 0, edits)
	for j := range edits {
		i := (j*step + j) % n
		for taken[i] {
			i = (i + 1) % n
		}
		taken[i] = true
		out = append(out, i)
	}
	return out
}

// edit makes the single edits, one every EditEvery, and waits for each to be Ready at its
// generation; then it finds in the call logs when each change went live.
func (b *bench) edit(ctx context.Context, c client.Client, tr *tracker, sims []*simulator) (*Edits, []counts, error) {
	n := min(b.cfg.Edits, b.cfg.N)
	res := &Edits{Every: b.cfg.EditEvery, Edits: make([]Edit, n)}
	before, err := allStats(sims)
	if err != nil {
		return nil, nil, err
	}
	b.logf("edits: %d single edits, one every %s", n, b.cfg.EditEvery)
	started := make([]time.Time, n)
	errs := make([]error, n)
	start := time.Now()
	var wg sync.WaitGroup
	for j, i := range editTargets(b.cfg.N, n) {
		e := &res.Edits[j]
		*e = Edit{Name: fmt.Sprintf("pub-%05d", i), Instance: instanceOf(i, b.cfg.Instances), From: apiID(i), To: spareID(j)}
		wg.Go(func() {
			time.Sleep(time.Until(start.Add(time.Duration(j) * b.cfg.EditEvery))) // the schedule of the edits
			pub := &v1alpha1.ApiPublication{}
			pub.Namespace, pub.Name = ns, e.Name
			patch := client.RawPatch("application/merge-patch+json", fmt.Appendf(nil, `{"spec":{"apis":[{"id":%q}]}}`, e.To))
			started[j] = time.Now()
			if errs[j] = c.Patch(ctx, pub, patch); errs[j] != nil {
				return
			}
			var at time.Time
			if waitUntil(started[j].Add(b.cfg.EditTimeout), func() bool {
				var ok bool
				at, ok = tr.verifiedAt(e.Name, pub.Generation)
				return ok
			}) {
				e.Ready = at.Sub(started[j])
			}
		})
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, nil, fmt.Errorf("edit a publication: %w", err)
	}
	after, err := allStats(sims)
	if err != nil {
		return nil, nil, err
	}
	sum, per := between(before, after)
	res.Calls, res.Writes = sum.Calls, sum.Writes

	logs := make([][]gatewaysim.Call, len(sims))
	for k, s := range sims {
		if logs[k], err = callLog(s); err != nil {
			return nil, nil, fmt.Errorf("read the call log of instance %d: %w", k, err)
		}
	}
	var lat, live []time.Duration
	for j := range res.Edits {
		e := &res.Edits[j]
		on := firstWrite(logs[e.Instance], started[j], "online", e.To)
		off := firstWrite(logs[e.Instance], started[j], "offline", e.From)
		if !on.IsZero() && !off.IsZero() {
			e.Live = max(on.Sub(started[j]), off.Sub(started[j]))
			live = append(live, e.Live)
		}
		e.Done = e.Ready > 0 && e.Live > 0
		e.Latency = max(e.Live, e.Ready)
		if e.Done {
			res.Done++
		} else {
			e.Latency = b.cfg.EditTimeout
		}
		lat = append(lat, e.Latency)
	}
	res.P50, res.P99, res.Max = percentile(lat, 50), percentile(lat, 99), percentile(lat, 100)
	res.LiveP50, res.LiveMax = percentile(live, 50), percentile(live, 100)
	b.logf("edits: %d of %d live and Ready, p50 %s, max %s, %d gateway writes", res.Done, n,
		res.P50.Round(time.Millisecond), res.Max.Round(time.Millisecond), res.Writes)
	return res, per, nil
}

// firstWrite returns when the first successful call at or after from took action on api.
func firstWrite(calls []gatewaysim.Call, from time.Time, action, api string) time.Time {
	for _, c := range calls {
		if !c.Time.Before(from) && c.Status/100 == 2 && c.Action == action && slices.Contains(c.APIs, api) {
			return c.Time
		}
	}
	return time.Time{}
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
