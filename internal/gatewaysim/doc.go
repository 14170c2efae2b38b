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

// Package gatewaysim is an in-memory simulator of the Huawei Cloud APIG v2 management API and
// the DataArts Studio DataService API, faithful to the wire: the same paths, status codes,
// bodies and error codes as ../shared/reference/gateway-api.md documents, AK/SK and token
// authentication, and the publication rules (a version per publish, one live version per API
// and environment, at most 10 kept, the DataArts 48-hour rule). It also offers what a test
// needs from a fake: fault injection, rate limiting, latency, call statistics, a state dump
// and a movable clock, under /_sim/.
//
// It does not import controller-runtime, and the operator never imports it outside tests.
package gatewaysim
