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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/response"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

const (
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 1 << 20
	// maxSnippet bounds the part of an unreadable body quoted in a message.
	maxSnippet = 200
	// maxMessage bounds any message taken from the gateway or the SDK.
	maxMessage = 1000
	// maxRetryAfter caps Retry-After: the gateway's windows are a second or a minute, and a
	// broken or hostile header must not pause every caller of the gateway for hours.
	maxRetryAfter = 10 * time.Minute
	// minSecretLen keeps redaction from mangling messages over a credential too short to be real.
	minSecretLen = 4
	redacted     = "<redacted>"
)

// responseError is what the error handler makes of a response outside 2xx.
type responseError struct {
	status     int
	code       string
	message    string
	requestID  string
	retryAfter time.Duration
	// unreadable describes a body that is not a gateway error; empty when it was one.
	unreadable string
}

func (e *responseError) Error() string {
	msg := e.unreadable
	if e.code != "" || e.message != "" {
		msg = strings.TrimSpace(e.code + " " + e.message)
	}
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, msg)
}

// bodyError is a successful response whose body is not what any operation answers.
type bodyError struct {
	status    int
	requestID string
	msg       string
}

func (e *bodyError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.msg) }

// errorHandler replaces the SDK's default, which reads error bodies without a limit, drops
// Retry-After and turns an HTML page into a message made of the whole page. It also checks the
// body of a successful response before the SDK decodes it, to say plainly what is wrong with it.
type errorHandler struct{}

func (errorHandler) HandleError(req *request.DefaultHttpRequest, resp *response.DefaultHttpResponse) error {
	if resp == nil || resp.Response == nil {
		return errors.New("no HTTP response")
	}
	status := resp.GetStatusCode()
	if status >= 200 && status < 300 {
		method := ""
		if req != nil {
			method = req.GetMethod()
		}
		if e := checkBody(newRedactor(req), method, resp.Response); e != nil {
			return e
		}
		return nil
	}
	return readError(newRedactor(req), resp.Response, time.Now())
}

// checkBody reads the body of a successful response, leaving it in place for the SDK to decode,
// and refuses one that no operation of the adapters answers: each answers JSON, or nothing with
// 204, and a GET always answers something.
func checkBody(r redactor, method string, resp *http.Response) *bodyError {
	if resp.Body == nil {
		return nil
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	e := &bodyError{status: resp.StatusCode, requestID: requestID(resp.Header)}
	switch {
	case errors.Is(err, errBodyTooLarge):
		e.msg = "the response body exceeds " + strconv.Itoa(maxBody>>20) + " MiB"
	case err != nil:
		e.msg = "reading the response body: " + clip(clean(r.apply(err.Error())), maxMessage)
	case len(bytes.TrimSpace(data)) == 0:
		if method != http.MethodGet || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		e.msg = "malformed response body: the body is empty"
	default:
		var raw json.RawMessage
		err := json.Unmarshal(data, &raw)
		if err == nil {
			return nil
		}
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) && syntax.Error() == "unexpected end of JSON input" {
			e.msg = "malformed response body: the JSON ends early, as if cut off"
		} else {
			e.msg = "malformed response body: not JSON " + strings.TrimPrefix(describeBody(r, data, resp.Header.Get("Content-Type")),
				"unreadable error response ")
		}
	}
	return e
}

// requestID is the response's X-Request-Id, as text a message can carry.
func requestID(h http.Header) string {
	return clip(clean(h.Get("X-Request-Id")), 100)
}

func readError(r redactor, resp *http.Response, now time.Time) *responseError {
	e := &responseError{
		status:     resp.StatusCode,
		requestID:  requestID(resp.Header),
		retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	if resp.Body == nil {
		return e
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		e.unreadable = "reading the error response: " + clip(r.apply(err.Error()), maxMessage)
		return e
	}
	if code, msg, reqID, ok := parseErrorBody(data); ok {
		e.code = clip(clean(r.apply(code)), 100)
		e.message = clip(clean(r.apply(msg)), maxMessage)
		if e.requestID == "" {
			e.requestID = clip(clean(reqID), 100)
		}
		return e
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		e.unreadable = describeBody(r, data, resp.Header.Get("Content-Type"))
	}
	return e
}

// parseErrorBody finds the error in a JSON body the way the SDK does (error_code and error_msg,
// else code and message, else in a nested object), but accepts a code or a message alone.
func parseErrorBody(data []byte) (code, msg, requestID string, ok bool) {
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

// describeBody quotes the start of a body that is not a gateway error, as text a condition
// message can carry: markup removed, control characters and runs of spaces collapsed.
func describeBody(r redactor, data []byte, contentType string) string {
	kind := "no content type"
	if contentType != "" {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			contentType = mt
		}
		kind = clip(clean(contentType), 50)
	}
	// Look further than the quoted part, so that markup removed still leaves text to quote.
	text := string(data[:min(len(data), 8*maxSnippet)])
	if strings.Contains(kind, "html") || strings.HasPrefix(strings.TrimSpace(text), "<") {
		text = stripTags(text)
	}
	text = clip(clean(r.apply(text)), maxSnippet)
	if text == "" {
		return fmt.Sprintf("unreadable error response (%s)", kind)
	}
	return fmt.Sprintf("unreadable error response (%s): %s", kind, text)
}

// stripTags drops <...> markup, and the contents of script and style elements.
func stripTags(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:open])
		b.WriteByte(' ')
		s = s[open:]
		for _, elem := range []string{"script", "style"} {
			if hasPrefixFold(s, "<"+elem) {
				if end := indexFold(s, "</"+elem); end >= 0 {
					s = s[end:]
				} else {
					s = ""
				}
				break
			}
		}
		closeAt := strings.IndexByte(s, '>')
		if closeAt < 0 {
			break
		}
		s = s[closeAt+1:]
	}
	return b.String()
}

