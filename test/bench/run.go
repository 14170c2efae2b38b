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
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

const (
	project  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
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
	// APIServerWrites are the writes the API server served to ApiPublications (creates
	// aside) and events during the rollout, by resource and verb.
	APIServerWrites map[string]int `json:"apiServerWritesDuringConvergence,omitempty"`
	// EventsDropped are the events the first manager did not record (apig_events_dropped_total
	// before it stops); -1 when its metrics could not be read.
	EventsDropped int            `json:"eventsDropped"`
	SteadyCalls   map[string]int `json:"callsInSteadyWindow,omitempty"`
	SteadyReads   int            `json:"readsPerIntervalInSteadyWindow"`
	SteadyWrite   int            `json:"writesInSteadyWindow"`
	// Instances are the calls of each instance; Calls, Writes and the steady figures above
	// are their sums.
	Instances []InstanceFigures `json:"instances"`
	Edits     *Edits            `json:"edits,omitempty"`
	Restart   *Restart          `json:"restart,omitempty"`
	// PeakRSS is the manager's peak resident memory over the whole run, the restarted
	// manager's included; FirstPeakRSS and CPU are the first manager's, Restart has the
	// second's.
	// Republishes are the publishes of an API already live in its environment over the whole
	// run, as the simulators count them: each one a new version that a stale read caused.
	Republishes  int           `json:"republishes"`
	PeakRSS      int64         `json:"managerPeakRSSBytes"`
	FirstPeakRSS int64         `json:"firstManagerPeakRSSBytes"`
	CPU          time.Duration `json:"managerCPUNs"`
	// Floor is the time of two API-server writes per object (a metadata and a status patch,
	// as the operator's first pass makes) at the manager's QPS; FloorStatus that of the
	// status patches alone, the first part of the same measurement.
	Floor       time.Duration `json:"floorNs,omitempty"`
	FloorStatus time.Duration `json:"floorStatusPatchesNs,omitempty"`
}

// InstanceFigures are one instance's publications and gateway calls: writes, and reads per
// observe interval in the steady window and after the restart.
type InstanceFigures struct {
	Instance      string `json:"instance"`
	Objects       int    `json:"objects"`
	RolloutWrites int    `json:"rolloutWrites"`
	RolloutReads  int    `json:"rolloutReads"`
	SteadyWrites  int    `json:"steadyWrites"`
	SteadyReads   int    `json:"steadyReadsPerInterval"`
	EditWrites    int    `json:"editWrites"`
	RestartWrites int    `json:"restartWrites"`
	RestartReads  int    `json:"restartReadsPerInterval"`
}

// Report is the whole invocation.
type Report struct {
	Config   Config `json:"config"`
	Batched  Run    `json:"batched"`
	Baseline *Run   `json:"baseline,omitempty"`
}

