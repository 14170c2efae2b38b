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

// PublicationState is the state an ApiPublication's APIs are kept in.
// +kubebuilder:validation:Enum=Published;Offline;Suspended
type PublicationState string

const (
	// StatePublished: the APIs are callable in the environment.
	StatePublished PublicationState = "Published"
	// StateOffline: the APIs are not published in the environment.
	StateOffline PublicationState = "Offline"
	// StateSuspended: the APIs are stopped but keep their authorisations (DataArts
	// only).
	StateSuspended PublicationState = "Suspended"
)

// Versioning says when a published API gets a new version.
// +kubebuilder:validation:Enum=Keep;FollowDefinition
type Versioning string

const (
	// VersioningKeep publishes once and then leaves the live version alone.
	VersioningKeep Versioning = "Keep"
	// VersioningFollowDefinition publishes a new version whenever the API
	// definition changed after the live version was published.
	VersioningFollowDefinition Versioning = "FollowDefinition"
)

// DeletionPolicy says what deleting an ApiPublication does on the gateway.
// +kubebuilder:validation:Enum=Offline;Retain
type DeletionPolicy string

const (
	// DeletionPolicyOffline takes the object's APIs offline before the object goes
	// away.
	DeletionPolicyOffline DeletionPolicy = "Offline"
	// DeletionPolicyRetain leaves the gateway untouched.
	DeletionPolicyRetain DeletionPolicy = "Retain"
)

// ManagementPolicy says whether the operator changes the gateway or only reports.
// +kubebuilder:validation:Enum=Manage;Observe
type ManagementPolicy string

const (
	// ManagementPolicyManage keeps the gateway in the declared state.
	ManagementPolicyManage ManagementPolicy = "Manage"
	// ManagementPolicyObserve makes no gateway write: it reports what Manage would do.
	ManagementPolicyObserve ManagementPolicy = "Observe"
)

// PendingAction is what Manage would do to one API, shown while managementPolicy is
// Observe.
type PendingAction string

const (
	// ActionPublish publishes the API (a new version).
	ActionPublish PendingAction = "Publish"
	// ActionOffline takes the API offline in the environment (DataArts: UNPUBLISH).
	ActionOffline PendingAction = "Offline"
	// ActionSwitchVersion makes the pinned version live (targetVersionId).
	ActionSwitchVersion PendingAction = "SwitchVersion"
	// ActionSuspend stops the API (DataArts STOP).
	ActionSuspend PendingAction = "Suspend"
	// ActionRecover restores a stopped API (DataArts RECOVER).
	ActionRecover PendingAction = "Recover"
	// ActionRelease takes offline an API that left the declaration (a prune).
	ActionRelease PendingAction = "Release"
)

// PublishedApi selects one API by ID or by name, optionally pinned to a
// version.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.name)",message="set exactly one of id or name for each API"
type PublishedApi struct {
	// id of the API on the gateway: 32 lower-case hexadecimal characters.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{32}$`
	ID string `json:"id,omitempty"`

	// name of the API, resolved to its ID on the gateway (names are unique within
	// a gateway instance); 3 to 255 characters.
	// +optional
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=255
	Name string `json:"name,omitempty"`

	// versionId pins the API to one of its published versions in the environment:
	// the operator switches to it and keeps it live. The version must exist in
	// that environment (a gateway keeps the last 10); otherwise the API reports
	// VersionNotFound. Removing the pin leaves the live version as it is. APIG
	// only.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{32}$`
	VersionID string `json:"versionId,omitempty"`
}

