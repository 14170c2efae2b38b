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

// The SDK hands every response to an ErrorHandler before it decodes the body. Ours replaces the
// SDK's default, which reads error bodies without a limit, drops Retry-After and makes a
// message of a whole HTML page. A response outside 2xx becomes a *gateway.Error with the
// status, the gateway's error_code and error_msg, X-Request-Id and Retry-After; a 2xx body that
// no operation answers becomes one too, saying plainly what is wrong with it, before the SDK
// fails on it in its own words. The handler does not know the operation: Error names it.

package sdkclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/response"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

const (
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 1 << 20
	// maxRetryAfter caps Retry-After: the gateway's windows are a second or a minute, and a
	// broken or hostile header must not pause every caller of the gateway for hours.
	maxRetryAfter = 10 * time.Minute
)

type errorHandler struct {
	bound BodyBound
}

func (h errorHandler) HandleError(req *request.DefaultHttpRequest, resp *response.DefaultHttpResponse) error {
	if resp == nil || resp.Response == nil {
		return &gateway.Error{Err: errors.New("no HTTP response")}
	}
	r := newRedactor(req)
	if status := resp.GetStatusCode(); status < 200 || status >= 300 {
		return readError(r, resp.Response, time.Now())
	}
	method := ""
	if req != nil {
		method = req.GetMethod()
	}
	// Not returned directly: a nil *gateway.Error in an error interface is not a nil error.
	if e := checkBody(r, method, resp.Response, h.bound); e != nil {
		return e
	}
	return nil
}

// checkBody reads the body of a successful response through its bound, leaving it in place for
// the SDK to decode, and refuses one that no operation of the adapters answers: too large, not
// JSON, or a page holding more items than the request's limit asked for. The SDK decodes only
// what passes.
func checkBody(r redactor, method string, resp *http.Response, bound BodyBound) *gateway.Error {
	if resp.Body == nil {
		return nil
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	e := &gateway.Error{HTTPStatus: resp.StatusCode, RequestID: requestID(r, resp.Header.Get("X-Request-Id"))}
	var problem string
	switch {
	case errors.Is(err, errBodyTooLarge):
		e.Err = &TooLargeError{Bound: bound}
		return e
	case err != nil:
		problem = readFailure(r, "reading the response body", err)
	default:
		problem = malformedBody(r, method, resp.StatusCode, data, resp.Header.Get("Content-Type"))
	}
	if problem == "" {
		problem = overfullPage(r, resp.Request, data)
	}
	if problem == "" {
		return nil
	}
	e.Err = errors.New(problem)
	return e
}

// overfullPage says what is wrong with a page that holds more items than its request's limit
// asked for, or "" for any other body: the gateway never does that, and decoding such a page
// could cost far more memory than the body.
func overfullPage(r redactor, req *http.Request, data []byte) string {
	if req == nil || req.URL == nil {
		return ""
	}
	limit, err := strconv.Atoi(req.URL.Query().Get("limit"))
	if err != nil || limit <= 0 {
		return ""
	}
	name, n := overfull(data, limit)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("the page holds %d items in %q, more than the %d it asked for", n,
		clip(clean(r.apply(name)), maxID), limit)
}

// readError reads a response outside 2xx. Err is set only when the body is not a gateway error
// (or when the gateway sent a message without a code, see below).
func readError(r redactor, resp *http.Response, now time.Time) *gateway.Error {
	e := &gateway.Error{
		HTTPStatus: resp.StatusCode,
		RequestID:  requestID(r, resp.Header.Get("X-Request-Id")),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	if resp.Body == nil {
		return e
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		e.Err = errors.New(readFailure(r, "reading the error response", err))
		return e
	}
	code, msg, reqID, ok := parseErrorBody(data)
	if !ok {
		if len(bytes.TrimSpace(data)) > 0 {
			e.Err = errors.New("unreadable error response " + quoteBody(r, data, resp.Header.Get("Content-Type")))
		}
		return e
	}
	e.Code = clip(clean(r.apply(code)), maxID)
	e.Message = clip(clean(r.apply(msg)), maxMessage)
	if e.RequestID == "" {
		e.RequestID = requestID(r, reqID)
	}
	if e.Code == "" && e.Message != "" {
		// Kept from when gateway.Error printed Message only next to a Code, so that Unwrap
		// still gives the message; the text is the same either way.
		e.Err = errors.New(e.Message)
	}
	return e
}

// readFailure says that reading a body failed. Go's read errors name no header, but a proxy's
// reset can carry text from the peer, so it is redacted and cleaned like the body would be.
func readFailure(r redactor, what string, err error) string {
	return what + ": " + clip(clean(r.apply(err.Error())), maxMessage)
}

// requestID makes a request ID, from X-Request-Id or the body's request_id, fit a message.
func requestID(r redactor, id string) string { return clip(clean(r.apply(id)), maxID) }

// parseErrorBody finds the error in a JSON body the way the SDK does (error_code and error_msg,
// else code and message, else in a nested object), but accepts a code or a message alone.
func parseErrorBody(data []byte) (code, msg, reqID string, ok bool) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return "", "", "", false
	}
	code, msg = findError(m, 0)
	if msg == "" {
		msg = str(m["error"])
	}
	return code, msg, str(m["request_id"]), code != "" || msg != ""
}

func findError(m map[string]any, depth int) (code, msg string) {
	if code, msg = str(m["error_code"]), str(m["error_msg"]); code != "" || msg != "" {
		return code, msg
	}
	if code, msg = str(m["code"]), str(m["message"]); code != "" || msg != "" {
		return code, msg
	}
	if depth >= 3 {
		return "", ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same body always gives the same message
	for _, k := range keys {
		if nested, isMap := m[k].(map[string]any); isMap {
			if code, msg = findError(nested, depth+1); code != "" || msg != "" {
				return code, msg
			}
		}
	}
	return "", ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date; 0 when absent or unusable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return min(max(at.Sub(now), 0), maxRetryAfter)
	}
	return 0
}
