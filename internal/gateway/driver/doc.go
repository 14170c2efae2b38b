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

// Package driver hands the controllers one Driver per gateway connection, chosen once from
// the provider: APIG or DataArts. A driver resolves what an object declares into APIs,
// observes what the gateway serves for them, plans the calls that close the gap (a pure
// function: no I/O, no clock) and acts on the plan. The plans are exported so that tools
// outside the manager compute exactly what the manager would do.
//
// Open composes a connection: the provider's adapter (apig, dataarts) behind the shared
// observation cache (observe) and the batcher (batch), all behind one Gate. Nothing here
// imports controller-runtime or the API types; the controllers translate their objects into
// a Declaration and the results back into status.
package driver
