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

// Package v1alpha1 holds the publishing.apig-operator.dev/v1alpha1 API: ApiGateway (how to reach
// a gateway) and ClusterApiGateway (the same, for the namespaces it admits), ApiPublication (which APIs are published where) and ApiExport (the published
// definitions as a document in the cluster).
// +kubebuilder:object:generate=true
// +groupName=publishing.apig-operator.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "publishing.apig-operator.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds of this package with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the kinds of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&ApiGateway{}, &ApiGatewayList{},
		&ClusterApiGateway{}, &ClusterApiGatewayList{},
		&ApiPublication{}, &ApiPublicationList{},
		&ApiExport{}, &ApiExportList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
