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
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// summarizeGateway writes an ApiGateway's status from what the probe found.
func summarizeGateway(gw *v1alpha1.ApiGateway, out gatewayOutcome) {
	gw.Status.ObservedGeneration = gw.Generation
	if v, ok := gw.Annotations[v1alpha1.ReconcileRequestAnnotation]; ok {
		gw.Status.LastHandledReconcileAt = v
	}
	if out.err == nil && gw.Spec.Provider == v1alpha1.ProviderAPIG {
		gw.Status.Environments = make([]v1alpha1.Environment, 0, len(out.envs))
		for _, e := range out.envs {
			gw.Status.Environments = append(gw.Status.Environments, v1alpha1.Environment{ID: e.ID, Name: e.Name})
		}
	}
	applyVerdict(&gw.Status.Conditions, gw.Generation, gatewayVerdict(gw, out))
}

func gatewayVerdict(gw *v1alpha1.ApiGateway, out gatewayOutcome) verdict {
	if out.err == nil {
		msg := "Connected to " + gw.Spec.Endpoint
		if len(out.envs) > 0 {
			names := make([]string, len(out.envs))
			for i, e := range out.envs {
				names[i] = e.Name
			}
			msg += "; environments: " + strings.Join(names, ", ")
		}
		return verdict{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonSucceeded, message: msg}
	}
	if ce, ok := isConfigError(out.err); ok {
		return verdict{ready: metav1.ConditionFalse, reason: ce.Reason, message: ce.Message, reconciling: true}
	}
	class, delay := gateway.Classify(out.err)
	switch {
	case gateway.IsTLSVerification(out.err):
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonTLSVerificationFailed, stalled: true,
			message: fmt.Sprintf("%v. The gateway's certificate is not trusted: set spec.tls.caBundleRef to the CA "+
				"that signed it (the gateway is checked again when the bundle changes), or check spec.endpoint", out.err)}
	case gateway.IsAuth(out.err):
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonAuthenticationFailed, stalled: true,
			message: fmt.Sprintf("The gateway refused the credentials in Secret %s: %v. Fix the Secret; the gateway is "+
				"checked again as soon as it changes", gw.Spec.CredentialsRef.Name, out.err)}
	case class == gateway.Terminal:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayError, stalled: true,
			message: fmt.Sprintf("%v. Check spec.endpoint, spec.projectId and spec.instanceId", out.err)}
	case class == gateway.Waiting && gateway.HasCode(out.err, gateway.CodeThrottled, gateway.CodeTooManyRequests):
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonRateLimited, reconciling: true,
			message: fmt.Sprintf("%v; trying again in %s", out.err, delay)}
	case class == gateway.Waiting:
		return verdict{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayError, reconciling: true,
			message: fmt.Sprintf("%v. Check spec.projectId and spec.instanceId; trying again in %s", out.err, delay)}
	default:
		return verdict{ready: metav1.ConditionUnknown, reason: v1alpha1.ReasonGatewayUnreachable, reconciling: true,
			message: fmt.Sprintf("%v; retrying", out.err)}
	}
}

func isStalled(conds []metav1.Condition) bool {
	return meta.IsStatusConditionTrue(conds, v1alpha1.ConditionStalled)
}

func readyReason(gw *v1alpha1.ApiGateway) string {
	if c := meta.FindStatusCondition(gw.Status.Conditions, v1alpha1.ConditionReady); c != nil {
		return c.Reason
	}
	return ""
}

func readyMessage(gw *v1alpha1.ApiGateway) string {
	if c := meta.FindStatusCondition(gw.Status.Conditions, v1alpha1.ConditionReady); c != nil {
		return c.Message
	}
	return ""
}