// run builds the binaries and measures the batched mode, then the baseline.
func run(cfg Config, log io.Writer) (*Report, error) {
	if cfg.N < 1 || cfg.Instances < 1 || cfg.Envs < 1 {
		return nil, fmt.Errorf("-n, -instances and -envs must be at least 1")
	}
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

// measure runs one mode on a fresh control plane and simulators: the rollout, and with full
// the steady window, the single edits, the restart and the floor.
func (b *bench) measure(mode string, batchMax int, capTime time.Duration, full bool) (Run, error) {
	res := Run{Mode: mode, Objects: b.cfg.N + b.cfg.Groups}
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join(b.root, "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cp, err := harness.StartControlPlane(env, "bench", filepath.Join(b.work, mode+".kubeconfig"))
	if err != nil {
		return res, err
	}
	defer func() { _ = cp.Stop() }()
	cfg := cp.Config

	sims, err := b.startSimulators(mode)
	if err != nil {
		return res, err
	}
	defer stopSimulators(sims)

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
	if err := b.createGateways(ctx, c, sims); err != nil {
		return res, err
	}

	args := []string{"--batch-max-size=" + strconv.Itoa(batchMax),
		"--concurrency=" + strconv.Itoa(b.cfg.Concurrency), "--kube-api-qps=" + fmt.Sprint(b.cfg.KubeQPS),
		"--kube-api-burst=" + strconv.Itoa(b.cfg.KubeBurst), "--zap-log-level=error"}
	metricsAddr, err := harness.FreeAddr()
	if err != nil {
		return res, err
	}
	mgr, err := harness.StartManagerEnv(b.work, mode+"-manager", cp.Kubeconfig, b.managerEnv(),
		slices.Concat(args, []string{"--metrics-bind-address=" + metricsAddr, "--metrics-secure=false"}, b.cfg.ManagerArgs)...)
	if err != nil {
		return res, err
	}
	defer func() { mgr.Stop() }() // mgr is the restarted manager after the restart
	if err := waitGatewaysReady(ctx, c, len(sims)); err != nil {
		return res, err
	}
	before, err := allStats(sims)
	if err != nil {
		return res, err
	}
	writesBefore, err := apiServerWrites(ctx, cfg)
	if err != nil {
		return res, err
	}

	b.logf("%s: creating %d ApiPublications over %d instances of %d environments and %d group publications",
		mode, b.cfg.N, b.cfg.Instances, b.cfg.Envs, b.cfg.Groups)
	tr := newTracker()
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go tr.follow(watchCtx, c)
	created, first, last, err := b.createPublications(ctx, c)
	if err != nil {
		return res, err
	}
	lastLog := time.Now()
	res.Converged = waitUntil(time.Now().Add(capTime), func() bool {
		if time.Since(lastLog) > 10*time.Second {
			lastLog = time.Now()
			b.logf("%s: %d of %d Ready after %s", mode, tr.readyCount(), len(created), time.Since(first).Round(time.Second))
		}
		return tr.readyCount() >= len(created)
	})
	readyAt := tr.readyTimes()
	res.convergence(readyAt, created, first, last)
	rollout, err := allStats(sims)
	if err != nil {
		return res, err
	}
	sum, per := between(before, rollout)
	res.Calls, res.Writes = sum.Calls, sum.Writes
	writesAfter, err := apiServerWrites(ctx, cfg)
	if err != nil {
		return res, err
	}
	res.APIServerWrites = minus(writesAfter, writesBefore)
	res.Instances = b.instanceFigures(sims, per)
	b.logf("%s: %d of %d Ready in %s, %d gateway writes", mode, len(readyAt), len(created),
		res.Convergence.Round(time.Millisecond), res.Writes)

	if full && res.Converged {
		if err := b.steady(&res, sims, rollout); err != nil {
			return res, err
		}
		if b.cfg.Edits > 0 {
			var per []counts
			if res.Edits, per, err = b.edit(ctx, c, tr, sims); err != nil {
				return res, err
			}
			for k := range per {
				res.Instances[k].EditWrites = per[k].Writes
			}
		}
	}
	res.FirstPeakRSS, res.CPU = procUsage(mgr.PID())
	res.PeakRSS = res.FirstPeakRSS
	res.EventsDropped = -1
	if n, err := metricSum(metricsAddr, "apig_events_dropped_total", nil); err == nil {
		res.EventsDropped = n
	}
	mgr.Stop()

	if full && res.Converged && b.cfg.Restart {
		var per []counts
		res.Restart, per, mgr, err = b.restart(mode, args, cp.Kubeconfig, tr, sims, len(created))
		if err != nil {
			return res, err
		}
		for k := range per {
			res.Instances[k].RestartWrites, res.Instances[k].RestartReads = per[k].Writes, per[k].Reads
		}
		res.PeakRSS = max(res.PeakRSS, res.Restart.PeakRSS)
		mgr.Stop()
	}
	final, err := allStats(sims)
	if err != nil {
		return res, err
	}
	for _, st := range final {
		res.Republishes += st.Republishes
	}

	if full {
		b.logf("%s: measuring the floor: %d metadata and %d status patches at %g QPS", mode, len(created), len(created), b.cfg.KubeQPS)
		res.FloorStatus, res.Floor, err = floor(ctx, cfg, scheme, b.cfg, created)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// managerEnv is the environment the managers get on top of the bench's own: GOMEMLIMIT, as
// the Deployment sets it from the container's memory limit.
func (b *bench) managerEnv() []string {
	if b.cfg.MemoryLimit == "" {
		return nil
	}
	return []string{"GOMEMLIMIT=" + b.cfg.MemoryLimit}
}

// convergence sets the rollout's figures from when each object was first seen Ready: the
// time to the last Ready seen (not when the wait noticed it) and the latencies per object.
func (res *Run) convergence(readyAt, created map[string]time.Time, first, last time.Time) {
	end := time.Now()
	if res.Converged {
		end = first
		for _, at := range readyAt {
			if at.After(end) {
				end = at
			}
		}
	}
	lat := make([]time.Duration, 0, len(readyAt))
	for name, at := range readyAt {
		lat = append(lat, at.Sub(created[name]))
	}
	res.Convergence, res.AfterLast = end.Sub(first), end.Sub(last)
	res.P50, res.P99 = percentile(lat, 50), percentile(lat, 99)
}

// instanceFigures starts the figures of each instance with its publications and its calls
// during the rollout.
func (b *bench) instanceFigures(sims []*simulator, rollout []counts) []InstanceFigures {
	out := make([]InstanceFigures, len(sims))
	for k, s := range sims {
		out[k] = InstanceFigures{Instance: s.instance, RolloutWrites: rollout[k].Writes, RolloutReads: rollout[k].Reads}
	}
	for i := range b.cfg.N {
		out[instanceOf(i, b.cfg.Instances)].Objects++
	}
	for g := range b.cfg.Groups {
		out[instanceOf(g, b.cfg.Instances)].Objects++
	}
	return out
}

// steady counts the calls in a window of three observe intervals after the rollout.
func (b *bench) steady(res *Run, sims []*simulator, rollout []gatewaysim.Stats) error {
	window := 3 * b.cfg.ObserveInterval
	b.logf("%s: steady window of %s", res.Mode, window)
	time.Sleep(window) // a measurement window, not a wait for state
	steady, err := allStats(sims)
	if err != nil {
		return err
	}
	sum, per := between(rollout, steady)
	res.SteadyCalls, res.SteadyWrite, res.SteadyReads = sum.Calls, sum.Writes, sum.Reads/3
	for k := range per {
		res.Instances[k].SteadyWrites, res.Instances[k].SteadyReads = per[k].Writes, per[k].Reads/3
	}
	return nil
}

func apiID(i int) string { return fmt.Sprintf("%032x", i+1) }

func envName(i, envs int) string {
	if i%envs == 0 {
		return "RELEASE"
	}
	return fmt.Sprintf("ENV_%02d", i%envs)
}

func gatewayName(k int) string { return fmt.Sprintf("gw-%d", k) }

// createGateways creates the namespace, the credentials and one ApiGateway per instance.
func (b *bench) createGateways(ctx context.Context, c client.Client, sims []*simulator) error {
	objs := make([]client.Object, 0, 2+len(sims))
	objs = append(objs,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}, StringData: map[string]string{"token": "bench-token"}},
	)
	for k, s := range sims {
		objs = append(objs, &v1alpha1.ApiGateway{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: gatewayName(k)},
			Spec: v1alpha1.ApiGatewaySpec{
				Provider: v1alpha1.ProviderAPIG, Endpoint: s.url, ProjectID: project, InstanceID: s.instance,
				CredentialsRef: v1alpha1.LocalObjectReference{Name: "creds"},
				// The operator's own limit matches the simulator's, as it would a real account's.
				RateLimit:       &v1alpha1.RateLimit{QPS: int32(b.cfg.RateLimit), Burst: int32(b.cfg.RateLimit)},
				ObserveInterval: &metav1.Duration{Duration: b.cfg.ObserveInterval},
			}})
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func waitGatewaysReady(ctx context.Context, c client.Client, n int) error {
	if !waitUntil(time.Now().Add(time.Minute), func() bool {
		for k := range n {
			gw := &v1alpha1.ApiGateway{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: gatewayName(k)}, gw); err != nil ||
				!meta.IsStatusConditionTrue(gw.Status.Conditions, v1alpha1.ConditionReady) {
				return false
			}
		}
		return true
	}) {
		return fmt.Errorf("the ApiGateways did not become Ready within a minute")
	}
	return nil
}

// createPublications creates the objects in parallel and returns when each was created.
func (b *bench) createPublications(ctx context.Context, c client.Client) (map[string]time.Time, time.Time, time.Time, error) {
	var objs []*v1alpha1.ApiPublication
	for i := 0; i < b.cfg.N; i++ {
		objs = append(objs, &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("pub-%05d", i)},
			Spec: v1alpha1.ApiPublicationSpec{GatewayRef: v1alpha1.GatewayReference{Name: gatewayName(instanceOf(i, b.cfg.Instances))},
				Environment: envOf(i, b.cfg.Instances, b.cfg.Envs), APIs: []v1alpha1.PublishedApi{{ID: apiID(i)}}, State: v1alpha1.StatePublished}})
	}
	for g := 0; g < b.cfg.Groups; g++ {
		objs = append(objs, &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("group-%d", g)},
			Spec: v1alpha1.ApiPublicationSpec{GatewayRef: v1alpha1.GatewayReference{Name: gatewayName(instanceOf(g, b.cfg.Instances))},
				Environment: envName(g, b.cfg.Envs), Group: &v1alpha1.GroupReference{Name: fmt.Sprintf("group_%d", g)},
				State: v1alpha1.StatePublished}})
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

