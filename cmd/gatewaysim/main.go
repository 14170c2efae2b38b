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

// Command gatewaysim serves the APIG v2 and DataArts DataService simulator on a local address,
// for the demo, the end-to-end tests and the benchmark.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gatewaysim:", err)
		os.Exit(1)
	}
}

// config is what the command line asks for.
type config struct {
	listen, seed, tlsCert, tlsKey, show string
	quiet                               bool
	opts                                gatewaysim.Options
}

// parseFlags reads the command line. --realistic turns on every realistic behaviour that no
// other flag sets.
func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("gatewaysim", flag.ContinueOnError)
	c := &config{}
	o := &c.opts
	fs.StringVar(&c.listen, "listen", "127.0.0.1:18080", "Address to serve on.")
	fs.StringVar(&c.seed, "seed", "", "Seed file (YAML) with tokens, access keys, instances, groups and APIs.")
	fs.DurationVar(&o.Latency, "latency", 0, "Delay added to every gateway request, for example 50ms.")
	fs.Float64Var(&o.RateLimit, "rate-limit", 0,
		"Gateway requests per second; excess requests get 429 APIG.0308 with Retry-After "+
			"(none under --throttle-without-retry-after). 0: unlimited.")
	fs.Float64Var(&o.FaultRate, "fault-rate", 0, "Fraction of gateway requests that fail with 500 APIG.9999, from 0 to 1.")
	fs.DurationVar(&o.ReadLag, "read-lag", 0,
		"How old the publications reads show are: a publish, offline or version switch shows this long after it "+
			"(the real gateway: 5 to 10s). 0: none.")
	fs.DurationVar(&o.WriteLatency, "write-latency", 0,
		"Processing time of every write, during which another write to the same instance conflicts under --conflict-on-concurrent-writes.")
	fs.BoolVar(&o.ConflictOnConcurrentWrites, "conflict-on-concurrent-writes", false,
		"Refuse a write to an APIG instance while another is in flight, with 500 APIG.3500 (Failed to synchronize data to etcd).")
	fs.BoolVar(&o.ThrottleWithoutRetryAfter, "throttle-without-retry-after", false,
		"Send no Retry-After with any 429, as the real gateway documents none.")
	fs.IntVar(&o.Quotas.APIsPerInstance, "quota-apis-per-instance", 0, "API_NUM_LIMIT: APIs per instance (403 APIG.3102). 0: unlimited.")
	fs.IntVar(&o.Quotas.APIsPerGroup, "quota-apis-per-group", 0, "API_NUM_LIMIT_PER_GROUP: APIs per group (403 APIG.3125). 0: unlimited.")
	fs.IntVar(&o.Quotas.Groups, "quota-groups", 0, "APIGROUP_NUM_LIMIT: API groups per instance (403 APIG.3101). 0: unlimited.")
	fs.IntVar(&o.Quotas.Environments, "quota-environments", 0,
		"ENVIRONMENT_NUM_LIMIT: environments per instance, RELEASE included (403 APIG.3104). 0: unlimited.")
	fs.IntVar(&o.Quotas.VersionsPerAPI, "quota-versions-per-api", 10,
		"API_VERSION_NUM_LIMIT: versions kept per API and environment; a publish beyond drops the oldest.")
	realistic := fs.Bool("realistic", false,
		"Behave like the real gateway where no other flag says otherwise: --read-lag=5s --write-latency=100ms "+
			"--conflict-on-concurrent-writes --throttle-without-retry-after and the default quotas "+
			"(8000 APIs, 1000 per group, 1500 groups, 10 environments, 10 versions).")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate to serve HTTPS with (with --tls-key).")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of --tls-cert.")
	fs.BoolVar(&c.quiet, "quiet", false, "Do not log a line per request.")
	fs.StringVar(&c.show, "show", "", "Print what a running simulator at this URL publishes, and exit.")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *realistic {
		// The flags given keep their values, zero and false included.
		r := c.opts.Realistic()
		given := map[string]func(){
			"read-lag":                      func() { r.ReadLag = o.ReadLag },
			"write-latency":                 func() { r.WriteLatency = o.WriteLatency },
			"conflict-on-concurrent-writes": func() { r.ConflictOnConcurrentWrites = o.ConflictOnConcurrentWrites },
			"throttle-without-retry-after":  func() { r.ThrottleWithoutRetryAfter = o.ThrottleWithoutRetryAfter },
			"quota-apis-per-instance":       func() { r.Quotas.APIsPerInstance = o.Quotas.APIsPerInstance },
			"quota-apis-per-group":          func() { r.Quotas.APIsPerGroup = o.Quotas.APIsPerGroup },
			"quota-groups":                  func() { r.Quotas.Groups = o.Quotas.Groups },
			"quota-environments":            func() { r.Quotas.Environments = o.Quotas.Environments },
		}
		fs.Visit(func(f *flag.Flag) {
			if keep := given[f.Name]; keep != nil {
				keep()
			}
		})
		c.opts = r
	}
	switch {
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return nil, errors.New("--tls-cert and --tls-key go together")
	case o.FaultRate < 0 || o.FaultRate > 1:
		return nil, errors.New("--fault-rate must be between 0 and 1")
	case o.ReadLag < 0 || o.WriteLatency < 0:
		return nil, errors.New("--read-lag and --write-latency cannot be negative")
	case o.Quotas.APIsPerInstance < 0 || o.Quotas.APIsPerGroup < 0 || o.Quotas.Groups < 0 || o.Quotas.Environments < 0 ||
		o.Quotas.VersionsPerAPI < 1:
		return nil, errors.New("quotas cannot be negative, and --quota-versions-per-api is at least 1")
	}
	return c, nil
}

