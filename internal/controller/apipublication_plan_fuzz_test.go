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
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// fuzzBytes hands out the fuzzer's bytes as small choices; past the end every choice is 0.
type fuzzBytes []byte

func (b *fuzzBytes) pick(n int) int {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return int(c) % n
}

// one is true one time in n.
func (b *fuzzBytes) one(n int) bool { return b.pick(n) == 0 }

var fuzzStates = []v1alpha1.PublicationState{v1alpha1.StatePublished, v1alpha1.StateOffline, v1alpha1.StateSuspended}

// planSeeds are inputs for both plan fuzz targets: all-zero (everything declared Published and
// nothing live), a counting sequence, and a few bytes that vary every choice.
func planSeeds() [][]byte {
	count := make([]byte, 256)
	for i := range count {
		count[i] = byte(i)
	}
	return [][]byte{
		{}, make([]byte, 64), count,
		{1, 1, 5, 0, 1, 1, 0, 2, 1, 3, 0, 2, 7, 1, 0, 2, 1, 1, 3, 1, 0, 1, 2, 2, 0, 3, 1, 1, 2, 0, 1},
		{0, 1, 7, 3, 1, 0, 1, 0, 2, 1, 1, 0, 0, 1, 1, 2, 3, 0, 0, 0, 4, 1, 1, 0, 2, 1, 1, 1, 0, 0, 3, 2},
		[]byte("\x02\x00\x06\xff\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0"),
	}
}

// apigWorld is an APIG environment as a pass of the controller sees it, with the definitions
// of every API (published or not), which the effect of a publish needs.
type apigWorld struct {
	spec    v1alpha1.ApiPublicationSpec
	targets []target
	obs     apigObservation
	defs    map[string]gateway.API
}

// newAPIGWorld derives a world from the fuzzer's bytes: up to eight APIs, each a target or
// not (an API that is not a target may still be live), unresolved, owned by an older object,
// pinned to one of its versions or to one it lacks, published or not, with up to four versions
// of which none, one or (inconsistently) a non-live one is marked live. The targets are unique
// by ID, as resolveTargets makes them.
func newAPIGWorld(b *fuzzBytes) apigWorld {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	at := func() time.Time { return t0.Add(time.Duration(b.pick(4)) * time.Hour) }
	w := apigWorld{
		spec: v1alpha1.ApiPublicationSpec{State: fuzzStates[b.pick(len(fuzzStates))],
			Versioning: []v1alpha1.Versioning{v1alpha1.VersioningKeep, v1alpha1.VersioningFollowDefinition}[b.pick(2)]},
		obs: apigObservation{Snapshot: &gateway.Snapshot{EnvID: "env", APIs: map[string]gateway.Published{}},
			Versions: map[string][]gateway.Version{}, WasPublished: map[string]bool{}},
		defs: map[string]gateway.API{},
	}
	for i := range b.pick(8) + 1 {
		id := fmt.Sprintf("api%d", i)
		def := gateway.API{ID: id, Name: "name" + id, UpdateTime: at()}
		w.defs[id] = def
		var versions []gateway.Version
		for v := range b.pick(5) {
			versions = append(versions, gateway.Version{ID: fmt.Sprintf("%s-v%d", id, v), EnvID: "env", PublishTime: at()})
		}
		if live := b.pick(len(versions) + 1); live < len(versions) {
			versions[live].Live = true
		}
		if b.one(2) {
			w.obs.Snapshot.APIs[id] = gateway.Published{API: def, PublishID: "p-" + id, PublishTime: at()}
		}
		w.obs.WasPublished[id] = b.one(2)
		if b.one(4) {
			continue // not a target
		}
		t := target{ID: id, Name: def.Name}
		switch b.pick(8) {
		case 0:
			t.Err = &gateway.Error{Code: gateway.CodeAPINotFound}
		case 1:
			t.Owner = "older"
		}
		if pin := b.pick(len(versions) + 3); pin < len(versions) {
			t.Pin = versions[pin].ID
		} else if pin == len(versions) {
			t.Pin = id + "-gone"
		}
		if t.Pin != "" && t.Err == nil && t.Owner == "" {
			// reconcileAPIG reads the versions of the pinned targets it acts on, and only those.
			w.obs.Versions[id] = versions
		}
		w.targets = append(w.targets, t)
	}
	return w
}