// floor times, from one client at the manager's QPS settings, a status patch and then a
// metadata patch of every object: the two writes the operator's first pass over an object
// makes (its status, and its finalizer), so the least time the API server needs to record N
// verdicts, whatever the operator does. It returns the time of the status patches and of both.
func floor(ctx context.Context, cfg *rest.Config, scheme *kruntime.Scheme, bc Config,
	created map[string]time.Time) (statusOnly, both time.Duration, err error) {
	limited := rest.CopyConfig(cfg)
	limited.QPS, limited.Burst = float32(bc.KubeQPS), bc.KubeBurst
	c, err := client.New(limited, client.Options{Scheme: scheme})
	if err != nil {
		return 0, 0, err
	}
	patchAll := func(patch func(p *v1alpha1.ApiPublication) error) error {
		names := make(chan string)
		var wg sync.WaitGroup
		var errMu sync.Mutex
		var firstErr error
		for range bc.Concurrency {
			wg.Go(func() {
				for name := range names {
					if err := patch(&v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}); err != nil {
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
		return firstErr
	}
	start := time.Now()
	if err := patchAll(func(p *v1alpha1.ApiPublication) error {
		return c.Status().Patch(ctx, p, client.RawPatch("application/merge-patch+json", []byte(`{"status":{"lastHandledReconcileAt":"floor"}}`)))
	}); err != nil {
		return 0, 0, err
	}
	status := time.Since(start)
	err = patchAll(func(p *v1alpha1.ApiPublication) error {
		patch := `{"metadata":{"annotations":{"bench.apig-operator.dev/floor":"1"}}}`
		return c.Patch(ctx, p, client.RawPatch("application/merge-patch+json", []byte(patch)))
	})
	return status, time.Since(start), err
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
