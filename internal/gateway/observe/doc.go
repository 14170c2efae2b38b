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

// Package observe shares what each environment of a gateway serves. A snapshot is read with
// the paged list calls once, shared by every caller, at most one read in flight per
// environment (singleflight), reused until it is older than the gateway's observe interval,
// and dropped as soon as we change that environment ourselves, so that nobody acts on a view
// from before their own write.
package observe
