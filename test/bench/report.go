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
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Print writes the figures, the ratios between the runs and the targets, as a table.
func (r *Report) Print(w io.Writer) {
	cfg := r.Config
	sim := ""
	if cfg.Realistic {
		sim += ", --realistic"
	}
	if len(cfg.SimArgs) > 0 {
		sim += ", " + strings.Join(cfg.SimArgs, " ")
	}
	instances := fmt.Sprintf("%d gateway instances", cfg.Instances)
	if cfg.Instances == 1 {
		instances = "1 gateway instance"
	}
	fmt.Fprintf(w, "\nN=%d ApiPublications (+%d group publications of 10 APIs) over %s of %d environments; "+
		"simulator %g req/s per instance, %s latency%s; observeInterval %s\n\n",
		cfg.N, cfg.Groups, instances, cfg.Envs, cfg.RateLimit, cfg.Latency, sim, cfg.ObserveInterval)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tbatched\tbaseline (one call per API)")
	row := func(name string, f func(Run) string) {
		base := "-"
		if r.Baseline != nil {
			base = f(*r.Baseline)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, f(r.Batched), base)
	}
	row("all Ready (first create → last Ready)", func(x Run) string { return lowerBound(x, x.Convergence) })
	row("after the last create", func(x Run) string { return lowerBound(x, x.AfterLast) })
	row("per object to Ready, p50 / p99", func(x Run) string { return secs(x.P50) + " / " + secs(x.P99) })
	row("gateway write calls", func(x Run) string { return fmt.Sprint(x.Writes) })
	row("gateway calls, all", func(x Run) string { return fmt.Sprint(total(x.Calls)) })
	row("manager peak RSS, whole run", func(x Run) string { return mib(x.PeakRSS) })
	row("manager peak RSS, first / restarted", func(x Run) string {
		if x.Restart == nil {
			return mib(x.FirstPeakRSS) + " / -"
		}
		return mib(x.FirstPeakRSS) + " / " + mib(x.Restart.PeakRSS)
	})
	row("manager CPU, first / restarted", func(x Run) string {
		if x.Restart == nil {
			return secs(x.CPU) + " / -"
		}
		return secs(x.CPU) + " / " + secs(x.Restart.CPU)
	})
	_ = tw.Flush()

	b := r.Batched
	fmt.Fprintf(w, "\ncalls during convergence (batched): %s\n", calls(b.Calls))
	fmt.Fprintf(w, "steady window (3 intervals, batched): %d writes, %d reads per interval: %s\n",
		b.SteadyWrite, b.SteadyReads, calls(b.SteadyCalls))
	if b.Edits != nil {
		e := b.Edits
		fmt.Fprintf(w, "single edits (%d, one every %s, each switching a publication to an API published nowhere): "+
			"%d live on the gateway and Ready; update → live and Ready p50 %s, p99 %s, max %s; update → live p50 %s, max %s; "+
			"%d gateway writes: %s\n", len(e.Edits), e.Every, e.Done, secs(e.P50), secs(e.P99), secs(e.Max),
			secs(e.LiveP50), secs(e.LiveMax), e.Writes, calls(e.Calls))
		fmt.Fprintf(w, "  each edit, live / Ready:")
		for _, x := range e.Edits {
			fmt.Fprintf(w, " %.1f/%.1f", x.Live.Seconds(), x.Ready.Seconds())
		}
		fmt.Fprintln(w, " s")
	}
	if rs := b.Restart; rs != nil {
		fmt.Fprintf(w, "restart: before it the gateways had taken %d writes in %d calls; the new manager re-verified all %d objects "+
			"(Ready, observedGeneration current, %d reconciles) in %s, and in the first %d interval(s) made %d gateway writes, "+
			"%d reads per interval: %s\n", rs.WritesBefore, rs.CallsBefore, b.Objects, rs.Reconciles, lowerBoundIf(rs.Reverified, rs.Time),
			rs.Intervals, rs.Writes, rs.ReadsPerInterval, calls(rs.Calls))
	}
	if len(b.APIServerWrites) > 0 {
		fmt.Fprintf(w, "API-server writes during convergence (ApiPublications other than creates, and events): %s(%.2f per object)\n",
			calls(b.APIServerWrites), float64(total(b.APIServerWrites))/float64(b.Objects))
	}
	if b.EventsDropped >= 0 {
		fmt.Fprintf(w, "events the manager dropped (apig_events_dropped_total at the end of its run): %d\n", b.EventsDropped)
	}
	if b.Floor > 0 {
		fmt.Fprintf(w, "floor: 2 API-server writes per object (%d status + %d metadata patches) at the manager's %g QPS take %s; "+
			"the %d status patches alone %s\n", b.Objects, b.Objects, cfg.KubeQPS, secs(b.Floor), b.Objects, secs(b.FloorStatus))
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "gateway instance (batched)\tpublications\trollout writes / reads\tsteady writes / reads per interval\t"+
		"edit writes\trestart writes / reads per interval")
	for k, in := range b.Instances {
		fmt.Fprintf(tw, "%s\t%d\t%d / %d\t%d / %d\t%d\t%d / %d\n", gatewayName(k), in.Objects,
			in.RolloutWrites, in.RolloutReads, in.SteadyWrites, in.SteadyReads, in.EditWrites, in.RestartWrites, in.RestartReads)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tmeasured\tmet")
	check := func(name, measured string, ok bool) {
		fmt.Fprintf(tw, "%s\t%s\t%v\n", name, measured, ok)
	}
	check("all Ready within 120 s of the last create", lowerBound(b, b.AfterLast), b.Converged && b.AfterLast <= 120*time.Second)
	maxWrites, maxReads, readsOK := 0, 0, true
	for k, in := range b.Instances {
		maxWrites, maxReads = max(maxWrites, in.RolloutWrites), max(maxReads, in.SteadyReads)
		readsOK = readsOK && in.SteadyReads <= readBudget(cfg, k)
	}
	check("at most 100 gateway write calls per instance", fmt.Sprint(maxWrites), maxWrites <= 100)
	if r.Baseline != nil {
		ratio := float64(r.Baseline.Convergence) / float64(b.Convergence)
		prefix := ""
		if !r.Baseline.Converged {
			prefix = "≥ " // the baseline hit its cap: the ratio is a lower bound
		}
		check("at least 20x faster than the baseline", fmt.Sprintf("%s%.1fx", prefix, ratio), ratio >= 20)
	}
	check("steady state: zero write calls", fmt.Sprint(b.SteadyWrite), b.SteadyWrite == 0)
	check("no republish of an API already live (simulators' count)", fmt.Sprint(b.Republishes), b.Republishes == 0)
	check(fmt.Sprintf("steady reads per interval per instance ≤ E×ceil(published/page)+E+1 = %d", readBudget(cfg, 0)),
		fmt.Sprint(maxReads), readsOK)
	if e := b.Edits; e != nil {
		check("single edits: all live and Ready", fmt.Sprintf("%d of %d", e.Done, len(e.Edits)), e.Done == len(e.Edits))
		check("single edit, update → live and Ready, p50 < 3 s", secs(e.P50), e.P50 < 3*time.Second)
		check("single edit, update → live and Ready, p99 < 12 s", secs(e.P99), e.P99 < 12*time.Second)
	}
	if rs := b.Restart; rs != nil {
		check("restart: zero gateway writes", fmt.Sprint(rs.Writes), rs.Writes == 0)
		check("restart: every object re-verified within 2 minutes", lowerBoundIf(rs.Reverified, rs.Time),
			rs.Reverified && rs.Time <= 2*time.Minute)
	}
	if b.Floor > 0 {
		ratio := float64(b.Convergence) / float64(b.Floor)
		check("convergence within 2x the floor of 2 writes per object", fmt.Sprintf("%.2fx", ratio), ratio <= 2)
	}
	budget := rssBudget(cfg.N)
	check(fmt.Sprintf("manager peak RSS ≤ %s, restart included", mib(budget)), mib(b.PeakRSS), b.PeakRSS <= budget)
	_ = tw.Flush()
}

// readBudget is the steady reads per interval instance k needs at most: a list per page of
// each environment's published APIs, one more call per environment, and the ApiGateway's
// probe (a listing of the environments).
func readBudget(cfg Config, k int) int {
	pubs := 0
	for i := range cfg.N {
		if instanceOf(i, cfg.Instances) == k {
			pubs++
		}
	}
	for g := range cfg.Groups {
		if instanceOf(g, cfg.Instances) == k {
			pubs += 10
		}
	}
	return cfg.Envs*int(math.Ceil(float64(pubs)/float64(cfg.Envs)/pageSize)) + cfg.Envs + 1
}

// rssBudget is issue 18's memory target for a run of n objects: 150 MiB up to 10,000, and
// from there a straight line to 600 MiB at 50,000.
func rssBudget(n int) int64 {
	const mb = 1 << 20
	if n <= 10_000 {
		return 150 * mb
	}
	return 150*mb + int64(n-10_000)*450*mb/40_000
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

func lowerBoundIf(done bool, d time.Duration) string {
	if !done {
		return "> " + secs(d) + " (cap)"
	}
	return secs(d)
}

func lowerBound(x Run, d time.Duration) string {
	if !x.Converged {
		return "> " + secs(d) + " (cap)"
	}
	return secs(d)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func calls(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for _, k := range keys {
		out += fmt.Sprintf("%s=%d ", k, m[k])
	}
	if out == "" {
		return "none"
	}
	return out
}
