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

package sdkclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/impl"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

const (
	// DefaultTimeout bounds an HTTP call when the Config sets no timeout.
	DefaultTimeout = 30 * time.Second
	// userAgent is appended to the SDK's own, so gateway-side logs show who called.
	userAgent = "apig-operator"
)

// New builds an SDK HTTP client for the gateway cfg describes, whose successful response bodies
// are bounded by body (PageBody for most calls). Wrap it with a service client, for example
// apig.NewApigClient(hc).
func New(cfg gateway.Config, body BodyBound) (*core.HcHttpClient, error) {
	if body.Bytes <= 0 {
		return nil, errors.New("gateway connection: a response body bound is required")
	}
	endpoint, err := endpointURL(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.ProjectID == "" {
		// Without a project ID the SDK would ask IAM for one, which neither a private
		// endpoint nor the simulator answers.
		return nil, errors.New("gateway connection: a project ID is required")
	}
	cred, err := credential(cfg)
	if err != nil {
		return nil, err
	}
	transport, err := newTransport(cfg)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// The RoundTripper rather than HttpTransport: the SDK gives HttpTransport priority over
	// everything else, and the body limit has to sit in front of it.
	hcfg := config.DefaultHttpConfig().
		WithTimeout(timeout).
		WithRetries(0).
		WithHttpRoundTripper(limitedTransport{next: transport, bound: body}).
		WithUserAgent(agent(cfg.Instance))
	// Not the SDK's HcHttpClientBuilder: its credential type check accepts only the SDK's
	// own credential types, so it refuses the token credential.
	hc := core.NewHcHttpClient(impl.NewDefaultHttpClient(hcfg)).
		WithEndpoints([]string{endpoint}).
		WithCredential(cred).
		WithErrorHandler(errorHandler{bound: body})
	return hc, nil
}

// agent is the User-Agent suffix: the operator's name and, when known, the manager instance.
func agent(instance string) string {
	if instance == "" {
		return userAgent
	}
	return userAgent + "/" + instance
}

// endpointURL checks that the endpoint is an http or https URL the SDK will use as given: the
// SDK replaces the URL path with the operation's, so a path would be silently dropped.
func endpointURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("gateway connection: an endpoint URL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("gateway connection: endpoint %q is not a URL", raw)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("gateway connection: endpoint %q must start with http:// or https://", raw)
	case u.Host == "":
		return "", fmt.Errorf("gateway connection: endpoint %q has no host", raw)
	case u.User != nil:
		// Credentials in the URL would end up in every transport error message.
		return "", errors.New("gateway connection: the endpoint URL must not hold credentials")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return "", fmt.Errorf("gateway connection: endpoint %q must be a scheme and host only, without a path or query", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

func credential(cfg gateway.Config) (auth.ICredential, error) {
	c := cfg.Credentials
	if c.Token != "" {
		return tokenCredential{token: c.Token, projectID: cfg.ProjectID}, nil
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		return nil, errors.New("gateway connection: credentials need an access key and a secret key, or a token")
	}
	b := basic.NewCredentialsBuilder().WithAk(c.AccessKey).WithSk(c.SecretKey).WithProjectId(cfg.ProjectID)
	if c.SecurityToken != "" {
		b = b.WithSecurityToken(c.SecurityToken)
	}
	cred, err := b.SafeBuild()
	if err != nil {
		// The SDK's messages name the missing field, never its value.
		return nil, fmt.Errorf("gateway connection: %w", err)
	}
	return cred, nil
}

// tokenCredential sends an IAM token in X-Auth-Token, the one scheme the SDK does not offer.
// Like the SDK's BasicCredentials it fills the project_id path parameter, but it signs nothing.
type tokenCredential struct {
	token     string
	projectID string
}

var _ auth.ICredential = tokenCredential{}

// ProcessAuthParams has nothing to discover: the project ID is given.
func (c tokenCredential) ProcessAuthParams(*impl.DefaultHttpClient, string) (auth.ICredential, error) {
	return c, nil
}

// ProcessAuthRequest adds the token and the project ID; Build substitutes the path parameters,
// as the signer's call to it does for BasicCredentials.
func (c tokenCredential) ProcessAuthRequest(
	_ *impl.DefaultHttpClient, req *request.DefaultHttpRequest,
) (*request.DefaultHttpRequest, error) {
	return req.Builder().
		AddAutoFilledPathParam("project_id", c.projectID).
		AddHeaderParam(headerAuthToken, c.token).
		Build(), nil
}

// String keeps the token out of anything that prints the credential.
func (c tokenCredential) String() string { return "tokenCredential{token: <redacted>}" }

// GoString is String, for %#v.
func (c tokenCredential) GoString() string { return c.String() }

// newTransport is a clone of the default transport (proxy from the environment, dial and
// handshake timeouts) with the TLS trust cfg asks for.
func newTransport(cfg gateway.Config) (*http.Transport, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("gateway connection: http.DefaultTransport is not an *http.Transport")
	}
	t := base.Clone()
	// The gate admits bursts of calls; keep their connections instead of reopening them.
	t.MaxIdleConnsPerHost = 16
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(cfg.CABundle) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CABundle) {
			return nil, errors.New("gateway connection: the CA bundle holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	// The user's explicit choice in the ApiGateway spec, for test gateways with self-signed
	// certificates.
	tlsCfg.InsecureSkipVerify = cfg.InsecureSkipVerify
	t.TLSClientConfig = tlsCfg
	return t, nil
}

// limitedTransport bounds every response body, so that a misbehaving endpoint cannot make the
// SDK, which reads bodies whole, buffer more than the bound: the handler reads the body first,
// through the limit, and the SDK decodes only a body that fits.
type limitedTransport struct {
	next  http.RoundTripper
	bound BodyBound
}

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.bound.Bytes}
	return resp, nil
}

// errBodyTooLarge is what reading a body beyond its bound returns.
var errBodyTooLarge = errors.New("response body exceeds its bound")

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Tell a body of exactly the limit from a longer one.
		var one [1]byte
		for {
			n, err := b.rc.Read(one[:])
			if n > 0 {
				return 0, errBodyTooLarge
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// headerAuthToken is the IAM token header.
const headerAuthToken = "X-Auth-Token"
