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
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	apigv2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"99999999999999", maxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), maxRetryAfter},
		{"soon", 0},
	}
	for _, tc := range cases {
		if got := parseRetryAfter(tc.header, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v; want %v", tc.header, got, tc.want)
		}
	}
}

func TestReadError(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantCode    string
		wantMessage string
		wantText    string // in Err, for a body that is not a gateway error
		wantReqID   string
	}{
		{name: "gateway error", status: 404, body: `{"error_code":"APIG.3002","error_msg":"API x does not exist","request_id":"r1"}`,
			wantCode: "APIG.3002", wantMessage: "API x does not exist", wantReqID: "hdr"},
		{name: "code and message", status: 400, body: `{"code":"IAM.0001","message":"bad"}`, wantCode: "IAM.0001", wantMessage: "bad",
			wantReqID: "hdr"},
		{name: "nested", status: 401, body: `{"error":{"code":"APIGW.0301","message":"signature"}}`, wantCode: "APIGW.0301",
			wantMessage: "signature", wantReqID: "hdr"},
		{name: "message only", status: 500, body: `{"message":"Internal Server Error"}`, wantMessage: "Internal Server Error",
			wantReqID: "hdr"},
		{name: "empty body", status: 503, wantReqID: "hdr"},
		{name: "HTML", status: 502, contentType: "text/html; charset=utf-8",
			body:     "<html><head><script>var x = '<b>';</script><title>Bad\tGateway</title></head><body>\x00upstream\n\n down</body></html>",
			wantText: "unreadable error response (text/html): Bad Gateway upstream down", wantReqID: "hdr"},
		{name: "plain text", status: 500, contentType: "text/plain", body: strings.Repeat("é", 300),
			wantText: "unreadable error response (text/plain): " + strings.Repeat("é", 100) + "...", wantReqID: "hdr"},
		{name: "JSON without an error", status: 500, contentType: "application/json", body: `{"foo":1}`,
			wantText: `unreadable error response (application/json): {"foo":1}`, wantReqID: "hdr"},
		{name: "larger than the limit", status: 500, contentType: "application/json",
			body:     `{"error_code":"APIG.9999","error_msg":"` + strings.Repeat("x", maxErrorBody) + `"}`,
			wantText: `unreadable error response (application/json): {"error_code":"APIG.9999"`, wantReqID: "hdr"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tc.body))}
			resp.Header.Set("X-Request-Id", "hdr")
			if tc.contentType != "" {
				resp.Header.Set("Content-Type", tc.contentType)
			}
			e := readError(nil, resp, time.Now())
			if e.HTTPStatus != tc.status || e.Code != tc.wantCode || e.Message != tc.wantMessage || e.RequestID != tc.wantReqID {
				t.Errorf("got %+v", e)
			}
			unreadable := ""
			if e.Err != nil && e.Code == "" && e.Message == "" {
				unreadable = e.Err.Error()
			}
			if !strings.HasPrefix(unreadable, tc.wantText) || (tc.wantText == "") != (unreadable == "") {
				t.Errorf("unreadable = %q; want %q", unreadable, tc.wantText)
			}
			if len(unreadable) > 300 {
				t.Errorf("unreadable is %d bytes long", len(unreadable))
			}
		})
	}
}

