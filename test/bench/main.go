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

// Command bench measures how the operator converges and holds N ApiPublications spread over K
// rate-limited gateway instances: time to Ready, gateway calls by operation and by instance
// during convergence and in a steady window, the latency of single edits once the rollout is
// over, a manager restart (its gateway writes, which must be none, and the time until every
// object is verified again), the manager's peak memory and CPU over both of its lives, the API
// server's floor of two writes per object, and the same rollout with batching off (one call
// per API) as the baseline.
//
//	KUBEBUILDER_ASSETS=$(hack/envtest.sh) go run ./test/bench -n 1000 -instances 5
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

func main() {
	ctrllog.SetLogger(logr.Discard()) // the clients' own warnings are noise in a report
	cfg := defaultConfig()
	flag.IntVar(&cfg.N, "n", cfg.N, "ApiPublications with one API each.")
	flag.IntVar(&cfg.Instances, "instances", cfg.Instances,
		"APIG instances the publications are spread over: one simulator and one ApiGateway each.")
	flag.IntVar(&cfg.Envs, "envs", cfg.Envs, "Environments of each instance the publications are spread over.")
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
	flag.IntVar(&cfg.Edits, "edits", cfg.Edits,
		"Single edits after the steady window, each switching one publication to an API not published yet; 0: none.")
	flag.DurationVar(&cfg.EditEvery, "edit-every", cfg.EditEvery, "Time between two single edits.")
	flag.DurationVar(&cfg.EditTimeout, "edit-timeout", cfg.EditTimeout, "Cap on each edit's wait to be live and Ready.")
	flag.BoolVar(&cfg.Restart, "restart", cfg.Restart, "Restart the manager after the edits and measure what the new one does.")
	flag.DurationVar(&cfg.RestartTimeout, "restart-timeout", cfg.RestartTimeout,
		"Cap on the restarted manager's wait until every object is verified again.")
	flag.BoolVar(&cfg.Realistic, "realistic", cfg.Realistic,
		"Run the simulators with --realistic (read lag, APIG.3500 on concurrent writes, 429 without Retry-After, quotas); "+
			"-realistic=false for the polite simulator.")
	flag.StringVar(&cfg.MemoryLimit, "memory-limit", cfg.MemoryLimit,
		"The managers' GOMEMLIMIT, as the Deployment sets it from limits.memory (for example 150MiB); empty: none.")
	simArgs := flag.String("sim-args", "", "More simulator flags, separated by spaces, for example \"--read-lag=10s\".")
	managerArgs := flag.String("manager-args", "",
		"More flags of the first manager, separated by spaces, for example \"--pprof-bind-address=127.0.0.1:6060\".")
	out := flag.String("json", "", "Write the report as JSON to this file.")
	flag.Parse()
	cfg.SimArgs = strings.Fields(*simArgs)
	cfg.ManagerArgs = strings.Fields(*managerArgs)

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
	Instances       int
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
	Edits           int
	EditEvery       time.Duration
	EditTimeout     time.Duration
	Restart         bool
	RestartTimeout  time.Duration
	Realistic       bool
	MemoryLimit     string
	SimArgs         []string
	ManagerArgs     []string
}

func defaultConfig() Config {
	return Config{N: 100, Instances: 1, Envs: 10, Groups: 3, RateLimit: 10, Latency: 50 * time.Millisecond,
		ObserveInterval: 10 * time.Second, Concurrency: 100, KubeQPS: 200, KubeBurst: 300,
		Baseline: true, Timeout: 10 * time.Minute, BaselineCap: 5 * time.Minute,
		Edits: 20, EditEvery: 3 * time.Second, EditTimeout: 2 * time.Minute, Restart: true, RestartTimeout: 10 * time.Minute,
		Realistic: true}
}
