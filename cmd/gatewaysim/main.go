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

func run() error {
	var (
		listen    = flag.String("listen", "127.0.0.1:18080", "Address to serve on.")
		seedPath  = flag.String("seed", "", "Seed file (YAML) with tokens, access keys, instances, groups and APIs.")
		latency   = flag.Duration("latency", 0, "Delay added to every gateway request, for example 50ms.")
		rateLimit = flag.Float64("rate-limit", 0,
			"Gateway requests per second; excess requests get 429 APIG.0308 with Retry-After. 0: unlimited.")
		faultRate = flag.Float64("fault-rate", 0, "Fraction of gateway requests that fail with 500 APIG.9999, from 0 to 1.")
		tlsCert   = flag.String("tls-cert", "", "PEM certificate to serve HTTPS with (with --tls-key).")
		tlsKey    = flag.String("tls-key", "", "PEM private key of --tls-cert.")
		quiet     = flag.Bool("quiet", false, "Do not log a line per request.")
		show      = flag.String("show", "", "Print what a running simulator at this URL publishes, and exit.")
	)
	flag.Parse()
	if *show != "" {
		return showState(*show)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if *faultRate < 0 || *faultRate > 1 {
		return errors.New("--fault-rate must be between 0 and 1")
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	seed := &gatewaysim.Seed{}
	if *seedPath != "" {
		var err error
		if seed, err = gatewaysim.LoadSeed(*seedPath); err != nil {
			return err
		}
	}
	opts := gatewaysim.Options{Latency: *latency, RateLimit: *rateLimit, FaultRate: *faultRate}
	if !*quiet {
		opts.Logger = log
	}
	sim, err := gatewaysim.New(seed, opts)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	log.Info("Serving the gateway simulator", "url", scheme+"://"+ln.Addr().String(), "seed", *seedPath)

	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
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
