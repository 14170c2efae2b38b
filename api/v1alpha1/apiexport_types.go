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

// ApiExportSpec states which published definitions are exported, how, and
// where to.
type ApiExportSpec struct {
	// gatewayRef names the gateway to export from: an ApiGateway in the same
	// namespace, or a ClusterApiGateway that admits this namespace. It must be an
	// APIG gateway: DataArts has no export.
	// +required
	GatewayRef GatewayReference `json:"gatewayRef"`

	// environment whose published definitions are exported, by name (for example
	// RELEASE) or ID.
	// +required
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^([A-Za-z][A-Za-z0-9_]{2,63}|[0-9a-f]{32})$`
	Environment string `json:"environment"`

	// group is the API group to export, by id or name; the gateway exports one
	// group at a time.
	// +required
	Group GroupReference `json:"group"`

	// apis restricts the export to these APIs of the group, by id or name.
	// Default: every API of the group published in the environment.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1000
	APIs []ApiReference `json:"apis,omitempty"`

	// oasVersion is the document format: "2.0" (Swagger 2.0, default) or "3.0"
	// (OpenAPI 3.0).
	// +optional
	// +kubebuilder:default="2.0"
	// +kubebuilder:validation:Enum="2.0";"3.0"
	OASVersion string `json:"oasVersion,omitempty"`

	// define is how much of each API is exported: spec (the frontend definition,
	// default), proxy (frontend and backend), all (plus throttling, access control
	// and authorizer extensions) or dev (also APIs not published in the
	// environment).
	// +optional
	// +kubebuilder:default=spec
	// +kubebuilder:validation:Enum=spec;proxy;all;dev
	Define string `json:"define,omitempty"`

	// format of the document: json (default) or yaml.
	// +optional
	// +kubebuilder:default=json
	// +kubebuilder:validation:Enum=json;yaml
	Format string `json:"format,omitempty"`

	// version is written as the document's info.version. Default: the gateway uses
	// the time of the export.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Version string `json:"version,omitempty"`

	// target is the ConfigMap or Secret, in the same namespace, that receives the
	// document. The operator creates it, owns it (it is deleted with this
	// ApiExport) and rewrites it only when the document changes. An existing
	// object it does not own is left alone and reported as TargetConflict.
	// +required
	Target ExportTarget `json:"target"`

	// interval is how often the document is exported again, as a Go duration, at
	// least 1m. An ApiPublication changing what is published in the same gateway
	// and environment also triggers an export. Default: 1h.
	// +optional
	// +kubebuilder:default="1h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m')",message="spec.interval must be at least 1m"
	Interval *metav1.Duration `json:"interval,omitempty"`
}

// ExportTarget is where an exported document is stored: exactly one of
// configMap and secret.
// +kubebuilder:validation:XValidation:rule="has(self.configMap) != has(self.secret)",message="set exactly one of spec.target.configMap or spec.target.secret"
type ExportTarget struct {
	// configMap receives the document. Documents over 900 KiB are stored
	// gzip-compressed in binaryData under <key>.gz.
	// +optional
	ConfigMap *ExportTargetObject `json:"configMap,omitempty"`

	// secret receives the document, for definitions that must not be readable by
	// everyone who can read ConfigMaps. Opt-in: the manager needs the flag
	// --enable-secret-targets and the RBAC of config/components/secret-targets;
	// without them nothing is written and Ready is False with reason
	// SecretTargetsDisabled.
	// +optional
	Secret *ExportTargetObject `json:"secret,omitempty"`
}

// ExportTargetObject names a ConfigMap or Secret and the key the document is
// stored under.
type ExportTargetObject struct {
	// name of the ConfigMap or Secret: a DNS subdomain name (lower-case letters,
	// digits, '-' and '.').
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!format.dns1123Subdomain().validate(self).hasValue()",message="name must be a DNS subdomain name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
	Name string `json:"name"`

	// key the document is stored under: letters, digits, '-', '_' and '.', not
	// "." or "..", and not ending in .gz, which marks a compressed document.
	// Default: openapi.json or openapi.yaml, after format.
	// +optional
	// +kubebuilder:validation:MaxLength=250
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self != '.' && self != '..'",message="key must not be . or .."
	// +kubebuilder:validation:XValidation:rule="!self.endsWith('.gz')",message="key must not end in .gz: a document over 900 KiB is stored compressed under <key>.gz"
	Key string `json:"key,omitempty"`
}

// ApiExportStatus is what the last export produced.
type ApiExportStatus struct {
	// observedGeneration is the generation of the spec the last verdict was
	// reached for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// lastHandledReconcileAt is the last value of the requested-at annotation that
	// was acted on.
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`

	// taskId is the gateway's export task, written before it is polled so that a
	// restarted operator resumes it instead of starting another.
	// +optional
	TaskID string `json:"taskId,omitempty"`

	// taskSourceDigest is the sourceDigest when the task in taskId was started: its
	// document is what was published then, and is recorded as such, so that a change
	// while the task runs triggers the next export.
	// +optional
	TaskSourceDigest string `json:"taskSourceDigest,omitempty"`

	// sourceDigest identifies what the environment published (API IDs and publish
	// records) when the document was exported; a change triggers the next export.
	// +optional
	SourceDigest string `json:"sourceDigest,omitempty"`

	// lastExportTime is when the document in the target was last confirmed
	// current.
	// +optional
	LastExportTime *metav1.Time `json:"lastExportTime,omitempty"`

	// contentSHA256 is the hex SHA-256 of the document (before any compression).
	// +optional
	ContentSHA256 string `json:"contentSHA256,omitempty"`

	// size of the document in bytes, before any compression.
	// +optional
	Size int64 `json:"size,omitempty"`

	// apiCount is the number of APIs in the document.
	// +optional
	APICount int32 `json:"apiCount,omitempty"`

	// conditions: Ready says whether the target holds the current document;
	// Reconciling appears while an export runs; Stalled when it cannot succeed
	// without a change.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ApiExport keeps a ConfigMap or Secret holding the Swagger 2.0 or OpenAPI 3.0
// document of an API group's definitions published in one environment.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=apiexp,categories=apig
// +kubebuilder:printcolumn:name="Gateway",type=string,JSONPath=`.spec.gatewayRef.name`
// +kubebuilder:printcolumn:name="Environment",type=string,JSONPath=`.spec.environment`
// +kubebuilder:printcolumn:name="OAS",type=string,JSONPath=`.spec.oasVersion`
// +kubebuilder:printcolumn:name="APIs",type=integer,JSONPath=`.status.apiCount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ApiExport struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the declared export.
	// +required
	Spec ApiExportSpec `json:"spec"`

	// status is what the last export produced.
	// +optional
	Status ApiExportStatus `json:"status,omitempty"`
}

// ApiExportList is a list of ApiExports.
// +kubebuilder:object:root=true
type ApiExportList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApiExport `json:"items"`
}
