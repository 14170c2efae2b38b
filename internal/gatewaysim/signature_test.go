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
	"bytes"
	"cmp"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	apig "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
)

const (
	sigTestAccessKey = "SIMTESTACCESSKEY0001"
	sigTestSecretKey = "sim-test-secret-key-0123456789abcdef"
	sigTestProjectID = "0123456789abcdef0123456789abcdef"
)

func sigTestSecrets(accessKey string) (string, bool) {
	if accessKey == sigTestAccessKey {
		return sigTestSecretKey, true
	}
	return "", false
}

// sigVerifyResult is what the test server's handler saw.
type sigVerifyResult struct {
	accessKey string
	err       error
	rawPath   string
	rawQuery  string
	auth      string
}

// TestVerifySignature drives the real SDK client against a server that verifies each request, optionally after
// tampering with it, so the signatures under test are exactly what the SDK puts on the wire.
func TestVerifySignature(t *testing.T) {
	listEnvs := func(c *apig.ApigClient) error {
		_, err := c.ListEnvironmentsV2(&model.ListEnvironmentsV2Request{
			InstanceId: "inst-1",
			Name:       new("env name/ü+&=x"),
			Offset:     new(int64(0)),
			Limit:      new(int32(50)),
		})
		return err
	}
	listEnvsEscapedPath := func(c *apig.ApigClient) error {
		// ':' stays raw on the wire (net/http) but the SDK signs it as %3A; space and ü are escaped by both.
		_, err := c.ListEnvironmentsV2(&model.ListEnvironmentsV2Request{InstanceId: "inst:1 ü@x"})
		return err
	}
	publish := func(c *apig.ApigClient) error {
		_, err := c.CreateOrDeletePublishRecordForApiV2(&model.CreateOrDeletePublishRecordForApiV2Request{
			InstanceId: "inst-1",
			Body: &model.ApiActionInfo{
				Action: model.GetApiActionInfoActionEnum().ONLINE,
				EnvId:  "DEFAULT_ENVIRONMENT_RELEASE_ID",
				ApiId:  "api-1",
				Remark: new("release <v1> & more"),
			},
		})
		return err
	}

	cases := []struct {
		name      string
		call      func(*apig.ApigClient) error
		secretKey string // the client's secret; sigTestSecretKey when empty
		accessKey string // the client's access key; sigTestAccessKey when empty
		host      bool   // make the SDK sign the host header
		tamper    func(r *http.Request, body []byte) []byte
		skew      time.Duration // added to the server clock
		wantErr   string        // substring of the rejection; "" means accepted
	}{
		{name: "GET with query accepted", call: listEnvs},
		{name: "GET with escaped path accepted", call: listEnvsEscapedPath},
		{name: "POST with JSON body accepted", call: publish},
		{name: "signed host header accepted", call: listEnvs, host: true},
		{name: "clock 14 minutes ahead accepted", call: listEnvs, skew: 14 * time.Minute},
		{name: "wrong secret key rejected", call: publish, secretKey: "not-the-right-secret", wantErr: "signature does not match"},
		{name: "unknown access key rejected", call: listEnvs, accessKey: "UNKNOWNACCESSKEY", wantErr: "unknown access key"},
		{
			name: "tampered body rejected", call: publish, wantErr: "signature does not match",
			tamper: func(_ *http.Request, body []byte) []byte {
				return bytes.Replace(body, []byte(`"api-1"`), []byte(`"api-2"`), 1)
			},
		},
		{
			name: "tampered query rejected", call: listEnvs, wantErr: "signature does not match",
			tamper: func(r *http.Request, body []byte) []byte {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "limit=50", "limit=500", 1)
				return body
			},
		},
		{
			name: "tampered path rejected", call: listEnvs, wantErr: "signature does not match",
			tamper: func(r *http.Request, body []byte) []byte {
				r.URL.Path = strings.Replace(r.URL.Path, "inst-1", "inst-2", 1)
				r.URL.RawPath = ""
				return body
			},
		},
		{
			name: "tampered method rejected", call: listEnvs, wantErr: "signature does not match",
			tamper: func(r *http.Request, body []byte) []byte {
				r.Method = http.MethodDelete
				return body
			},
		},
		{name: "date 20 minutes behind server rejected", call: listEnvs, skew: 20 * time.Minute, wantErr: "away from the server time"},
		{name: "date 20 minutes ahead of server rejected", call: publish, skew: -20 * time.Minute, wantErr: "away from the server time"},
		{
			name: "missing Authorization rejected", call: listEnvs, wantErr: "missing Authorization",
			tamper: func(r *http.Request, body []byte) []byte {
				r.Header.Del("Authorization")
				return body
			},
		},
		{
			name: "other algorithm rejected", call: listEnvs, wantErr: "algorithm",
			tamper: func(r *http.Request, body []byte) []byte {
				r.Header.Set("Authorization", "Bearer abc")
				return body
			},
		},
		{
			name: "malformed Authorization rejected", call: listEnvs, wantErr: "malformed",
			tamper: func(r *http.Request, body []byte) []byte {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Signature=", "Signature", 1))
				return body
			},
		},
		{
			name: "missing X-Sdk-Date rejected", call: listEnvs, wantErr: "missing X-Sdk-Date",
			tamper: func(r *http.Request, body []byte) []byte {
				r.Header.Del("X-Sdk-Date")
				return body
			},
		},
		{
			name: "badly formatted X-Sdk-Date rejected", call: listEnvs, wantErr: "format",
			tamper: func(r *http.Request, body []byte) []byte {
				r.Header.Set("X-Sdk-Date", time.Now().UTC().Format(time.RFC3339))
				return body
			},
		},
		{
			name: "signed header missing from request rejected", call: listEnvs, wantErr: `"x-project-id" is not present`,
			tamper: func(r *http.Request, body []byte) []byte {
				r.Header.Del("X-Project-Id")
				return body
			},
		},
		{
			name: "unsigned payload declared on JSON request rejected", call: publish, wantErr: "signature does not match",
			tamper: func(r *http.Request, body []byte) []byte {
				r.Header.Set("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")
				return append(body, "tampered"...)
			},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			results := make(chan sigVerifyResult, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					t.Errorf("reading body: %v", err)
				}
				if tc.tamper != nil {
					body = tc.tamper(r, body)
				}
				res := sigVerifyResult{rawPath: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery, auth: r.Header.Get("Authorization")}
				res.accessKey, res.err = verifySignature(r, body, sigTestSecrets, time.Now().Add(tc.skew))
				results <- res
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, "{}")
			}))
			defer srv.Close()

			client := newSigTestSDKClient(t, srv.URL, cmp.Or(tc.accessKey, sigTestAccessKey), cmp.Or(tc.secretKey, sigTestSecretKey), tc.host)
			if err := tc.call(client); err != nil {
				t.Fatalf("SDK call failed: %v", err)
			}
			res := <-results
			if tc.host && !strings.Contains(res.auth, "SignedHeaders=host;") {
				t.Fatalf("expected the SDK to sign host, Authorization: %s", res.auth)
			}

			if tc.wantErr == "" {
				if res.err != nil {
					t.Fatalf("expected accepted, got %v (path %s, query %s, Authorization %s)", res.err, res.rawPath, res.rawQuery, res.auth)
				}
				if res.accessKey != sigTestAccessKey {
					t.Fatalf("access key = %q, want %q", res.accessKey, sigTestAccessKey)
				}
				return
			}
			if res.err == nil {
				t.Fatalf("expected rejection containing %q, got accepted", tc.wantErr)
			}
			var sigErr *signatureError
			if !errors.As(res.err, &sigErr) {
				t.Fatalf("error %v is a %T, want *signatureError", res.err, res.err)
			}
			if !strings.Contains(res.err.Error(), tc.wantErr) {
				t.Fatalf("error %q does not contain %q", res.err, tc.wantErr)
			}
			for _, secret := range []string{sigTestSecretKey, tc.secretKey} {
				if secret != "" && strings.Contains(res.err.Error(), secret) {
					t.Fatalf("error %q leaks a secret key", res.err)
				}
			}
			if res.accessKey != "" {
				t.Fatalf("access key %q returned with an error", res.accessKey)
			}
		})
	}
}

