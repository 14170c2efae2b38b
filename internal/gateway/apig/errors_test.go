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

package apig

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// TestThrottled: a 429 with Retry-After is a waiting error of that delay, and it pauses the
// gateway: the next call waits it out, then succeeds.
func TestThrottled(t *testing.T) {
	for _, kind := range credentialKinds {
		t.Run(kind.name, func(t *testing.T) {
			sim, url := newSim(t, testSeed())
			cfg := testConfig(url, kind.creds)
			c := newClient(t, cfg)
			ctx := context.Background()
			err := sim.AddFault(gatewaysim.Fault{Operation: "ListEnvironmentsV2", Status: 429, Code: gateway.CodeThrottled,
				RetryAfter: 1, Count: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Environments(ctx)
			expectCode(t, err, gateway.CodeThrottled, gateway.Waiting)
			if d := gateway.Classify(err).Delay; d != time.Second {
				t.Errorf("delay %v; want the Retry-After of 1s", d)
			}
			if gerr := asGatewayError(t, err); gerr.HTTPStatus != 429 || gerr.RetryAfter != time.Second || gerr.Op != "list environments" {
				t.Errorf("error %+v; want HTTP 429, RetryAfter 1s, op \"list environments\"", gerr)
			}
			if !cfg.Caller.Gate.PausedUntil().After(time.Now()) {
				t.Error("the gate is not paused")
			}

			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			_, err = c.Environments(cancelled)
			if gerr := asGatewayError(t, err); !errors.Is(err, context.Canceled) || gerr.Op != "list environments" {
				t.Errorf("call with a cancelled context: %+v; want context.Canceled, op \"list environments\"", gerr)
			}

			start := time.Now()
			envs, err := c.Environments(ctx)
			waited := time.Since(start)
			if err != nil || len(envs) != 2 {
				t.Fatalf("Environments after the pause = %v, %v", envs, err)
			}
			if waited < 900*time.Millisecond {
				t.Errorf("the call after the 429 waited %v; want about 1s", waited)
			}
		})
	}
}

// failingCase is a call the gateway (or the network) fails, and how the error must look.
type failingCase struct {
	name    string
	fault   *gatewaysim.Fault
	config  func(*gateway.Config)
	call    func(context.Context, *Client) error
	status  int
	code    string
	class   gateway.Class
	message string // the error text contains it
	timeout bool   // the cause is a net.Error that timed out
}

func listEnvs(ctx context.Context, c *Client) error {
	_, err := c.Environments(ctx)
	return err
}

const badGatewayPage = `<html>
<head><title>502 Bad Gateway</title><style>body { width: 35em; }</style></head>
<body><div><h1>502 Bad Gateway</h1></div><hr><div>nginx</div></body>
</html>`

func failingCases() []failingCase {
	return []failingCase{
		{name: "5xx", fault: &gatewaysim.Fault{Operation: "ListEnvironmentsV2", Status: 500, Code: "APIG.9999",
			Message: "System error", Count: 1},
			call: listEnvs, status: 500, code: "APIG.9999", class: gateway.Transient, message: "System error"},
		{name: "version not found",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.SwitchVersion(ctx, tAPIUser, tMissing)
				return err
			},
			status: 404, code: gateway.CodeVersionNotFound, class: gateway.Waiting, message: "The API version does not exist"},
		{name: "wrong secret key", config: func(cfg *gateway.Config) {
			cfg.Credentials = gateway.Credentials{AccessKey: tAK, SecretKey: tWrongSK}
		}, call: listEnvs, status: 401, code: "APIGW.0301", class: gateway.Terminal, message: "signature"},
		{name: "wrong token", config: func(cfg *gateway.Config) {
			cfg.Credentials = gateway.Credentials{Token: tWrongToken}
		}, call: listEnvs, status: 401, code: "APIG.1002", class: gateway.Terminal, message: "Incorrect token"},
		{name: "malformed 200 body", fault: &gatewaysim.Fault{Operation: "ListEnvironmentsV2", Body: `{"envs":[`, Count: 1},
			call: listEnvs, status: 200, class: gateway.Transient, message: "malformed response body"},
		{name: "HTML 502 page", fault: &gatewaysim.Fault{Operation: "ListEnvironmentsV2", Status: 502, Body: badGatewayPage,
			ContentType: "text/html", Count: 1},
			call: listEnvs, status: 502, class: gateway.Transient,
			message: "unreadable error response (text/html): 502 Bad Gateway 502 Bad Gateway nginx"},
		{name: "truncated JSON error", fault: &gatewaysim.Fault{Operation: "ListEnvironmentsV2", Status: 503,
			Body: `{"error_code":"APIG.99`, Count: 1},
			call: listEnvs, status: 503, class: gateway.Transient, message: `unreadable error response (application/json): {"error_code":"APIG.99`},
		{name: "timeout", fault: &gatewaysim.Fault{Operation: "ListEnvironmentsV2", Latency: "1s", Count: 1},
			config: func(cfg *gateway.Config) { cfg.Timeout = 100 * time.Millisecond },
			call:   listEnvs, class: gateway.Transient, timeout: true},
		{name: "connection dropped", fault: &gatewaysim.Fault{Operation: "ListEnvironmentsV2", Drop: true, Count: 1},
			call: listEnvs, class: gateway.Transient, message: "EOF"},
	}
}

// runFailingCase runs one failing case with the credentials of kind and returns its error.
func runFailingCase(t *testing.T, tc failingCase, creds gateway.Credentials) error {
	t.Helper()
	sim, url := newSim(t, testSeed())
	if tc.fault != nil {
		if err := sim.AddFault(*tc.fault); err != nil {
			t.Fatal(err)
		}
	}
	cfg := testConfig(url, creds)
	if tc.config != nil {
		tc.config(&cfg)
	}
	err := tc.call(context.Background(), newClient(t, cfg))
	if err == nil {
		t.Fatal("got no error")
	}
	return err
}

func TestErrorClassification(t *testing.T) {
	for _, kind := range credentialKinds {
		for _, tc := range failingCases() {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				err := runFailingCase(t, tc, kind.creds)
				t.Log(err)
				gerr := asGatewayError(t, err)
				if class := gateway.Classify(err).Class; class != tc.class {
					t.Errorf("class %v; want %v (%v)", class, tc.class, err)
				}
				if gerr.HTTPStatus != tc.status || gerr.Code != tc.code {
					t.Errorf("HTTP %d %q; want HTTP %d %q (%v)", gerr.HTTPStatus, gerr.Code, tc.status, tc.code, err)
				}
				if !strings.Contains(err.Error(), tc.message) {
					t.Errorf("error %q does not contain %q", err, tc.message)
				}
				var nerr net.Error
				if tc.timeout && (!errors.As(err, &nerr) || !nerr.Timeout()) {
					t.Errorf("error %v is not a timeout", err)
				}
				if tc.status != 0 && gerr.RequestID == "" {
					t.Errorf("error %+v has no request ID", gerr)
				}
				if gerr.Op == "" || strings.Contains(gerr.Op, "V2") {
					t.Errorf("op %q; want a verb phrase", gerr.Op)
				}
			})
		}
	}
}

