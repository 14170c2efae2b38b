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
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// The corpora in testdata/fuzz were found when these targets lived in internal/controller:
// the choices below read the fuzzer's bytes in the same order as they did then, so that each
// entry still describes the same world. A new choice goes after the existing ones.

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

var fuzzStates = []State{Published, Offline, Suspended}

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
	decl    Declaration
	targets []Target
	obs     Observation
	defs    map[string]gateway.API
}

// newAPIGWorld derives a world from the fuzzer's bytes: up to eight APIs, each a target or
// not (an API that is not a target may still be live), unresolved, owned by an older object,
// pinned to one of its versions or to one it lacks, published or not, with up to four versions
// of which none, one or (inconsistently) a non-live one is marked live. The targets are unique
// by ID, as Resolve makes them. Last, each pinned target the plan may act on may turn out gone
// when its versions are read (Observation.Errs), the snapshot still showing it or not.
func newAPIGWorld(b *fuzzBytes) apigWorld {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	at := func() time.Time { return t0.Add(time.Duration(b.pick(4)) * time.Hour) }
	w := apigWorld{
		decl: Declaration{State: fuzzStates[b.pick(len(fuzzStates))], FollowDefinition: b.pick(2) == 1,
			Remark: "fuzzed", WasPublished: map[string]bool{}},
		obs: Observation{Snapshot: &gateway.Snapshot{EnvID: "env", APIs: map[string]gateway.Published{}},
			Versions: map[string][]gateway.Version{}, Errs: map[string]*gateway.Error{}},
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
		w.decl.WasPublished[id] = b.one(2)
		if b.one(4) {
			continue // not a target
		}
		t := Target{ID: id, Name: def.Name}
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
			// Observe reads the versions of the pinned targets the plan may act on, and only those.
			w.obs.Versions[id] = versions
		}
		w.targets = append(w.targets, t)
	}
	// Past the end every choice is 0, which leaves the API in place.
	for _, t := range w.targets {
		if _, read := w.obs.Versions[t.ID]; read && b.pick(4) == 3 {
			delete(w.obs.Versions, t.ID)
			w.obs.Errs[t.ID] = &gateway.Error{Op: "list versions", HTTPStatus: 404, Code: gateway.CodeAPINotFound}
			if b.one(2) {
				delete(w.obs.Snapshot.APIs, t.ID)
			}
		}
	}
	return w
}

// apply is the gateway after the plan's calls succeeded: an API taken offline is not live,
// a published API is live with a new version published after every time in the world, and a
// switched API serves the version it was switched to. What was found gone stays gone.
func (w apigWorld) apply(p Plan) Observation {
	next := Observation{Snapshot: &gateway.Snapshot{EnvID: w.obs.Snapshot.EnvID, APIs: maps.Clone(w.obs.Snapshot.APIs)},
		Versions: map[string][]gateway.Version{}, Errs: w.obs.Errs}
	for id, vs := range w.obs.Versions {
		next.Versions[id] = slices.Clone(vs)
	}
	setLive := func(id, version string) {
		for i := range next.Versions[id] {
			next.Versions[id][i].Live = next.Versions[id][i].ID == version
		}
	}
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range p.Steps {
		id := s.API
		switch s.Action {
		case ActOffline:
			delete(next.Snapshot.APIs, id)
			setLive(id, "")
		case ActPublish:
			v := gateway.Version{ID: id + "-new", EnvID: "env", PublishTime: later, Live: true}
			setLive(id, v.ID)
			if _, ok := next.Versions[id]; ok {
				next.Versions[id] = append([]gateway.Version{v}, next.Versions[id]...)
			}
			next.Snapshot.APIs[id] = gateway.Published{API: w.defs[id], PublishID: "p-new-" + id, PublishTime: later}
		case ActSwitchVersion:
			i := slices.IndexFunc(next.Versions[id], func(v gateway.Version) bool { return v.ID == s.Version })
			if i < 0 {
				continue // a switch to a version the API lacks fails; FuzzPlanAPIG reports it
			}
			setLive(id, s.Version)
			next.Snapshot.APIs[id] = gateway.Published{API: w.defs[id], PublishID: "p-" + s.Version,
				PublishTime: next.Versions[id][i].PublishTime}
		}
	}
	return next
}