func TestError(t *testing.T) {
	timeout := &timeoutError{}
	cases := []struct {
		name string
		err  error
		want gateway.Error
		text string
	}{
		{"handler error", &gateway.Error{HTTPStatus: 429, Code: "APIG.0308", Message: "slow down", RequestID: "r", RetryAfter: time.Second},
			gateway.Error{Op: "op", HTTPStatus: 429, Code: "APIG.0308", Message: "slow down", RequestID: "r", RetryAfter: time.Second},
			"op: APIG.0308 slow down (HTTP 429, request r)"},
		{"message without a code", &gateway.Error{HTTPStatus: 500, Message: "Internal Server Error", Err: errors.New("Internal Server Error")},
			gateway.Error{Op: "op", HTTPStatus: 500, Message: "Internal Server Error"}, "op: Internal Server Error (HTTP 500)"},
		{"unreadable", &gateway.Error{HTTPStatus: 502, Err: errors.New("unreadable error response (text/html): x")},
			gateway.Error{Op: "op", HTTPStatus: 502}, "op: unreadable error response (text/html): x (HTTP 502)"},
		{"undecodable 2xx body", &sdkerr.ServiceResponseError{StatusCode: 200, RequestId: "r", ErrorMessage: "unexpected end"},
			gateway.Error{Op: "op", HTTPStatus: 200, RequestID: "r"}, "op: malformed response body: unexpected end (HTTP 200, request r)"},
		{"SDK error response", sdkerr.ServiceResponseError{StatusCode: 404, ErrorCode: "APIG.3002", ErrorMessage: "gone"},
			gateway.Error{Op: "op", HTTPStatus: 404, Code: "APIG.3002", Message: "gone"}, "op: APIG.3002 gone (HTTP 404)"},
		{"timeout", timeout, gateway.Error{Op: "op"}, "op: timed out: i/o timeout"},
		{"other", errors.New("boom"), gateway.Error{Op: "op"}, "op: boom"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Error("op", tc.err)
			cmp := *got
			cmp.Err = nil
			if cmp != tc.want {
				t.Errorf("Error = %+v; want %+v", cmp, tc.want)
			}
			if got.Error() != tc.text {
				t.Errorf("text %q; want %q", got.Error(), tc.text)
			}
		})
	}
	if Error("op", nil) != nil {
		t.Error("Error of nil is not nil")
	}
	if !errors.Is(Error("op", timeout), timeout) {
		t.Error("a transport error lost its cause")
	}
	// Go quotes a malformed response header line in its transport error.
	long := errors.New(`net/http: HTTP/1.x transport connection broken: malformed MIME header line: "` +
		strings.Repeat(`\x0e`, 5000) + `"`)
	if got := Error("op", long); len(got.Error()) > 1100 || !errors.Is(got, long) {
		t.Errorf("a long transport error: %d bytes, cause kept %v", len(got.Error()), errors.Is(got, long))
	}
}

type timeoutError struct{}

func (*timeoutError) Error() string   { return "i/o timeout" }
func (*timeoutError) Timeout() bool   { return true }
func (*timeoutError) Temporary() bool { return true }

// TestRedaction has a gateway echo the request's headers in its error message and its HTML
// page: what reaches the caller carries none of the credentials.
func TestRedaction(t *testing.T) {
	echo := func(html bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			headers := r.Header.Get("Authorization") + " " + r.Header.Get("X-Auth-Token") + " " +
				r.Header.Get("X-Security-Token") + " access " + strings.TrimPrefix(strings.Split(r.Header.Get("Authorization"), ",")[0],
				"SDK-HMAC-SHA256 Access=")
			if html {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, "<html><body>"+headers+"</body></html>")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error_code":"APIGW.0301","error_msg":"rejected `+strings.ReplaceAll(headers, `"`, `'`)+`"}`)
		}
	}
	creds := map[string]gateway.Credentials{
		"token": {Token: "tok-1234567890"},
		"aksk":  {AccessKey: "AKAKAKAKAK", SecretKey: "SKSKSKSKSKSK", SecurityToken: "STSTSTSTST"},
	}
	for name, c := range creds {
		for _, html := range []bool{false, true} {
			srv := httptest.NewServer(echo(html))
			hc, err := New(gateway.Config{Endpoint: srv.URL, ProjectID: "p", Credentials: c}, PageBody)
			if err != nil {
				t.Fatal(err)
			}
			_, err = apigv2.NewApigClient(hc).ListEnvironmentsV2(&model.ListEnvironmentsV2Request{InstanceId: "i"})
			srv.Close()
			text := Error("list environments", err).Error()
			for _, secret := range []string{c.Token, c.AccessKey, c.SecretKey, c.SecurityToken} {
				if secret != "" && strings.Contains(text, secret) {
					t.Errorf("%s (html %v): %q contains %q", name, html, text, secret)
				}
			}
			if !strings.Contains(text, redacted) {
				t.Errorf("%s (html %v): %q redacted nothing", name, html, text)
			}
		}
	}
}

// TestRedactionAtTheEdges: a credential the quoted part of a body cuts in two, or one echoed
// as the request ID, does not show either.
func TestRedactionAtTheEdges(t *testing.T) {
	const token = "tok-abcdefghijklmnop"
	r := redactor{token}
	cases := []struct {
		name, reqID string
		body        string
	}{
		{"cut by the quoted part", "r", "<" + strings.Repeat("x", 8*maxSnippet-10) + ">" + token + " after"},
		{"as the request ID", token, `{"error_code":"APIG.9999","error_msg":"x","request_id":"` + token + `"}`},
		{"as the body's request ID", "", `{"error_code":"APIG.9999","error_msg":"x","request_id":"` + token + `"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: 502, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tc.body))}
			resp.Header.Set("Content-Type", "text/html")
			resp.Header.Set("X-Request-Id", tc.reqID)
			text := Error("op", readError(r, resp, time.Now())).Error()
			for k := minSecretLen; k <= len(token); k++ {
				if strings.Contains(text, token[:k]) {
					t.Fatalf("%q holds %q", text, token[:k])
				}
			}
		})
	}
}

