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
	"fmt"
	"slices"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// PlanAPIG computes the calls that make an APIG environment serve the declared state. It is a
// pure function of the declaration, the targets and the observation: no I/O and no clock.
func PlanAPIG(decl Declaration, targets []Target, obs Observation) Plan {
	plan := Plan{Errs: map[string]*gateway.Error{}, Remark: decl.Remark}
	for _, t := range targets {
		if !t.Actionable() {
			continue
		}
		if err := obs.Errs[t.ID]; err != nil {
			plan.Errs[t.ID] = err
			continue
		}
		live, published := obs.Snapshot.APIs[t.ID]
		drift := decl.WasPublished[t.ID]
		switch {
		case decl.State == Offline:
			if published {
				plan.Steps = append(plan.Steps, Step{API: t.ID, Action: ActOffline})
			}
		case t.Pin != "":
			versions := obs.Versions[t.ID]
			i := slices.IndexFunc(versions, func(v gateway.Version) bool { return v.ID == t.Pin })
			switch {
			case i < 0:
				plan.Errs[t.ID] = &gateway.Error{Op: "switch version", Code: gateway.CodeVersionNotFound,
					Message: fmt.Sprintf("version %s of API %s is not among its versions in the environment "+
						"(the gateway keeps the last 10): pin an existing version or remove the pin", t.Pin, t.Label())}
			case !published || !versions[i].Live:
				plan.Steps = append(plan.Steps, Step{API: t.ID, Action: ActSwitchVersion, Version: t.Pin, Drift: drift})
			}
		case !published && readTooSoon(decl, obs, t.ID):
			// Published a moment ago, by this manager or the one before a restart: the read does
			// not show it yet. Publishing again would make a new version.
			if plan.Unseen == nil {
				plan.Unseen = map[string]bool{}
			}
			plan.Unseen[t.ID] = true
		case !published && missedBefore(decl, obs):
			// The manager before a restart may have published it a moment before it stopped:
			// wait for a read that would show it.
			if plan.Unsure == nil {
				plan.Unsure = map[string]bool{}
			}
			plan.Unsure[t.ID] = true
		case !published:
			plan.Steps = append(plan.Steps, Step{API: t.ID, Action: ActPublish, Drift: drift})
		case decl.FollowDefinition && live.API.UpdateTime.After(live.PublishTime):
			plan.Steps = append(plan.Steps, Step{API: t.ID, Action: ActPublish})
		}
	}
	return plan
}

// missedBefore reports whether the snapshot may miss what a manager before this one did
// with the declaration: it was read too soon after this one started, and the declaration
// was made before that (creationTimestamp has seconds: the second of the start counts).
func missedBefore(decl Declaration, obs Observation) bool {
	s := obs.Snapshot
	return s != nil && !s.MissesBefore.IsZero() && !decl.Created.After(s.MissesBefore)
}

// readTooSoon reports whether the snapshot was read within ReadLag of the API's publication.
func readTooSoon(decl Declaration, obs Observation, id string) bool {
	at, ok := decl.PublishedAt[id]
	return ok && obs.Snapshot != nil && obs.Snapshot.Taken.Sub(at) < ReadLag
}

// PlanAPIGRelease takes offline the APIs recorded as published (known), whatever a possibly
// stale snapshot says (the gateway's "not published" answer counts as done), and the
// resolved targets the snapshot shows live: a publish that landed just before a crash is not
// recorded yet. APIs another object shares are the caller's to remove from the plan.
func PlanAPIGRelease(targets []Target, snap *gateway.Snapshot, known []string) Plan {
	return releasePlan(targets, known, time.Time{}, func(t Target) bool {
		if snap == nil {
			return false
		}
		_, live := snap.APIs[t.ID]
		return live
	})
}

// releasePlan takes offline, once each and effective at, the known APIs and the targets
// without error that live says the gateway serves.
func releasePlan(targets []Target, known []string, at time.Time, live func(Target) bool) Plan {
	plan := Plan{}
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			plan.Steps = append(plan.Steps, Step{API: id, Action: ActOffline, At: at})
		}
	}
	for _, id := range known {
		add(id)
	}
	for _, t := range targets {
		if t.Err == nil && live(t) {
			add(t.ID)
		}
	}
	return plan
}
