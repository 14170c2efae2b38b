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
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// apigStatus builds status.apis from what the gateway serves and what this pass did: status
// comes from observation and the gateway's answers, never from intent.
func apigStatus(pub *v1alpha1.ApiPublication, targets []target, obs apigObservation, plan apigPlan,
	done apigDone) []v1alpha1.ApiPublicationApiStatus {
	previous := map[string]v1alpha1.ApiPublicationApiStatus{}
	for _, a := range pub.Status.APIs {
		previous[a.ID] = a
	}
	out := make([]v1alpha1.ApiPublicationApiStatus, 0, len(targets))
	for _, t := range targets {
		e := v1alpha1.ApiPublicationApiStatus{ID: t.ID, Name: t.Name, State: stateNotPublished}
		if live, ok := obs.Snapshot.APIs[t.ID]; ok {
			e.State, e.PublishID, e.PublishTime = string(v1alpha1.StatePublished), live.PublishID, timePtr(live.PublishTime)
			if e.Name == "" {
				e.Name = live.API.Name
			}
			// The live version is known for pinned APIs, and kept from the status while the
			// publication record is the same one.
			for _, v := range obs.Versions[t.ID] {
				if v.Live {
					e.VersionID = v.ID
				}
			}
			if p, ok := previous[t.ID]; ok && e.VersionID == "" && p.PublishID == live.PublishID {
				e.VersionID = p.VersionID
			}
		}
		if o, ok := done.outcomes[t.ID]; ok {
			switch {
			case o.Err != nil:
				e.Error = apiError(o.Err)
			case done.offline[t.ID]:
				e.State, e.VersionID, e.PublishID, e.PublishTime = string(v1alpha1.StateOffline), "", "", nil
			default:
				e.State, e.VersionID, e.PublishID = string(v1alpha1.StatePublished), o.VersionID, o.PublishID
				e.PublishTime = timePtr(o.PublishTime)
				if o.APIName != "" {
					e.Name = o.APIName
				}
			}
		}
		if pub.Spec.State == v1alpha1.StateOffline && e.State == stateNotPublished {
			e.State = string(v1alpha1.StateOffline)
		}
		switch {
		case t.Err != nil:
			e.Error = apiError(t.Err)
		case plan.Errs[t.ID] != nil:
			e.Error = apiError(plan.Errs[t.ID])
		case t.Owner != "":
			e.Error = &v1alpha1.ApiError{Code: v1alpha1.ReasonConflict,
				Message: fmt.Sprintf("ApiPublication %s, which is older, already declares this API in this environment", t.Owner)}
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// dataArtsStatus builds status.apis for a DataArts publication.
func dataArtsStatus(pub *v1alpha1.ApiPublication, targets []target, status map[string]string,
	waits map[string]dataArtsWait, errs map[string]*gateway.Error, scheduled map[string]time.Time) []v1alpha1.ApiPublicationApiStatus {
	previous := map[string]v1alpha1.ApiPublicationApiStatus{}
	for _, a := range pub.Status.APIs {
		previous[a.ID] = a
	}
	out := make([]v1alpha1.ApiPublicationApiStatus, 0, len(targets))
	for _, t := range targets {
		e := v1alpha1.ApiPublicationApiStatus{ID: t.ID, Name: t.Name, State: dataState(status[t.ID])}
		if w, ok := waits[t.ID]; ok {
			e.State = w.State
		}
		if at, ok := scheduled[t.ID]; ok {
			e.ScheduledAt = &metav1.Time{Time: at}
		} else if p, ok := previous[t.ID]; ok && (e.State == stateWaitingOffline || e.State == stateWaitingStop) {
			e.ScheduledAt = p.ScheduledAt
		}
		switch {
		case t.Err != nil:
			e.Error = apiError(t.Err)
		case errs[t.ID] != nil:
			e.Error = apiError(errs[t.ID])
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// dataState names a DataArts api_status in the words of spec.state.
func dataState(s string) string {
	switch s {
	case gateway.DataStatusPublished:
		return string(v1alpha1.StatePublished)
	case gateway.DataStatusStopped:
		return string(v1alpha1.StateSuspended)
	case gateway.DataStatusOffline:
		return string(v1alpha1.StateOffline)
	case gateway.DataStatusWaitingOffline:
		return stateWaitingOffline
	case gateway.DataStatusWaitingStop:
		return stateWaitingStop
	case gateway.DataStatusPublishWaitReview, gateway.DataStatusRecoverWaitReview:
		return stateWaitingReview
	default:
		return stateNotPublished
	}
}

func apiError(err *gateway.Error) *v1alpha1.ApiError {
	msg := err.Message
	if msg == "" {
		msg = err.Error()
	}
	return &v1alpha1.ApiError{Code: err.Code, Message: msg}
}

func timePtr(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	return &metav1.Time{Time: t.UTC().Truncate(time.Second)}
}

// summarizePublication is the one place that writes an ApiPublication's conditions, summary
// and observed generation.
func summarizePublication(s *pubScope, err error) {
	pub := s.pub
	if v, ok := pub.Annotations[v1alpha1.ReconcileRequestAnnotation]; ok {
		pub.Status.LastHandledReconcileAt = v
	}
	if s.apis != nil {
		pub.Status.APIs = s.apis
		pub.Status.Summary = summary(pub.Spec.State, s.apis)
	}
	v := publicationVerdict(s, err)
	pub.Status.ObservedGeneration = pub.Generation
	applyVerdict(&pub.Status.Conditions, pub.Generation, v)
}

func summary(state v1alpha1.PublicationState, apis []v1alpha1.ApiPublicationApiStatus) *v1alpha1.ApiPublicationSummary {
	sum := &v1alpha1.ApiPublicationSummary{Total: int32(len(apis))}
	for _, a := range apis {
		switch {
		case a.Error != nil:
			sum.Failed++
		case a.State == string(state):
			sum.Published++
		}
	}
	return sum
}

func publicationVerdict(s *pubScope, err error) verdict {
	pub := s.pub
	switch {
	case s.suspended:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonSuspended,
			message: "Reconciliation is suspended (spec.suspend): no gateway calls are made"}
	case err != nil:
		return errorVerdict(err)
	case s.deleting:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonDeleting, reconciling: true,
			message: "Carrying out deletionPolicy " + string(pub.Spec.DeletionPolicy)}
	}
	var conflicts, failures, waits []string
	var codes []string
	reviews := false
	for _, a := range pub.Status.APIs {
		label := a.Name
		if label == "" {
			label = a.ID
		}
		switch {
		case a.Error != nil && a.Error.Code == v1alpha1.ReasonConflict:
			conflicts = append(conflicts, fmt.Sprintf("%s: %s", label, a.Error.Message))
		case a.Error != nil:
			failures = append(failures, strings.TrimSpace(a.Error.Code+" "+a.Error.Message))
			codes = append(codes, a.Error.Code)
		case a.State == stateRejected:
			failures = append(failures, label+" was rejected by the DataArts reviewer: change it, then request a reconcile")
			codes = append(codes, stateRejected)
		case a.State == stateWaitingReview:
			reviews = true
			waits = append(waits, label+" waits for a reviewer")
		case a.State == stateWaitingOffline || a.State == stateWaitingStop:
			w := label + " is scheduled to go " + map[string]string{stateWaitingOffline: "offline", stateWaitingStop: "suspended"}[a.State]
			if a.ScheduledAt != nil {
				w += " at " + a.ScheduledAt.UTC().Format(time.RFC3339)
			}
			waits = append(waits, w)
		}
	}
	total := len(pub.Status.APIs)
	switch {
	case len(conflicts) > 0:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonConflict, stalled: true,
			message: fmt.Sprintf("%d of %d APIs are declared by another ApiPublication: %s", len(conflicts), total,
				strings.Join(first(conflicts, 5), "; "))}
	case len(failures) > 0:
		reason := v1alpha1.ReasonPartialFailure
		if allSame(codes, gateway.CodeVersionNotFound) {
			reason = v1alpha1.ReasonVersionNotFound
		}
		return verdict{ready: metav1.ConditionFalse, reason: reason, reconciling: true,
			message: fmt.Sprintf("%d of %d APIs failed: %s", len(failures), total, strings.Join(first(failures, 5), "; "))}
	case len(waits) > 0:
		reason := v1alpha1.ReasonWaitingForSchedule
		if reviews {
			reason = v1alpha1.ReasonWaitingForReview
		}
		return verdict{ready: metav1.ConditionFalse, reason: reason, reconciling: true, message: strings.Join(first(waits, 5), "; ")}
	}
	where := pub.Spec.Environment
	if where == "" {
		where = "the DataArts cluster"
	}
	return verdict{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonSucceeded,
		message: fmt.Sprintf("%d APIs %s in %s", total, strings.ToLower(string(pub.Spec.State)), where)}
}

// errorVerdict turns the error of a whole pass into a verdict, by class.
func errorVerdict(err error) verdict {
	var pe *passError
	if errors.As(err, &pe) {
		v := verdict{ready: metav1.ConditionFalse, reason: pe.reason, message: pe.msg}
		if pe.class == gateway.Terminal {
			v.stalled = true
		} else {
			v.reconciling = true
		}
		return v
	}
	class, delay := gateway.Classify(err)
	switch {
	case gateway.IsAuth(err):
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonAuthenticationFailed, stalled: true,
			message: fmt.Sprintf("%v: fix the credentials of the ApiGateway", err)}
	case class == gateway.Waiting && gateway.HasCode(err, gateway.CodeThrottled, gateway.CodeTooManyRequests):
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonRateLimited, reconciling: true,
			message: fmt.Sprintf("%v; calls to this gateway resume in %s", err, delay)}
	case gateway.HasCode(err, gateway.CodeEnvNotFound):
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonEnvironmentNotFound, reconciling: true,
			message: fmt.Sprintf("%v: create the environment or fix spec.environment", err)}
	case class == gateway.Terminal:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayError, stalled: true, message: err.Error()}
	case class == gateway.Waiting:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayError, reconciling: true,
			message: fmt.Sprintf("%v; trying again in %s", err, delay)}
	default:
		return verdict{ready: metav1.ConditionUnknown, reason: v1alpha1.ReasonGatewayUnreachable, reconciling: true,
			message: fmt.Sprintf("%v; retrying", err)}
	}
}

func first(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(items[:n:n], fmt.Sprintf("and %d more", len(items)-n))
}

func allSame(codes []string, code string) bool {
	for _, c := range codes {
		if c != code {
			return false
		}
	}
	return len(codes) > 0
}
