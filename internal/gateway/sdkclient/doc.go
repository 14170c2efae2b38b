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

// Package sdkclient builds the Huawei Cloud SDK HTTP client every gateway adapter (apig,
// dataarts) shares, and maps whatever an SDK call returns to *gateway.Error.
//
// The contract:
//   - New returns a client for exactly cfg.Endpoint (an http or https URL without a path), with
//     AK/SK signing (the project ID pinned, so the SDK never asks IAM for it) or an IAM token
//     in X-Auth-Token; TLS verifies against cfg.CABundle, or the system roots, unless
//     cfg.InsecureSkipVerify; every HTTP call is bounded by cfg.Timeout (30s by default) and
//     is never retried by the SDK: retrying is the controller's decision, made on the error's
//     class.
//   - The SDK's response handler (handler.go) makes the *gateway.Error itself, and Error
//     (errormap.go) names its operation; decode.go words malformed bodies, clean.go bounds
//     text, redact.go removes credentials.
//   - Error responses (any status outside 2xx) are read through a 1 MiB limit and keep the
//     HTTP status, error_code, error_msg, X-Request-Id and Retry-After. A body that is not a
//     gateway error (an HTML page from a proxy, truncated JSON) becomes a short, sanitised
//     description instead of a panic or a megabyte of markup.
//   - Successful bodies are read through the bound New is given (bounds.go: 4 MiB for a page
//     or an object, 16 MiB for an exported document) before the SDK decodes them, and a page
//     holding more items than the request's limit asked for is refused undecoded: an endpoint
//     that answers 60 MB costs the manager the bound, not the 60 MB decoded. ListBound bounds
//     a listing of many pages in items (20,000) and time (2 minutes). Each bound reached is a
//     transient *gateway.Error that names it.
//   - Error never returns text holding a credential: the access key, the signature, the token
//     and the security token the request carried are redacted from whatever the gateway
//     echoes, and the secret key never leaves the process.
//
// The SDK takes no context, so a call in flight cannot be cancelled; the timeout is its bound.
package sdkclient
