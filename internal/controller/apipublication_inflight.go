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
	"sync"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// inflight lets a pass hand its publish and offline calls to the batcher and end, instead of
// holding a worker until the batch call lands: batches then grow with the number of objects
// waiting, not with the number of workers. The answer is kept for the object's next pass,
// which the landing call triggers.
type inflight struct {
	mu      sync.Mutex
	busy    map[types.UID]bool
	answers map[types.UID]*batchAnswer
	// gone are objects released while their calls were in flight: no pass will take the answer.
	gone   map[types.UID]bool
	events chan event.GenericEvent
}

// batchAnswer is what the gateway answered to the calls of one pass.
type batchAnswer struct {
	publish gateway.BatchResult
	offline gateway.BatchResult
	err     error
}

func newInflight() *inflight {
	return &inflight{busy: map[types.UID]bool{}, answers: map[types.UID]*batchAnswer{}, gone: map[types.UID]bool{},
		events: make(chan event.GenericEvent, 1024)}
}

// take returns the answer waiting for an object, and whether calls of it are still in flight.
func (f *inflight) take(uid types.UID) (*batchAnswer, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ans := f.answers[uid]
	delete(f.answers, uid)
	return ans, f.busy[uid]
}

// inFlight reports whether calls of an object are in flight.
func (f *inflight) inFlight(uid types.UID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.busy[uid]
}

// start hands the plan's publish and offline calls to the publisher in the background; the
// object is reconciled again when they land.
func (f *inflight) start(ctx context.Context, obj client.Object, pub gateway.Publisher, envID, remark string,
	publish, offline []string, landed func(*batchAnswer)) {
	uid := obj.GetUID()
	f.mu.Lock()
	f.busy[uid] = true
	f.mu.Unlock()
	log := ctrl.LoggerFrom(ctx)
	trigger := obj.DeepCopyObject().(client.Object)
	go func() {
		// No deadline of its own: a caller that stopped waiting would leave its APIs in a batch
		// that is sent later, while the object looked settled. Each batch call is bounded by
		// the batcher, so the wait ends when the APIs' call does.
		callCtx := context.WithoutCancel(ctx)
		ans := &batchAnswer{}
		if len(publish) > 0 {
			ans.publish, ans.err = pub.Publish(callCtx, envID, publish, remark)
		}
		if len(offline) > 0 && ans.err == nil {
			ans.offline, ans.err = pub.Offline(callCtx, envID, offline)
		}
		if ans.err == nil {
			landed(ans)
		} else {
			log.V(1).Info("A batch call failed", "error", ans.err.Error())
		}
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
	if f.busy[uid] {
		f.gone[uid] = true
	}
}
