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

// Package batch coalesces publish and offline requests into the gateway's batch endpoint.
// Requests for the same (environment, action, remark) that arrive within a window are merged
// into one call of at most maxSize APIs; every caller gets the outcome of its own APIs, or the
// error of the whole call when the call failed as a whole (429, 5xx). A maxSize of 1 makes one
// call per API, which is what a tool without batching does.
package batch
