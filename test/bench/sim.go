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
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

// Each APIG instance is a simulator process of its own, so that each has its own rate limit,
// as the instances of a real account do, and its statistics and call log are the instance's.

// simulator is one APIG instance.
type simulator struct {
	instance string
	proc     *harness.Process
	url      string
}

// instanceID is the ID of the k-th instance.
func instanceID(k int) string { return fmt.Sprintf("eddc4d25480b4cd6b512f270a1b8%04x", k) }

// instanceOf is the instance publication i is on; its index among that instance's
// publications decides the environment, so that every instance has all of them.
func instanceOf(i, instances int) int { return i % instances }

func envOf(i, instances, envs int) string { return envName(i/instances, envs) }

// spareID is the API edit j switches its publication to: seeded in every instance, published
// nowhere.
func spareID(j int) string { return fmt.Sprintf("f%031x", j+1) }

// startSimulators starts one simulator per instance; on an error it stops those it started.
func (b *bench) startSimulators(mode string) ([]*simulator, error) {
	args := []string{"--quiet", "--rate-limit", fmt.Sprint(b.cfg.RateLimit), "--latency", b.cfg.Latency.String()}
	if b.cfg.Realistic {
		args = append(args, "--realistic")
	}
	args = append(args, b.cfg.SimArgs...)
	var sims []*simulator
	for k := range b.cfg.Instances {
		seedPath := filepath.Join(b.work, fmt.Sprintf("%s-seed-%d.yaml", mode, k))
		if err := b.writeSeed(seedPath, k); err != nil {
			stopSimulators(sims)
			return nil, err
		}
		proc, url, err := harness.StartSimulator(b.work, fmt.Sprintf("%s-gatewaysim-%d", mode, k), seedPath, args...)
		if err != nil {
			stopSimulators(sims)
			return nil, err
		}
		sims = append(sims, &simulator{instance: instanceID(k), proc: proc, url: url})
	}
	return sims, nil
}

func stopSimulators(sims []*simulator) {
	for _, s := range sims {
		s.proc.Stop()
	}
}

// writeSeed writes the seed of instance k: the APIs of its publications, its groups, and the
// spare APIs of the edits.
func (b *bench) writeSeed(path string, k int) error {
	var envs []gatewaysim.SeedEnvironment
	for e := 1; e < b.cfg.Envs; e++ { // RELEASE is the first
		envs = append(envs, gatewaysim.SeedEnvironment{Name: fmt.Sprintf("ENV_%02d", e)})
	}
	var apis []gatewaysim.SeedAPI
	for i := range b.cfg.N {
		if instanceOf(i, b.cfg.Instances) == k {
			apis = append(apis, gatewaysim.SeedAPI{ID: apiID(i), Name: fmt.Sprintf("api_%05d", i), Path: fmt.Sprintf("/bench/%d", i)})
		}
	}
	for j := range b.cfg.Edits {
		apis = append(apis, gatewaysim.SeedAPI{ID: spareID(j), Name: fmt.Sprintf("spare_%03d", j), Path: fmt.Sprintf("/spare/%d", j)})
	}
	groups := []gatewaysim.SeedGroup{{Name: "bench", APIs: apis}}
	for g := range b.cfg.Groups {
		if instanceOf(g, b.cfg.Instances) != k {
			continue
		}
		gapis := make([]gatewaysim.SeedAPI, 0, 10)
		for i := range 10 {
			gapis = append(gapis, gatewaysim.SeedAPI{Name: fmt.Sprintf("group_%d_api_%d", g, i), Path: fmt.Sprintf("/g%d/%d", g, i)})
		}
		groups = append(groups, gatewaysim.SeedGroup{Name: fmt.Sprintf("group_%d", g), APIs: gapis})
	}
	seed := gatewaysim.Seed{Tokens: []string{"bench-token"}, Projects: []gatewaysim.SeedProject{{ID: project,
		APIG: []gatewaysim.SeedInstance{{InstanceID: instanceID(k), Environments: envs, Groups: groups}}}}}
	data, err := yaml.Marshal(seed)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// writeOps are the simulator operations that change the gateway.
var writeOps = map[string]bool{
	"CreateOrDeletePublishRecordForApiV2": true, "BatchPublishOrOfflineApiV2": true, "ChangeApiVersionV2": true,
	"DeleteApiByVersionIdV2": true,
}

// counts are the gateway calls between two snapshots of the statistics: by "operation
// status", the successful writes, and the reads (every call of an operation that does not
// write, whatever its answer).
type counts struct {
	Calls  map[string]int
	Writes int
	Reads  int
}

func diff(before, after gatewaysim.Stats) counts {
	c := counts{Calls: map[string]int{}}
	for op, byStatus := range after.Operations {
		for status, n := range byStatus {
			d := n - before.Operations[op][status]
			if d == 0 {
				continue
			}
			c.Calls[op+" "+status] += d
			if writeOps[op] && strings.HasPrefix(status, "2") {
				c.Writes += d
			}
			if !writeOps[op] {
				c.Reads += d
			}
		}
	}
	return c
}

// between returns the calls of each instance between two snapshots, and their sum.
func between(before, after []gatewaysim.Stats) (counts, []counts) {
	sum := counts{Calls: map[string]int{}}
	per := make([]counts, len(after))
	for k := range after {
		per[k] = diff(before[k], after[k])
		for key, n := range per[k].Calls {
			sum.Calls[key] += n
		}
		sum.Writes += per[k].Writes
		sum.Reads += per[k].Reads
	}
	return sum, per
}

// allStats snapshots every instance's statistics.
func allStats(sims []*simulator) ([]gatewaysim.Stats, error) {
	out := make([]gatewaysim.Stats, len(sims))
	for k, s := range sims {
		if err := getJSON(s.url+"/_sim/stats", &out[k]); err != nil {
			return nil, fmt.Errorf("read the statistics of instance %d: %w", k, err)
		}
	}
	return out, nil
}

// callLog returns the simulator's call log, oldest first.
func callLog(s *simulator) ([]gatewaysim.Call, error) {
	var calls []gatewaysim.Call
	return calls, getJSON(s.url+"/_sim/calls", &calls)
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close() //nolint:errcheck
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
