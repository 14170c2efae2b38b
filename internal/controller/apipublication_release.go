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
	"context"
	"fmt"
	"slices"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// Releases: an object is responsible for the APIs its spec declares now and for those it
// published and has not released yet. What leaves the declaration (a line removed from
// spec.apis, an API gone from the group, a change of environment or gateway) is recorded in
// status.releasing, so a restart loses nothing, and taken offline where it was published under
// deletionPolicy Offline, unless another object declares it there.

// publishedState reports whether a status.apis state means the object has the API published.
func publishedState(state string) bool {
	switch state {
	case string(v1alpha1.StatePublished), string(v1alpha1.StateSuspended), stateWaitingStop:
		return true
	}
	return false
}

// moveReleases brings status.releasing up to date for this pass: it keeps the entries from
// before and moves there the status.apis entries recorded as published that the targets at
// loc no longer include; entries declared again where they are leave it. status.apis then
// holds only what is still declared, so its location can move with the spec.
func moveReleases(pub *v1alpha1.ApiPublication, loc location, targets []driver.Target) []v1alpha1.ApiRelease {
	declared := map[string]bool{}
	for _, t := range targets {
		declared[loc.key(t.ID)] = true
	}
	prev := location{instance: pub.Status.Instance, gateway: pub.Status.Gateway, envID: pub.Status.EnvironmentID}
	if prev.instance == "" {
		prev = loc // a status written before locations were recorded: the APIs are where the spec says
	}
	var out []v1alpha1.ApiRelease
	seen := map[string]bool{}
	add := func(rel v1alpha1.ApiRelease) {
		k := location{instance: rel.Instance, envID: rel.EnvironmentID}.key(rel.ID)
		if !declared[k] && !seen[k] {
			seen[k] = true
			out = append(out, rel)
		}
	}
	for _, rel := range pub.Status.Releasing {
		add(rel)
	}
	pub.Status.APIs = slices.DeleteFunc(pub.Status.APIs, func(a v1alpha1.ApiPublicationApiStatus) bool {
		if publishedState(a.State) && !declared[prev.key(a.ID)] {
			add(v1alpha1.ApiRelease{ID: a.ID, Name: a.Name, Gateway: prev.gateway, Instance: prev.instance, EnvironmentID: prev.envID})
		}
		return !declared[prev.key(a.ID)]
	})
	return out
}

// releaseBatch is how the pending releases at one place would be taken offline.
type releaseBatch struct {
	group []v1alpha1.ApiRelease
	conn  *driver.Conn
	res   driver.Resolved
	// plan takes offline the releases no other object declares there.
	plan driver.Plan
}

// planReleases works out, with reads only, how the pending releases would be taken offline
// where they were published: a batch per place, and the releases whose gateway cannot be
// reached, each with why. An API another object declares there gets no step: it is released
// without a call. With deletionPolicy Retain everything is released untouched.
func (r *ApiPublicationReconciler) planReleases(ctx context.Context, s *pubScope,
	pending []v1alpha1.ApiRelease) (batches []releaseBatch, blocked []v1alpha1.ApiRelease, err error) {
	if len(pending) == 0 || s.pub.Spec.DeletionPolicy == v1alpha1.DeletionPolicyRetain {
		return nil, nil, nil
	}
	for _, group := range byPlace(pending) {
		loc := location{instance: group[0].Instance, gateway: group[0].Gateway, envID: group[0].EnvironmentID}
		ids := make([]string, len(group))
		for i, rel := range group {
			ids[i] = rel.ID
		}
		shared, err := r.sharers(ctx, s, loc, ids)
		if err != nil {
			return nil, nil, err
		}
		conn := s.conn
		if loc.gateway != refKey(s.pub.Spec.GatewayRef) || conn == nil {
			if _, conn, err = r.Connections.ForRef(ctx, r.Client, s.pub.Namespace, refOfKey(loc.gateway)); err != nil {
				for _, rel := range group {
					rel.Error = &v1alpha1.ApiError{Code: v1alpha1.ReasonGatewayNotReady, Message: fmt.Sprintf(
						"cannot take it offline where it was published: %v; set spec.deletionPolicy to Retain to leave it", err)}
					blocked = append(blocked, rel)
				}
				continue
			}
		}
		res := driver.Resolved{EnvID: loc.envID}
		plan := conn.Driver.PlanRelease(res, driver.Observation{}, ids, r.Now.now()).
			Without(func(st driver.Step) bool { return shared[st.API] != "" })
		batches = append(batches, releaseBatch{group: group, conn: conn, res: res, plan: plan})
	}
	return batches, blocked, nil
}

// pendingReleases is what Observe reports of planned releases: those Manage would take
// offline, marked Release, and those it cannot reach; shared ones are released.
func pendingReleases(batches []releaseBatch, blocked []v1alpha1.ApiRelease) []v1alpha1.ApiRelease {
	var out []v1alpha1.ApiRelease
	for _, b := range batches {
		for _, rel := range b.group {
			if slices.Contains(b.plan.IDs(driver.ActOffline), rel.ID) {
				rel.Action = v1alpha1.ActionRelease
				out = append(out, rel)
			}
		}
	}
	for _, rel := range blocked {
		rel.Action = v1alpha1.ActionRelease
		out = append(out, rel)
	}
	return out
}

// actReleases takes the batches offline and returns the releases still pending: the blocked
// ones and those the gateway refused, with its answer, tried again next pass. On an error
// concerning a whole gateway, everything stays pending.
func (r *ApiPublicationReconciler) actReleases(ctx context.Context, s *pubScope, pending []v1alpha1.ApiRelease,
	batches []releaseBatch, blocked []v1alpha1.ApiRelease) ([]v1alpha1.ApiRelease, error) {
	left := blocked
	for _, b := range batches {
		var results driver.Results
		if !b.plan.Empty() {
			var err error
			ctrl.LoggerFrom(ctx).Info("Taking APIs that left the spec offline", "gateway", b.group[0].Gateway,
				"environment", b.res.EnvID, "count", len(b.plan.Steps))
			if results, err = b.conn.Driver.Act(ctx, b.res, b.plan); err != nil {
				return pending, err
			}
		}
		for _, rel := range b.group {
			out, acted := results[rel.ID]
			if acted && out.Err != nil && !gateway.Classify(out.Err).NotFound {
				rel.Error = apiError(out.Err)
				left = append(left, rel)
			}
		}
		r.recordLanded(s.pub, results, " (it left the spec)")
	}
	return left, nil
}

// release takes the pending releases offline where they were published (planReleases, then
// actReleases), and returns those still pending.
func (r *ApiPublicationReconciler) release(ctx context.Context, s *pubScope, pending []v1alpha1.ApiRelease) ([]v1alpha1.ApiRelease, error) {
	batches, blocked, err := r.planReleases(ctx, s, pending)
	if err != nil {
		return pending, err
	}
	return r.actReleases(ctx, s, pending, batches, blocked)
}

// byPlace groups releases by ApiGateway and environment, in their order.
func byPlace(rels []v1alpha1.ApiRelease) [][]v1alpha1.ApiRelease {
	var groups [][]v1alpha1.ApiRelease
	for _, rel := range rels {
		i := slices.IndexFunc(groups, func(g []v1alpha1.ApiRelease) bool {
			return g[0].Gateway == rel.Gateway && g[0].EnvironmentID == rel.EnvironmentID && g[0].Instance == rel.Instance
		})
		if i < 0 {
			groups = append(groups, nil)
			i = len(groups) - 1
		}
		groups[i] = append(groups[i], rel)
	}
	return groups
}
