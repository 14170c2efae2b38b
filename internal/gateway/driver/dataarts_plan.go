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
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// PlanDataArts computes the DataArts calls for each API from its publication status. It is
// pure; at is when UNPUBLISH and STOP take effect (see OfflineTime). An API the declaration
// names twice (by ID and by name) gets one step: a second publish of it would fail as
// already published.
func PlanDataArts(state State, targets []Target, status map[string]string, at time.Time) Plan {
	plan := Plan{Waits: map[string]string{}, Errs: map[string]*gateway.Error{}}
	planned := map[string]bool{}
	step := func(id string, a Action, at time.Time) {
		plan.Steps = append(plan.Steps, Step{API: id, Action: a, At: at})
	}
	for _, t := range targets {
		if !t.Actionable() || planned[t.ID] {
			continue
		}
		planned[t.ID] = true
		s := status[t.ID]
		switch s {
		case gateway.DataStatusPublishWaitReview, gateway.DataStatusRecoverWaitReview:
			plan.Waits[t.ID] = WaitingReview
			continue
		case gateway.DataStatusWaitingOffline:
			plan.Waits[t.ID] = WaitingOffline
			continue
		case gateway.DataStatusWaitingStop:
			plan.Waits[t.ID] = WaitingStop
			continue
		}
		switch state {
		case Published:
			switch s {
			case "", gateway.DataStatusCreated, gateway.DataStatusOffline:
				step(t.ID, ActPublish, time.Time{})
			case gateway.DataStatusPublishReject:
				// A reviewer said no: publishing again would only ask again, every pass.
				plan.Waits[t.ID] = Rejected
			case gateway.DataStatusStopped:
				step(t.ID, ActRecover, time.Time{})
			}
		case Offline:
			if s == gateway.DataStatusPublished || s == gateway.DataStatusStopped {
				step(t.ID, ActOffline, at)
			}
		case Suspended:
			switch s {
			case gateway.DataStatusPublished:
				step(t.ID, ActSuspend, at)
			case "", gateway.DataStatusCreated, gateway.DataStatusOffline:
				// Only a published API can be stopped: publish it first, stop it next pass.
				step(t.ID, ActPublish, time.Time{})
			}
		}
	}
	return plan
}

// PlanDataArtsRelease schedules UNPUBLISH at for the APIs recorded as published (known) and for
// each target the cluster shows published, stopped or about to stop.
func PlanDataArtsRelease(targets []Target, status map[string]string, known []string, at time.Time) Plan {
	return releasePlan(targets, known, at, func(t Target) bool {
		switch status[t.ID] {
		case gateway.DataStatusPublished, gateway.DataStatusStopped, gateway.DataStatusWaitingStop:
			return true
		}
		return false
	})
}

// The DataArts rule: UNPUBLISH and STOP need 48 hours' notice. The margin covers the time
// between computing the time and the call landing (a throttled gateway can hold calls for
// minutes), so that the gateway never sees less than 48 hours.
const (
	dataArtsNotice = 48 * time.Hour
	noticeMargin   = 15 * time.Minute
)

// OfflineTime is when a DataArts UNPUBLISH or STOP should take effect: offlineAt when it
// gives at least 48 hours' notice, otherwise the next whole hour 48 hours from now.
func OfflineTime(offlineAt *time.Time, now time.Time) time.Time {
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
