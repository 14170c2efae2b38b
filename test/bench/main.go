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

// Command bench measures how the operator converges and holds N ApiPublications on a
// rate-limited gateway: time to Ready, gateway calls by operation during convergence and in a
// steady window, the manager's peak memory and CPU, the API server's floor for N status
// writes, and the same run with batching off (one call per API) as the baseline.
//
//	KUBEBUILDER_ASSETS=$(hack/envtest.sh) go run ./test/bench -n 1000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

func main() {
	ctrllog.SetLogger(logr.Discard()) // the clients' own warnings are noise in a report
	cfg := defaultConfig()
	flag.IntVar(&cfg.N, "n", cfg.N, "ApiPublications with one API each.")
	flag.IntVar(&cfg.Envs, "envs", cfg.Envs, "Environments the publications are spread over.")
	flag.IntVar(&cfg.Groups, "groups", cfg.Groups, "Additional group publications, 10 APIs each.")
	flag.Float64Var(&cfg.RateLimit, "rate-limit", cfg.RateLimit, "Simulator requests per second.")
	flag.DurationVar(&cfg.Latency, "latency", cfg.Latency, "Simulator latency per request.")
	flag.DurationVar(&cfg.ObserveInterval, "observe-interval", cfg.ObserveInterval, "The ApiGateway's observeInterval.")
	flag.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "Manager --concurrency.")
	flag.Float64Var(&cfg.KubeQPS, "kube-api-qps", cfg.KubeQPS, "Manager --kube-api-qps, also used for the floor.")
	flag.IntVar(&cfg.KubeBurst, "kube-api-burst", cfg.KubeBurst, "Manager --kube-api-burst, also used for the floor.")
	flag.BoolVar(&cfg.Baseline, "baseline", cfg.Baseline, "Also run with --batch-max-size=1.")
	flag.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "Cap on convergence of the batched run.")
	flag.DurationVar(&cfg.BaselineCap, "baseline-cap", cfg.BaselineCap, "Cap on convergence of the baseline (then reported as a lower bound).")
	out := flag.String("json", "", "Write the report as JSON to this file.")
	flag.Parse()

	report, err := run(cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	report.Print(os.Stdout)
	if *out != "" {
		data, _ := json.MarshalIndent(report, "", "  ")
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

// Config is one benchmark invocation.
type Config struct {
	N               int
	Envs            int
	Groups          int
	RateLimit       float64
	Latency         time.Duration
	ObserveInterval time.Duration
	Concurrency     int
	KubeQPS         float64
	KubeBurst       int
	Baseline        bool
	Timeout         time.Duration
	BaselineCap     time.Duration
}

func defaultConfig() Config {
	return Config{N: 100, Envs: 10, Groups: 3, RateLimit: 10, Latency: 50 * time.Millisecond,
		ObserveInterval: 10 * time.Second, Concurrency: 500, KubeQPS: 200, KubeBurst: 300,
		Baseline: true, Timeout: 10 * time.Minute, BaselineCap: 5 * time.Minute}
}
