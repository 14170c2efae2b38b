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
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// TestOutcomeOf: every kind of pass failure maps to one reason, one set of conditions, one
// retry, and the kstatus that kubectl and Flux compute from them. A failed attempt is
// Ready=False without Reconciling: kstatus calls it InProgress (it will be retried), Argo CD's
// health check Degraded; only a stall is Failed.
func TestOutcomeOf(t *testing.T) {
	const requeue = time.Minute
	refused := &gateway.Error{Op: "list environments", HTTPStatus: 401, Code: "APIG.1002", Message: "Incorrect token"}
	cases := []struct {
		reason  string
		err     error
		want    string // condition reason
		ready   metav1.ConditionStatus
		stalled bool
		result  ctrl.Result
		retried bool // the error is returned for the workqueue's backoff
		kstatus status.Status
	}{
		{"a pass that succeeds", nil, v1alpha1.ReasonSucceeded, metav1.ConditionTrue, false,
			ctrl.Result{RequeueAfter: requeue}, false, status.CurrentStatus},
		{"refused credentials stall until the Secret changes", refused,
			v1alpha1.ReasonAuthenticationFailed, metav1.ConditionFalse, true, ctrl.Result{}, false, status.FailedStatus},
		{"a throttle with an APIG code waits for Retry-After",
			&gateway.Error{HTTPStatus: 429, Code: gateway.CodeThrottled, RetryAfter: 3 * time.Second},
			v1alpha1.ReasonRateLimited, metav1.ConditionFalse, false, ctrl.Result{RequeueAfter: 3 * time.Second}, false, status.InProgressStatus},
		{"a bare 429 without a code is throttling too", &gateway.Error{Op: "publish APIs", HTTPStatus: 429},
			v1alpha1.ReasonRateLimited, metav1.ConditionFalse, false, ctrl.Result{RequeueAfter: gateway.ThrottleDelay}, false, status.InProgressStatus},
		{"APIG.9008 comes with a 500 and is throttling", &gateway.Error{HTTPStatus: 500, Code: gateway.CodeTooManyRequests},
			v1alpha1.ReasonRateLimited, metav1.ConditionFalse, false, ctrl.Result{RequeueAfter: gateway.ThrottleDelay}, false, status.InProgressStatus},
		{"a missing environment waits for it", &gateway.Error{Code: gateway.CodeEnvNotFound, Message: "environment TEST does not exist"},
			v1alpha1.ReasonEnvironmentNotFound, metav1.ConditionFalse, false, ctrl.Result{RequeueAfter: gateway.NotFoundDelay}, false, status.InProgressStatus},
		{"a missing group waits for it", &gateway.Error{HTTPStatus: 404, Code: gateway.CodeGroupNotFound},
			v1alpha1.ReasonGroupNotFound, metav1.ConditionFalse, false, ctrl.Result{RequeueAfter: gateway.NotFoundDelay}, false, status.InProgressStatus},
		{"a bad request stalls", &gateway.Error{HTTPStatus: 400, Code: "APIG.2012"},
			v1alpha1.ReasonGatewayError, metav1.ConditionFalse, true, ctrl.Result{}, false, status.FailedStatus},
		{"a 5xx is transient: Ready False, backoff", &gateway.Error{HTTPStatus: 503},
			v1alpha1.ReasonGatewayUnreachable, metav1.ConditionFalse, false, ctrl.Result{}, true, status.InProgressStatus},
		{"a dropped connection is transient", gateway.Transport("list APIs", &net.OpError{Op: "read", Err: errors.New("reset")}),
			v1alpha1.ReasonGatewayUnreachable, metav1.ConditionFalse, false, ctrl.Result{}, true, status.InProgressStatus},
		{"an error from outside the gateway is transient", context.DeadlineExceeded,
			v1alpha1.ReasonGatewayUnreachable, metav1.ConditionFalse, false, ctrl.Result{}, true, status.InProgressStatus},
		{"a declaration the provider cannot act on stalls", &driver.InvalidDeclaration{Message: "spec.group is only possible on APIG"},
			v1alpha1.ReasonInvalidSpec, metav1.ConditionFalse, true, ctrl.Result{}, false, status.FailedStatus},
		{"stalling keeps its reason through wrapping", fmt.Errorf("pass: %w", stalling(v1alpha1.ReasonExportTooLarge, errors.New("too large"))),
			v1alpha1.ReasonExportTooLarge, metav1.ConditionFalse, true, ctrl.Result{}, false, status.FailedStatus},
		{"a stall looked at again later", stallingRecheck(v1alpha1.ReasonTLSVerificationFailed, 5*time.Minute, errors.New("untrusted")),
			v1alpha1.ReasonTLSVerificationFailed, metav1.ConditionFalse, true, ctrl.Result{RequeueAfter: 5 * time.Minute}, false, status.FailedStatus},
		{"waiting for a watch does not requeue", waiting(v1alpha1.ReasonSecretNotFound, 0, errors.New("no Secret")),
			v1alpha1.ReasonSecretNotFound, metav1.ConditionFalse, false, ctrl.Result{}, false, status.InProgressStatus},
		{"waiting with a delay", waiting(v1alpha1.ReasonGatewayNotReady, 30*time.Second, errors.New("not ready")),
			v1alpha1.ReasonGatewayNotReady, metav1.ConditionFalse, false, ctrl.Result{RequeueAfter: 30 * time.Second}, false, status.InProgressStatus},
		{"a transient failure with a reason of its own", retrying(v1alpha1.ReasonGatewayUnreachable, errors.New("deletion blocked")),
			v1alpha1.ReasonGatewayUnreachable, metav1.ConditionFalse, false, ctrl.Result{}, true, status.InProgressStatus},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			o := outcomeOf(tc.err)
			if o.reason != tc.want || o.ready != tc.ready || o.stalled != tc.stalled || o.reconciling {
				t.Errorf("outcome = %s %s stalled=%t reconciling=%t; want %s %s stalled=%t", o.ready, o.reason, o.stalled,
					o.reconciling, tc.ready, tc.want, tc.stalled)
			}
			res, err := o.result(requeue)
			if res != tc.result || (err != nil) != tc.retried {
				t.Errorf("result = %+v, %v; want %+v, error returned %t", res, err, tc.result, tc.retried)
			}
			if err != nil && !errors.Is(err, tc.err) {
				t.Errorf("the returned error %v is not the pass's error", err)
			}
			if got := kstatusOfVerdict(t, o.verdict); got != tc.kstatus {
				t.Errorf("kstatus = %s, want %s", got, tc.kstatus)
			}
		})
	}
}

