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

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		reason string
		err    error
		class  Class
		delay  time.Duration
		scope  Scope
		flag   string // throttled, auth, notFound, tls: the one reason flag set
	}{
		{"bad parameter is the caller's to fix", &Error{HTTPStatus: 400, Code: "APIG.2011"}, Terminal, 0, ScopeAPI, ""},
		{"malformed body", &Error{HTTPStatus: 400, Code: "APIG.2000"}, Terminal, 0, ScopeAPI, ""},
		{"bad token", &Error{HTTPStatus: 401, Code: "APIG.1002"}, Terminal, 0, ScopeGateway, "auth"},
		{"bad signature", &Error{HTTPStatus: 401, Code: "APIGW.0301"}, Terminal, 0, ScopeGateway, "auth"},
		{"no permission", &Error{HTTPStatus: 403, Code: "APIG.1005"}, Terminal, 0, ScopeGateway, "auth"},
		{"illegal DataArts action", &Error{HTTPStatus: 400, Code: "DLM.4182"}, Terminal, 0, ScopeAPI, ""},
		{"missing API waits for it to appear", &Error{HTTPStatus: 404, Code: "APIG.3002"}, Waiting, time.Minute, ScopeAPI, "notFound"},
		{"missing version", &Error{HTTPStatus: 404, Code: "APIG.3022"}, Waiting, time.Minute, ScopeAPI, "notFound"},
		{"missing environment", &Error{HTTPStatus: 404, Code: "APIG.3003"}, Waiting, time.Minute, ScopeAPI, "notFound"},
		{"missing group", &Error{HTTPStatus: 404, Code: "APIG.3001"}, Waiting, time.Minute, ScopeAPI, "notFound"},
		{"missing instance", &Error{HTTPStatus: 404, Code: "APIG.3030"}, Waiting, time.Minute, ScopeAPI, "notFound"},
		{"missing DataArts API comes as a 400", &Error{HTTPStatus: 400, Code: "DLM.4018"}, Waiting, time.Minute, ScopeAPI, "notFound"},
		{"missing API inside a batch response has no status", &Error{Code: "APIG.3002"}, Waiting, time.Minute, ScopeAPI, "notFound"},
		{"throttled with Retry-After", &Error{HTTPStatus: 429, Code: "APIG.0308", RetryAfter: 7 * time.Second}, Waiting, 7 * time.Second, ScopeGateway, "throttled"},
		{"throttled without Retry-After", &Error{HTTPStatus: 429, Code: "APIG.0308"}, Waiting, ThrottleDelay, ScopeGateway, "throttled"},
		{"too many requests is a 500 on APIG", &Error{HTTPStatus: 500, Code: "APIG.9008"}, Waiting, ThrottleDelay, ScopeGateway, "throttled"},
		{"system error", &Error{HTTPStatus: 500, Code: "APIG.9999"}, Transient, 0, ScopeGateway, ""},
		{"concurrent writes to an instance are retried", &Error{HTTPStatus: 500, Code: "APIG.3500"}, Transient, 0, ScopeGateway, ""},
		{"an exceeded quota is this API's, not the credentials'", &Error{HTTPStatus: 403, Code: "APIG.3102"}, Terminal, 0, ScopeAPI, ""},
		{"an exceeded quota inside a batch response", &Error{Code: "APIG.3125"}, Terminal, 0, ScopeAPI, ""},
		{"bad gateway page", &Error{HTTPStatus: 502}, Transient, 0, ScopeGateway, ""},
		{"timeout", Transport("list APIs", context.DeadlineExceeded), Transient, 0, ScopeGateway, ""},
		{"connection refused", Transport("list APIs", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), Transient, 0, ScopeGateway, ""},
		{"wrapped", fmt.Errorf("publish: %w", &Error{HTTPStatus: 401}), Terminal, 0, ScopeGateway, "auth"},
		{"not a gateway error", errors.New("something else"), Transient, 0, ScopeGateway, ""},
		{"a bare 429 without a code is throttling", &Error{HTTPStatus: 429}, Waiting, ThrottleDelay, ScopeGateway, "throttled"},
		{"a bare 429 with Retry-After", &Error{HTTPStatus: 429, RetryAfter: 3 * time.Second}, Waiting, 3 * time.Second, ScopeGateway, "throttled"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			h := Classify(tc.err)
			if h.Class != tc.class || h.Delay != tc.delay || h.Scope != tc.scope {
				t.Errorf("Classify = %s, %s, scope %d; want %s, %s, scope %d", h.Class, h.Delay, h.Scope, tc.class, tc.delay, tc.scope)
			}
			flags := map[string]bool{"throttled": h.Throttled, "auth": h.Auth, "notFound": h.NotFound, "tls": h.TLS}
			for name, set := range flags {
				if set != (name == tc.flag) {
					t.Errorf("Classify flag %s = %t; want only %q set", name, set, tc.flag)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{&Error{Op: "publish APIs", HTTPStatus: 404, Code: "APIG.3003", Message: "Environment x does not exist", RequestID: "r1"},
			"publish APIs: APIG.3003 Environment x does not exist (HTTP 404, request r1)"},
		{&Error{Op: "list APIs", Err: errors.New("dial tcp: connection refused")}, "list APIs: dial tcp: connection refused"},
		{&Error{Op: "list APIs", HTTPStatus: 502}, "list APIs: Bad Gateway (HTTP 502)"},
		{&Error{Op: "list APIs", HTTPStatus: 299}, "list APIs: the gateway gave no reason (HTTP 299)"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestCredentialsNeverPrint(t *testing.T) {
	c := Credentials{AccessKey: "AKVALUE", SecretKey: "SKVALUE", Token: ""}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprint(Config{Credentials: c})} {
		for _, secret := range []string{"AKVALUE", "SKVALUE"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %s", s, secret)
			}
		}
	}
}

func TestGatePausesEveryCaller(t *testing.T) {
	g := NewGate(1000, 1000)
	now := time.Now()
	g.now = func() time.Time { return now }
	g.Pause(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a paused gate let a call through: %v", err)
	}
	g.Pause(time.Minute) // a shorter pause does not shorten the current one
	if got := g.PausedUntil(); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("paused until %v", got)
	}
	now = now.Add(2 * time.Hour)
	if err := g.Wait(context.Background()); err != nil {
		t.Errorf("after the pause: %v", err)
	}
}

// TestCallerPausesOnThrottle: a 429 pauses every caller of the gateway for its Retry-After,
// with or without an APIG error code (a proxy in front of the gateway sends none).
func TestCallerPausesOnThrottle(t *testing.T) {
	for _, answer := range []*Error{
		{Op: "publish APIs", HTTPStatus: 429, RetryAfter: 7 * time.Second},
		{Op: "publish APIs", HTTPStatus: 429, Code: CodeThrottled, RetryAfter: 7 * time.Second},
	} {
		g := NewGate(1000, 1000)
		now := time.Now()
		g.now = func() time.Time { return now }
		c := &Caller{Gateway: "ns/gw", Gate: g}
		err := c.Do(context.Background(), "publish APIs", func() error { return answer })
		if h := Classify(err); !h.Throttled || h.Scope != ScopeGateway {
			t.Errorf("%v: classified %+v, want throttled for the whole gateway", answer, h)
		}
		if got := g.PausedUntil(); !got.Equal(now.Add(7 * time.Second)) {
			t.Errorf("%v: the gateway is paused until %v, want %v", answer, got, now.Add(7*time.Second))
		}
	}
}

// TestCallerStopsAtTheDeadline: a call to a gateway that never answers ends for the caller
// when its context does, whatever the HTTP client's own timeout.
func TestCallerStopsAtTheDeadline(t *testing.T) {
	c := &Caller{Gateway: "ns/gw", Gate: NewGate(1000, 1000)}
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Do(ctx, "list environments", func() error { <-release; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || Classify(err).Class != Transient {
		t.Fatalf("a call past its deadline returned %v", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the caller waited %s for a call past its deadline", waited)
	}
	if err := c.Do(context.Background(), "list environments", func() error { return nil }); err != nil {
		t.Errorf("a call without a deadline: %v", err)
	}
}
