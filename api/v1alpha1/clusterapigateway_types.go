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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KindClusterApiGateway and KindApiGateway are the kinds a gatewayRef names.
const (
	KindApiGateway        = "ApiGateway"
	KindClusterApiGateway = "ClusterApiGateway"
	// KindApiPublication and KindApiExport name the other kinds, in metrics.
	KindApiPublication = "ApiPublication"
	KindApiExport      = "ApiExport"
)

// ClusterApiGatewaySpec is an ApiGateway's spec, for the whole cluster, plus who may use it.
// The ApiGatewaySpec's own rules (workspace iff DataArts) come with it.
type ClusterApiGatewaySpec struct {
	ApiGatewaySpec `json:",inline"`

	// namespaceSelector selects the namespaces whose ApiPublications and
	// ApiExports may use this gateway. Absent, no namespace may: an ApiPublication
	// elsewhere is told so, and nothing is called for it. {} admits every
	// namespace. The credentialsRef and tls.caBundleRef Secrets and ConfigMaps are
	// read from the manager's own namespace (--cluster-resource-namespace), which
	// tenants need not, and should not, be able to read.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
}

// ClusterApiGateway is a gateway that ApiPublications and ApiExports of the
// namespaces it admits use with gatewayRef {kind: ClusterApiGateway, name: ...},
// so that tenants publish through it without holding its credentials.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=capigw,categories=apig
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="Instance",type=string,JSONPath=`.spec.instanceId`,priority=1
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.endpoint`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterApiGateway struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says how to reach the gateway and who may use it.
	// +required
	Spec ClusterApiGatewaySpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	Status ApiGatewayStatus `json:"status,omitempty"`
}

// ClusterApiGatewayList is a list of ClusterApiGateways.
// +kubebuilder:object:root=true
type ClusterApiGatewayList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterApiGateway `json:"items"`
}
