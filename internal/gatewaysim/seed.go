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

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// Seed is the simulator's initial state, read from YAML (see config/samples/gatewaysim-seed.yaml).
type Seed struct {
	// Tokens are accepted in the X-Auth-Token header.
	Tokens []string `json:"tokens,omitempty"`
	// AccessKeys are accepted for SDK-HMAC-SHA256 signatures.
	AccessKeys []SeedAccessKey `json:"accessKeys,omitempty"`
	// Reviewers are the access keys or tokens that may review DataArts actions. Empty: every
	// caller is a reviewer. A non-reviewer's RECOVER waits for review.
	Reviewers []string `json:"reviewers,omitempty"`
	// ReadOnly are the tokens or access keys that may only read: every write they attempt is
	// 403 APIG.1005, as for an IAM user without the APIG write permissions.
	ReadOnly []string      `json:"readOnly,omitempty"`
	Projects []SeedProject `json:"projects,omitempty"`
}

// SeedAccessKey is an access key and its secret.
type SeedAccessKey struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// SeedProject is one Huawei Cloud project with its APIG instances and DataArts clusters.
type SeedProject struct {
	ID       string         `json:"id"`
	APIG     []SeedInstance `json:"apig,omitempty"`
	DataArts []SeedCluster  `json:"dataarts,omitempty"`
}

// SeedInstance is an APIG gateway instance.
type SeedInstance struct {
	InstanceID string `json:"instanceId"`
	// Environments besides RELEASE, which always exists.
	Environments []SeedEnvironment `json:"environments,omitempty"`
	Groups       []SeedGroup       `json:"groups,omitempty"`
}

// SeedEnvironment is an APIG environment; the ID is generated when absent.
type SeedEnvironment struct {
	ID     string `json:"id,omitempty"`
	Name   string `json:"name"`
	Remark string `json:"remark,omitempty"`
}

// SeedGroup is an API group and its APIs; the ID is generated when absent.
type SeedGroup struct {
	ID     string    `json:"id,omitempty"`
	Name   string    `json:"name"`
	Remark string    `json:"remark,omitempty"`
	APIs   []SeedAPI `json:"apis,omitempty"`
}

// SeedAPI is an API definition; the ID is generated when absent.
type SeedAPI struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name"`
	Method   string `json:"method,omitempty"`   // default GET
	Path     string `json:"path"`               // request URI, with {param} placeholders
	Protocol string `json:"protocol,omitempty"` // default HTTPS
	AuthType string `json:"authType,omitempty"` // default NONE
	Remark   string `json:"remark,omitempty"`
	// Backend is the URL of the HTTP backend; default http://backend.internal<path>.
	Backend string `json:"backend,omitempty"`
	// Published lists versions already published, per environment, oldest first; the last is live.
	Published []SeedPublication `json:"published,omitempty"`
}

// SeedPublication is the version history of an API in one environment.
type SeedPublication struct {
	Environment string   `json:"environment"` // name or ID
	Versions    []string `json:"versions"`    // version IDs, oldest first; the last is live
}

// SeedCluster is a DataArts DataService exclusive cluster and the APIs of its workspace.
type SeedCluster struct {
	ClusterID string        `json:"clusterId"`
	Name      string        `json:"name,omitempty"`
	Workspace string        `json:"workspace"`
	APIs      []SeedDataAPI `json:"apis,omitempty"`
}

// SeedDataAPI is a DataArts DataService API.
type SeedDataAPI struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Path        string `json:"path"`
	Description string `json:"description,omitempty"`
	// Status of its publication on the cluster: empty (never published) or an api_status such
	// as API_STATUS_PUBLISHED or API_STATUS_STOPPED.
	Status string `json:"status,omitempty"`
	// AuthorizedApps is how many apps are authorised to call it. With none, UNPUBLISH and
	// STOP take effect at once; otherwise at the requested time. Default 1.
	AuthorizedApps *int `json:"authorizedApps,omitempty"`
}

// LoadSeed reads a seed file.
func LoadSeed(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read seed: %w", err)
	}
	return ParseSeed(data)
}

// ParseSeed parses a seed document; unknown fields are an error, so typos do not go unnoticed.
func ParseSeed(data []byte) (*Seed, error) {
	seed := &Seed{}
	if err := yaml.UnmarshalStrict(data, seed); err != nil {
		return nil, fmt.Errorf("parse seed: %w", err)
	}
	return seed, nil
}
