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
	"errors"
	"fmt"
	"slices"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// reconcileDelete carries out the deletion policy, then releases the object. A gateway that is
// gone or refuses keeps the finalizer with the reason; deletionPolicy Retain releases it.
func (r *ApiPublicationReconciler) reconcileDelete(ctx context.Context, s *pubScope) error {
	pub := s.pub
	if !controllerutil.ContainsFinalizer(pub, v1alpha1.Finalizer) {
		return nil
	}
	// An object that only observes never touches the gateway, not even on deletion.
	if !pub.Spec.Suspend && !observing(pub) && pub.Spec.DeletionPolicy != v1alpha1.DeletionPolicyRetain {
		if pending := r.inflight.pending(pub.UID); pending > 0 {
			// A publish of this object is still in flight: deciding now would miss what it
			// publishes. Its landing brings the object back.
			s.inFlight = pending
			return nil
		}
		if err := r.takeOffline(ctx, s); err != nil {
			return err
		}
	}
	if err := releaseFinalizer(ctx, r.Client, pub, s.before); err != nil {
		return err
	}
	s.released = true
	return nil
}

// takeOffline takes offline the APIs this object published, except those another
// ApiPublication also declares in the same environment. It asks the gateway rather than
// trusting status alone: a publish that landed just before the manager was killed is not in
// status yet.
func (r *ApiPublicationReconciler) takeOffline(ctx context.Context, s *pubScope) error {
	pub := s.pub
	var known []string
	for _, a := range pub.Status.APIs {
		if a.State == string(v1alpha1.StatePublished) || a.State == string(v1alpha1.StateSuspended) {
			known = append(known, a.ID)
		}
	}
	if err := r.connect(ctx, s); err != nil {
		if len(known) == 0 && hasReason(err, v1alpha1.ReasonGatewayNotFound) {
			return nil // nothing published as far as this object knows, and no gateway to ask
		}
		return deletionBlocked(err)
	}
	// What left the spec earlier and is still pending goes first, wherever it is.
	left, err := r.release(ctx, s, pub.Status.Releasing)
	switch {
	case err != nil:
		return deletionBlocked(err)
	case len(left) > 0:
		return deletionBlocked(fmt.Errorf("%d APIs that left the spec earlier could not be taken offline: %s",
			len(left), left[0].Error.Message))
	}
	d := s.conn.Driver
	resolved, err := d.Resolve(ctx, declarationOf(pub, s.gw))
	var invalid *driver.InvalidDeclaration
	switch {
	case gateway.HasCode(err, gateway.CodeEnvNotFound):
		return nil // an environment that is gone serves nothing
	case gateway.HasCode(err, gateway.CodeGroupNotFound), errors.As(err, &invalid):
		// a group that is gone has no APIs left to take offline; what status knows still goes
	case err != nil:
		return deletionBlocked(err)
	}
	loc := location{instance: instanceKey(s.gw), gateway: refKey(pub.Spec.GatewayRef), envID: resolved.EnvID}
	for _, id := range known {
		if !slices.ContainsFunc(resolved.Targets, func(t driver.Target) bool { return t.ID == id }) {
			resolved.Targets = append(resolved.Targets, driver.Target{ID: id})
		}
	}
	obs, err := d.Observe(ctx, resolved)
	if err != nil {
		return deletionBlocked(err)
	}
	plan := d.PlanRelease(resolved, obs, known, r.Now.now())
	shared, err := r.sharers(ctx, s, loc, plan.IDs(driver.ActOffline))
	if err != nil {
		return err
	}
	plan = plan.Without(func(st driver.Step) bool { return shared[st.API] != "" })
	if plan.Empty() {
		return nil
	}
	ctrl.LoggerFrom(ctx).Info("Taking APIs offline before deletion", "environment", pub.Spec.Environment, "count", len(plan.Steps))
	results, err := d.Act(ctx, resolved, plan)
	if err != nil {
		return deletionBlocked(err)
	}
	for _, res := range results {
		if res.Err != nil && !gateway.Classify(res.Err).NotFound {
			return deletionBlocked(res.Err)
		}
	}
	r.recordLanded(pub, results, " before deletion")
	return nil
}

// deletionBlocked explains that the finalizer stays, and how to release it. A transient
// failure is retried with the workqueue's backoff, so one lost call costs a moment, not a
// minute; a refusal is tried again every minute, in case it was lifted.
func deletionBlocked(err error) error {
	const kept = "The object is kept until this succeeds, %s; set spec.deletionPolicy to Retain to delete it " +
		"without touching the gateway"
	o := outcomeOf(err)
	reason := v1alpha1.ReasonDeleting
	switch {
	case isPassError(err):
		reason = o.reason
	case o.class == gateway.Transient:
		reason = v1alpha1.ReasonGatewayUnreachable
	}
	if o.class == gateway.Transient {
		retry := fmt.Sprintf("tried again with backoff, at least every %s", retryMaxDelay)
		return retrying(reason, fmt.Errorf("cannot take the APIs offline before deletion: the gateway cannot be "+
			"reached (%w). "+kept, err, retry))
	}
	delay, retry := o.delay, fmt.Sprintf("tried again in %s", o.delay)
	if o.class == gateway.Terminal {
		// A refusal may be lifted: look again now and then.
		delay, retry = gateway.NotFoundDelay, fmt.Sprintf("tried again every %s", gateway.NotFoundDelay)
	}
	return waiting(reason, delay, fmt.Errorf("cannot take the APIs offline before deletion: %w. "+kept, err, retry))
}
