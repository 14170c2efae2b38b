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
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// inflight lets a pass hand its calls to the driver and end, instead of holding a worker until
// they land: batches then grow with the number of objects waiting, not with the number of
// workers. The answer is kept for the object's next pass, which the landing triggers.
type inflight struct {
	mu sync.Mutex
	// busy counts the steps in flight per object.
	busy    map[types.UID]int
	answers map[types.UID]*answer
	// gone are objects released while their calls were in flight: no pass will take the answer.
	gone   map[types.UID]bool
	events chan event.GenericEvent
}

// answer is what the gateway answered to the calls of one pass.
type answer struct {
	results driver.Results
	err     error
}

func newInflight() *inflight {
	return &inflight{busy: map[types.UID]int{}, answers: map[types.UID]*answer{}, gone: map[types.UID]bool{},
		events: make(chan event.GenericEvent, 1024)}
}

// take returns the answer waiting for an object, and how many of its steps are still in flight.
func (f *inflight) take(uid types.UID) (*answer, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ans := f.answers[uid]
	delete(f.answers, uid)
	return ans, f.busy[uid]
}

// pending is how many steps of an object are in flight.
func (f *inflight) pending(uid types.UID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.busy[uid]
}

// start runs act in the background for steps steps of obj; landed sees the answer before the
// object is brought back.
func (f *inflight) start(ctx context.Context, obj client.Object, steps int,
	act func(context.Context) (driver.Results, error), landed func(*answer)) {
	uid := obj.GetUID()
	f.mu.Lock()
	f.busy[uid] = steps
	f.mu.Unlock()
	trigger := obj.DeepCopyObject().(client.Object)
	go func() {
		// No deadline of its own: a caller that stopped waiting would leave its APIs in a batch
		// that is sent later, while the object looked settled. Each call is bounded by the
		// batcher and the gateway timeout, so the wait ends when the APIs' calls do.
		ans := &answer{}
		ans.results, ans.err = act(context.WithoutCancel(ctx))
		landed(ans)
		f.mu.Lock()
		delete(f.busy, uid)
		if f.gone[uid] {
			delete(f.gone, uid)
		} else {
			f.answers[uid] = ans
		}
		f.mu.Unlock()
		f.events <- event.GenericEvent{Object: trigger}
	}()
}

// forget drops what is kept for an object that is gone, and what its calls in flight will
// answer.
func (f *inflight) forget(uid types.UID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.answers, uid)
	if f.busy[uid] > 0 {
		f.gone[uid] = true
	}
}

// handOff starts the plan's calls; their answer brings the object back. Events and the drift
// metric come from the answer, once per change that landed.
func (r *ApiPublicationReconciler) handOff(ctx context.Context, s *pubScope, resolved driver.Resolved, plan driver.Plan) {
	log := ctrl.LoggerFrom(ctx)
	counts := map[driver.Action]int{}
	for _, st := range plan.Steps {
		counts[st.Action]++
	}
	log.Info("Handing calls to the gateway", "environment", s.pub.Spec.Environment, "publish", counts[driver.ActPublish],
		"offline", counts[driver.ActOffline], "switch", counts[driver.ActSwitchVersion],
		"suspend", counts[driver.ActSuspend], "recover", counts[driver.ActRecover])
	pub, d, gwName := s.pub.DeepCopy(), s.conn.Driver, s.conn.Name
	r.inflight.start(ctx, s.pub, len(plan.Steps), func(ctx context.Context) (driver.Results, error) {
		return d.Act(ctx, resolved, plan)
	}, func(a *answer) {
		if a.err != nil {
			log.V(1).Info("A call to the gateway failed", "error", a.err.Error())
		}
		r.recordLanded(pub, a.results, "")
		r.recordDrift(pub, gwName, a.results)
	})
	s.inFlight = len(plan.Steps)
}

// eventPublished is the reason of the event for APIs published or recovered.
const eventPublished = "Published"

// recordLanded emits one event per kind of change that landed.
func (r *ApiPublicationReconciler) recordLanded(pub *v1alpha1.ApiPublication, results driver.Results, suffix string) {
	where := pub.Spec.Environment
	if where == "" {
		where = "the DataArts cluster"
	}
	byAction := map[driver.Action][]string{}
	for id, res := range results {
		if res.Err != nil {
			continue
		}
		label := id
		if res.APIName != "" {
			label = res.APIName
		}
		if res.Action == driver.ActSwitchVersion {
			r.event(pub, "VersionSwitched", "Switched API %s to version %s in %s%s", label, res.Version, where, suffix)
			continue
		}
		byAction[res.Action] = append(byAction[res.Action], label)
	}
	notes := []struct {
		action driver.Action
		reason string
		verb   string
	}{
		{driver.ActPublish, eventPublished, "Published"},
		{driver.ActRecover, eventPublished, "Recovered"},
		{driver.ActOffline, "TakenOffline", "Took offline"},
		{driver.ActSuspend, "Suspended", "Suspended"},
	}
	for _, n := range notes {
		if ids := byAction[n.action]; len(ids) > 0 {
			r.event(pub, n.reason, "%s %s in %s%s", n.verb, describe(ids), where, suffix)
		}
	}
}

// recordDrift counts and reports the drift corrections that landed.
func (r *ApiPublicationReconciler) recordDrift(pub *v1alpha1.ApiPublication, gwName string, results driver.Results) {
	var fixed []string
	for id, res := range results {
		if res.Drift && res.Err == nil {
			fixed = append(fixed, id)
		}
	}
	if len(fixed) == 0 {
		return
	}
	if r.Metrics != nil {
		r.Metrics.Drift.WithLabelValues(gwName, pub.Spec.Environment).Add(float64(len(fixed)))
	}
	r.event(pub, "DriftCorrected", "Put back %s changed on the gateway in %s", describe(fixed), pub.Spec.Environment)
}

// event records a change made on the gateway.
func (r *ApiPublicationReconciler) event(obj client.Object, reason, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, "Reconcile", "%s", eventNote(fmt.Sprintf(note, args...)))
	}
}

// describe names up to five APIs: "3 APIs (a, b, c)".
func describe(ids []string) string {
	sort.Strings(ids)
	shown := strings.Join(ids, ", ")
	if len(ids) > 5 {
		shown = strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
	}
	return fmt.Sprintf("%d APIs (%s)", len(ids), shown)
}
