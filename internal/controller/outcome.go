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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// passError is a pass's failure with the condition reason it earns, how it is retried, and
// its cause (wrapped). Build one with stalling, waiting or retrying; any other error is
// classified by gateway.Classify in outcomeOf.
type passError struct {
	reason string
	class  gateway.Class
	// after: waiting, when to try again (0: when a watch brings the object back); stalling,
	// when to look again anyway (0: never).
	after time.Duration
	err   error
}

func (e *passError) Error() string { return e.err.Error() }
func (e *passError) Unwrap() error { return e.err }

// stalling is a failure only a change of spec, Secret or gateway can end.
func stalling(reason string, err error) error {
	return &passError{reason: reason, class: gateway.Terminal, err: err}
}

// stallingRecheck is a failure a change is expected to end, looked at again after a while
// anyway in case something outside the cluster changed.
func stallingRecheck(reason string, after time.Duration, err error) error {
	return &passError{reason: reason, class: gateway.Terminal, after: after, err: err}
}

// waiting is a failure that time or a change outside the spec may end: tried again after.
func waiting(reason string, after time.Duration, err error) error {
	return &passError{reason: reason, class: gateway.Waiting, after: after, err: err}
}

// retrying is a transient failure with a reason of its own: tried again with backoff.
func retrying(reason string, err error) error {
	return &passError{reason: reason, class: gateway.Transient, err: err}
}

// hasReason reports whether err is a passError with the reason.
func hasReason(err error, reason string) bool {
	var pe *passError
	return errors.As(err, &pe) && pe.reason == reason
}

// outcome is what a pass concluded: the conditions it earns and how it is retried.
type outcome struct {
	verdict
	class gateway.Class
	delay time.Duration
	err   error
}

// outcomeOf is the one mapping from a pass's error to conditions and retry, for every kind. A
// failed attempt is Ready=False whether or not it is retried (Argo CD shows it Degraded, a
// sync wave waiting on it fails); Stalled=True only where nothing but a change helps.
// Reconciling is left to passes whose work is under way: calls in flight, an action waiting
// for its time.
func outcomeOf(err error) outcome {
	if err == nil {
		return outcome{verdict: verdict{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonSucceeded}}
	}
	var pe *passError
	msg := err.Error()
	if !errors.As(err, &pe) {
		pe = classified(err)
		msg = pe.err.Error()
	}
	return outcome{class: pe.class, delay: pe.after, err: err,
		verdict: verdict{ready: metav1.ConditionFalse, reason: pe.reason, message: msg, stalled: pe.class == gateway.Terminal}}
}

// classified gives an error that is not a passError its reason, from gateway.Classify.
func classified(err error) *passError {
	var invalid *driver.InvalidDeclaration
	if errors.As(err, &invalid) {
		return &passError{reason: v1alpha1.ReasonInvalidSpec, class: gateway.Terminal, err: err}
	}
	h := gateway.Classify(err)
	pe := &passError{reason: v1alpha1.ReasonGatewayError, class: h.Class, after: h.Delay}
	switch {
	case h.Auth:
		pe.reason, pe.err = v1alpha1.ReasonAuthenticationFailed, fmt.Errorf("%w: fix the credentials of the ApiGateway", err)
	case h.Throttled:
		pe.reason, pe.err = v1alpha1.ReasonRateLimited, fmt.Errorf("%w; calls to this gateway resume in %s", err, h.Delay)
	case gateway.HasCode(err, gateway.CodeEnvNotFound):
		pe.reason, pe.err = v1alpha1.ReasonEnvironmentNotFound, fmt.Errorf("%w: create the environment or fix spec.environment", err)
	case gateway.HasCode(err, gateway.CodeGroupNotFound):
		pe.reason, pe.err = v1alpha1.ReasonGroupNotFound, fmt.Errorf("%w: create the group or fix spec.group", err)
	case h.Class == gateway.Terminal:
		pe.err = err
	case h.Class == gateway.Waiting:
		pe.err = fmt.Errorf("%w; trying again in %s", err, h.Delay)
	default:
		pe.reason, pe.err = v1alpha1.ReasonGatewayUnreachable, fmt.Errorf("%w; retrying", err)
	}
	return pe
}

// result is the one handling path of each class: success comes back after requeue; a
// stall waits for a change (or its recheck); a waiting error comes back after its delay; a
// transient one is returned for the workqueue's backoff.
func (o outcome) result(requeue time.Duration) (ctrl.Result, error) {
	switch {
	case o.err == nil:
		return ctrl.Result{RequeueAfter: requeue}, nil
	case o.class == gateway.Transient:
		return ctrl.Result{}, o.err
	default:
		return ctrl.Result{RequeueAfter: o.delay}, nil
	}
}

// isPassError reports whether err carries a reason of its own.
func isPassError(err error) bool {
	var pe *passError
	return errors.As(err, &pe)
}