func run() error {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.show != "" {
		return showState(cfg.show)
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	seed := &gatewaysim.Seed{}
	if cfg.seed != "" {
		if seed, err = gatewaysim.LoadSeed(cfg.seed); err != nil {
			return err
		}
	}
	opts := cfg.opts
	if !cfg.quiet {
		opts.Logger = log
	}
	sim, err := gatewaysim.New(seed, opts)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
	}
	log.Info("Serving the gateway simulator", "url", scheme+"://"+ln.Addr().String(), "seed", cfg.seed,
		"readLag", opts.ReadLag, "writeLatency", opts.WriteLatency, "conflictOnConcurrentWrites", opts.ConflictOnConcurrentWrites,
		"throttleWithoutRetryAfter", opts.ThrottleWithoutRetryAfter, "quotas", fmt.Sprintf("%+v", opts.Quotas))

	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- srv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("Shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// showState prints, per gateway, every API with where it is live, and every DataArts API with
// its status: the simulator's side of what the operator declares.
func showState(url string) error {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(strings.TrimSuffix(url, "/") + "/_sim/state")
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /_sim/state: %s", resp.Status)
	}
	var state gatewaysim.StateDump
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		return fmt.Errorf("decode /_sim/state: %w", err)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "GATEWAY\tAPI\tENVIRONMENT\tLIVE VERSION\tPUBLISH ID\tVERSIONS")
	for _, pid := range sortedKeys(state.Projects) {
		p := state.Projects[pid]
		for _, iid := range sortedKeys(p.APIG) {
			for _, api := range p.APIG[iid].APIs {
				if len(api.Publications) == 0 {
					_, _ = fmt.Fprintf(tw, "apig/%s\t%s\t-\t-\t-\t0\n", iid[:8], api.Name)
				}
				for _, env := range sortedKeys(api.Publications) {
					pub := api.Publications[env]
					_, _ = fmt.Fprintf(tw, "apig/%s\t%s\t%s\t%s\t%s\t%d\n", iid[:8], api.Name, env,
						orDash(pub.LiveVersion), orDash(pub.PublishID), len(pub.Versions))
				}
			}
		}
		for _, cid := range sortedKeys(p.DataArts) {
			for _, api := range p.DataArts[cid].APIs {
				status := strings.TrimPrefix(api.Status, "API_STATUS_")
				if api.EffectiveAt != nil {
					status += " until " + api.EffectiveAt.UTC().Format(time.RFC3339)
				}
				_, _ = fmt.Fprintf(tw, "dataarts/%s\t%s\t%s\t-\t%s\t-\n", cid[:8], api.Name, orDash(status), orDash(api.PublishID))
			}
		}
	}
	return tw.Flush()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