func TestLimitedBody(t *testing.T) {
	const limit = 10
	for _, tc := range []struct {
		size int
		fail bool
	}{{0, false}, {limit, false}, {limit + 1, true}} {
		b := &limitedBody{rc: io.NopCloser(strings.NewReader(strings.Repeat("x", tc.size))), left: limit}
		data, err := io.ReadAll(b)
		if tc.fail != errors.Is(err, errBodyTooLarge) || (!tc.fail && len(data) != tc.size) {
			t.Errorf("body of %d bytes: read %d, %v", tc.size, len(data), err)
		}
	}
}

// TestUserAgent: every call names the operator and the manager instance, so the gateway's
// access log tells replicas apart.
func TestUserAgent(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.UserAgent()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"total":0,"size":0,"envs":[]}`)
	}))
	defer srv.Close()
	hc, err := New(gateway.Config{Endpoint: srv.URL, ProjectID: "p", Credentials: gateway.Credentials{Token: "t"}, Instance: "pod-a-7"}, PageBody)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apigv2.NewApigClient(hc).ListEnvironmentsV2(&model.ListEnvironmentsV2Request{InstanceId: "i"}); err != nil {
		t.Fatal(err)
	}
	if ua := <-got; !strings.Contains(ua, "apig-operator/pod-a-7") {
		t.Errorf("User-Agent %q does not name the instance", ua)
	}
}

func TestCheckBody(t *testing.T) {
	cases := []struct {
		name        string
		method      string
		status      int
		contentType string
		body        string
		want        string // the error's text; "" for none
	}{
		{"JSON", http.MethodGet, 200, "application/json", `{"total":0,"apis":[]}`, ""},
		{"JSON with spaces around", http.MethodGet, 200, "application/json", "\n {} \n", ""},
		{"204 without a body", http.MethodPost, 204, "", "", ""},
		{"a POST answered 200 without a body", http.MethodPost, 200, "", "", ""},
		{"a GET answered 200 without a body", http.MethodGet, 200, "", " ", "malformed response body: the body is empty"},
		{"truncated JSON", http.MethodGet, 200, "application/json", `{"apis":[{"id":"5f`,
			"malformed response body: the JSON ends early, as if cut off"},
		{"JSON and more", http.MethodGet, 200, "application/json", `{}<html>`, "malformed response body: not JSON (application/json): {}<html>"},
		{"HTML", http.MethodPost, 200, "text/html; charset=utf-8", "<html><title>Login</title><body>\x00Sign in</body></html>",
			"malformed response body: not JSON (text/html): Login Sign in"},
		{"text without a type", http.MethodGet, 200, "", "OK", "malformed response body: not JSON (no content type): OK"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tc.body))}
			if tc.contentType != "" {
				resp.Header.Set("Content-Type", tc.contentType)
			}
			e := checkBody(nil, tc.method, resp, PageBody)
			switch {
			case tc.want == "" && e != nil:
				t.Errorf("checkBody = %q; want none", e.Err)
			case tc.want != "" && (e == nil || e.Err == nil || e.Err.Error() != tc.want):
				t.Errorf("checkBody = %+v; want %q", e, tc.want)
			}
			if rest, _ := io.ReadAll(resp.Body); string(rest) != tc.body {
				t.Errorf("the body left for the SDK is %q; want %q", rest, tc.body)
			}
		})
	}
}

