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
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// planOpts compare plans, and their errors by code and HTTP status (messages are for users).
var planOpts = []cmp.Option{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b *gateway.Error) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Code == b.Code && a.HTTPStatus == b.HTTPStatus)
})}

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
	keep := func(state State) Declaration { return Declaration{State: state} }
	follow := func(state State) Declaration { return Declaration{State: state, FollowDefinition: true} }
	wasPublished := func(d Declaration, ids ...string) Declaration {
		d.WasPublished = map[string]bool{}
		for _, id := range ids {
			d.WasPublished[id] = true
		}
		return d
	}
	cases := []struct {
		reason  string
		decl    Declaration
		targets []Target
		obs     Observation
		want    Plan
	}{
		{
			reason: "an unpublished API is published", decl: keep(Published),
			targets: []Target{{ID: "a"}}, obs: Observation{Snapshot: snapshot()},
			want: Plan{Steps: []Step{{API: "a", Action: ActPublish}}},
		},
		{
			reason: "an API published a moment ago that the read does not show yet is not published again",
			decl: Declaration{State: Published, WasPublished: map[string]bool{"a": true, "b": true},
				PublishedAt: map[string]time.Time{"a": t0.Add(-3 * time.Second), "b": t0.Add(-ReadLag)}},
			targets: []Target{{ID: "a"}, {ID: "b"}}, obs: Observation{Snapshot: &gateway.Snapshot{Taken: t0, APIs: map[string]gateway.Published{}}},
			want: Plan{Steps: []Step{{API: "b", Action: ActPublish, Drift: true}}, Unseen: map[string]bool{"a": true}},
		},
		{
			reason: "after a restart, an API a read too soon does not show waits for a read that would, " +
				"when the manager before may have published it",
			decl:    Declaration{State: Published, Created: t0.Add(-time.Hour)},
			targets: []Target{{ID: "a"}, {ID: "b"}},
			obs: Observation{Snapshot: &gateway.Snapshot{Taken: t0, MissesBefore: t0.Add(-2 * time.Second),
				APIs: map[string]gateway.Published{"b": published("b", t0, t0)}}},
			want: Plan{Unsure: map[string]bool{"a": true}},
		},
		{
			reason: "created in the second the manager started: a manager before may have published it",
			decl:   Declaration{State: Published, Created: t0}, targets: []Target{{ID: "a"}},
			obs:  Observation{Snapshot: &gateway.Snapshot{Taken: t0.Add(2 * time.Second), MissesBefore: t0.Add(500 * time.Millisecond)}},
			want: Plan{Unsure: map[string]bool{"a": true}},
		},
		{
			reason: "created after the manager started: no manager before it can have published it",
			decl:   Declaration{State: Published, Created: t0}, targets: []Target{{ID: "a"}},
			obs:  Observation{Snapshot: &gateway.Snapshot{Taken: t0.Add(2 * time.Second), MissesBefore: t0.Add(-time.Second)}},
			want: Plan{Steps: []Step{{API: "a", Action: ActPublish}}},
		},
		{
			reason: "a read that misses nothing is trusted after a restart", decl: Declaration{State: Published, Created: t0.Add(-time.Hour)},
			targets: []Target{{ID: "a"}}, obs: Observation{Snapshot: &gateway.Snapshot{Taken: t0}},
			want: Plan{Steps: []Step{{API: "a", Action: ActPublish}}},
		},
		{
			reason: "the remark goes with the plan", decl: Declaration{State: Published, Remark: "release 7"},
			targets: []Target{{ID: "a"}}, obs: Observation{Snapshot: snapshot()},
			want: Plan{Steps: []Step{{API: "a", Action: ActPublish}}, Remark: "release 7"},
		},
		{
			reason: "a published API is adopted as it is", decl: keep(Published),
			targets: []Target{{ID: "a"}}, obs: Observation{Snapshot: snapshot(published("a", t0, t0.Add(time.Hour)))},
			want: Plan{},
		},
		{
			reason: "FollowDefinition republishes a definition changed after the live version", decl: follow(Published),
			targets: []Target{{ID: "a"}, {ID: "b"}},
			obs:     Observation{Snapshot: snapshot(published("a", t0, t0.Add(time.Hour)), published("b", t0, t0.Add(-time.Hour)))},
			want:    Plan{Steps: []Step{{API: "a", Action: ActPublish}}},
		},
		{
			reason: "republishing a changed definition is not drift", decl: wasPublished(follow(Published), "a"),
			targets: []Target{{ID: "a"}}, obs: Observation{Snapshot: snapshot(published("a", t0, t0.Add(time.Hour)))},
			want: Plan{Steps: []Step{{API: "a", Action: ActPublish}}},
		},
		{
			reason: "an API that was published and is not is drift", decl: wasPublished(keep(Published), "a"),
			targets: []Target{{ID: "a"}, {ID: "b"}},
			obs:     Observation{Snapshot: snapshot()},
			want:    Plan{Steps: []Step{{API: "a", Action: ActPublish, Drift: true}, {API: "b", Action: ActPublish}}},
		},
		{
			reason: "Offline takes published APIs offline and leaves the others", decl: keep(Offline),
			targets: []Target{{ID: "a"}, {ID: "b"}}, obs: Observation{Snapshot: snapshot(published("a", t0, t0))},
			want: Plan{Steps: []Step{{API: "a", Action: ActOffline}}},
		},
		{
			reason: "a pin to a version that is not live is a switch", decl: keep(Published),
			targets: []Target{{ID: "a", Pin: "v1"}},
			obs: Observation{Snapshot: snapshot(published("a", t0, t0)), Versions: map[string][]gateway.Version{
				"a": {{ID: "v2", Live: true}, {ID: "v1"}}}},
			want: Plan{Steps: []Step{{API: "a", Action: ActSwitchVersion, Version: "v1"}}},
		},
		{
			reason: "a pin to the live version needs nothing", decl: follow(Published),
			targets: []Target{{ID: "a", Pin: "v1"}},
			obs: Observation{Snapshot: snapshot(published("a", t0, t0.Add(time.Hour))), Versions: map[string][]gateway.Version{
				"a": {{ID: "v1", Live: true}}}},
			want: Plan{},
		},
		{
			reason: "a pinned API taken offline is switched back, as drift", decl: wasPublished(keep(Published), "a"),
			targets: []Target{{ID: "a", Pin: "v1"}},
			obs:     Observation{Snapshot: snapshot(), Versions: map[string][]gateway.Version{"a": {{ID: "v1"}}}},
			want:    Plan{Steps: []Step{{API: "a", Action: ActSwitchVersion, Version: "v1", Drift: true}}},
		},
		{
			reason: "a pin to a version the environment does not have is an error, not a call", decl: keep(Published),
			targets: []Target{{ID: "a", Pin: "v9"}},
			obs: Observation{Snapshot: snapshot(published("a", t0, t0)), Versions: map[string][]gateway.Version{
				"a": {{ID: "v1", Live: true}}}},
			want: Plan{Errs: map[string]*gateway.Error{"a": {Code: gateway.CodeVersionNotFound}}},
		},
		{
			reason: "a pinned API found gone while observing is an error, not a call", decl: keep(Published),
			targets: []Target{{ID: "a", Pin: "v1"}, {ID: "b"}},
			obs: Observation{Snapshot: snapshot(), Errs: map[string]*gateway.Error{
				"a": {HTTPStatus: 404, Code: gateway.CodeAPINotFound}}},
			want: Plan{Steps: []Step{{API: "b", Action: ActPublish}},
				Errs: map[string]*gateway.Error{"a": {HTTPStatus: 404, Code: gateway.CodeAPINotFound}}},
		},
		{
			reason: "unresolved APIs and APIs an older object owns are left alone", decl: keep(Published),
			targets: []Target{{ID: "a", Err: &gateway.Error{Code: gateway.CodeAPINotFound}}, {ID: "b", Owner: "other"}},
			obs:     Observation{Snapshot: snapshot()},
			want:    Plan{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			got := PlanAPIG(tc.decl, tc.targets, tc.obs)
			if diff := cmp.Diff(tc.want, got, planOpts...); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanAPIGRelease(t *testing.T) {
	snapshot := func(ids ...string) *gateway.Snapshot {
		s := &gateway.Snapshot{APIs: map[string]gateway.Published{}}
		for _, id := range ids {
			s.APIs[id] = gateway.Published{API: gateway.API{ID: id}, PublishID: "p-" + id}
		}
		return s
	}
	offline := func(ids ...string) Plan {
		p := Plan{}
		for _, id := range ids {
			p.Steps = append(p.Steps, Step{API: id, Action: ActOffline})
		}
		return p
	}
	cases := []struct {
		reason  string
		targets []Target
		snap    *gateway.Snapshot
		known   []string
		want    Plan
	}{
		{
			reason: "the APIs recorded as published go offline whatever the snapshot says",
			snap:   snapshot("b"), known: []string{"a", "c"},
			want: offline("a", "c"),
		},
		{
			reason:  "a declared API the snapshot shows live goes offline, though not recorded",
			targets: []Target{{ID: "a"}, {ID: "b"}}, snap: snapshot("b"),
			want: offline("b"),
		},
		{
			reason:  "a declared API the snapshot does not show live is left alone",
			targets: []Target{{ID: "a"}}, snap: snapshot(),
			want: Plan{},
		},
		{
			reason:  "a target that could not be resolved is left alone, even live",
			targets: []Target{{ID: "a", Err: &gateway.Error{Code: gateway.CodeAPINotFound}}}, snap: snapshot("a"),
			want: Plan{},
		},
		{
			reason:  "an API recorded, declared twice and live goes offline once",
			targets: []Target{{ID: "a"}, {ID: "a", Name: "orders"}, {ID: "b"}}, snap: snapshot("a", "b"),
			known: []string{"a", "a"},
			want:  offline("a", "b"),
		},
		{
			reason:  "without a snapshot only the recorded APIs go offline",
			targets: []Target{{ID: "a"}, {ID: "b"}}, known: []string{"b"},
			want: offline("b"),
		},
		{
			reason: "nothing recorded, declared or live: no call",
			snap:   snapshot("x"),
			want:   Plan{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			got := PlanAPIGRelease(tc.targets, tc.snap, tc.known)
			if diff := cmp.Diff(tc.want, got, planOpts...); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}