// apply is the gateway after the plan's calls succeeded: an API taken offline is not live,
// a published API is live with a new version published after every time in the world, and a
// switched API serves the version it was switched to.
func (w apigWorld) apply(p apigPlan) apigObservation {
	next := apigObservation{Snapshot: &gateway.Snapshot{EnvID: w.obs.Snapshot.EnvID, APIs: maps.Clone(w.obs.Snapshot.APIs)},
		Versions: map[string][]gateway.Version{}, WasPublished: w.obs.WasPublished}
	for id, vs := range w.obs.Versions {
		next.Versions[id] = slices.Clone(vs)
	}
	setLive := func(id, version string) {
		for i := range next.Versions[id] {
			next.Versions[id][i].Live = next.Versions[id][i].ID == version
		}
	}
	for _, id := range p.Offline {
		delete(next.Snapshot.APIs, id)
		setLive(id, "")
	}
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range p.Publish {
		v := gateway.Version{ID: id + "-new", EnvID: "env", PublishTime: later, Live: true}
		setLive(id, v.ID)
		if _, ok := next.Versions[id]; ok {
			next.Versions[id] = append([]gateway.Version{v}, next.Versions[id]...)
		}
		next.Snapshot.APIs[id] = gateway.Published{API: w.defs[id], PublishID: "p-new-" + id, PublishTime: later}
	}
	for id, version := range p.Switch {
		setLive(id, version)
		i := slices.IndexFunc(next.Versions[id], func(v gateway.Version) bool { return v.ID == version })
		next.Snapshot.APIs[id] = gateway.Published{API: w.defs[id], PublishID: "p-" + version,
			PublishTime: next.Versions[id][i].PublishTime}
	}
	return next
}

// FuzzPlanAPIG plans passes over fuzzed APIG environments and checks what any plan must be:
// it acts only on the targets it may act on, once each, in the direction the spec declares;
// drift is only reported for an API that was published and is being put back; and the plan
// converges: once its calls have landed, the next pass plans no call.
func FuzzPlanAPIG(f *testing.F) {
	for _, seed := range planSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		w := newAPIGWorld(&b)
		p := planAPIG(w.spec, w.targets, w.obs)

		actionable := map[string]target{}
		for _, tg := range w.targets {
			if tg.Err == nil && tg.Owner == "" {
				actionable[tg.ID] = tg
			}
		}
		acted := map[string]string{}
		act := func(kind, id string) {
			if _, ok := actionable[id]; !ok {
				t.Errorf("%s of %s, which is not a target this object may act on (targets %+v)", kind, id, w.targets)
			}
			if prev, ok := acted[id]; ok {
				t.Errorf("%s and %s of the same API %s in one plan", prev, kind, id)
			}
			acted[id] = kind
		}
		for _, id := range p.Publish {
			act("publish", id)
		}
		for _, id := range p.Offline {
			act("offline", id)
			if w.spec.State != v1alpha1.StateOffline {
				t.Errorf("API %s taken offline while %s is declared", id, w.spec.State)
			}
			if _, live := w.obs.Snapshot.APIs[id]; !live {
				t.Errorf("API %s taken offline, but it is not published", id)
			}
		}
		for id, version := range p.Switch {
			act("switch", id)
			if version != actionable[id].Pin {
				t.Errorf("API %s switched to %s; its pin is %q", id, version, actionable[id].Pin)
			}
			if !slices.ContainsFunc(w.obs.Versions[id], func(v gateway.Version) bool { return v.ID == version }) {
				t.Errorf("API %s switched to %s, which is not among its versions", id, version)
			}
		}
		if w.spec.State == v1alpha1.StateOffline && (len(p.Publish) > 0 || len(p.Switch) > 0) {
			t.Errorf("Offline is declared, and the plan publishes %v and switches %v", p.Publish, p.Switch)
		}
		for _, id := range p.Drift {
			if kind := acted[id]; (kind != "publish" && kind != "switch") || !w.obs.WasPublished[id] {
				t.Errorf("drift reported for API %s (%q, was published %v)", id, kind, w.obs.WasPublished[id])
			}
		}
		for id, err := range p.Errs {
			if tg, ok := actionable[id]; !ok || tg.Pin == "" || err == nil || err.Code != gateway.CodeVersionNotFound {
				t.Errorf("plan error for API %s: %v", id, err)
			}
			if _, ok := acted[id]; ok {
				t.Errorf("API %s has a plan error and a call", id)
			}
		}

		after := w.apply(p)
		for id, tg := range actionable {
			if _, failed := p.Errs[id]; !failed {
				checkDeclared(t, w.spec, tg, after)
			}
		}
		next := planAPIG(w.spec, w.targets, after)
		if !next.Empty() || len(next.Drift) > 0 {
			t.Errorf("after the calls of %+v landed, the next pass plans %+v", p, next)
		}
	})
}