func TestDecodeProblem(t *testing.T) {
	cases := []struct{ sdk, want string }{
		{`model.ListApisV2Response.Total: readUint64: unexpected character: ` + "\xff" + `, error found in #10 byte of ...|{"total":"many"|...`,
			"field total is not a number"},
		{`model.ListApisV2Response.Apis: []model.ApiInfoPerPage: decode slice: expect [ or n, but found {, error found in #10 byte`,
			"field apis is not a list"},
		{`model.ListApisV2Response.Apis: []model.ApiInfoPerPage: model.ApiInfoPerPage.RunEnvId: ReadString: expects " or n, but found 1`,
			"field apis[].run_env_id is not a string"},
		{`model.ShowApiResponse.Id: readObjectStart: expect { or n, but found [`, "field id is not an object"},
		{`readObjectStart: expect { or n, but found [, error found in #1 byte of ...|[]|...`, "the body is not an object"},
		{`model.ListApisV2Response.Total: readUint64: overflow, error found in #10 byte`, "field total is a number out of range"},
		{`model.X.Y: something new`, "field y: something new"},
		{`something new, error found in #1 byte of ...|secret|...`, "something new"},
	}
	for _, tc := range cases {
		if got := decodeProblem(tc.sdk); got != tc.want {
			t.Errorf("decodeProblem(%q) = %q; want %q", tc.sdk, got, tc.want)
		}
	}
}

// FuzzReadError reads arbitrary error responses: the error that reaches a controller is
// bounded, on one line and says something, whatever the gateway or a proxy sent.
func FuzzReadError(f *testing.F) {
	f.Add(500, "application/json", "r1", []byte(`{"error_code":"APIG.9999","error_msg":"System error"}`))
	f.Add(401, "application/json", "", []byte(`{"error":{"code":"APIGW.0301","message":"Incorrect IAM authentication information"}}`))
	f.Add(502, "text/html", "r2", []byte(badGatewayHTML))
	f.Add(503, "", "", []byte{})
	f.Add(599, "text/plain", strings.Repeat("\x01", 300), []byte(strings.Repeat("\x00\xff", 1000)))
	f.Add(429, "application/json; charset=utf-8", "r3", []byte(`{"error_code":"APIG.0308","error_msg":"`+strings.Repeat("é", 2000)+`"}`))
	f.Fuzz(func(t *testing.T, status int, contentType, reqID string, body []byte) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		resp.Header.Set("Content-Type", contentType)
		resp.Header.Set("X-Request-Id", reqID)
		checkGatewayText(t, Error("list APIs", readError(nil, resp, time.Now())))
	})
}

// FuzzCheckBody reads arbitrary successful responses the same way.
func FuzzCheckBody(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"total":0,"apis":[]}`))
	f.Add(200, "application/json", []byte(`{"total":3,"apis":[{"id":"5f`))
	f.Add(200, "text/html", []byte(badGatewayHTML))
	f.Add(204, "", []byte{})
	f.Add(200, "text/plain", []byte("\x00\xff\r\n"))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		resp.Header.Set("Content-Type", contentType)
		resp.Header.Set("X-Request-Id", "r")
		if e := checkBody(nil, http.MethodGet, resp, PageBody); e != nil {
			checkGatewayText(t, Error("list APIs", e))
		}
		if rest, _ := io.ReadAll(resp.Body); !bytes.Equal(rest, body) {
			t.Errorf("the body left for the SDK differs from the body sent")
		}
	})
}

const badGatewayHTML = `<html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>502</h1></body></html>`

func checkGatewayText(t *testing.T, err *gateway.Error) {
	t.Helper()
	text := err.Error()
	if len(text) > 1500 || !utf8.ValidString(text) || strings.IndexFunc(text, unicode.IsControl) >= 0 {
		t.Errorf("error text %q: want at most 1500 bytes of valid UTF-8 without control characters", text)
	}
	if strings.TrimSpace(strings.TrimPrefix(text, "list APIs:")) == "" {
		t.Errorf("error text %q says nothing", text)
	}
}