// FuzzPlanAPIG plans passes over fuzzed APIG environments and checks what any plan must be:
// it acts only on the targets it may act on, once each, in the direction the declaration
// declares; drift is only reported for an API that was published and is being put back (a
// republish of a live API is not drift); a problem found while observing or planning is
// reported and not acted on; and the plan converges: once its calls have landed, the next
// pass plans no call.
func FuzzPlanAPIG(f *testing.F) {
	for _, seed := range planSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		w := newAPIGWorld(&b)
		p := PlanAPIG(w.decl, w.targets, w.obs)

		actionable := map[string]Target{}
		for _, tg := range w.targets {
			if tg.Err == nil && tg.Owner == "" {
				actionable[tg.ID] = tg
			}
		}
		acted := map[string]Action{}
		for _, s := range p.Steps {
			id := s.API
			if _, ok := actionable[id]; !ok {
				t.Errorf("%s of %s, which is not a target this object may act on (targets %+v)", s.Action, id, w.targets)
			}
			if prev, ok := acted[id]; ok {
				t.Errorf("%s and %s of the same API %s in one plan", prev, s.Action, id)
			}
			acted[id] = s.Action
			if !s.At.IsZero() || (s.Version != "") != (s.Action == ActSwitchVersion) {
				t.Errorf("step %+v: APIG steps take no time, and only a switch a version", s)
			}
			switch s.Action {
			case ActPublish:
			case ActOffline:
				if w.decl.State != Offline {
					t.Errorf("API %s taken offline while %s is declared", id, w.decl.State)
				}
				if _, live := w.obs.Snapshot.APIs[id]; !live {
					t.Errorf("API %s taken offline, but it is not published", id)
				}
			case ActSwitchVersion:
				if s.Version != actionable[id].Pin {
					t.Errorf("API %s switched to %s; its pin is %q", id, s.Version, actionable[id].Pin)
				}
				if !slices.ContainsFunc(w.obs.Versions[id], func(v gateway.Version) bool { return v.ID == s.Version }) {
					t.Errorf("API %s switched to %s, which is not among its versions", id, s.Version)
				}
			default:
				t.Errorf("step %+v: not an APIG action", s)
			}
			if w.decl.State == Offline && s.Action != ActOffline {
				t.Errorf("Offline is declared, and the plan makes %s of %s", s.Action, id)
			}
			_, live := w.obs.Snapshot.APIs[id]
			if s.Drift && (s.Action == ActOffline || !w.decl.WasPublished[id] || s.Action == ActPublish && live) {
				t.Errorf("drift reported for API %s (%s, was published %v, live %v)", id, s.Action, w.decl.WasPublished[id], live)
			}
		}
		for id, err := range p.Errs {
			tg, ok := actionable[id]
			switch {
			case !ok || err == nil:
				t.Errorf("plan error for API %s, which is not a target this object may act on: %v", id, err)
			case w.obs.Errs[id] != nil:
				if err != w.obs.Errs[id] {
					t.Errorf("API %s: the plan reports %v, the observation found %v", id, err, w.obs.Errs[id])
				}
			case tg.Pin == "" || err.Code != gateway.CodeVersionNotFound || err.HTTPStatus != 0:
				t.Errorf("plan error for API %s pinned to %q: %+v", id, tg.Pin, err)
			}
			if _, ok := acted[id]; ok {
				t.Errorf("API %s has a plan error and a call", id)
			}
		}
		for id := range w.obs.Errs {
			if _, ok := p.Errs[id]; !ok {
				t.Errorf("API %s was found gone, and the plan does not report it", id)
			}
		}
		if p.Remark != w.decl.Remark {
			t.Errorf("plan remark %q, declared %q", p.Remark, w.decl.Remark)
		}

		after := w.apply(p)
		for id, tg := range actionable {
			if _, failed := p.Errs[id]; !failed {
				checkDeclared(t, w.decl, tg, after)
			}
		}
		next := PlanAPIG(w.decl, w.targets, after)
		if !next.Empty() {
			t.Errorf("after the calls of %+v landed, the next pass plans %+v", p, next)
		}
		if !slices.Equal(slices.Sorted(maps.Keys(p.Errs)), slices.Sorted(maps.Keys(next.Errs))) {
			t.Errorf("after the calls of %+v landed, the next pass reports errors %v", p, next.Errs)
		}
	})
}