// hasPrefixFold and indexFold compare ASCII case-insensitively on s's own bytes: lowering s
// first would shift the indexes, since lowering changes the length of some characters and of
// invalid UTF-8.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// clean makes s valid UTF-8 on one line: control characters become spaces and runs of spaces
// collapse.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// clip cuts s to at most n bytes at a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
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

// redactor removes the credentials a request carried from text the gateway sent back.
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

// Error maps what an SDK call returned to the boundary's error shape, with op (a verb phrase
// such as "list environments") as its Op. It returns nil for a nil err, so call it only on
// failure: a nil *gateway.Error in an error interface is not a nil error.
func Error(op string, err error) *gateway.Error {
	if err == nil {
		return nil
	}
	var gerr *gateway.Error
	if errors.As(err, &gerr) {
		return gerr
	}
	var berr *bodyError
	if errors.As(err, &berr) {
		return &gateway.Error{Op: op, HTTPStatus: berr.status, RequestID: berr.requestID, Err: errors.New(berr.msg)}
	}
	var rerr *responseError
	if errors.As(err, &rerr) {
		ge := &gateway.Error{Op: op, HTTPStatus: rerr.status, Code: rerr.code, Message: rerr.message,
			RequestID: rerr.requestID, RetryAfter: rerr.retryAfter}
		switch {
		case rerr.unreadable != "":
			ge.Err = errors.New(rerr.unreadable)
		case ge.Code == "" && ge.Message != "":
			// gateway.Error shows Message only next to a Code.
			ge.Err = errors.New(ge.Message)
		}
		return ge
	}
	var sp *sdkerr.ServiceResponseError
	if errors.As(err, &sp) {
		return serviceError(op, *sp)
	}
	var sv sdkerr.ServiceResponseError
	if errors.As(err, &sv) {
		return serviceError(op, sv)
	}
	// Transport errors (timeouts, refused connections, TLS) stay whole, for errors.Is and As;
	// they name the URL, never a request header.
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		// Go words a client timeout several ways; say it plainly once.
		return gateway.Transport(op, fmt.Errorf("timed out: %w", transportError{err}))
	}
	return gateway.Transport(op, transportError{err})
}

// transportError is a transport error whose text fits a message: Go quotes the line of a
// malformed response header in it, which can be a megabyte long.
type transportError struct{ err error }

func (e transportError) Error() string { return clip(clean(e.err.Error()), maxMessage) }

func (e transportError) Unwrap() error { return e.err }

// serviceError maps the SDK's own error: a 2xx body it could not decode, or, from the SDK's
// default handler, an error response.
func serviceError(op string, se sdkerr.ServiceResponseError) *gateway.Error {
	ge := &gateway.Error{Op: op, HTTPStatus: se.StatusCode, RequestID: clip(clean(se.RequestId), 100)}
	msg := clip(clean(se.ErrorMessage), maxMessage)
	switch {
	case se.StatusCode >= 200 && se.StatusCode < 300:
		ge.Err = fmt.Errorf("malformed response body: %s", decodeProblem(msg))
	case se.ErrorCode != "":
		ge.Code, ge.Message = se.ErrorCode, msg
	case msg != "":
		ge.Err = errors.New(msg)
	}
	return ge
}

// goField is a step of the SDK's decoding error path: the model type and its Go field.
var goField = regexp.MustCompile(`^(?:\[\])?(?:\*)?model\.\w+\.(\w+)$`)

// decodeProblem rewrites the SDK's error for a JSON body of the wrong shape, which names Go
// types and quotes the body around the fault ("model.ListApisV2Response.Total: readUint64:
// unexpected character: ..., error found in #10 byte of ..."), as the JSON field and what it
// should have been ("field total is not a number"). What it cannot read it returns as it is,
// without the quotes of the body.
func decodeProblem(msg string) string {
	msg, _, _ = strings.Cut(msg, ", error found in #")
	parts := strings.Split(msg, ": ")
	var path []string
	i := 0
	for ; i < len(parts); i++ {
		if m := goField.FindStringSubmatch(parts[i]); m != nil {
			path = append(path, snakeCase(m[1]))
			continue
		}
		if strings.HasPrefix(parts[i], "[]") || strings.HasPrefix(parts[i], "map[") {
			path = append(path, "[]")
			continue
		}
		break
	}
	field := "the body"
	if len(path) > 0 {
		field = "field " + strings.ReplaceAll(strings.Join(path, "."), ".[]", "[]")
		field = strings.TrimSuffix(field, "[]")
	}
	problem := strings.Join(parts[i:], ": ")
	reader, _, _ := strings.Cut(problem, ":")
	switch reader = strings.ToLower(reader); {
	case strings.Contains(problem, "overflow"):
		return field + " is a number out of range"
	case strings.Contains(reader, "int") || strings.Contains(reader, "float") || strings.Contains(reader, "number"):
		return field + " is not a number"
	case strings.Contains(reader, "slice") || strings.Contains(reader, "array"):
		return field + " is not a list"
	case strings.Contains(reader, "object") || strings.Contains(reader, "map"):
		return field + " is not an object"
	case strings.Contains(reader, "string"):
		return field + " is not a string"
	case strings.Contains(reader, "bool"):
		return field + " is not true or false"
	case len(path) > 0:
		return field + ": " + problem
	}
	return problem
}

// snakeCase turns a Go field name into the JSON name the SDK models give it (RunEnvId: run_env_id).
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Text makes text the gateway sent fit a message: valid UTF-8 on one line, without control
// characters, at most n bytes.
func Text(s string, n int) string { return clip(clean(s), n) }
