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
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// dataArtsDriver drives a DataArts DataService cluster.
type dataArtsDriver struct {
	ds gateway.DataService
}

// NewDataArts returns the driver of a DataArts cluster reached through ds.
func NewDataArts(ds gateway.DataService) Driver { return &dataArtsDriver{ds: ds} }

func (d *dataArtsDriver) Provider() Provider { return DataArts }

func (d *dataArtsDriver) Probe(ctx context.Context) ([]gateway.Environment, error) {
	return nil, d.ds.Probe(ctx)
}

// Resolve looks each API up by ID or name; the cluster is the environment.
func (d *dataArtsDriver) Resolve(ctx context.Context, decl Declaration) (Resolved, error) {
	if decl.Group != nil {
		return Resolved{}, &InvalidDeclaration{Message: "spec.group is only possible on an APIG gateway: " +
			"list the DataArts APIs in spec.apis"}
	}
	var res Resolved
	for _, a := range decl.APIs {
		api, err := d.ds.ResolveAPI(ctx, gateway.APIRef{ID: a.ID, Name: a.Name})
		if err != nil {
			if gateway.Classify(err).Scope != gateway.ScopeAPI {
				return res, err
			}
			t := Target{ID: a.ID, Name: a.Name, Err: asError(err)}
			if t.ID == "" {
				t.ID = "name:" + a.Name
			}
			res.Targets = append(res.Targets, t)
			continue
		}
		res.Targets = append(res.Targets, Target{ID: api.ID, Name: api.Name})
	}
	res.Targets = unique(res.Targets)
	return res, nil
}

// Observe reads the publication of each actionable target.
func (d *dataArtsDriver) Observe(ctx context.Context, r Resolved) (Observation, error) {
	obs := Observation{Status: map[string]string{}}
	for _, t := range r.Targets {
		if !t.Actionable() {
			continue
		}
		p, err := d.ds.Publication(ctx, t.ID)
		if err != nil {
			return obs, err
		}
		obs.Status[t.ID] = p.Status
	}
	return obs, nil
}

func (d *dataArtsDriver) Plan(decl Declaration, r Resolved, o Observation, now time.Time) Plan {
	return PlanDataArts(decl.State, r.Targets, o.Status, OfflineTime(decl.OfflineAt, now))
}

// PlanRelease unpublishes what status recorded (known) and every target the cluster shows
// published or stopped: a publish whose status write was lost is not recorded.
func (d *dataArtsDriver) PlanRelease(r Resolved, o Observation, known []string, now time.Time) Plan {
	return PlanDataArtsRelease(r.Targets, o.Status, known, OfflineTime(nil, now))
}

// Act makes each step's call; the pass its answer brings reads the publications again.
// UNPUBLISH refused with DLM.4182 ("illegal action") counts as done only when the API is in
// fact offline or on its way there: the gateway gives the same code for too little notice or
// a caller who is not the reviewer.
func (d *dataArtsDriver) Act(ctx context.Context, _ Resolved, p Plan) (Results, error) {
	results := Results{}
	for _, s := range p.Steps {
		var err error
		switch s.Action {
		case ActPublish:
			err = d.ds.Publish(ctx, s.API)
		case ActOffline:
			err = d.ds.Act(ctx, s.API, gateway.DataUnpublish, s.At)
		case ActSuspend:
			err = d.ds.Act(ctx, s.API, gateway.DataStop, s.At)
		case ActRecover:
			err = d.ds.Act(ctx, s.API, gateway.DataRecover, s.At)
		}
		if err != nil && s.Action == ActOffline && gateway.HasCode(err, gateway.CodeDataIllegal) {
			pub, perr := d.ds.Publication(ctx, s.API)
			if perr != nil {
				return results, perr
			}
			switch pub.Status {
			case "", gateway.DataStatusOffline, gateway.DataStatusWaitingOffline:
				err = nil
			}
		}
		if err != nil {
			if gateway.Classify(err).Scope != gateway.ScopeAPI {
				return results, err
			}
			results[s.API] = Result{Step: s, Outcome: gateway.Outcome{APIID: s.API, Err: asError(err)}}
			continue
		}
		results[s.API] = Result{Step: s, Outcome: gateway.Outcome{APIID: s.API}}
	}
	return results, nil
}