// checkDeclared checks that the environment serves a target as the declaration says.
func checkDeclared(t *testing.T, decl Declaration, tg Target, obs Observation) {
	t.Helper()
	live, published := obs.Snapshot.APIs[tg.ID]
	switch {
	case decl.State == Offline:
		if published {
			t.Errorf("Offline is declared, and API %s is still published", tg.ID)
		}
	case !published:
		t.Errorf("%s is declared, and API %s is not published", decl.State, tg.ID)
	case tg.Pin != "":
		if !slices.ContainsFunc(obs.Versions[tg.ID], func(v gateway.Version) bool { return v.ID == tg.Pin && v.Live }) {
			t.Errorf("API %s is pinned to %s, and serves %+v", tg.ID, tg.Pin, obs.Versions[tg.ID])
		}
	case decl.FollowDefinition && live.API.UpdateTime.After(live.PublishTime):
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
func (r dataArtsReviewer) afterStep(a Action) string {
	switch a {
	case ActPublish:
		if r.review {
			return gateway.DataStatusPublishWaitReview
		}
		return gateway.DataStatusPublished
	case ActRecover:
		if r.review {
			return gateway.DataStatusRecoverWaitReview
		}
		return gateway.DataStatusPublished
	case ActSuspend:
		return gateway.DataStatusWaitingStop
	default: // ActOffline; checkDataStep reports any other action
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
// may act on, once per API even when the declaration names an API twice (by ID and by name),
// never on an API it waits for, with the right action and time; and that within a few passes
// no call is planned and each API is in the declared state, or where a reviewer or an unknown
// status leaves it.
func FuzzPlanDataArts(f *testing.F) {
	for _, seed := range planSeeds() {
		f.Add(seed)
	}
	at := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		state := fuzzStates[b.pick(len(fuzzStates))]
		var targets []Target
		status := map[string]string{}
		reviewers := map[string]dataArtsReviewer{}
		initial := map[string]string{}
		for i := range b.pick(6) + 1 {
			id := fmt.Sprintf("api%d", i)
			status[id] = fuzzDataStatuses[b.pick(len(fuzzDataStatuses))]
			initial[id] = status[id]
			reviewers[id] = dataArtsReviewer{review: b.one(2), reject: b.one(2)}
			tg := Target{ID: id}
			switch b.pick(8) {
			case 0:
				tg.Err = &gateway.Error{Code: "DLM.4018"}
				delete(status, id) // an unresolved API has no publication to read
			case 1:
				tg.Owner = "older"
			}
			targets = append(targets, tg)
			if b.one(4) {
				targets = append(targets, tg) // named twice in the declaration: by ID and by name
			}
		}
		actionable := map[string]bool{}
		for _, tg := range targets {
			actionable[tg.ID] = tg.Err == nil && tg.Owner == ""
		}

		const passes = 6
		for pass := 1; ; pass++ {
			p := PlanDataArts(state, targets, status, at)
			if pass > passes && len(p.Steps) > 0 {
				t.Fatalf("still planning %+v after %d passes (declared %s, started from %v)", p.Steps, passes, state, initial)
			}
			if len(p.Errs) > 0 {
				t.Errorf("plan errors %v: a DataArts plan finds none", p.Errs)
			}
			for id := range p.Waits {
				if !actionable[id] {
					t.Errorf("a wait for %s, which is not a target this object may act on", id)
				}
			}
			seen := map[string]bool{}
			for _, s := range p.Steps {
				if !actionable[s.API] {
					t.Errorf("a step for %s, which is not a target this object may act on", s.API)
				}
				if seen[s.API] {
					t.Errorf("two steps for API %s in one plan: %+v", s.API, p.Steps)
				}
				seen[s.API] = true
				if _, ok := p.Waits[s.API]; ok {
					t.Errorf("a step for API %s, which the plan waits for", s.API)
				}
				checkDataStep(t, state, status[s.API], s, at)
				status[s.API] = reviewers[s.API].afterStep(s.Action)
			}
			changed := len(p.Steps) > 0
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
func checkDataStep(t *testing.T, state State, status string, s Step, at time.Time) {
	t.Helper()
	var ok bool
	switch s.Action {
	case ActPublish:
		ok = state != Offline &&
			(status == "" || status == gateway.DataStatusCreated || status == gateway.DataStatusOffline) && s.At.IsZero()
	case ActRecover:
		ok = state == Published && status == gateway.DataStatusStopped && s.At.IsZero()
	case ActSuspend:
		ok = state == Suspended && status == gateway.DataStatusPublished && s.At.Equal(at)
	case ActOffline:
		ok = state == Offline && (status == gateway.DataStatusPublished || status == gateway.DataStatusStopped) &&
			s.At.Equal(at)
	}
	if !ok || s.Version != "" || s.Drift {
		t.Errorf("step %+v for an API in %q while %s is declared", s, status, state)
	}
}

// settled reports whether an API that started in initial may rest in status while state is
// declared: in the declared state, rejected by a reviewer, in a state the plan does not know
// (left alone), or, when Offline is declared, never published.
func settled(state State, initial, status string) bool {
	if status == gateway.DataStatusPublishReject || !slices.Contains(fuzzDataStatuses[:len(fuzzDataStatuses)-1], initial) {
		return true
	}
	switch state {
	case Published:
		return status == gateway.DataStatusPublished
	case Suspended:
		return status == gateway.DataStatusStopped
	default:
		return status == gateway.DataStatusOffline || status == "" || status == gateway.DataStatusCreated
	}
}
