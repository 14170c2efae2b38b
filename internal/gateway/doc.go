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

// Package gateway is the boundary between the controllers and a gateway. It holds the domain
// interfaces of the two providers (Publisher for APIG, DataService for DataArts), small domain
// types made for comparison, the one error shape that crosses the boundary (*Error) with the
// one place that decides how each is handled (Classify), the per-gateway call gate (rate limit
// and 429 pause) and the outbound call metrics.
//
// Below it, the adapters in apig and dataarts speak the wire through the official SDK; batch
// coalesces publish and offline calls; observe shares what each environment serves; driver
// composes them into one Driver per connection, which is what the controllers use. Nothing
// here imports controller-runtime, and no wire model, HTTP status or JSON leaks upward except
// inside *Error, for the condition message.
package gateway
