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
// By default it is an ideal gateway. Options (Options.Realistic for all at once) make it behave
// as the real one does: reads that lag the writes by seconds, APIG.3500 on writes that overlap
// on an instance, 429 without Retry-After, and quotas, readable from project/configs. Writes
// always act on the true state, which /_sim/state dumps; /_sim/stats counts the publishes of
// an API that was already live, the mark of a client that trusted a stale read.
//
// It does not import controller-runtime, and the operator never imports it outside tests.
package gatewaysim