// ApiPublicationSpec states which APIs are published in which environment, and
// how.
// +kubebuilder:validation:XValidation:rule="has(self.apis) != has(self.group)",message="set exactly one of spec.apis or spec.group"
// +kubebuilder:validation:XValidation:rule="!(has(self.group) && has(self.state) && self.state == 'Suspended')",message="spec.state Suspended is DataArts only and spec.group is APIG only: list the APIs in spec.apis, or use state Published or Offline",fieldPath=".state"
type ApiPublicationSpec struct {
	// gatewayRef names the gateway the APIs live on: an ApiGateway in the same
	// namespace (kind ApiGateway, the default), or a ClusterApiGateway whose
	// namespaceSelector admits this namespace.
	// +required
	GatewayRef GatewayReference `json:"gatewayRef"`

	// environment is the APIG environment, by name (RELEASE is the built-in
	// production environment) or by ID. Required for APIG; ignored for DataArts,
	// where the cluster is the ApiGateway's instanceId. Changing it leaves the
	// APIs in the old environment as they are and publishes them in the new one.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^([A-Za-z][A-Za-z0-9_]{2,63}|[0-9a-f]{32})$`
	Environment string `json:"environment,omitempty"`

	// The rules against duplicates build a map, which fails on a key seen twice: linear
	// time, where a pairwise comparison of 1000 entries exceeds the cost limit of a rule.

	// apis lists the APIs to keep in the declared state, by id or name, each
	// optionally pinned to a version: 1 to 1000 entries, each API at most once.
	// Set exactly one of apis and group.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:XValidation:rule="self.filter(a, has(a.id)).transformMapEntry(i, a, {a.id: i}).size() >= 0",message="spec.apis lists the same API id twice"
	// +kubebuilder:validation:XValidation:rule="self.filter(a, has(a.name)).transformMapEntry(i, a, {a.name: i}).size() >= 0",message="spec.apis lists the same API name twice"
	APIs []PublishedApi `json:"apis,omitempty"`

	// group selects every API of an API group, by id or name, as the gateway lists
	// them on each observation: APIs added to the group later are included. Set
	// exactly one of apis and group. APIG only.
	// +optional
	Group *GroupReference `json:"group,omitempty"`

	// state the APIs are kept in: Published (callable in the environment), Offline
	// (not published there) or Suspended (stopped, keeping their authorisations;
	// DataArts only). Default: Published.
	// +optional
	// +kubebuilder:default=Published
	State PublicationState `json:"state,omitempty"`

	// remark is sent with publish calls and shows in the gateway's publication
	// history; at most 255 characters. Changing it alone does not republish.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	Remark string `json:"remark,omitempty"`

	// versioning says when a published API gets a new version. Keep (default):
	// publish once, adopt what is already live, then leave the live version alone.
	// FollowDefinition: publish a new version whenever the API definition was
	// changed after the live version was published. APIG only.
	// +optional
	// +kubebuilder:default=Keep
	Versioning Versioning `json:"versioning,omitempty"`

	// offlineAt is when a DataArts UNPUBLISH or STOP takes effect. DataArts
	// requires at least 48 hours' notice to the API's authorised apps; an earlier
	// time is moved to the next whole hour 48 hours from the call. Default: the
	// next whole hour 48 hours from the call. DataArts only.
	// +optional
	OfflineAt *metav1.Time `json:"offlineAt,omitempty"`

	// deletionPolicy says what deleting this object does on the gateway. Offline
	// (default): the APIs this object publishes are taken offline first (only
	// those it owns, not ones another ApiPublication also declares). Retain: the
	// gateway is left untouched. Switching to Retain releases an object whose
	// gateway cannot be reached.
	// +optional
	// +kubebuilder:default=Offline
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// managementPolicy says whether the operator changes the gateway. Manage
	// (default): it publishes, takes offline, switches versions and puts back
	// drift. Observe: it makes no gateway write at all, not even on deletion; it
	// resolves, observes and plans as usual, lists in status.apis[].action (and
	// status.releasing[].action) what Manage would do, and reports Ready True
	// (InSync) or False (OutOfSync). Switching to Manage carries out that plan.
	// Claims apply in both: an older Observe object still holds its APIs.
	// +optional
	// +kubebuilder:default=Manage
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// suspend stops all reconciliation: no gateway call is made until it is set
	// back to false, and Ready says Suspended. Default: false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// ApiPublicationSummary counts the APIs of an ApiPublication.
type ApiPublicationSummary struct {
	// total number of APIs the object resolved to.
	Total int32 `json:"total"`
	// published is the number of APIs observed in the declared state.
	Published int32 `json:"published"`
	// failed is the number of APIs whose last operation failed.
	Failed int32 `json:"failed"`
	// outOfSync is the number of APIs Manage would act on, pending releases
	// included (managementPolicy Observe only).
	// +optional
	OutOfSync int32 `json:"outOfSync,omitempty"`
	// actions counts those APIs by the action Manage would take: Publish, Offline,
	// SwitchVersion, Suspend, Recover, Release (managementPolicy Observe only).
	// +optional
	Actions map[PendingAction]int32 `json:"actions,omitempty"`
}

// ApiPublicationApiStatus is what the gateway serves for one API, as last
// observed.
type ApiPublicationApiStatus struct {
	// id of the API.
	ID string `json:"id"`
	// name of the API.
	// +optional
	Name string `json:"name,omitempty"`
	// state observed on the gateway: Published, Offline, Suspended, or a DataArts
	// waiting state such as WaitingOffline.
	// +optional
	State string `json:"state,omitempty"`
	// versionId is the live version in the environment.
	// +optional
	VersionID string `json:"versionId,omitempty"`
	// publishId is the gateway's publication record ID.
	// +optional
	PublishID string `json:"publishId,omitempty"`
	// publishTime is when the live version was published.
	// +optional
	PublishTime *metav1.Time `json:"publishTime,omitempty"`
	// scheduledAt is when a DataArts UNPUBLISH or STOP requested by the operator takes
	// effect.
	// +optional
	ScheduledAt *metav1.Time `json:"scheduledAt,omitempty"`
	// error is the gateway's answer to the last failed operation on this API.
	// +optional
	Error *ApiError `json:"error,omitempty"`
	// action is what Manage would do to this API now: Publish, Offline,
	// SwitchVersion, Suspend or Recover; empty when nothing (managementPolicy
	// Observe only).
	// +optional
	Action PendingAction `json:"action,omitempty"`
	// targetVersionId is the version SwitchVersion would make live.
	// +optional
	TargetVersionID string `json:"targetVersionId,omitempty"`
}

// ApiRelease is an API an ApiPublication published and no longer declares, and where.
type ApiRelease struct {
	// id of the API.
	ID string `json:"id"`
	// name of the API.
	// +optional
	Name string `json:"name,omitempty"`
	// gateway is the ApiGateway the API was published through.
	Gateway string `json:"gateway"`
	// instance identifies the gateway instance (see status.instance).
	// +optional
	Instance string `json:"instance,omitempty"`
	// environmentId is the environment it was published in (APIG only).
	// +optional
	EnvironmentID string `json:"environmentId,omitempty"`
	// error is the gateway's answer to the last attempt to take it offline.
	// +optional
	Error *ApiError `json:"error,omitempty"`
	// action is Release while managementPolicy is Observe: Manage would take the API
	// offline there.
	// +optional
	Action PendingAction `json:"action,omitempty"`
}

// ApiPublicationStatus is what the operator last observed and did.
type ApiPublicationStatus struct {
	// observedGeneration is the generation of the spec the last verdict was
	// reached for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// lastHandledReconcileAt is the last value of the requested-at annotation that
	// was acted on.
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`

	// summary counts the APIs.
	// +optional
	Summary *ApiPublicationSummary `json:"summary,omitempty"`

	// apis has one entry per resolved API, sorted by id.
	// +optional
	// +listType=atomic
	APIs []ApiPublicationApiStatus `json:"apis,omitempty"`

	// instance identifies the gateway instance the APIs in status.apis are on:
	// provider, endpoint host, project and instance (and workspace for DataArts).
	// Claims between ApiPublications are keyed by it and by environmentId, across
	// namespaces and ApiGateway objects.
	// +optional
	Instance string `json:"instance,omitempty"`

	// gateway is the ApiGateway the APIs in status.apis were reached through.
	// +optional
	Gateway string `json:"gateway,omitempty"`

	// environmentId is the ID of the environment the APIs in status.apis are in
	// (APIG only).
	// +optional
	EnvironmentID string `json:"environmentId,omitempty"`

	// releasing lists the APIs this object published and no longer declares: removed
	// from spec.apis, gone from the group, or left behind by a change of
	// spec.environment or spec.gatewayRef. With deletionPolicy Offline each is taken
	// offline where it was published, unless another ApiPublication declares it
	// there; an entry stays until that has happened. With Retain they are released
	// untouched.
	// +optional
	// +listType=atomic
	Releasing []ApiRelease `json:"releasing,omitempty"`

	// conditions: Ready says whether every API is in the declared state;
	// Reconciling appears while changes are in flight or scheduled; Stalled when
	// no progress is possible without a change to the spec, the Secret or the
	// ApiGateway.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ApiPublication states which APIs of a gateway are published in which
// environment, at which version, and the operator keeps the gateway that way:
// it publishes, takes offline, switches versions, suspends and restores, and
// puts back changes made behind its back.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=apipub,categories=apig
// +kubebuilder:printcolumn:name="Gateway",type=string,JSONPath=`.spec.gatewayRef.name`
// +kubebuilder:printcolumn:name="Environment",type=string,JSONPath=`.spec.environment`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.spec.state`
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`,priority=1
// +kubebuilder:printcolumn:name="APIs",type=integer,JSONPath=`.status.summary.total`
// +kubebuilder:printcolumn:name="Failed",type=integer,JSONPath=`.status.summary.failed`,priority=1
// +kubebuilder:printcolumn:name="OutOfSync",type=integer,JSONPath=`.status.summary.outOfSync`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ApiPublication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the declared publication.
	// +required
	Spec ApiPublicationSpec `json:"spec"`

	// status is what the operator last observed and did.
	// +optional
	Status ApiPublicationStatus `json:"status,omitempty"`
}

// ApiPublicationList is a list of ApiPublications.
// +kubebuilder:object:root=true
type ApiPublicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApiPublication `json:"items"`
}
