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
	"text/tabwriter"
	"time"
)

// Print writes the figures, the ratios between the runs and the targets, as a table.
func (r *Report) Print(w io.Writer) {
	cfg := r.Config
	fmt.Fprintf(w, "\nN=%d ApiPublications (+%d group publications of 10 APIs) over %d environments; "+
		"simulator %g req/s, %s latency; observeInterval %s\n\n",
		cfg.N, cfg.Groups, cfg.Envs, cfg.RateLimit, cfg.Latency, cfg.ObserveInterval)
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
	row("manager peak RSS", func(x Run) string { return fmt.Sprintf("%.0f MiB", float64(x.PeakRSS)/(1<<20)) })
	row("manager CPU", func(x Run) string { return secs(x.CPU) })
	_ = tw.Flush()

	b := r.Batched
	fmt.Fprintf(w, "\ncalls during convergence (batched): %s\n", calls(b.Calls))
	fmt.Fprintf(w, "steady window (3 intervals, batched): %d writes, %d reads per interval: %s\n",
		b.SteadyWrite, b.SteadyReads, calls(b.SteadyCalls))
	fmt.Fprintf(w, "floor: %d status patches at the manager's %g QPS take %s\n\n", b.Objects, cfg.KubeQPS, secs(b.Floor))

	published := float64(cfg.N)/float64(cfg.Envs) + float64(cfg.Groups*10)/float64(cfg.Envs)
	readBudget := cfg.Envs*int(math.Ceil(published/pageSize)) + cfg.Envs
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tmeasured\tmet")
	check := func(name, measured string, ok bool) {
		fmt.Fprintf(tw, "%s\t%s\t%v\n", name, measured, ok)
	}
	check("all Ready within 120 s of the last create", lowerBound(b, b.AfterLast), b.Converged && b.AfterLast <= 120*time.Second)
	check("at most 100 gateway write calls", fmt.Sprint(b.Writes), b.Writes <= 100)
	if r.Baseline != nil {
		ratio := float64(r.Baseline.Convergence) / float64(b.Convergence)
		prefix := ""
		if !r.Baseline.Converged {
			prefix = "≥ " // the baseline hit its cap: the ratio is a lower bound
		}
		check("at least 20x faster than the baseline", fmt.Sprintf("%s%.1fx", prefix, ratio), ratio >= 20)
	}
	check("steady state: zero write calls", fmt.Sprint(b.SteadyWrite), b.SteadyWrite == 0)
	check(fmt.Sprintf("steady reads per interval ≤ E×ceil(published/page)+E = %d", readBudget),
		fmt.Sprint(b.SteadyReads), b.SteadyReads <= readBudget)
	if b.Floor > 0 {
		ratio := float64(b.Convergence) / float64(b.Floor)
		check("convergence within 2x the floor", fmt.Sprintf("%.2fx", ratio), ratio <= 2)
	}
	check("manager peak RSS under 300 MiB", fmt.Sprintf("%.0f MiB", float64(b.PeakRSS)/(1<<20)), b.PeakRSS < 300<<20)
	_ = tw.Flush()
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
