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

const (
	// Finalizer keeps an ApiPublication until its APIs were handled according to
	// its deletionPolicy.
	Finalizer = "publishing.apig-operator.dev/finalizer"

	// ReconcileRequestAnnotation triggers a reconcile pass whenever its value
	// changes; the handled value is echoed in status.lastHandledReconcileAt.
	ReconcileRequestAnnotation = "publishing.apig-operator.dev/requested-at"
)

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// name of the referenced object, in the namespace of the referring object: a
	// DNS subdomain name (lower-case letters, digits, '-' and '.').
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!format.dns1123Subdomain().validate(self).hasValue()",message="name must be a DNS subdomain name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
	Name string `json:"name"`
}

// GatewayReference names the gateway an object uses: an ApiGateway in its own
// namespace, or a ClusterApiGateway that admits its namespace.
type GatewayReference struct {
	// kind of the gateway object: ApiGateway (default) or ClusterApiGateway.
	// +optional
	// +kubebuilder:default=ApiGateway
	// +kubebuilder:validation:Enum=ApiGateway;ClusterApiGateway
	Kind string `json:"kind,omitempty"`

	// name of the ApiGateway in the namespace of the referring object, or of the
	// ClusterApiGateway: a DNS subdomain name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!format.dns1123Subdomain().validate(self).hasValue()",message="name must be a DNS subdomain name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
	Name string `json:"name"`
}

// ApiReference selects one API of a gateway, by ID or by name: exactly one of
// the two.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.name)",message="set exactly one of id or name for each API"
type ApiReference struct {
	// id of the API on the gateway: 32 lower-case hexadecimal characters.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{32}$`
	ID string `json:"id,omitempty"`

	// name of the API, resolved to its ID on the gateway. API names are unique
	// within a gateway instance; 3 to 255 characters.
	// +optional
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=255
	Name string `json:"name,omitempty"`
}

// GroupReference selects an API group of a gateway, by ID or by name: exactly
// one of the two.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.name)",message="set exactly one of id or name for the group"
type GroupReference struct {
	// id of the API group: 32 lower-case hexadecimal characters.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{32}$`
	ID string `json:"id,omitempty"`

	// name of the API group, resolved to its ID on the gateway; 3 to 255
	// characters.
	// +optional
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=255
	Name string `json:"name,omitempty"`
}

// ApiError is the gateway's answer when an operation on one API failed.
type ApiError struct {
	// code is the gateway's error_code, for example APIG.3002.
	// +optional
	Code string `json:"code,omitempty"`

	// message is the gateway's error_msg, followed by what to do about it when
	// that is known.
	// +optional
	Message string `json:"message,omitempty"`
}
