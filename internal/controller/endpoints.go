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

package controller

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// DefaultAllowedEndpoints are the Huawei Cloud public API domains: what --allowed-endpoints
// admits unless the manager is told otherwise.
var DefaultAllowedEndpoints = []string{"*.myhuaweicloud.com", "*.myhuaweicloud.eu"}

// EndpointPolicy says which gateway endpoints the manager sends credentials to. A tenant who
// may create ApiGateways must not be able to point the manager, and the Secret it reads,
// at a host of their own.
type EndpointPolicy struct {
	// Allowed are host patterns: "host" matches that host, "*.domain" any host below
	// domain, "*" every host. Ports are not part of a pattern.
	Allowed []string
	// InsecureAllowHTTP admits http:// endpoints (a simulator, a private test gateway).
	InsecureAllowHTTP bool
}

// check refuses an endpoint outside the policy, with a stall naming the flag to change.
func (p EndpointPolicy) check(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" {
		return stalling(v1alpha1.ReasonInvalidSpec, fmt.Errorf("spec.endpoint %q is not a URL with a host", endpoint))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return stalling(v1alpha1.ReasonInvalidSpec, fmt.Errorf("spec.endpoint must not carry user info, a query or a fragment"))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !p.InsecureAllowHTTP {
			return stalling(v1alpha1.ReasonEndpointNotAllowed, fmt.Errorf("spec.endpoint %s uses http, which would send "+
				"the credentials in clear: use https, or run the manager with --insecure-allow-http", endpoint))
		}
	default:
		return stalling(v1alpha1.ReasonInvalidSpec, fmt.Errorf("spec.endpoint %s is neither https nor http", endpoint))
	}
	host := strings.ToLower(u.Hostname())
	for _, pattern := range p.Allowed {
		if hostMatches(strings.ToLower(strings.TrimSpace(pattern)), host) {
			return nil
		}
	}
	return stalling(v1alpha1.ReasonEndpointNotAllowed, fmt.Errorf("spec.endpoint host %s is not among the hosts this "+
		"operator may call (--allowed-endpoints=%s): nothing was sent. Fix spec.endpoint, or ask the operator's "+
		"administrator to add the host to --allowed-endpoints", host, strings.Join(p.Allowed, ",")))
}

// hostMatches reports whether host matches pattern: exactly, "*" for any host, or "*.domain"
// for any host below domain (not domain itself).
func hostMatches(pattern, host string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(host, pattern[1:]) && len(host) > len(pattern)-1
	default:
		return pattern == host
	}
}
