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
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

const (
	project  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	instance = "eddc4d25480b4cd6b512f270a1b8b341"
	ns       = "bench"
	pageSize = 500 // the operator's list page size
)

// Run is the measurement of one mode (batched or baseline).
type Run struct {
	Mode        string         `json:"mode"`
	Objects     int            `json:"objects"`
	Converged   bool           `json:"converged"`
	Convergence time.Duration  `json:"convergenceNs"` // first create to all Ready
	AfterLast   time.Duration  `json:"afterLastCreateNs"`
	P50         time.Duration  `json:"p50Ns"`
	P99         time.Duration  `json:"p99Ns"`
	Calls       map[string]int `json:"callsDuringConvergence"`
	Writes      int            `json:"writesDuringConvergence"`
	SteadyCalls map[string]int `json:"callsInSteadyWindow,omitempty"`
	SteadyReads int            `json:"readsPerIntervalInSteadyWindow"`
	SteadyWrite int            `json:"writesInSteadyWindow"`
	PeakRSS     int64          `json:"managerPeakRSSBytes"`
	CPU         time.Duration  `json:"managerCPUNs"`
	Floor       time.Duration  `json:"floorNs,omitempty"`
}

// Report is the whole invocation.
type Report struct {
	Config   Config `json:"config"`
	Batched  Run    `json:"batched"`
	Baseline *Run   `json:"baseline,omitempty"`
}

// run builds the binaries and measures the batched mode, then the baseline.
func run(cfg Config, log io.Writer) (*Report, error) {
	if _, err := harness.Assets(); err != nil {
		return nil, err
	}
	root, err := harness.RepoRoot()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "apig-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work) //nolint:errcheck
	fmt.Fprintf(log, "bench: building the manager and the simulator\n")
	if err := harness.Build(root, work, harness.Manager, harness.Simulator); err != nil {
		return nil, err
	}
	rep := &Report{Config: cfg}
	b := &bench{cfg: cfg, root: root, work: work, log: log}
	if rep.Batched, err = b.measure("batched", 1000, cfg.Timeout, true); err != nil {
		return nil, err
	}
	if cfg.Baseline {
		base, err := b.measure("baseline", 1, cfg.BaselineCap, false)
		if err != nil {
			return nil, err
		}
		rep.Baseline = &base
	}
	return rep, nil
}

type bench struct {
	cfg  Config
	root string
	work string
	log  io.Writer
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// measure runs one mode on a fresh control plane and simulator.
func (b *bench) measure(mode string, batchMax int, capTime time.Duration, full bool) (Run, error) {
	res := Run{Mode: mode, Objects: b.cfg.N + b.cfg.Groups}
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join(b.root, "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cp, err := harness.StartControlPlane(env, "bench", filepath.Join(b.work, mode+".kubeconfig"))
	if err != nil {
		return res, err
	}
	defer func() { _ = cp.Stop() }()
	cfg := cp.Config

	seedPath := filepath.Join(b.work, mode+"-seed.yaml")
	if err := b.writeSeed(seedPath); err != nil {
		return res, err
	}
	sim, simURL, err := harness.StartSimulator(b.work, mode+"-gatewaysim", seedPath, "--quiet",
		"--rate-limit", fmt.Sprint(b.cfg.RateLimit), "--latency", b.cfg.Latency.String())
	if err != nil {
		return res, err
	}
	defer sim.Stop()

	scheme := kruntime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	fast := rest.CopyConfig(cfg)
	fast.QPS, fast.Burst = 2000, 4000
	c, err := client.NewWithWatch(fast, client.Options{Scheme: scheme})
	if err != nil {
		return res, err
	}
	ctx := context.Background()
	if err := b.createGateway(ctx, c, simURL); err != nil {
		return res, err
	}

	mgr, err := harness.StartManager(b.work, mode+"-manager", cp.Kubeconfig, "--batch-max-size="+strconv.Itoa(batchMax),
		"--concurrency="+strconv.Itoa(b.cfg.Concurrency), "--kube-api-qps="+fmt.Sprint(b.cfg.KubeQPS),
		"--kube-api-burst="+strconv.Itoa(b.cfg.KubeBurst), "--zap-log-level=error")
	if err != nil {
		return res, err
	}
	defer mgr.Stop()
	if err := waitGatewayReady(ctx, c); err != nil {
		return res, err
	}
	before, err := simStats(simURL)
	if err != nil {
		return res, err
	}

	b.logf("%s: creating %d ApiPublications over %d environments and %d group publications", mode, b.cfg.N, b.cfg.Envs, b.cfg.Groups)
	readyAt := &readiness{at: map[string]time.Time{}}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go readyAt.follow(watchCtx, c)
	created, first, last, err := b.createPublications(ctx, c)
	if err != nil {
		return res, err
	}
	deadline := time.Now().Add(capTime)
	lastLog := time.Now()
	for readyAt.count() < len(created) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond) // sampling the watch's record, bounded by the cap
		if time.Since(lastLog) > 10*time.Second {
			lastLog = time.Now()
			b.logf("%s: %d of %d Ready after %s", mode, readyAt.count(), len(created), time.Since(first).Round(time.Second))
		}
	}
	readyAt.mu.Lock()
	readyCopy := maps.Clone(readyAt.at)
	readyAt.mu.Unlock()
	stopWatch()
	end := time.Now()
	res.Converged = len(readyCopy) >= len(created)
	res.Convergence, res.AfterLast = end.Sub(first), end.Sub(last)
	var lat []time.Duration
	for name, at := range readyCopy {
		lat = append(lat, at.Sub(created[name]))
	}
	res.P50, res.P99 = percentile(lat, 50), percentile(lat, 99)
	after, err := simStats(simURL)
	if err != nil {
		return res, err
	}
	res.Calls, res.Writes = diff(before, after)
	b.logf("%s: %d of %d Ready in %s, %d gateway writes", mode, len(readyCopy), len(created),
		res.Convergence.Round(time.Millisecond), res.Writes)

	if full && res.Converged {
		window := 3 * b.cfg.ObserveInterval
		b.logf("%s: steady window of %s", mode, window)
		time.Sleep(window) // a measurement window, not a wait for state
		steady, err := simStats(simURL)
		if err != nil {
			return res, err
		}
		res.SteadyCalls, res.SteadyWrite = diff(after, steady)
		reads := 0
		for op, n := range res.SteadyCalls {
			if !writeOps[op] {
				reads += n
			}
		}
		res.SteadyReads = reads / 3
	}
	res.PeakRSS, res.CPU = procUsage(mgr.PID())
	mgr.Stop()

	if full {
		b.logf("%s: measuring the floor: %d status patches at %g QPS", mode, len(created), b.cfg.KubeQPS)
		res.Floor, err = floor(ctx, cfg, scheme, b.cfg, created)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// readiness records when each ApiPublication was first seen Ready.
type readiness struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (r *readiness) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.at)
}

