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
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

func TestPlanAPIG(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	published := func(id string, publishTime, updateTime time.Time) gateway.Published {
		return gateway.Published{API: gateway.API{ID: id, UpdateTime: updateTime}, PublishID: "p-" + id, PublishTime: publishTime}
	}
	snapshot := func(p ...gateway.Published) *gateway.Snapshot {
		s := &gateway.Snapshot{APIs: map[string]gateway.Published{}}
		for _, x := range p {
			s.APIs[x.API.ID] = x
		}
		return s
	}
	spec := func(state v1alpha1.PublicationState, versioning v1alpha1.Versioning) v1alpha1.ApiPublicationSpec {
		return v1alpha1.ApiPublicationSpec{State: state, Versioning: versioning}
	}
	cases := []struct {
		reason  string
		spec    v1alpha1.ApiPublicationSpec
		targets []target
		obs     apigObservation
		want    apigPlan
	}{
		{
			reason: "an unpublished API is published", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningKeep),
			targets: []target{{ID: "a"}}, obs: apigObservation{Snapshot: snapshot()},
			want: apigPlan{Publish: []string{"a"}},
		},
		{
			reason: "a published API is adopted as it is", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningKeep),
			targets: []target{{ID: "a"}}, obs: apigObservation{Snapshot: snapshot(published("a", t0, t0.Add(time.Hour)))},
			want: apigPlan{},
		},
		{
			reason: "FollowDefinition republishes a definition changed after the live version", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningFollowDefinition),
			targets: []target{{ID: "a"}, {ID: "b"}},
			obs:     apigObservation{Snapshot: snapshot(published("a", t0, t0.Add(time.Hour)), published("b", t0, t0.Add(-time.Hour)))},
			want:    apigPlan{Publish: []string{"a"}},
		},
		{
			reason: "an API that was published and is not is drift", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningKeep),
			targets: []target{{ID: "a"}, {ID: "b"}},
			obs:     apigObservation{Snapshot: snapshot(), WasPublished: map[string]bool{"a": true}},
			want:    apigPlan{Publish: []string{"a", "b"}, Drift: []string{"a"}},
		},
		{
			reason: "Offline takes published APIs offline and leaves the others", spec: spec(v1alpha1.StateOffline, v1alpha1.VersioningKeep),
			targets: []target{{ID: "a"}, {ID: "b"}}, obs: apigObservation{Snapshot: snapshot(published("a", t0, t0))},
			want: apigPlan{Offline: []string{"a"}},
		},
		{
			reason: "a pin to a version that is not live is a switch", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningKeep),
			targets: []target{{ID: "a", Pin: "v1"}},
			obs: apigObservation{Snapshot: snapshot(published("a", t0, t0)), Versions: map[string][]gateway.Version{
				"a": {{ID: "v2", Live: true}, {ID: "v1"}}}},
			want: apigPlan{Switch: map[string]string{"a": "v1"}},
		},
		{
			reason: "a pin to the live version needs nothing", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningFollowDefinition),
			targets: []target{{ID: "a", Pin: "v1"}},
			obs: apigObservation{Snapshot: snapshot(published("a", t0, t0.Add(time.Hour))), Versions: map[string][]gateway.Version{
				"a": {{ID: "v1", Live: true}}}},
			want: apigPlan{},
		},
		{
			reason: "a pinned API taken offline is switched back, as drift", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningKeep),
			targets: []target{{ID: "a", Pin: "v1"}},
			obs: apigObservation{Snapshot: snapshot(), WasPublished: map[string]bool{"a": true},
				Versions: map[string][]gateway.Version{"a": {{ID: "v1"}}}},
			want: apigPlan{Switch: map[string]string{"a": "v1"}, Drift: []string{"a"}},
		},
		{
			reason: "a pin to a version the environment does not have is an error, not a call", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningKeep),
			targets: []target{{ID: "a", Pin: "v9"}},
			obs: apigObservation{Snapshot: snapshot(published("a", t0, t0)), Versions: map[string][]gateway.Version{
				"a": {{ID: "v1", Live: true}}}},
			want: apigPlan{Errs: map[string]*gateway.Error{"a": {Code: gateway.CodeVersionNotFound}}},
		},
		{
			reason: "unresolved APIs and APIs an older object owns are left alone", spec: spec(v1alpha1.StatePublished, v1alpha1.VersioningKeep),
			targets: []target{{ID: "a", Err: &gateway.Error{Code: gateway.CodeAPINotFound}}, {ID: "b", Owner: "other"}},
			obs:     apigObservation{Snapshot: snapshot()},
			want:    apigPlan{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			got := planAPIG(tc.spec, tc.targets, tc.obs)
			opts := []cmp.Option{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b *gateway.Error) bool {
				return (a == nil) == (b == nil) && (a == nil || a.Code == b.Code)
			})}
			if diff := cmp.Diff(tc.want, got, opts...); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanDataArts(t *testing.T) {
	at := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		reason    string
		state     v1alpha1.PublicationState
		status    string
		wantSteps []dataStep
		wantWait  string
	}{
		{"never published: publish", v1alpha1.StatePublished, "", []dataStep{{APIID: "a", Action: "publish"}}, ""},
		{"offline: publish again", v1alpha1.StatePublished, gateway.DataStatusOffline, []dataStep{{APIID: "a", Action: "publish"}}, ""},
		{"stopped: recover", v1alpha1.StatePublished, gateway.DataStatusStopped, []dataStep{{APIID: "a", Action: "RECOVER"}}, ""},
		{"published: nothing", v1alpha1.StatePublished, gateway.DataStatusPublished, nil, ""},
		{"suspend a published API: STOP at the time", v1alpha1.StateSuspended, gateway.DataStatusPublished,
			[]dataStep{{APIID: "a", Action: "STOP", At: at}}, ""},
		{"offline from stopped: UNPUBLISH at the time", v1alpha1.StateOffline, gateway.DataStatusStopped,
			[]dataStep{{APIID: "a", Action: "UNPUBLISH", At: at}}, ""},
		{"a scheduled UNPUBLISH is waited for", v1alpha1.StateOffline, gateway.DataStatusWaitingOffline, nil, stateWaitingOffline},
		{"a scheduled STOP is waited for, even when Published is declared again", v1alpha1.StatePublished,
			gateway.DataStatusWaitingStop, nil, stateWaitingStop},
		{"a recover in review is waited for", v1alpha1.StatePublished, gateway.DataStatusRecoverWaitReview, nil, stateWaitingReview},
		{"offline and never published: nothing", v1alpha1.StateOffline, "", nil, ""},
		{"a rejected publish is not resubmitted", v1alpha1.StatePublished, gateway.DataStatusPublishReject, nil, stateRejected},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			steps, waits := planDataArts(tc.state, []target{{ID: "a"}}, map[string]string{"a": tc.status}, at)
			if diff := cmp.Diff(tc.wantSteps, steps, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if got := waits["a"].State; got != tc.wantWait {
				t.Errorf("wait %q, want %q", got, tc.wantWait)
			}
		})
	}
}

