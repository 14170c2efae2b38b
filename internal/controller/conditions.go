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
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// maxMessage bounds condition messages; the API allows 32768 characters, a reader far fewer.
const maxMessage = 2048

// verdict is what one pass concluded about an object: the three conditions. outcomeOf and the
// *_status.go files compute it; applyVerdict is the one place that writes it.
type verdict struct {
	ready   metav1.ConditionStatus
	reason  string
	message string
	// reconciling: changes are in flight or scheduled, or the pass waits to try again.
	reconciling bool
	// stalled: no progress is possible without a change to the spec, the Secret or the gateway.
	stalled bool
}

// recordReady exports an object's Ready condition: the object is counted in apig_objects by
// status and reason, and named in apig_object_not_ready while the status is not True;
// namespace is empty for a cluster-scoped kind.
func recordReady(m *gateway.Metrics, kind, namespace, name string, conds []metav1.Condition) {
	if c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady); c != nil {
		m.SetReady(kind, namespace, name, string(c.Status), c.Reason)
	}
}

// applyVerdict writes Ready (always), Reconciling and Stalled (only while True) as kstatus
// expects, each with the generation it was computed for.
func applyVerdict(conds *[]metav1.Condition, generation int64, v verdict) {
	msg := v.message
	if len(msg) > maxMessage {
		msg = msg[:maxMessage-3] + "..."
	}
	set := func(typ string, status metav1.ConditionStatus) {
		meta.SetStatusCondition(conds, metav1.Condition{
			Type: typ, Status: status, Reason: v.reason, Message: msg, ObservedGeneration: generation,
		})
	}
	set(v1alpha1.ConditionReady, v.ready)
	if v.reconciling {
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue)
	} else {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionReconciling)
	}
	if v.stalled {
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue)
	} else {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionStalled)
	}
}

func isStalled(conds []metav1.Condition) bool {
	return meta.IsStatusConditionTrue(conds, v1alpha1.ConditionStalled)
}

// recordStallChange emits a Warning when an object enters Stalled and a Normal when it leaves
// it for Ready, with the Ready condition's reason and message.
func recordStallChange(rec events.EventRecorder, obj client.Object, before, after []metav1.Condition) {
	was, is := isStalled(before), isStalled(after)
	ready := meta.FindStatusCondition(after, v1alpha1.ConditionReady)
	if rec == nil || ready == nil || was == is {
		return
	}
	switch {
	case is:
		rec.Eventf(obj, nil, corev1.EventTypeWarning, ready.Reason, "Reconcile", "%s", eventNote(ready.Message))
	case ready.Status == metav1.ConditionTrue:
		rec.Eventf(obj, nil, corev1.EventTypeNormal, ready.Reason, "Reconcile", "%s", eventNote(ready.Message))
	}
}

// maxEventNote is the API server's limit on an event's note, in bytes: an event with a longer
// note is refused, and lost.
const maxEventNote = 1024

// eventNote cuts a note to maxEventNote bytes, at a character boundary, marking the cut.
func eventNote(note string) string {
	if len(note) <= maxEventNote {
		return note
	}
	cut := maxEventNote - len("...")
	for cut > 0 && !utf8.RuneStart(note[cut]) {
		cut--
	}
	return note[:cut] + "..."
}