// checkDeclared checks that the environment serves a target as the spec declares.
func checkDeclared(t *testing.T, spec v1alpha1.ApiPublicationSpec, tg target, obs apigObservation) {
	t.Helper()
	live, published := obs.Snapshot.APIs[tg.ID]
	switch {
	case spec.State == v1alpha1.StateOffline:
		if published {
			t.Errorf("Offline is declared, and API %s is still published", tg.ID)
		}
	case !published:
		t.Errorf("%s is declared, and API %s is not published", spec.State, tg.ID)
	case tg.Pin != "":
		if !slices.ContainsFunc(obs.Versions[tg.ID], func(v gateway.Version) bool { return v.ID == tg.Pin && v.Live }) {
			t.Errorf("API %s is pinned to %s, and serves %+v", tg.ID, tg.Pin, obs.Versions[tg.ID])
		}
	case spec.Versioning == v1alpha1.VersioningFollowDefinition && live.API.UpdateTime.After(live.PublishTime):
		t.Errorf("API %s follows its definition, changed at %v, and serves a version published at %v",
			tg.ID, live.API.UpdateTime, live.PublishTime)
	}
}

var fuzzDataStatuses = []string{"", gateway.DataStatusCreated, gateway.DataStatusPublishWaitReview,
	gateway.DataStatusPublishReject, gateway.DataStatusPublished, gateway.DataStatusWaitingStop, gateway.DataStatusStopped,
	gateway.DataStatusRecoverWaitReview, gateway.DataStatusWaitingOffline, gateway.DataStatusOffline,
	"API_STATUS_OFFLINE_WAIT_REVIEW"}

// dataArtsReviewer says what DataArts does with one API's requests: whether they need a
// review, and whether the reviewer rejects a publication.
type dataArtsReviewer struct {
	review, reject bool
}

// afterStep is the status right after a DataArts call landed.
func (r dataArtsReviewer) afterStep(action string) string {
	switch action {
	case "publish":
		if r.review {
			return gateway.DataStatusPublishWaitReview
		}
		return gateway.DataStatusPublished
	case string(gateway.DataRecover):
		if r.review {
			return gateway.DataStatusRecoverWaitReview
		}
		return gateway.DataStatusPublished
	case string(gateway.DataStop):
		return gateway.DataStatusWaitingStop
	default:
		return gateway.DataStatusWaitingOffline
	}
}

// later is the status once the reviewer and the schedule have done their part. A rejected
// recover is not modelled: what DataArts reports for one is not documented.
func (r dataArtsReviewer) later(status string) string {
	switch status {
	case gateway.DataStatusPublishWaitReview:
		if r.reject {
			return gateway.DataStatusPublishReject
		}
		return gateway.DataStatusPublished
	case gateway.DataStatusRecoverWaitReview:
		return gateway.DataStatusPublished
	case gateway.DataStatusWaitingStop:
		return gateway.DataStatusStopped
	case gateway.DataStatusWaitingOffline:
		return gateway.DataStatusOffline
	}
	return status
}

