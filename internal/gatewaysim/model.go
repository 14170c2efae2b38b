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

package gatewaysim

import "time"

// API is the definition of an APIG API: the fields the simulator keeps, lists and exports.
type API struct {
	ID          string
	Name        string
	GroupID     string
	Type        int    // 1 public, 2 private
	ReqProtocol string // HTTP | HTTPS | BOTH | GRPCS
	ReqMethod   string // GET | POST | PUT | DELETE | HEAD | PATCH | OPTIONS | ANY
	ReqURI      string // with {param} placeholders
	AuthType    string // NONE | APP | IAM | AUTHORIZER
	MatchMode   string // NORMAL | SWA
	BackendType string // HTTP | FUNCTION | MOCK | GRPC
	Remark      string
	Version     string
	Tags        []string
	ReqParams   []ReqParam
	// Backend is set for BackendType HTTP.
	Backend *Backend
	// ResultNormalSample is an example response body, exported as the 200 response example.
	ResultNormalSample string

	RegisterTime time.Time
	UpdateTime   time.Time
}

// ReqParam is a request parameter of an API.
type ReqParam struct {
	Name        string
	Location    string // PATH | QUERY | HEADER
	Type        string // STRING | NUMBER
	Required    bool
	Description string
}

// Backend is the HTTP backend of an API.
type Backend struct {
	URLDomain   string
	ReqProtocol string
	ReqMethod   string
	ReqURI      string
	Timeout     int // milliseconds
}

// Group is an API group.
type Group struct {
	ID           string
	Name         string
	Remark       string
	SLDomain     string
	RegisterTime time.Time
	UpdateTime   time.Time
}

// Environment is an APIG environment. RELEASE (DEFAULT_ENVIRONMENT_RELEASE_ID) always exists.
type Environment struct {
	ID         string
	Name       string
	Remark     string
	CreateTime time.Time
}

// ExportOptions are the parameters of an export call.
type ExportOptions struct {
	OASVersion string // "2.0" | "3.0"
	Define     string // spec | proxy | all | dev
	Format     string // json | yaml | yml
	Version    string // info.version; empty means the export time
	Group      Group
	Env        Environment
	Now        time.Time
}
