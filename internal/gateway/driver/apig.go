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

package driver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// apigDriver drives an APIG instance through a Publisher (in the manager: the adapter behind
// the observation cache and the batcher).
type apigDriver struct {
	pub gateway.Publisher
}

// NewAPIG returns the driver of an APIG instance reached through pub.
func NewAPIG(pub gateway.Publisher) Driver { return &apigDriver{pub: pub} }

var (
	_ Driver    = (*apigDriver)(nil)
	_ Inventory = (*apigDriver)(nil)
)

func (d *apigDriver) Provider() Provider { return APIG }

func (d *apigDriver) Probe(ctx context.Context) ([]gateway.Environment, error) {
	return d.pub.Environments(ctx)
}

// Environment finds the ID of an environment name or ID, from the known environments first
// and from the gateway when they do not have it (an environment created since).
func (d *apigDriver) Environment(ctx context.Context, env string, known []gateway.Environment) (string, error) {
	if env == "" {
		return "", &InvalidDeclaration{Message: "spec.environment is required for an APIG gateway: " +
			"set it to an environment name, such as RELEASE, or ID"}
	}
	for _, e := range known {
		if e.ID == env || e.Name == env {
			return e.ID, nil
		}
	}
	envs, err := d.pub.Environments(ctx)
	if err != nil {
		return "", err
	}
	for _, e := range envs {
		if e.ID == env || e.Name == env {
			return e.ID, nil
		}
	}
	return "", &gateway.Error{Op: "resolve environment", Code: gateway.CodeEnvNotFound,
		Message: fmt.Sprintf("environment %s does not exist on the gateway: create it or fix spec.environment", env)}
}

func (d *apigDriver) Snapshot(ctx context.Context, envID string) (*gateway.Snapshot, error) {
	return d.pub.Observe(ctx, envID)
}

func (d *apigDriver) Group(ctx context.Context, ref gateway.GroupRef) (gateway.Group, error) {
	return d.pub.Group(ctx, ref)
}

func (d *apigDriver) GroupAPIs(ctx context.Context, groupID string) ([]gateway.API, error) {
	return d.pub.GroupAPIs(ctx, groupID)
}

func (d *apigDriver) Versions(ctx context.Context, apiID, envID string) ([]gateway.Version, error) {
	return d.pub.Versions(ctx, apiID, envID)
}

func (d *apigDriver) StartExport(ctx context.Context, req gateway.ExportRequest) (string, error) {
	return d.pub.StartExport(ctx, req)
}

func (d *apigDriver) ExportTask(ctx context.Context, taskID string) (gateway.ExportTask, error) {
	return d.pub.ExportTask(ctx, taskID)
}

// Resolve turns the APIs or the group into targets. Names are looked up in the environment's
// snapshot first (published APIs carry their names), and on the gateway only when absent.
func (d *apigDriver) Resolve(ctx context.Context, decl Declaration) (Resolved, error) {
	if decl.State == Suspended {
		return Resolved{}, &InvalidDeclaration{Message: "spec.state Suspended is only possible on a DataArts gateway; " +
			"use Published or Offline"}
	}
	envID, err := d.Environment(ctx, decl.Environment, decl.KnownEnvironments)
	if err != nil {
		return Resolved{}, err
	}
	res := Resolved{EnvID: envID}
	snap, err := d.pub.Observe(ctx, envID)
	if err != nil {
		return res, err
	}
	if decl.Group != nil {
		group, err := d.pub.Group(ctx, *decl.Group)
		if err != nil {
			return res, err
		}
		apis, err := d.pub.GroupAPIs(ctx, group.ID)
		if err != nil {
			return res, err
		}
		for _, a := range apis {
			res.Targets = append(res.Targets, Target{ID: a.ID, Name: a.Name})
		}
		return res, nil
	}

	// A name two live APIs share resolves on the gateway, which refuses it.
	targets := make([]Target, 0, len(decl.APIs))
	var unresolved []int
	for _, a := range decl.APIs {
		t := Target{ID: a.ID, Name: a.Name, Pin: a.Pin}
		if t.ID == "" {
			if id, ok := snap.IDByName(a.Name); ok {
				t.ID = id
			} else {
				unresolved = append(unresolved, len(targets))
			}
		} else if p, ok := snap.APIs[t.ID]; ok {
			t.Name = p.API.Name
		}
		targets = append(targets, t)
	}
	if len(unresolved) > 0 {
		refs := make([]gateway.APIRef, len(unresolved))
		for i, idx := range unresolved {
			refs[i] = gateway.APIRef{Name: targets[idx].Name}
		}
		apis, errs, err := d.pub.ResolveAPIs(ctx, refs)
		if err != nil {
			return res, err
		}
		for i, idx := range unresolved {
			if errs[i] != nil {
				targets[idx].Err = asError(errs[i])
				targets[idx].ID = "name:" + targets[idx].Name // keeps the entry apart in status
				continue
			}
			targets[idx].ID = apis[i].ID
		}
	}
	res.Targets = unique(targets)
	return res, nil
}

