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

// Package controller holds the reconcilers of the three kinds and the pass machinery they
// share. A pass is get, finalizer, resolve, observe, plan, act (through the connection's
// gateway driver, internal/gateway/driver), then finish: summarize into conditions and patch
// status once.
//
//   - outcome.go: the pass errors (stalling, waiting, retrying, each wrapping its cause) and
//     outcomeOf, the one mapping from a pass's error to conditions and ctrl.Result.
//   - conditions.go: the verdict and applyVerdict, the one writer of conditions.
//   - pass.go: clock, jitter, retry limiter, finalizer and status patch.
//   - watches.go: field indexes and predicates.
//   - connector.go: the Connections the reconcilers use; Connector builds them from an
//     ApiGateway, its Secret and CA bundle.
//   - apipublication_*.go: the pass (controller), handing calls to the gateway and reporting
//     their answer (inflight), claims between objects, deletion, status.
//   - apiexport_*.go, apigateway_*.go: the other two kinds.
//
// Controllers see only the domain types and the classified errors of internal/gateway, never
// HTTP, JSON or status codes.
package controller

// The permissions every reconciler of this package shares. Secrets are read-only and only read
// through the ApiGateway that names them; ConfigMaps and Secrets are written only as ApiExport
// targets. Of its own kinds the manager writes only status (merge patches) and the finalizer of
// ApiPublications and ApiExports (merge patches, see pass.go); apiexports/finalizers is for the
// owner reference with blockOwnerDeletion that each target carries, which the
// OwnerReferencesPermissionEnforcement admission plugin allows only to who may update it.
// +kubebuilder:rbac:groups=publishing.apig-operator.dev,resources=apigateways,verbs=get;list;watch
// +kubebuilder:rbac:groups=publishing.apig-operator.dev,resources=apipublications;apiexports,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=publishing.apig-operator.dev,resources=apigateways/status;apipublications/status;apiexports/status,verbs=get;patch
// +kubebuilder:rbac:groups=publishing.apig-operator.dev,resources=apiexports/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
