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

// Credentials never appear in an error: the gateway, or a proxy in front of it, may echo the
// request's headers in what it answers, so every piece of a response the handler puts in an
// error first passes through the redactor made from that request. The SDK's decode errors lose
// their quote of the body instead (decode.go), and transport errors name the URL, never a
// header. The secret key is never sent, so there is nothing to redact for it.

package sdkclient

import (
	"slices"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

const (
	// minSecretLen keeps redaction from mangling messages over a credential too short to be real.
	minSecretLen = 4
	redacted     = "<redacted>"
)

// isSensitiveHeader reports whether a request header carries a credential.
func isSensitiveHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "x-auth-token", "x-security-token":
		return true
	}
	return false
}

// redactor holds the credentials a request carried, longest first.
type redactor []string

func newRedactor(req *request.DefaultHttpRequest) redactor {
	if req == nil {
		return nil
	}
	var secrets redactor
	for name, value := range req.GetHeaderParams() {
		if !isSensitiveHeader(name) {
			continue
		}
		secrets = append(secrets, value)
		if strings.EqualFold(name, "Authorization") {
			secrets = append(secrets, authorizationParts(value)...)
		}
	}
	// Longest first, so that a value is replaced whole before a part of it.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	return secrets
}

// authorizationParts are the access key and the signature of an SDK-HMAC-SHA256 header
// ("SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=..."), which a gateway may quote
// on their own.
func authorizationParts(header string) []string {
	_, params, _ := strings.Cut(header, " ")
	var parts []string
	for _, p := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if k == "Access" || k == "Signature" {
			parts = append(parts, v)
		}
	}
	return parts
}

func (r redactor) apply(s string) string {
	for _, secret := range r {
		if len(secret) >= minSecretLen {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// prefix is b cut to about n bytes, like b[:n] but moved back to the start of any credential
// the cut would split: redaction only finds whole credentials, and the part before the cut
// would otherwise be quoted.
func (r redactor) prefix(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for cut := n; ; {
		split := cut
		for _, secret := range r {
			if len(secret) < minSecretLen {
				continue
			}
			for start := max(cut-len(secret)+1, 0); start < split; start++ {
				if string(b[start:min(len(b), start+len(secret))]) == secret {
					split = start
					break
				}
			}
		}
		if split == cut {
			return b[:cut]
		}
		cut = split
	}
}
