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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

func TestCacheTransformDropsWhatIsNeverRead(t *testing.T) {
	pub := &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Name: "p",
		Annotations:   map[string]string{lastApplied: `{"spec":{}}`, v1alpha1.ReconcileRequestAnnotation: "1"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
	original := pub.Annotations
	out, err := CacheTransform(pub)
	if err != nil || out != pub {
		t.Fatalf("CacheTransform = %v, %v", out, err)
	}
	if pub.ManagedFields != nil {
		t.Error("managedFields kept")
	}
	if _, ok := pub.Annotations[lastApplied]; ok || pub.Annotations[v1alpha1.ReconcileRequestAnnotation] != "1" {
		t.Errorf("annotations %v: want only the last-applied one dropped", pub.Annotations)
	}
	if _, ok := original[lastApplied]; !ok {
		t.Error("the annotation map the object came with was changed in place")
	}
	if out, err := CacheTransform("not an object"); err != nil || out != "not an object" {
		t.Errorf("a value that is no object: %v, %v", out, err)
	}
}
