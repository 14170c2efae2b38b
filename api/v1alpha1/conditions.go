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

// Condition types. Ready is always present; Reconciling and Stalled appear
// only while True, as kstatus expects.
const (
	ConditionReady       = "Ready"
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"
)

// Condition reasons, shared by the three kinds. Each says what is wrong in a
// word a user can search the README's troubleshooting table for.
const (
	// ReasonSucceeded: the object is in the declared state.
	ReasonSucceeded = "Succeeded"
	// ReasonProgressing: changes are in flight.
	ReasonProgressing = "Progressing"
	// ReasonSuspended: spec.suspend is true; no gateway call is made.
	ReasonSuspended = "Suspended"
	// ReasonDeleting: the object is being deleted and its deletionPolicy carried
	// out.
	ReasonDeleting = "Deleting"
	// ReasonPublishing: calls to the gateway are in flight; their answer brings the object back.
	ReasonPublishing = "Publishing"
	// ReasonInvalidSpec: the spec cannot be acted on as written (for example state
	// Suspended on an APIG gateway); the message names the field.
	ReasonInvalidSpec = "InvalidSpec"

	// ReasonSecretTypeNotAllowed: the credentials Secret is of a type that is not
	// read as credentials (only Opaque and publishing.apig-operator.dev/credentials
	// are), for example a service-account token; nothing is sent.
	ReasonSecretTypeNotAllowed = "SecretTypeNotAllowed"
	// ReasonEndpointNotAllowed: spec.endpoint is outside the manager's
	// --allowed-endpoints, or uses http without --insecure-allow-http; nothing is
	// sent.
	ReasonEndpointNotAllowed = "EndpointNotAllowed"
	// ReasonNamespaceNotAllowed: the ClusterApiGateway named by gatewayRef does not
	// admit the object's namespace (its spec.namespaceSelector).
	ReasonNamespaceNotAllowed = "NamespaceNotAllowed"
	// ReasonSecretNotFound: the credentials Secret does not exist.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonCABundleNotFound: the CA bundle Secret or ConfigMap, or its key, does not
	// exist or holds no certificate.
	ReasonCABundleNotFound = "CABundleNotFound"
	// ReasonSecretKeyMissing: the credentials Secret has neither accessKey and
	// secretKey nor token.
	ReasonSecretKeyMissing = "SecretKeyMissing"
	// ReasonAuthenticationFailed: the gateway refused the credentials (401 or
	// 403).
	ReasonAuthenticationFailed = "AuthenticationFailed"
	// ReasonGatewayUnreachable: the gateway did not answer, or answered with a
	// server error.
	ReasonGatewayUnreachable = "GatewayUnreachable"
	// ReasonTLSVerificationFailed: the gateway's certificate is not trusted
	// (unknown CA, another host name, expired); spec.tls.caBundleRef fixes it.
	ReasonTLSVerificationFailed = "TLSVerificationFailed"
	// ReasonGatewayError: the gateway rejected a call; the message carries its
	// error_code.
	ReasonGatewayError = "GatewayError"
	// ReasonRateLimited: the gateway throttled us (429 APIG.0308); calls resume
	// after Retry-After.
	ReasonRateLimited = "RateLimited"

	// ReasonGatewayNotFound: the referenced ApiGateway does not exist.
	ReasonGatewayNotFound = "GatewayNotFound"
	// ReasonGatewayNotReady: the referenced ApiGateway is not Ready.
	ReasonGatewayNotReady = "GatewayNotReady"
	// ReasonEnvironmentNotFound: the environment does not exist on the gateway
	// (APIG.3003).
	ReasonEnvironmentNotFound = "EnvironmentNotFound"
	// ReasonGroupNotFound: the API group does not exist on the gateway
	// (APIG.3001).
	ReasonGroupNotFound = "GroupNotFound"
	// ReasonApiNotFound: an API does not exist on the gateway (APIG.3002).
	ReasonApiNotFound = "ApiNotFound"
	// ReasonVersionNotFound: a pinned version does not exist in the environment
	// (APIG.3022).
	ReasonVersionNotFound = "VersionNotFound"
	// ReasonPartialFailure: some APIs are in the declared state and some failed.
	ReasonPartialFailure = "PartialFailure"
	// ReasonInSync: managementPolicy is Observe and the gateway is as declared: Manage
	// would make no call.
	ReasonInSync = "InSync"
	// ReasonOutOfSync: managementPolicy is Observe and the gateway differs from the
	// declaration; status.apis[].action and status.releasing[].action say what Manage
	// would do. Nothing is changed.
	ReasonOutOfSync = "OutOfSync"
	// ReasonConflict: another, older ApiPublication already claims an API in this
	// environment.
	ReasonConflict = "Conflict"
	// ReasonWaitingForSchedule: a DataArts UNPUBLISH or STOP is scheduled; the
	// message has the time.
	ReasonWaitingForSchedule = "WaitingForSchedule"
	// ReasonWaitingForReview: a DataArts publish or recover waits for a reviewer.
	ReasonWaitingForReview = "WaitingForReview"

	// ReasonExporting: an export task is running on the gateway.
	ReasonExporting = "Exporting"
	// ReasonExportFailed: the gateway's export task failed; the previous document
	// is kept.
	ReasonExportFailed = "ExportFailed"
	// ReasonExportTooLarge: the document does not fit in a ConfigMap or Secret
	// even compressed.
	ReasonExportTooLarge = "ExportTooLarge"
	// ReasonTargetConflict: the target ConfigMap or Secret exists and is not owned
	// by this ApiExport.
	ReasonTargetConflict = "TargetConflict"
	// ReasonSecretTargetsDisabled: spec.target.secret is set, but the manager runs
	// without --enable-secret-targets and may not write Secrets; nothing is written.
	ReasonSecretTargetsDisabled = "SecretTargetsDisabled"
	// ReasonTargetForbidden: the API server refused to let the manager write the
	// target ConfigMap or Secret (RBAC); the write is tried again every 5m.
	ReasonTargetForbidden = "TargetForbidden"
)
