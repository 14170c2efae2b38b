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
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// API states recorded in status.apis[].state besides the declared ones.
const (
	stateWaitingOffline = driver.WaitingOffline
	stateWaitingStop    = driver.WaitingStop
	stateWaitingReview  = driver.WaitingReview
	stateRejected       = driver.Rejected
	stateNotPublished   = "NotPublished"
)

// publicationStatus builds status.apis from what the gateway serves and what the calls that
// just landed answered: status comes from observation and the gateway's answers, never from
// intent.
func publicationStatus(pub *v1alpha1.ApiPublication, provider driver.Provider, targets []driver.Target, obs driver.Observation,
	plan driver.Plan, landed driver.Results) []v1alpha1.ApiPublicationApiStatus {
	previous := map[string]v1alpha1.ApiPublicationApiStatus{}
	for _, a := range pub.Status.APIs {
		previous[a.ID] = a
	}
	out := make([]v1alpha1.ApiPublicationApiStatus, 0, len(targets))
	for _, t := range targets {
		var e v1alpha1.ApiPublicationApiStatus
		if provider == driver.DataArts {
			e = dataArtsAPIStatus(t, obs, plan, landed, previous[t.ID])
		} else {
			e = apigAPIStatus(pub.Spec.State, t, obs, landed, previous[t.ID], plan.Unseen[t.ID])
		}
		switch {
		case t.Err != nil:
			e.Error = apiError(t.Err)
		case plan.Errs[t.ID] != nil:
			e.Error = apiError(plan.Errs[t.ID])
		case t.Owner != "":
			e.Error = &v1alpha1.ApiError{Code: v1alpha1.ReasonConflict,
				Message: fmt.Sprintf("ApiPublication %s, which is older, declares this API in this environment of the same "+
					"gateway instance in another state or version; it keeps it, and no call is made for it here", t.Owner)}
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// withActions marks each entry with the step the plan has for its API: what Manage would do.
func withActions(apis []v1alpha1.ApiPublicationApiStatus, plan driver.Plan) []v1alpha1.ApiPublicationApiStatus {
	steps := map[string]driver.Step{}
	for _, st := range plan.Steps {
		steps[st.API] = st
	}
	for i := range apis {
		if st, ok := steps[apis[i].ID]; ok {
			apis[i].Action, apis[i].TargetVersionID = v1alpha1.PendingAction(st.Action), st.Version
		}
	}
	return apis
}

// apigAPIStatus is one API's entry on an APIG gateway.
func apigAPIStatus(state v1alpha1.PublicationState, t driver.Target, obs driver.Observation, landed driver.Results,
	previous v1alpha1.ApiPublicationApiStatus, unseen bool) v1alpha1.ApiPublicationApiStatus {
	e := v1alpha1.ApiPublicationApiStatus{ID: t.ID, Name: t.Name, State: stateNotPublished}
	if unseen {
		// Published a moment ago and not shown by the read yet: as the publish answered.
		e.State, e.VersionID, e.PublishID, e.PublishTime = previous.State, previous.VersionID, previous.PublishID, previous.PublishTime
	}
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
		if e.VersionID == "" && previous.PublishID == live.PublishID {
			e.VersionID = previous.VersionID
		}
	}
	if res, ok := landed[t.ID]; ok {
		switch {
		case res.Err != nil:
			e.Error = apiError(res.Err)
		case res.Action == driver.ActOffline:
			e.State, e.VersionID, e.PublishID, e.PublishTime = string(v1alpha1.StateOffline), "", "", nil
		default:
			e.State, e.VersionID, e.PublishID = string(v1alpha1.StatePublished), res.VersionID, res.PublishID
			e.PublishTime = timePtr(res.PublishTime)
			if res.APIName != "" {
				e.Name = res.APIName
			}
		}
	}
	if state == v1alpha1.StateOffline && e.State == stateNotPublished {
		e.State = string(v1alpha1.StateOffline)
	}
	return e
}

// dataArtsAPIStatus is one API's entry on a DataArts cluster.
func dataArtsAPIStatus(t driver.Target, obs driver.Observation, plan driver.Plan, landed driver.Results,
	previous v1alpha1.ApiPublicationApiStatus) v1alpha1.ApiPublicationApiStatus {
	e := v1alpha1.ApiPublicationApiStatus{ID: t.ID, Name: t.Name, State: dataState(obs.Status[t.ID])}
	if w, ok := plan.Waits[t.ID]; ok {
		e.State = w
	}
	res, ok := landed[t.ID]
	switch {
	case ok && res.Err != nil:
		e.Error = apiError(res.Err)
	case ok && !res.At.IsZero():
		e.ScheduledAt = &metav1.Time{Time: res.At}
	case e.State == stateWaitingOffline || e.State == stateWaitingStop:
		e.ScheduledAt = previous.ScheduledAt
	}
	return e
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
	}
	if s.location.instance != "" {
		// Written as soon as the pass knows it, so that other objects see the claim before
		// any call of this one lands.
		pub.Status.Instance, pub.Status.Gateway, pub.Status.EnvironmentID = s.location.instance, s.location.gateway, s.location.envID
	}
	if s.releasingSet {
		pub.Status.Releasing = s.releasing
	}
	if !observing(pub) {
		clearActions(&pub.Status) // what Observe listed last is moot once Manage acts
	}
	if pub.Status.APIs != nil || s.apis != nil {
		pub.Status.Summary = summary(pub.Spec.State, pub.Status.APIs, pub.Status.Releasing)
	}
	v := publicationVerdict(s, err)
	pub.Status.ObservedGeneration = pub.Generation
	applyVerdict(&pub.Status.Conditions, pub.Generation, v)
}

func summary(state v1alpha1.PublicationState, apis []v1alpha1.ApiPublicationApiStatus,
	releasing []v1alpha1.ApiRelease) *v1alpha1.ApiPublicationSummary {
	sum := &v1alpha1.ApiPublicationSummary{Total: int32(len(apis))}
	pending := func(a v1alpha1.PendingAction) {
		if a == "" {
			return
		}
		if sum.Actions == nil {
			sum.Actions = map[v1alpha1.PendingAction]int32{}
		}
		sum.Actions[a]++
		sum.OutOfSync++
	}
	for _, a := range apis {
		switch {
		case a.Error != nil:
			sum.Failed++
		case a.State == string(state):
			sum.Published++
		}
		pending(a.Action)
	}
	for _, rel := range releasing {
		pending(rel.Action)
	}
	return sum
}

// clearActions removes the pending actions an Observe pass recorded.
func clearActions(st *v1alpha1.ApiPublicationStatus) {
	for i := range st.APIs {
		st.APIs[i].Action, st.APIs[i].TargetVersionID = "", ""
	}
	for i := range st.Releasing {
		st.Releasing[i].Action = ""
	}
}

// pendingMessage says what Manage would do, as "would publish 2, take offline 1, switch 1".
func pendingMessage(sum *v1alpha1.ApiPublicationSummary) string {
	words := []struct {
		action v1alpha1.PendingAction
		verb   string
	}{
		{v1alpha1.ActionPublish, "publish"}, {v1alpha1.ActionOffline, "take offline"},
		{v1alpha1.ActionSwitchVersion, "switch"}, {v1alpha1.ActionSuspend, "suspend"},
		{v1alpha1.ActionRecover, "recover"}, {v1alpha1.ActionRelease, "release"},
	}
	var parts []string
	for _, w := range words {
		if n := sum.Actions[w.action]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", w.verb, n))
		}
	}
	return "would " + strings.Join(parts, ", ")
}