// FuzzPlanDataArts plans passes over fuzzed DataArts publications, lets the calls land and the
// reviewers and schedules do their part, and checks that each plan acts only on the targets it
// may act on, once per API even when the spec names an API twice (reconcileDataArts does not
// merge such entries), never on an API it waits for, with the right action and time; and
// that within a few passes no call is planned and each API is in the declared state, or
// where a reviewer or an unknown status leaves it.
func FuzzPlanDataArts(f *testing.F) {
	for _, seed := range planSeeds() {
		f.Add(seed)
	}
	at := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		state := fuzzStates[b.pick(len(fuzzStates))]
		var targets []target
		status := map[string]string{}
		reviewers := map[string]dataArtsReviewer{}
		initial := map[string]string{}
		for i := range b.pick(6) + 1 {
			id := fmt.Sprintf("api%d", i)
			status[id] = fuzzDataStatuses[b.pick(len(fuzzDataStatuses))]
			initial[id] = status[id]
			reviewers[id] = dataArtsReviewer{review: b.one(2), reject: b.one(2)}
			tg := target{ID: id}
			switch b.pick(8) {
			case 0:
				tg.Err = &gateway.Error{Code: "DLM.4018"}
				delete(status, id) // an unresolved API has no publication to read
			case 1:
				tg.Owner = "older"
			}
			targets = append(targets, tg)
			if b.one(4) {
				targets = append(targets, tg) // named twice in spec.apis: by ID and by name
			}
		}
		actionable := map[string]bool{}
		for _, tg := range targets {
			actionable[tg.ID] = tg.Err == nil && tg.Owner == ""
		}

		const passes = 6
		for pass := 1; ; pass++ {
			steps, waits := planDataArts(state, targets, status, at)
			if pass > passes && len(steps) > 0 {
				t.Fatalf("still planning %+v after %d passes (declared %s, started from %v)", steps, passes, state, initial)
			}
			seen := map[string]bool{}
			for _, s := range steps {
				if !actionable[s.APIID] {
					t.Errorf("a step for %s, which is not a target this object may act on", s.APIID)
				}
				if seen[s.APIID] {
					t.Errorf("two steps for API %s in one plan: %+v", s.APIID, steps)
				}
				seen[s.APIID] = true
				if _, ok := waits[s.APIID]; ok {
					t.Errorf("a step for API %s, which the plan waits for", s.APIID)
				}
				checkDataStep(t, state, status[s.APIID], s, at)
				status[s.APIID] = reviewers[s.APIID].afterStep(s.Action)
			}
			changed := len(steps) > 0
			for id, s := range status {
				status[id] = reviewers[id].later(s)
				changed = changed || status[id] != s
			}
			if !changed {
				break
			}
		}
		for id, s := range status {
			if actionable[id] && !settled(state, initial[id], s) {
				t.Errorf("API %s settled in %q while %s is declared (it started in %q)", id, s, state, initial[id])
			}
		}
	})
}

// checkDataStep checks that a step moves an API from its status towards the declared state.
func checkDataStep(t *testing.T, state v1alpha1.PublicationState, status string, s dataStep, at time.Time) {
	t.Helper()
	var ok bool
	switch s.Action {
	case "publish":
		ok = state != v1alpha1.StateOffline &&
			(status == "" || status == gateway.DataStatusCreated || status == gateway.DataStatusOffline) && s.At.IsZero()
	case string(gateway.DataRecover):
		ok = state == v1alpha1.StatePublished && status == gateway.DataStatusStopped && s.At.IsZero()
	case string(gateway.DataStop):
		ok = state == v1alpha1.StateSuspended && status == gateway.DataStatusPublished && s.At.Equal(at)
	case string(gateway.DataUnpublish):
		ok = state == v1alpha1.StateOffline && (status == gateway.DataStatusPublished || status == gateway.DataStatusStopped) &&
			s.At.Equal(at)
	}
	if !ok {
		t.Errorf("step %+v for an API in %q while %s is declared", s, status, state)
	}
}

// settled reports whether an API that started in initial may rest in status while state is
// declared: in the declared state, rejected by a reviewer, in a state the plan does not know
// (left alone), or, when Offline is declared, never published.
func settled(state v1alpha1.PublicationState, initial, status string) bool {
	if status == gateway.DataStatusPublishReject || !slices.Contains(fuzzDataStatuses[:len(fuzzDataStatuses)-1], initial) {
		return true
	}
	switch state {
	case v1alpha1.StatePublished:
		return status == gateway.DataStatusPublished
	case v1alpha1.StateSuspended:
		return status == gateway.DataStatusStopped
	default:
		return status == gateway.DataStatusOffline || status == "" || status == gateway.DataStatusCreated
	}
}
