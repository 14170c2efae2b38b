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

package controller

import (
	"fmt"
	"slices"
	"time"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// API states recorded in status.apis[].state.
const (
	stateWaitingOffline = "WaitingOffline"
	stateWaitingStop    = "WaitingStop"
	stateWaitingReview  = "WaitingForReview"
	stateNotPublished   = "NotPublished"
	stateRejected       = "RejectedByReviewer"
)

// target is one API the spec resolved to, with what the gateway serves for it.
type target struct {
	ID   string
	Name string
	// Pin is the version the spec pins, if any.
	Pin string
	// Err is why the API could not be resolved or acted on; it is reported, not acted on.
	Err *gateway.Error
	// Owner names an older ApiPublication that claims this API in the same environment.
	Owner string
}

// apigObservation is what a pass read from an APIG gateway.
type apigObservation struct {
	Snapshot *gateway.Snapshot
	// Versions holds the versions in the environment of each pinned API.
	Versions map[string][]gateway.Version
	// WasPublished lists the APIs the previous status recorded in the declared Published state,
	// so that their absence now is drift.
	WasPublished map[string]bool
}

// apigPlan is what a pass does on an APIG gateway.
type apigPlan struct {
	Publish []string
	Offline []string
	// Switch maps API IDs to the version to make live.
	Switch map[string]string
	// Drift lists the APIs put back after a change made on the gateway.
	Drift []string
	// Errs are per-API problems found while planning (a pinned version that does not exist).
	Errs map[string]*gateway.Error
}

// Empty reports whether the plan makes no gateway call.
func (p apigPlan) Empty() bool {
	return len(p.Publish) == 0 && len(p.Offline) == 0 && len(p.Switch) == 0
}

// planAPIG computes the calls that make the environment serve the declared state. It is a pure
// function of the spec and the observation: no I/O and no clock.
func planAPIG(spec v1alpha1.ApiPublicationSpec, targets []target, obs apigObservation) apigPlan {
	plan := apigPlan{Switch: map[string]string{}, Errs: map[string]*gateway.Error{}}
	for _, t := range targets {
		if t.Err != nil || t.Owner != "" {
			continue
		}
		live, published := obs.Snapshot.APIs[t.ID]
		switch {
		case spec.State == v1alpha1.StateOffline:
			if published {
				plan.Offline = append(plan.Offline, t.ID)
			}
		case t.Pin != "":
			versions := obs.Versions[t.ID]
			i := slices.IndexFunc(versions, func(v gateway.Version) bool { return v.ID == t.Pin })
			switch {
			case i < 0:
				plan.Errs[t.ID] = &gateway.Error{Op: "switch version", HTTPStatus: 404, Code: gateway.CodeVersionNotFound,
					Message: fmt.Sprintf("version %s of API %s is not among its versions in the environment "+
						"(the gateway keeps the last 10): pin an existing version or remove the pin", t.Pin, t.label())}
			case !published || !versions[i].Live:
				plan.Switch[t.ID] = t.Pin
				if obs.WasPublished[t.ID] {
					plan.Drift = append(plan.Drift, t.ID)
				}
			}
		case !published:
			plan.Publish = append(plan.Publish, t.ID)
			if obs.WasPublished[t.ID] {
				plan.Drift = append(plan.Drift, t.ID)
			}
		case spec.Versioning == v1alpha1.VersioningFollowDefinition && live.API.UpdateTime.After(live.PublishTime):
			plan.Publish = append(plan.Publish, t.ID)
		}
	}
	return plan
}

func (t target) label() string {
	if t.Name != "" {
		return t.Name
	}
	return t.ID
}

// dataStep is the DataArts call that moves one API towards the declared state.
type dataStep struct {
	APIID  string
	Action string // "publish", or a gateway.DataAction
	At     time.Time
}

// dataArtsWait says that an API waits for the gateway: a scheduled action or a review.
type dataArtsWait struct {
	State string
}

// planDataArts computes the DataArts calls for each API from its publication status. now is an
// input, not read here, so that the plan stays pure; at is when UNPUBLISH and STOP take effect.
// An API the spec names twice (by ID and by name) gets one step: a second publish of it would
// fail as already published.
func planDataArts(state v1alpha1.PublicationState, targets []target, status map[string]string,
	at time.Time) (steps []dataStep, waits map[string]dataArtsWait) {
	waits = map[string]dataArtsWait{}
	planned := map[string]bool{}
	for _, t := range targets {
		if t.Err != nil || t.Owner != "" || planned[t.ID] {
			continue
		}
		planned[t.ID] = true
		s := status[t.ID]
		switch s {
		case gateway.DataStatusPublishWaitReview, gateway.DataStatusRecoverWaitReview:
			waits[t.ID] = dataArtsWait{State: stateWaitingReview}
			continue
		case gateway.DataStatusWaitingOffline:
			waits[t.ID] = dataArtsWait{State: stateWaitingOffline}
			continue
		case gateway.DataStatusWaitingStop:
			waits[t.ID] = dataArtsWait{State: stateWaitingStop}
			continue
		}
		switch state {
		case v1alpha1.StatePublished:
			switch s {
			case "", gateway.DataStatusCreated, gateway.DataStatusOffline:
				steps = append(steps, dataStep{APIID: t.ID, Action: "publish"})
			case gateway.DataStatusPublishReject:
				// A reviewer said no: publishing again would only ask again, every pass.
				waits[t.ID] = dataArtsWait{State: stateRejected}
			case gateway.DataStatusStopped:
				steps = append(steps, dataStep{APIID: t.ID, Action: string(gateway.DataRecover)})
			}
		case v1alpha1.StateOffline:
			if s == gateway.DataStatusPublished || s == gateway.DataStatusStopped {
				steps = append(steps, dataStep{APIID: t.ID, Action: string(gateway.DataUnpublish), At: at})
			}
		case v1alpha1.StateSuspended:
			switch s {
			case gateway.DataStatusPublished:
				steps = append(steps, dataStep{APIID: t.ID, Action: string(gateway.DataStop), At: at})
			case "", gateway.DataStatusCreated, gateway.DataStatusOffline:
				// Only a published API can be stopped: publish it first, stop it next pass.
				steps = append(steps, dataStep{APIID: t.ID, Action: "publish"})
			}
		}
	}
	return steps, waits
}

// dataArtsNotice is the DataArts rule: UNPUBLISH and STOP need 48 hours' notice. The margin
// covers the time between computing the time and the call landing (a throttled gateway can
// hold calls for minutes), so that the gateway never sees less than 48 hours.
const (
	dataArtsNotice = 48 * time.Hour
	noticeMargin   = 15 * time.Minute
)

// offlineTime is when a DataArts UNPUBLISH or STOP should take effect: spec.offlineAt when it
// gives at least 48 hours' notice, otherwise the next whole hour 48 hours from now.
func offlineTime(offlineAt *time.Time, now time.Time) time.Time {
	earliest := now.Add(dataArtsNotice + noticeMargin).UTC()
	if rounded := earliest.Truncate(time.Hour); rounded.Before(earliest) {
		earliest = rounded.Add(time.Hour)
	}
	if offlineAt != nil {
		at := offlineAt.UTC()
		if rounded := at.Truncate(time.Hour); rounded.Before(at) {
			at = rounded.Add(time.Hour) // the gateway takes whole hours
		}
		if !at.Before(earliest) {
			return at
		}
	}
	return earliest
}