func (r *readiness) see(p *v1alpha1.ApiPublication) {
	if !meta.IsStatusConditionTrue(p.Status.Conditions, v1alpha1.ConditionReady) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.at[p.Name]; !ok {
		r.at[p.Name] = time.Now()
	}
}

// follow lists, then watches from the list's version, and starts over when the watch ends
// (the API server closes watches from time to time).
func (r *readiness) follow(ctx context.Context, c client.WithWatch) {
	for ctx.Err() == nil {
		list := &v1alpha1.ApiPublicationList{}
		if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
			continue
		}
		for i := range list.Items {
			r.see(&list.Items[i])
		}
		w, err := c.Watch(ctx, &v1alpha1.ApiPublicationList{}, client.InNamespace(ns),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
		if err != nil {
			continue
		}
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*v1alpha1.ApiPublication); ok && (ev.Type == watch.Added || ev.Type == watch.Modified) {
				r.see(p)
			}
		}
		w.Stop()
	}
}

// writeOps are the simulator operations that change the gateway.
var writeOps = map[string]bool{
	"CreateOrDeletePublishRecordForApiV2": true, "BatchPublishOrOfflineApiV2": true, "ChangeApiVersionV2": true,
	"DeleteApiByVersionIdV2": true,
}

func diff(before, after gatewaysim.Stats) (map[string]int, int) {
	calls, writes := map[string]int{}, 0
	for op, byStatus := range after.Operations {
		for status, n := range byStatus {
			d := n - before.Operations[op][status]
			if d == 0 {
				continue
			}
			calls[op+" "+status] += d
			if writeOps[op] && strings.HasPrefix(status, "2") {
				writes += d
			}
		}
	}
	return calls, writes
}

