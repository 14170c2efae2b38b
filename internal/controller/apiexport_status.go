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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// summarizeExport is the one place that writes an ApiExport's conditions.
func summarizeExport(s *expScope, err error) {
	exp := s.exp
	if v, ok := exp.Annotations[v1alpha1.ReconcileRequestAnnotation]; ok {
		exp.Status.LastHandledReconcileAt = v
	}
	exp.Status.ObservedGeneration = exp.Generation
	applyVerdict(&exp.Status.Conditions, exp.Generation, exportVerdict(s, err))
}

func exportVerdict(s *expScope, err error) verdict {
	exp := s.exp
	switch {
	case err != nil:
		return outcomeOf(err).verdict
	case s.running != "":
		return verdict{ready: metav1.ConditionUnknown, reason: v1alpha1.ReasonExporting, reconciling: true,
			message: fmt.Sprintf("Export task %s is running on the gateway", s.running)}
	}
	oas := "Swagger 2.0"
	if exp.Spec.OASVersion == "3.0" {
		oas = "OpenAPI 3.0"
	}
	return verdict{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonSucceeded,
		message: fmt.Sprintf("%s holds the %s document (%s) of %d APIs published in %s, %d bytes",
			targetName(exp), oas, exp.Spec.Format, exp.Status.APICount, exp.Spec.Environment, exp.Status.Size)}
}