// unique keeps one target per API, whichever way the declaration names it.
func unique(targets []Target) []Target {
	seen := map[string]bool{}
	return slices.DeleteFunc(targets, func(t Target) bool {
		dup := seen[t.ID]
		seen[t.ID] = true
		return dup
	})
}

// Observe reads the environment's snapshot, and the versions of each actionable pinned API.
// A pinned API that does not exist (any more) is reported in Errs.
func (d *apigDriver) Observe(ctx context.Context, r Resolved) (Observation, error) {
	snap, err := d.pub.Observe(ctx, r.EnvID)
	if err != nil {
		return Observation{}, err
	}
	obs := Observation{Snapshot: snap, Versions: map[string][]gateway.Version{}, Errs: map[string]*gateway.Error{}}
	for _, t := range r.Targets {
		if t.Pin == "" || !t.Actionable() {
			continue
		}
		versions, err := d.pub.Versions(ctx, t.ID, r.EnvID)
		if gateway.HasCode(err, gateway.CodeAPINotFound) {
			obs.Errs[t.ID] = asError(err)
			continue
		}
		if err != nil {
			return obs, err
		}
		obs.Versions[t.ID] = versions
	}
	return obs, nil
}

func (d *apigDriver) Plan(decl Declaration, r Resolved, o Observation, _ time.Time) Plan {
	return PlanAPIG(decl, r.Targets, o)
}

func (d *apigDriver) PlanRelease(r Resolved, o Observation, known []string, _ time.Time) Plan {
	return PlanAPIGRelease(r.Targets, o.Snapshot, known)
}

// Act switches pinned versions one by one, then publishes and takes offline through the
// batcher. A switch refused for its API is in its result; the first failure concerning the
// gateway ends the act.
func (d *apigDriver) Act(ctx context.Context, r Resolved, p Plan) (Results, error) {
	results := Results{}
	for _, s := range p.Steps {
		if s.Action != ActSwitchVersion {
			continue
		}
		out, err := d.pub.SwitchVersion(ctx, s.API, s.Version)
		if err != nil {
			if gateway.Classify(err).Scope != gateway.ScopeAPI {
				return results, err
			}
			out = gateway.Outcome{APIID: s.API, Err: asError(err)}
		}
		results[s.API] = Result{Step: s, Outcome: out}
	}
	batches := []struct {
		action Action
		call   func([]string) (gateway.BatchResult, error)
	}{
		{ActPublish, func(ids []string) (gateway.BatchResult, error) {
			return d.pub.Publish(ctx, r.EnvID, ids, p.Remark)
		}},
		{ActOffline, func(ids []string) (gateway.BatchResult, error) { return d.pub.Offline(ctx, r.EnvID, ids) }},
	}
	for _, b := range batches {
		ids := p.IDs(b.action)
		if len(ids) == 0 {
			continue
		}
		res, err := b.call(ids)
		if err != nil {
			return results, err
		}
		for _, s := range p.Steps {
			if s.Action == b.action {
				if o, ok := res[s.API]; ok {
					results[s.API] = Result{Step: s, Outcome: o}
				}
			}
		}
	}
	return results, nil
}

// asError returns err as a *gateway.Error, wrapping an error of another shape.
func asError(err error) *gateway.Error {
	var gerr *gateway.Error
	if errors.As(err, &gerr) {
		return gerr
	}
	return &gateway.Error{Op: "call the gateway", Err: err}
}
