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

// Provider is the kind of gateway an ApiGateway reaches.
// +kubebuilder:validation:Enum=APIG;DataArts
type Provider string

const (
	// ProviderAPIG is a Huawei Cloud API Gateway dedicated instance, API v2.
	ProviderAPIG Provider = "APIG"
	// ProviderDataArts is a DataArts Studio DataService exclusive cluster.
	ProviderDataArts Provider = "DataArts"
)

// Keys read from the credentials Secret.
const (
	// SecretTypeCredentials is the Secret type of the project's own for gateway
	// credentials; Opaque Secrets are read as credentials too, no other type is.
	SecretTypeCredentials = "publishing.apig-operator.dev/credentials"

	SecretKeyAccessKey     = "accessKey"
	SecretKeySecretKey     = "secretKey"
	SecretKeySecurityToken = "securityToken"
	SecretKeyToken         = "token"
)

// ApiGatewaySpec says how to reach one gateway instance.
// +kubebuilder:validation:XValidation:rule="self.provider == 'DataArts' ? has(self.workspace) : !has(self.workspace)",message="spec.workspace is required when provider is DataArts, and must not be set for APIG",fieldPath=".workspace"
type ApiGatewaySpec struct {
	// provider is the kind of gateway: APIG (API Gateway dedicated instance) or
	// DataArts (DataArts Studio DataService exclusive cluster). Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.provider is immutable"
	Provider Provider `json:"provider"`

	// endpoint is the base URL of the gateway's management API, for example
	// https://apig.cn-north-4.myhuaweicloud.com, without user info, query or
	// fragment. The manager calls only the hosts its --allowed-endpoints admits
	// (the Huawei Cloud public API domains by default), and http only with
	// --insecure-allow-http.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://[^\s/]+(/[^\s]*)?$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('@') && !self.contains('?') && !self.contains('#')",message="spec.endpoint must not carry user info (@), a query (?) or a fragment (#)"
	Endpoint string `json:"endpoint"`

	// projectId is the Huawei Cloud project the gateway belongs to: 32 lower-case
	// hexadecimal characters. It is sent with every call, so no IAM lookup
	// happens.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{32}$`
	ProjectID string `json:"projectId"`

	// instanceId is the APIG gateway ID, or the DataArts DataService cluster ID:
	// 32 lower-case hexadecimal characters. Changing it points every dependent
	// ApiPublication at another gateway.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{32}$`
	InstanceID string `json:"instanceId"`

	// workspace is the DataArts Studio workspace ID, sent as the workspace header.
	// Required when provider is DataArts; must not be set for APIG.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z_-]+$`
	Workspace string `json:"workspace,omitempty"`

	// credentialsRef names a Secret in the same namespace that holds either
	// accessKey and secretKey (plus securityToken for temporary credentials), used
	// for SDK-HMAC-SHA256 request signing, or token, sent as the X-Auth-Token
	// header. A change to the Secret is picked up without a restart.
	// +required
	CredentialsRef LocalObjectReference `json:"credentialsRef"`

	// tls configures how the gateway's certificate is verified. By default the
	// system roots are used and verification is on.
	// +optional
	TLS *TLSConfig `json:"tls,omitempty"`

	// rateLimit bounds the calls made to this gateway, shared by every object that
	// uses it. Default: 10 requests per second, bursts of 20.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`

	// observeInterval is how stale a read of the gateway may be: what each
	// environment serves is re-read at most this often, which bounds how long
	// drift made behind the operator's back goes unnoticed. A Go duration, at
	// least 5s and at most 24h. Default: 1m.
	// +optional
	// +kubebuilder:default="1m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('5s')",message="spec.observeInterval must be at least 5s"
	// +kubebuilder:validation:XValidation:rule="duration(self) <= duration('24h')",message="spec.observeInterval must be at most 24h"
	ObserveInterval *metav1.Duration `json:"observeInterval,omitempty"`
}

// TLSConfig configures verification of the gateway's certificate.
// +kubebuilder:validation:XValidation:rule="!(has(self.caBundleRef) && has(self.insecureSkipVerify) && self.insecureSkipVerify)",message="set either spec.tls.caBundleRef or spec.tls.insecureSkipVerify, not both"
type TLSConfig struct {
	// caBundleRef names a Secret or ConfigMap key in the same namespace that holds
	// PEM CA certificates to trust instead of the system roots.
	// +optional
	CABundleRef *CABundleReference `json:"caBundleRef,omitempty"`

	// insecureSkipVerify turns certificate verification off. Only for development:
	// anyone on the path can then read the credentials' signatures and the API
	// definitions. Default: false.
	// +optional
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
}

// CABundleReference names a key of a Secret or ConfigMap in the same
// namespace.
type CABundleReference struct {
	// kind of the object holding the bundle: Secret or ConfigMap. Default:
	// ConfigMap.
	// +optional
	// +kubebuilder:default=ConfigMap
	// +kubebuilder:validation:Enum=Secret;ConfigMap
	Kind string `json:"kind,omitempty"`

	// name of the Secret or ConfigMap: a DNS subdomain name (lower-case letters,
	// digits, '-' and '.').
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!format.dns1123Subdomain().validate(self).hasValue()",message="name must be a DNS subdomain name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
	Name string `json:"name"`

	// key holding the PEM bundle. Default: ca.crt.
	// +optional
	// +kubebuilder:default="ca.crt"
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key,omitempty"`
}

// RateLimit is a token bucket for the calls made to one gateway.
type RateLimit struct {
	// qps is the sustained number of calls per second. Default: 10.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	QPS int32 `json:"qps,omitempty"`

	// burst is the number of calls that may be made at once above qps. Default:
	// 20.
	// +optional
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	Burst int32 `json:"burst,omitempty"`
}

// Environment is an environment of an APIG gateway.
type Environment struct {
	// id of the environment; RELEASE is DEFAULT_ENVIRONMENT_RELEASE_ID.
	ID string `json:"id"`
	// name of the environment.
	Name string `json:"name"`
}

// ApiGatewayStatus is what the operator last observed of the gateway.
type ApiGatewayStatus struct {
	// observedGeneration is the generation of the spec the last verdict was
	// reached for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// lastHandledReconcileAt is the last value of the requested-at annotation that
	// was acted on.
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`

	// environments of an APIG gateway, as listed by the last successful probe.
	// +optional
	// +listType=map
	// +listMapKey=id
	Environments []Environment `json:"environments,omitempty"`

	// conditions: Ready says whether the gateway was reached with the credentials;
	// Stalled appears when it cannot be without a change (bad credentials);
	// Reconciling while a check is in progress.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ApiGateway says how to reach one APIG gateway instance or DataArts
// DataService cluster, and with which credentials. ApiPublications and
// ApiExports in the same namespace refer to it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=apigw,categories=apig
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="Instance",type=string,JSONPath=`.spec.instanceId`,priority=1
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.endpoint`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ApiGateway struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says how to reach the gateway.
	// +required
	Spec ApiGatewaySpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	Status ApiGatewayStatus `json:"status,omitempty"`
}

// ApiGatewayList is a list of ApiGateways.
// +kubebuilder:object:root=true
type ApiGatewayList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApiGateway `json:"items"`
}