// TestSignatureCanonicalSDKForms pins the canonical forms that differ from net/http's escaping.
func TestSignatureCanonicalSDKForms(t *testing.T) {
	cases := []struct {
		name    string
		target  string
		wantURI string
		wantQry string
	}{
		{name: "trailing slash added", target: "/v2/p/envs", wantURI: "/v2/p/envs/", wantQry: ""},
		{name: "root", target: "/", wantURI: "/", wantQry: ""},
		{name: "colon and at escaped", target: "/v2/a:b@c/x", wantURI: "/v2/a%3Ab%40c/x/", wantQry: ""},
		{name: "encoded slash stays in its segment", target: "/v2/a%2Fb/x", wantURI: "/v2/a%2Fb/x/", wantQry: ""},
		{name: "query sorted and escaped", target: "/x?b=2&a=z%20y&a=x+w&c", wantURI: "/x/", wantQry: "a=x%20w&a=z%20y&b=2&c="},
		{name: "query escapes reserved characters", target: "/x?name=a%2Fb%26c%3D%C3%BC~", wantURI: "/x/", wantQry: "name=a%2Fb%26c%3D%C3%BC~"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.ParseRequestURI(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			uri, err := canonicalSDKURI(u)
			if err != nil || uri != tc.wantURI {
				t.Fatalf("canonicalSDKURI = %q, %v; want %q", uri, err, tc.wantURI)
			}
			qry, err := canonicalSDKQuery(u.RawQuery)
			if err != nil || qry != tc.wantQry {
				t.Fatalf("canonicalSDKQuery = %q, %v; want %q", qry, err, tc.wantQry)
			}
		})
	}
}

func newSigTestSDKClient(t *testing.T, endpoint, accessKey, secretKey string, signHost bool) *apig.ApigClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(accessKey).WithSk(secretKey).WithProjectId(sigTestProjectID).SafeBuild()
	if err != nil {
		t.Fatalf("building credentials: %v", err)
	}
	hc, err := apig.ApigClientBuilder().WithEndpoints([]string{endpoint}).WithCredential(cred).SafeBuild()
	if err != nil {
		t.Fatalf("building client: %v", err)
	}
	if signHost {
		// An explicit Host header is the only way to get "host" into the SDK's SignedHeaders; net/http sends the
		// URL's host regardless, so it must be the same value.
		u, err := url.Parse(endpoint)
		if err != nil {
			t.Fatal(err)
		}
		hc.WithExtraHeaders(map[string]string{"Host": u.Host})
	}
	return apig.NewApigClient(hc)
}
