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
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

func TestPlanDataArts(t *testing.T) {
	at := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		reason    string
		state     State
		status    string
		wantSteps []Step
		wantWait  string
	}{
		{"never published: publish", Published, "", []Step{{API: "a", Action: ActPublish}}, ""},
		{"offline: publish again", Published, gateway.DataStatusOffline, []Step{{API: "a", Action: ActPublish}}, ""},
		{"stopped: recover", Published, gateway.DataStatusStopped, []Step{{API: "a", Action: ActRecover}}, ""},
		{"published: nothing", Published, gateway.DataStatusPublished, nil, ""},
		{"suspend a published API: STOP at the time", Suspended, gateway.DataStatusPublished,
			[]Step{{API: "a", Action: ActSuspend, At: at}}, ""},
		{"offline from stopped: UNPUBLISH at the time", Offline, gateway.DataStatusStopped,
			[]Step{{API: "a", Action: ActOffline, At: at}}, ""},
		{"a scheduled UNPUBLISH is waited for", Offline, gateway.DataStatusWaitingOffline, nil, WaitingOffline},
		{"a scheduled STOP is waited for, even when Published is declared again", Published,
			gateway.DataStatusWaitingStop, nil, WaitingStop},
		{"a recover in review is waited for", Published, gateway.DataStatusRecoverWaitReview, nil, WaitingReview},
		{"offline and never published: nothing", Offline, "", nil, ""},
		{"a rejected publish is not resubmitted", Published, gateway.DataStatusPublishReject, nil, Rejected},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			want := Plan{Steps: tc.wantSteps}
			if tc.wantWait != "" {
				want.Waits = map[string]string{"a": tc.wantWait}
			}
			got := PlanDataArts(tc.state, []Target{{ID: "a"}}, map[string]string{"a": tc.status}, at)
			if diff := cmp.Diff(want, got, planOpts...); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanDataArtsOneStepPerAPI(t *testing.T) {
	// The declaration names the API by ID and by name; Resolve turns both into one ID.
	targets := []Target{{ID: "a"}, {ID: "a", Name: "sales_report"}}
	p := PlanDataArts(Published, targets, map[string]string{"a": ""}, time.Time{})
	if diff := cmp.Diff([]Step{{API: "a", Action: ActPublish}}, p.Steps); diff != "" {
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
			if got := OfflineTime(tc.offlineAt, now).Format(time.RFC3339); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