// TestOutcomeKeepsTheCause: the cause of a pass error stays reachable, and its message is
// the condition message.
func TestOutcomeKeepsTheCause(t *testing.T) {
	cause := &gateway.Error{Op: "publish APIs", HTTPStatus: 404, Code: gateway.CodeEnvNotFound, Message: "Environment TEST does not exist"}
	err := waiting(v1alpha1.ReasonEnvironmentNotFound, time.Minute, fmt.Errorf("resolve: %w", cause))
	if !errors.Is(err, cause) || !gateway.HasCode(err, gateway.CodeEnvNotFound) {
		t.Errorf("the cause is lost: %v", err)
	}
	if got := outcomeOf(err).message; got != "resolve: publish APIs: APIG.3003 Environment TEST does not exist (HTTP 404)" {
		t.Errorf("message = %q", got)
	}
	if got := outcomeOf(&gateway.Error{Op: "list APIs", HTTPStatus: 502}).message; got != "list APIs: Bad Gateway (HTTP 502); retrying" {
		t.Errorf("message of a transient error = %q", got)
	}
}

// kstatusOfVerdict applies v to an ApiPublication as a pass would and computes its kstatus.
func kstatusOfVerdict(t *testing.T, v verdict) status.Status {
	t.Helper()
	pub := &v1alpha1.ApiPublication{TypeMeta: metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "ApiPublication"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Generation: 2}}
	pub.Status.ObservedGeneration = 2
	applyVerdict(&pub.Status.Conditions, 2, v)
	if meta.FindStatusCondition(pub.Status.Conditions, v1alpha1.ConditionReady) == nil {
		t.Fatal("no Ready condition")
	}
	data, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pub)
	if err != nil {
		t.Fatal(err)
	}
	res, err := status.Compute(&unstructured.Unstructured{Object: data})
	if err != nil {
		t.Fatal(err)
	}
	return res.Status
}
