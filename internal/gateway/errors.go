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
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is the only error shape that crosses the gateway boundary: what the gateway answered
// (or that it did not answer), without credentials.
type Error struct {
	// Op is the operation, for example "publish APIs".
	Op string
	// HTTPStatus is the response status; 0 when no response arrived.
	HTTPStatus int
	// Code and Message are the gateway's error_code and error_msg.
	Code    string
	Message string
	// RequestID is the gateway's X-Request-Id, for support cases.
	RequestID string
	// RetryAfter is the response's Retry-After, when it had one.
	RetryAfter time.Duration
	// Err is the underlying cause when no response arrived (timeouts, connection errors) or
	// the response could not be read.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Code != "":
		b.WriteString(e.Code)
		if e.Message != "" {
			b.WriteString(" ")
			b.WriteString(e.Message)
		}
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	case http.StatusText(e.HTTPStatus) != "":
		b.WriteString(http.StatusText(e.HTTPStatus))
	default:
		b.WriteString("the gateway gave no reason")
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.HTTPStatus)
		if e.RequestID != "" {
			fmt.Fprintf(&b, ", request %s", e.RequestID)
		}
		b.WriteString(")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Class says how a controller handles an error.
type Class int

const (
	// Transient errors (5xx, timeouts, connection errors) are retried with backoff.
	Transient Class = iota
	// Waiting errors (a missing API, version, environment or group; throttling) are retried
	// after a delay without backoff: something outside the spec has to change or time pass.
	Waiting
	// Terminal errors (bad request, bad credentials, no permission, an illegal action) are not
	// retried until the spec, the Secret or the ApiGateway changes.
	Terminal
)

func (c Class) String() string {
	switch c {
	case Waiting:
		return "Waiting"
	case Terminal:
		return "Terminal"
	default:
		return "Transient"
	}
}

// Delays used for waiting errors that carry no Retry-After.
const (
	// NotFoundDelay is how long to wait before looking again for something missing.
	NotFoundDelay = time.Minute
	// ThrottleDelay is the pause after a 429 without Retry-After: the low end of the gateway's
	// advice (2–5 s), as the gate also halves its rate after a 429 and the gateway counts calls
	// per second. The pause holds every call to the gateway, single edits too.
	ThrottleDelay = 2 * time.Second
)

// Error codes the operator acts on.
const (
	CodeThrottled        = "APIG.0308"
	CodeTooManyRequests  = "APIG.9008"
	CodeGroupNotFound    = "APIG.3001"
	CodeAPINotFound      = "APIG.3002"
	CodeEnvNotFound      = "APIG.3003"
	CodePublishNotFound  = "APIG.3015"
	CodeVersionNotFound  = "APIG.3022"
	CodeInstanceNotFound = "APIG.3030"
	CodeDataIllegal      = "DLM.4182"
	// CodeEtcdSync: concurrent writes to one instance ("Failed to synchronize data to etcd",
	// 500); transient, and avoided by serialising the writes of an instance.
	CodeEtcdSync = "APIG.3500"
)

// quota are the codes of an exceeded quota, which the gateway sends with a 403: a refusal of
// this request, not of the credentials.
var quota = map[string]bool{
	"APIG.3100": true, "APIG.3101": true, "APIG.3102": true, "APIG.3103": true, "APIG.3104": true,
	"APIG.3125": true, "APIG.3127": true,
}

// notFound are the codes that mean something does not exist, whatever the HTTP status: the
// DataArts ones come with a 400, and per-API failures inside a batch response with none.
var notFound = map[string]bool{
	CodeGroupNotFound: true, CodeAPINotFound: true, CodeEnvNotFound: true, CodePublishNotFound: true,
	CodeVersionNotFound: true, CodeInstanceNotFound: true,
	"DLM.4001": true, "DLM.4018": true, "DLM.4197": true, "DLM.4215": true, "DLM.4292": true,
}

// Scope says what an error concerns.
type Scope int

const (
	// ScopeGateway errors concern every call to the gateway (unreachable, throttled, refused
	// credentials): the whole pass stops.
	ScopeGateway Scope = iota
	// ScopeAPI errors concern the one API a call was about (it does not exist, its version is
	// missing, the gateway refused this action on it): the API reports it, the others go on.
	ScopeAPI
)

// Handling is how a controller handles an error, decided by Classify alone.
type Handling struct {
	Class Class
	// Delay is when to try again, for waiting errors.
	Delay time.Duration
	// Scope is whether the error belongs to one API or to the whole gateway.
	Scope Scope
	// Throttled: the gateway said to slow down; every caller of the gateway pauses for Delay.
	Throttled bool
	// Auth: the gateway refused the credentials (401) or the permission (403).
	Auth bool
	// TLS: the gateway's certificate was refused.
	TLS bool
	// NotFound: something the call named does not exist (API, version, environment, group).
	NotFound bool
}

// Classify says how to handle err: its class, when to try again, whether it concerns one API
// or the whole gateway, and why. It is the one place that reads HTTP statuses: callers see
// the answer, never the status.
func Classify(err error) Handling {
	var gerr *Error
	if !errors.As(err, &gerr) {
		return Handling{Class: Transient}
	}
	h := Handling{Class: Transient}
	switch {
	case isThrottle(gerr):
		h.Class, h.Throttled, h.Delay = Waiting, true, ThrottleDelay
		if gerr.RetryAfter > 0 {
			h.Delay = gerr.RetryAfter
		}
	case gerr.HTTPStatus == http.StatusNotFound || notFound[gerr.Code]:
		h.Class, h.NotFound, h.Delay = Waiting, true, NotFoundDelay
	case quota[gerr.Code]:
		h.Class = Terminal // a change of quota or of the declaration helps, not of the credentials
	case gerr.HTTPStatus == http.StatusUnauthorized, gerr.HTTPStatus == http.StatusForbidden:
		h.Class, h.Auth = Terminal, true
	case gerr.HTTPStatus == http.StatusBadRequest, gerr.Code == CodeDataIllegal, strings.HasPrefix(gerr.Code, "APIG.2"):
		h.Class = Terminal
	case IsTLSVerification(gerr):
		h.TLS = true
	}
	if h.Class != Transient && !h.Throttled && !h.Auth {
		h.Scope = ScopeAPI
	}
	return h
}

// isThrottle reports whether the gateway said to slow down: 429 APIG.0308 at the cloud's
// entrance (or a bare 429 from a proxy in front of it), or APIG.9008, which the gateway sends
// with a 500.
func isThrottle(e *Error) bool {
	return e.HTTPStatus == http.StatusTooManyRequests || e.Code == CodeThrottled || e.Code == CodeTooManyRequests
}

// HasCode reports whether err is an *Error with one of the codes.
func HasCode(err error, codes ...string) bool {
	var gerr *Error
	if !errors.As(err, &gerr) {
		return false
	}
	for _, c := range codes {
		if gerr.Code == c {
			return true
		}
	}
	return false
}

// Transport wraps an error that happened before a response arrived or while reading it.
func Transport(op string, err error) *Error {
	return &Error{Op: op, Err: err}
}
