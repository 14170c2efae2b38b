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
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// summarizeGateway is the one place that writes an ApiGateway's status.
func summarizeGateway(s *gwScope, err error) {
	gw := s.gw
	gw.Status.ObservedGeneration = gw.Generation
	if v, ok := gw.Annotations[v1alpha1.ReconcileRequestAnnotation]; ok {
		gw.Status.LastHandledReconcileAt = v
	}
	if err == nil && gw.Spec.Provider == v1alpha1.ProviderAPIG {
		gw.Status.Environments = make([]v1alpha1.Environment, 0, len(s.envs))
		for _, e := range s.envs {
			gw.Status.Environments = append(gw.Status.Environments, v1alpha1.Environment{ID: e.ID, Name: e.Name})
		}
	}
	applyVerdict(&gw.Status.Conditions, gw.Generation, gatewayVerdict(s, err))
}

func gatewayVerdict(s *gwScope, err error) verdict {
	if err != nil {
		return outcomeOf(err).verdict
	}
	msg := "Connected to " + s.gw.Spec.Endpoint
	if len(s.envs) > 0 {
		names := make([]string, len(s.envs))
		for i, e := range s.envs {
			names[i] = e.Name
		}
		msg += "; environments: " + strings.Join(names, ", ")
	}
	return verdict{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonSucceeded, message: msg}
}