// TestErrorsCarryNoCredentials renders the error of every failing case every way a controller
// might, and looks for the credentials the client had.
func TestErrorsCarryNoCredentials(t *testing.T) {
	secrets := []string{tSK, tWrongSK, tToken, tWrongToken, tAK, "SDK-HMAC-SHA256", "Authorization"}
	for _, kind := range credentialKinds {
		for _, tc := range failingCases() {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				err := runFailingCase(t, tc, kind.creds)
				for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					for _, s := range secrets {
						if strings.Contains(text, s) {
							t.Errorf("error text contains %q: %s", s, text)
						}
					}
				}
			})
		}
	}
}

// TestTLS trusts a gateway's certificate through the CA bundle, and only through it.
func TestTLS(t *testing.T) {
	sim, err := gatewaysim.New(testSeed(), gatewaysim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(sim)
	// The refused handshakes are the point of the test, not news.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	ctx := context.Background()

	for _, kind := range credentialKinds {
		t.Run(kind.name, func(t *testing.T) {
			cfg := testConfig(srv.URL, kind.creds)
			cfg.CABundle = caPEM
			if _, err := newClient(t, cfg).Environments(ctx); err != nil {
				t.Errorf("with the CA bundle: %v", err)
			}

			_, err := newClient(t, testConfig(srv.URL, kind.creds)).Environments(ctx)
			var verr *tls.CertificateVerificationError
			if !errors.As(err, &verr) {
				t.Errorf("without the CA bundle: %v; want a certificate verification error", err)
			}
			if class := gateway.Classify(err).Class; class != gateway.Transient {
				t.Errorf("TLS error class %v; want Transient", class)
			}

			cfg = testConfig(srv.URL, kind.creds)
			cfg.InsecureSkipVerify = true
			if _, err := newClient(t, cfg).Environments(ctx); err != nil {
				t.Errorf("with verification off: %v", err)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	cases := []struct {
		name   string
		change func(*gateway.Config)
		want   string
	}{
		{"no caller", func(c *gateway.Config) { c.Caller = nil }, "Caller"},
		{"no instance", func(c *gateway.Config) { c.InstanceID = "" }, "instance ID"},
		{"instance with a slash", func(c *gateway.Config) { c.InstanceID = "a/b" }, "instance ID"},
		{"no project", func(c *gateway.Config) { c.ProjectID = "" }, "project ID"},
		{"no endpoint", func(c *gateway.Config) { c.Endpoint = "" }, "endpoint"},
		{"no scheme", func(c *gateway.Config) { c.Endpoint = "apig.example.com" }, "http"},
		{"a path", func(c *gateway.Config) { c.Endpoint = "https://apig.example.com/v2" }, "without a path"},
		{"credentials in the URL", func(c *gateway.Config) { c.Endpoint = "https://user:pw@apig.example.com" }, "credentials"},
		{"no secret key", func(c *gateway.Config) { c.Credentials = gateway.Credentials{AccessKey: tAK} }, "secret key"},
		{"a CA bundle without certificates", func(c *gateway.Config) { c.CABundle = []byte("not a certificate") }, "CA bundle"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig("https://apig.example.com", gateway.Credentials{AccessKey: tAK, SecretKey: tSK})
			tc.change(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v; want an error about %s", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), tSK) {
				t.Errorf("New error contains the secret key: %v", err)
			}
		})
	}
}

func TestPublishRefusesOversizedBatch(t *testing.T) {
	sim, url := newSim(t, testSeed())
	c := newClient(t, testConfig(url, credentialKinds[0].creds))
	ids := make([]string, maxBatch+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("%032x", i)
	}
	if _, err := c.Publish(context.Background(), tTestEnv, ids, ""); err == nil {
		t.Error("Publish of 1001 APIs: no error")
	}
	if res, err := c.Offline(context.Background(), tTestEnv, nil); err != nil || len(res) != 0 {
		t.Errorf("Offline of nothing = %v, %v", res, err)
	}
	if n := calls(sim, "BatchPublishOrOfflineApiV2"); n != 0 {
		t.Errorf("%d batch calls; want none", n)
	}
}

func TestPublishedToleratesAnUnreadableRecord(t *testing.T) {
	id, env, updated := "5f918d104dc84480a75166ba99efff21", "DEFAULT_ENVIRONMENT_RELEASE_ID", "2026-11-01T10:00:00Z"
	cases := []struct {
		name      string
		runEnvs   string
		publishID string
		times     string
		wantLive  bool
		wantErr   bool
		wantID    string
	}{
		{"aligned", env + "|TESTENV", "p1|p2", "2026-11-02T10:00:00Z|2026-11-03T10:00:00Z", true, false, "p1"},
		{"not in the environment", "TESTENV", "p2", "2026-11-03T10:00:00Z", false, false, ""},
		{"misaligned lists: live, with the definition time", "TESTENV|" + env, "p2", "2026-11-03T10:00:00Z", true, true, ""},
		{"unreadable time: live, with the definition time", env, "p1", "yesterday", true, true, "p1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var info model.ApiInfoPerPage
			doc := fmt.Sprintf(`{"id":%q,"run_env_id":%q,"publish_id":%q,"publish_time":%q,"update_time":%q}`,
				id, tc.runEnvs, tc.publishID, tc.times, updated)
			if err := json.Unmarshal([]byte(doc), &info); err != nil {
				t.Fatal(err)
			}
			pub, live, err := published(info, env)
			if live != tc.wantLive || (err != nil) != tc.wantErr || pub.PublishID != tc.wantID {
				t.Fatalf("published = %+v, %v, %v", pub, live, err)
			}
			if tc.wantErr && pub.PublishTime.IsZero() {
				t.Error("an unreadable record must not read as published at the zero time")
			}
		})
	}
}
