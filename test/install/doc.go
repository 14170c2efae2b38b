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

// Package install tests the two install paths, dist/install.yaml and the Helm chart in
// dist/chart: that both are what config/ says (the same CRDs, RBAC and manager), that the
// chart's defaults are the manager's own, that the namespaced mode confines the manager to its
// namespaces, and that an API server accepts every rendering (server-side dry run).
//
// It needs helm and kustomize (HELM, KUSTOMIZE) and the envtest binaries (KUBEBUILDER_ASSETS),
// which make test provides; without them the tests fail, saying what to set.
package install