func (b *bench) writeSeed(path string) error {
	var envs []gatewaysim.SeedEnvironment
	for e := 1; e < b.cfg.Envs; e++ { // RELEASE is the first
		envs = append(envs, gatewaysim.SeedEnvironment{Name: fmt.Sprintf("ENV_%02d", e)})
	}
	apis := make([]gatewaysim.SeedAPI, b.cfg.N)
	for i := range apis {
		apis[i] = gatewaysim.SeedAPI{ID: apiID(i), Name: fmt.Sprintf("api_%05d", i), Path: fmt.Sprintf("/bench/%d", i)}
	}
	groups := []gatewaysim.SeedGroup{{Name: "bench", APIs: apis}}
	for g := 0; g < b.cfg.Groups; g++ {
		var gapis []gatewaysim.SeedAPI
		for i := 0; i < 10; i++ {
			gapis = append(gapis, gatewaysim.SeedAPI{Name: fmt.Sprintf("group_%d_api_%d", g, i), Path: fmt.Sprintf("/g%d/%d", g, i)})
		}
		groups = append(groups, gatewaysim.SeedGroup{Name: fmt.Sprintf("group_%d", g), APIs: gapis})
	}
	seed := gatewaysim.Seed{Tokens: []string{"bench-token"}, Projects: []gatewaysim.SeedProject{{ID: project,
		APIG: []gatewaysim.SeedInstance{{InstanceID: instance, Environments: envs, Groups: groups}}}}}
	data, err := yaml.Marshal(seed)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func apiID(i int) string { return fmt.Sprintf("%032x", i+1) }

func envName(i, envs int) string {
	if i%envs == 0 {
		return "RELEASE"
	}
	return fmt.Sprintf("ENV_%02d", i%envs)
}

func (b *bench) createGateway(ctx context.Context, c client.Client, simURL string) error {
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}, StringData: map[string]string{"token": "bench-token"}},
		&v1alpha1.ApiGateway{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gw"}, Spec: v1alpha1.ApiGatewaySpec{
			Provider: v1alpha1.ProviderAPIG, Endpoint: simURL, ProjectID: project, InstanceID: instance,
			CredentialsRef: v1alpha1.LocalObjectReference{Name: "creds"},
			// The operator's own limit matches the simulator's, as it would a real account's.
			RateLimit:       &v1alpha1.RateLimit{QPS: int32(b.cfg.RateLimit), Burst: int32(b.cfg.RateLimit)},
			ObserveInterval: &metav1.Duration{Duration: b.cfg.ObserveInterval},
		}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func waitGatewayReady(ctx context.Context, c client.Client) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		gw := &v1alpha1.ApiGateway{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gw"}, gw); err == nil &&
			meta.IsStatusConditionTrue(gw.Status.Conditions, v1alpha1.ConditionReady) {
			return nil
		}
		time.Sleep(200 * time.Millisecond) // polling the API server, bounded by the deadline
	}
	return fmt.Errorf("the ApiGateway did not become Ready within a minute")
}

// createPublications creates the objects in parallel and returns when each was created.
func (b *bench) createPublications(ctx context.Context, c client.Client) (map[string]time.Time, time.Time, time.Time, error) {
	var objs []*v1alpha1.ApiPublication
	for i := 0; i < b.cfg.N; i++ {
		objs = append(objs, &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("pub-%05d", i)},
			Spec: v1alpha1.ApiPublicationSpec{GatewayRef: v1alpha1.GatewayReference{Name: "gw"}, Environment: envName(i, b.cfg.Envs),
				APIs: []v1alpha1.PublishedApi{{ID: apiID(i)}}, State: v1alpha1.StatePublished}})
	}
	for g := 0; g < b.cfg.Groups; g++ {
		objs = append(objs, &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("group-%d", g)},
			Spec: v1alpha1.ApiPublicationSpec{GatewayRef: v1alpha1.GatewayReference{Name: "gw"}, Environment: envName(g, b.cfg.Envs),
				Group: &v1alpha1.GroupReference{Name: fmt.Sprintf("group_%d", g)}, State: v1alpha1.StatePublished}})
	}
	created := make(map[string]time.Time, len(objs))
	var mu sync.Mutex
	var firstErr error
	work := make(chan *v1alpha1.ApiPublication)
	var wg sync.WaitGroup
	first := time.Now()
	for range 32 {
		wg.Go(func() {
			for o := range work {
				err := c.Create(ctx, o)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				created[o.Name] = time.Now()
				mu.Unlock()
			}
		})
	}
	for _, o := range objs {
		work <- o
	}
	close(work)
	wg.Wait()
	return created, first, time.Now(), firstErr
}

// floor times N status patches from one client at the manager's QPS settings: the least time
// the API server needs to record N verdicts, whatever the operator does.
func floor(ctx context.Context, cfg *rest.Config, scheme *kruntime.Scheme, bc Config, created map[string]time.Time) (time.Duration, error) {
	limited := rest.CopyConfig(cfg)
	limited.QPS, limited.Burst = float32(bc.KubeQPS), bc.KubeBurst
	c, err := client.New(limited, client.Options{Scheme: scheme})
	if err != nil {
		return 0, err
	}
	names := make(chan string)
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	start := time.Now()
	for range bc.Concurrency {
		wg.Go(func() {
			for name := range names {
				p := &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
				patch := client.RawPatch("application/merge-patch+json", []byte(`{"status":{"lastHandledReconcileAt":"floor"}}`))
				if err := c.Status().Patch(ctx, p, patch); err != nil {
					errMu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					errMu.Unlock()
				}
			}
		})
	}
	for name := range created {
		names <- name
	}
	close(names)
	wg.Wait()
	return time.Since(start), firstErr
}

func simStats(url string) (gatewaysim.Stats, error) {
	var st gatewaysim.Stats
	resp, err := http.Get(url + "/_sim/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close() //nolint:errcheck
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// procUsage reads a process's peak resident memory and CPU time from /proc.
func procUsage(pid int) (int64, time.Duration) {
	var rss int64
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
				rss = kb << 10
			}
		}
	}
	var cpu time.Duration
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		cpu = time.Duration(utime+stime) * time.Second / 100 // USER_HZ
	}
	return rss, cpu
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, len(d)*p/100)]
}

var _ = runtime.NumCPU
