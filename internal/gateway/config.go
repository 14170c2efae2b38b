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

package gateway

import "time"

// Credentials authenticate calls: an access key pair for SDK-HMAC-SHA256 signing (with a
// security token for temporary credentials), or an IAM token sent as X-Auth-Token.
type Credentials struct {
	AccessKey     string
	SecretKey     string
	SecurityToken string
	Token         string
}

// String never shows a credential value, so a Credentials printed by mistake leaks nothing.
func (c Credentials) String() string {
	if c.Token != "" {
		return "Credentials{token: <redacted>}"
	}
	return "Credentials{accessKey: <redacted>, secretKey: <redacted>}"
}

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

// Config is everything an adapter needs to reach one gateway.
type Config struct {
	// Name identifies the connection in metrics and messages (namespace/name of the ApiGateway).
	Name        string
	Endpoint    string
	ProjectID   string
	InstanceID  string // APIG instance, or DataArts cluster
	Workspace   string // DataArts only
	Credentials Credentials
	// CABundle is PEM certificates to trust instead of the system roots.
	CABundle           []byte
	InsecureSkipVerify bool
	// Timeout bounds each HTTP call; default 30s.
	Timeout time.Duration
	// Caller gates and records every call; required.
	Caller *Caller
	// Instance names the manager process in the User-Agent of every call, so the gateway's
	// access log tells replicas apart (for example the Pod name).
	Instance string
}
