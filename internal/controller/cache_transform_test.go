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
	"encoding/json"
	"testing"
	"unsafe"

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

func TestCacheTransformSharesRepeatedStrings(t *testing.T) {
	decode := func(name string) *v1alpha1.ApiPublication {
		t.Helper()
		// Decoded from JSON as the informer does: each object gets its own copy of every string.
		data := []byte(`{"metadata":{"name":"` + name + `","namespace":"team-a","finalizers":["` + v1alpha1.Finalizer + `"]},
			"spec":{"gatewayRef":{"kind":"ApiGateway","name":"prod"},"environment":"RELEASE","state":"Published","apis":[{"id":"` + name + `"}]},
			"status":{"instance":"APIG/apig.cn-north-4.myhuaweicloud.com/0a1b2c3d4e5f/eddc4d25480b",
				"environmentId":"b56ce4002507e8a3","apis":[{"id":"` + name + `","state":"Published"}],
				"conditions":[{"type":"Ready","status":"True","reason":"Succeeded","message":"1 APIs published in RELEASE"}]}}`)
		pub := &v1alpha1.ApiPublication{}
		if err := json.Unmarshal(data, pub); err != nil {
			t.Fatal(err)
		}
		if _, err := CacheTransform(pub); err != nil {
			t.Fatal(err)
		}
		return pub
	}
	a, b := decode("a"), decode("b")
	same := func(field, x, y string) {
		t.Helper()
		if x != y || unsafe.StringData(x) != unsafe.StringData(y) {
			t.Errorf("%s: %q and %q are two copies", field, x, y)
		}
	}
	same("namespace", a.Namespace, b.Namespace)
	same("finalizer", a.Finalizers[0], b.Finalizers[0])
	same("spec.gatewayRef.name", a.Spec.GatewayRef.Name, b.Spec.GatewayRef.Name)
	same("spec.environment", a.Spec.Environment, b.Spec.Environment)
	same("status.instance", a.Status.Instance, b.Status.Instance)
	same("status.environmentId", a.Status.EnvironmentID, b.Status.EnvironmentID)
	same("status.apis[0].state", a.Status.APIs[0].State, b.Status.APIs[0].State)
	same("status.conditions[0].message", a.Status.Conditions[0].Message, b.Status.Conditions[0].Message)
	if a.Status.APIs[0].ID != "a" || b.Status.APIs[0].ID != "b" || a.Name != "a" || b.Name != "b" {
		t.Errorf("what differs must stay apart: %q %q %q %q", a.Name, b.Name, a.Status.APIs[0].ID, b.Status.APIs[0].ID)
	}
}
