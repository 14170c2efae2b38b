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

// Package apig is the gateway.Publisher of a Huawei Cloud APIG dedicated gateway (API v2),
// over the official Go SDK (services/apig/v2) and the shared client of package sdkclient.
//
// Every SDK call goes through the connection's gateway.Caller (rate limit, 429 pause,
// metrics), named after the SDK method, and every error it returns is a *gateway.Error whose
// Op is a verb phrase ("list environments"). Wire models stay here: callers see the domain
// types only.
//
// The SDK takes no context: ctx bounds the wait at the gate and the pages of a listing, and
// the connection's timeout bounds a call in flight. A listing is bounded in items and time, a
// response in bytes (sdkclient's bounds); a listing whose pages exceed the body bound asks for
// smaller pages, since APIs may carry texts of tens of kilobytes each.
package apig