func TestPlanDataArtsOneStepPerAPI(t *testing.T) {
	// spec.apis names the API by ID and by name; reconcileDataArts resolves both to one ID.
	targets := []target{{ID: "a"}, {ID: "a", Name: "sales_report"}}
	steps, _ := planDataArts(v1alpha1.StatePublished, targets, map[string]string{"a": ""}, time.Time{})
	if diff := cmp.Diff([]dataStep{{APIID: "a", Action: "publish"}}, steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
}

func TestOfflineTime(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 20, 0, 0, time.UTC)
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	cases := []struct {
		reason    string
		offlineAt *time.Time
		want      string
	}{
		{"default: the next whole hour 48 hours (and a margin) ahead", nil, "2026-11-03T11:00:00Z"},
		{"an offlineAt inside the safety margin is moved out", at("2026-11-03T10:30:00Z"), "2026-11-03T11:00:00Z"},
		{"a later offlineAt is kept", at("2026-12-01T10:00:00Z"), "2026-12-01T10:00:00Z"},
		{"a later offlineAt off the hour is rounded up", at("2026-12-01T10:30:00Z"), "2026-12-01T11:00:00Z"},
		{"an offlineAt with too little notice is moved out", at("2026-11-02T10:00:00Z"), "2026-11-03T11:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			if got := offlineTime(tc.offlineAt, now).Format(time.RFC3339); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