func publicationVerdict(s *pubScope, err error) verdict {
	pub := s.pub
	switch {
	case s.suspended:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonSuspended,
			message: "Reconciliation is suspended (spec.suspend): no gateway calls are made"}
	case err != nil:
		return outcomeOf(err).verdict
	case s.deleting:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonDeleting, reconciling: true,
			message: "Carrying out deletionPolicy " + string(pub.Spec.DeletionPolicy)}
	case s.inFlight > 0:
		return verdict{ready: metav1.ConditionUnknown, reason: v1alpha1.ReasonPublishing, reconciling: true,
			message: fmt.Sprintf("%d APIs in flight to the gateway", s.inFlight)}
	case s.unsure > 0:
		return verdict{ready: metav1.ConditionUnknown, reason: v1alpha1.ReasonPublishing, reconciling: true,
			message: fmt.Sprintf("%d APIs are not shown by the gateway's reads, which lag up to %s behind its writes, and a "+
				"manager before this one may have published them: looking again then", s.unsure, driver.ReadLag)}
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
		case s.follows[a.ID] != "" && a.State != string(pub.Spec.State):
			waits = append(waits, fmt.Sprintf("%s is %s; ApiPublication %s, which declares it too, acts for both",
				label, a.State, s.follows[a.ID]))
		}
	}
	for _, rel := range pub.Status.Releasing {
		if rel.Error != nil {
			label := rel.Name
			if label == "" {
				label = rel.ID
			}
			failures = append(failures, fmt.Sprintf("%s left the spec but could not be taken offline: %s", label,
				strings.TrimSpace(rel.Error.Code+" "+rel.Error.Message)))
			codes = append(codes, rel.Error.Code)
		}
	}
	total := len(pub.Status.APIs)
	switch {
	case len(conflicts) > 0:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonConflict,
			message: fmt.Sprintf("%d of %d APIs are declared by another ApiPublication: %s", len(conflicts), total,
				strings.Join(first(conflicts), "; "))}
	case len(failures) > 0:
		reason := v1alpha1.ReasonPartialFailure
		if allSame(codes, gateway.CodeVersionNotFound) {
			reason = v1alpha1.ReasonVersionNotFound
		}
		return verdict{ready: metav1.ConditionFalse, reason: reason,
			message: fmt.Sprintf("%d of %d APIs failed: %s", len(failures), total, strings.Join(first(failures), "; "))}
	}
	where := pub.Spec.Environment
	if where == "" {
		where = "the DataArts cluster"
	}
	if observing(pub) {
		return observeVerdict(pub, total, where, waits)
	}
	if len(waits) > 0 {
		reason := v1alpha1.ReasonWaitingForSchedule
		if reviews {
			reason = v1alpha1.ReasonWaitingForReview
		}
		return verdict{ready: metav1.ConditionUnknown, reason: reason, reconciling: true, message: strings.Join(first(waits), "; ")}
	}
	return verdict{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonSucceeded,
		message: fmt.Sprintf("%d APIs %s in %s", total, strings.ToLower(string(pub.Spec.State)), where)}
}

// observeVerdict is Ready under managementPolicy Observe: True (InSync) when Manage would make
// no call, False (OutOfSync) saying what it would do otherwise. Nothing is in progress either
// way, and what the gateway waits for is only mentioned.
func observeVerdict(pub *v1alpha1.ApiPublication, total int, where string, waits []string) verdict {
	sum := pub.Status.Summary
	if sum != nil && sum.OutOfSync > 0 {
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonOutOfSync, message: fmt.Sprintf(
			"%s (managementPolicy Observe: nothing is changed; status.apis[].action lists each API, "+
				"and managementPolicy Manage carries it out)", pendingMessage(sum))}
	}
	msg := fmt.Sprintf("%d APIs %s in %s as declared (managementPolicy Observe: nothing is changed)", total,
		strings.ToLower(string(pub.Spec.State)), where)
	if len(waits) > 0 {
		msg += "; " + strings.Join(first(waits), "; ")
	}
	return verdict{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonInSync, message: msg}
}

// maxListed is how many items a condition message names.
const maxListed = 5

// first keeps the first maxListed items, and says how many more there are.
func first(items []string) []string {
	const n = maxListed
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
