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
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"
)

// The IDs of the examples in ../shared/seeds, so that the examples replay as written.
const (
	exProject   = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	exInstance  = "eddc4d25480b4cd6b512f270a1b8b341"
	exGroup     = "c77f5e81d9cb4424bf704ef2b0ac7600"
	exAPI       = "5f918d104dc84480a75166ba99efff21"
	exMockAPI   = "3a955b791bd24b1c9cd94c745f8d1aad"
	exMissing   = "abd9c4b2ff974888b0ba79be7e6b2762"
	exVersion   = "ee1a5a38d3d3493abf1dc4ed6cacfa0b"
	exCluster   = "c2e2f6b1a9d84e5f8a7b6c5d4e3f2a10"
	exDataAPI   = "4704f5a0b6c24e0c9d8e7f6a5b4c3d21"
	exWorkspace = "ws-demo"
	exToken     = "demo-token"
	exReadOnly  = "read-only-token"
)

func exampleSeed() *Seed {
	return &Seed{
		Tokens:     []string{exToken, exReadOnly},
		ReadOnly:   []string{exReadOnly},
		AccessKeys: []SeedAccessKey{{AccessKey: "DEMOAK", SecretKey: "DEMOSK"}},
		Projects: []SeedProject{{
			ID: exProject,
			APIG: []SeedInstance{{
				InstanceID:   exInstance,
				Environments: []SeedEnvironment{{Name: "TEST"}},
				Groups: []SeedGroup{{ID: exGroup, Name: "api_group_001", APIs: []SeedAPI{
					{ID: exAPI, Name: "get_user", Path: "/users/{id}", Published: []SeedPublication{
						{Environment: "RELEASE", Versions: []string{exVersion, "0123456789abcdef0123456789abcdef"}},
					}},
					{ID: exMockAPI, Name: "Api_mock", Method: "POST", Path: "/mock"},
				}}},
			}},
			DataArts: []SeedCluster{{ClusterID: exCluster, Name: "cluster_test_001", Workspace: exWorkspace,
				APIs: []SeedDataAPI{{ID: exDataAPI, Name: "sales_report", Path: "/reports/sales", Status: dataStatusPublished}}}},
		}},
	}
}

type replay struct {
	seed    string // the seed document the example comes from
	name    string
	method  string
	path    string // after the APIG instance or DataArts API prefix
	query   string
	body    string
	token   string
	fault   *Fault
	status  int
	code    string // error_code, for errors
	message string // error_msg, matched exactly when set
	fields  []string
	check   func(t *testing.T, body map[string]any)
}

const (
	apigBase     = "/v2/" + exProject + "/apigw/instances/" + exInstance
	dataArtsBase = "/v1/" + exProject + "/service/apis/" + exDataAPI
)

// TestSeedExamples replays every example request of the five seed documents and checks the
// documented status code, response shape and error code.
func TestSeedExamples(t *testing.T) {
	publishOne := `{"action":"online","api_id":"` + exAPI + `","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`
	batch := `{"apis":["` + exMockAPI + `","` + exMissing + `"],"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID",` +
		`"group_id":"` + exGroup + `","remark":"Published to the production environment"}`
	switchVersion := `{"version_id":"` + exVersion + `"}`
	export := `{"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID","group_id":"` + exGroup + `","define":"all"}`
	systemError := &Fault{Operation: "*", Status: http.StatusInternalServerError, Code: "APIG.9999", Message: "System error"}
	publishFields := []string{"publish_id", "api_id", "env_id", "publish_time", "version_id"}

	cases := []replay{
		{seed: "000", name: "publish an API", method: "POST", path: "/apis/action", body: publishOne,
			status: 201, fields: publishFields, check: func(t *testing.T, b map[string]any) {
				expectHexID(t, b["publish_id"])
				expectHexID(t, b["version_id"])
				if b["api_id"] != exAPI || b["env_id"] != ReleaseEnvID {
					t.Errorf("api_id, env_id = %v, %v", b["api_id"], b["env_id"])
				}
				if _, err := time.Parse(time.RFC3339Nano, b["publish_time"].(string)); err != nil {
					t.Errorf("publish_time: %v", err)
				}
			}},
		{seed: "000", name: "bad action", method: "POST", path: "/apis/action",
			body:   `{"action":"publish","api_id":"` + exAPI + `","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`,
			status: 400, code: "APIG.2011", message: "Invalid parameter value,parameterName:action. Please refer to the support documentation"},
		{seed: "000", name: "bad token", method: "POST", path: "/apis/action", body: publishOne, token: "wrong",
			status: 401, code: "APIG.1002", message: "Incorrect token or token resolution failed"},
		{seed: "000", name: "no permission", method: "POST", path: "/apis/action", body: publishOne, token: exReadOnly,
			status: 403, code: "APIG.1005", message: "No permissions to request this method"},
		{seed: "000", name: "unknown API", method: "POST", path: "/apis/action",
			body:   `{"action":"online","api_id":"` + exMissing + `","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`,
			status: 404, code: "APIG.3002", message: "API " + exMissing + " does not exist"},
		{seed: "000", name: "system error", method: "POST", path: "/apis/action", body: publishOne, fault: systemError,
			status: 500, code: "APIG.9999", message: "System error"},

		{seed: "001", name: "batch with a partial failure", method: "POST", path: "/apis/publish", query: "action=online",
			body: batch, status: 200, fields: []string{"success", "failure"}, check: func(t *testing.T, b map[string]any) {
				success, failure := b["success"].([]any), b["failure"].([]any)
				if len(success) != 1 || len(failure) != 1 {
					t.Fatalf("success %d, failure %d; want 1 and 1", len(success), len(failure))
				}
				s := success[0].(map[string]any)
				if s["api_id"] != exMockAPI || s["api_name"] != "Api_mock" || s["remark"] != "Published to the production environment" {
					t.Errorf("success[0] = %v", s)
				}
				f := failure[0].(map[string]any)
				if f["api_id"] != exMissing || f["error_code"] != "APIG.3002" || f["error_msg"] != "Api "+exMissing+" not found" {
					t.Errorf("failure[0] = %v", f)
				}
			}},
		{seed: "001", name: "bad action", method: "POST", path: "/apis/publish", query: "action=publish", body: batch,
			status: 400, code: "APIG.2011", message: `Invalid parameter value: parameter action should be \"online\" or \"offline\"`},
		{seed: "001", name: "bad token", method: "POST", path: "/apis/publish", query: "action=online", body: batch,
			token: "wrong", status: 401, code: "APIG.1002"},
		{seed: "001", name: "no permission", method: "POST", path: "/apis/publish", query: "action=online", body: batch,
			token: exReadOnly, status: 403, code: "APIG.1005"},
		{seed: "001", name: "system error", method: "POST", path: "/apis/publish", query: "action=online", body: batch,
			fault: systemError, status: 500, code: "APIG.9999"},

		{seed: "002", name: "switch to an older version", method: "PUT", path: "/apis/publish/" + exAPI, body: switchVersion,
			status: 200, fields: publishFields, check: func(t *testing.T, b map[string]any) {
				if b["version_id"] != exVersion || b["api_id"] != exAPI || b["env_id"] != ReleaseEnvID {
					t.Errorf("response = %v", b)
				}
			}},
		{seed: "002", name: "empty body", method: "PUT", path: "/apis/publish/" + exAPI, body: "",
			status: 400, code: "APIG.2000", message: "Parameter error: Serialization error: unexpected end of JSON input"},
		{seed: "002", name: "bad token", method: "PUT", path: "/apis/publish/" + exAPI, body: switchVersion, token: "wrong",
			status: 401, code: "APIG.1002"},
		{seed: "002", name: "no permission", method: "PUT", path: "/apis/publish/" + exAPI, body: switchVersion,
			token: exReadOnly, status: 403, code: "APIG.1005"},
		{seed: "002", name: "unknown version", method: "PUT", path: "/apis/publish/" + exAPI,
			body:   `{"version_id":"` + exMissing + `"}`,
			status: 404, code: "APIG.3022", message: "The API version does not exist,id:" + exMissing},
		{seed: "002", name: "system error", method: "PUT", path: "/apis/publish/" + exAPI, body: switchVersion,
			fault: systemError, status: 500, code: "APIG.9999"},

		// Seed 003's example time (2021) is in the past; the replay uses the next whole hour
		// 49 hours ahead, which is what the 48-hour rule accepts.
		{seed: "003", name: "stop an API", method: "POST", path: "/instances/" + exCluster + "/action",
			body: `{"action":"STOP","time":"` + dataArtsTime(49*time.Hour) + `"}`, status: 204},
		{seed: "003", name: "stop with less than 48 hours' notice", method: "POST", path: "/instances/" + exCluster + "/action",
			body: `{"action":"STOP","time":"` + dataArtsTime(2*time.Hour) + `"}`, status: 400, code: "DLM.4182"},

		{seed: "004", name: "export asynchronously", method: "POST", path: "/openapi/async-export", body: export,
			status: 202, fields: []string{"task_id"}, check: func(t *testing.T, b map[string]any) { expectHexID(t, b["task_id"]) }},
		{seed: "004", name: "missing env_id", method: "POST", path: "/openapi/async-export",
			body:   `{"group_id":"` + exGroup + `","define":"all"}`,
			status: 400, code: "APIG.2001", message: "The request parameters must be specified,parameterName:env_id. Please refer to the support documentation"},
		{seed: "004", name: "bad token", method: "POST", path: "/openapi/async-export", body: export, token: "wrong",
			status: 401, code: "APIG.1002"},
		{seed: "004", name: "system error", method: "POST", path: "/openapi/async-export", body: export,
			fault: systemError, status: 500, code: "APIG.9999"},
	}
	for _, tc := range cases {
		t.Run(tc.seed+"/"+tc.name, func(t *testing.T) {
			sim, err := New(exampleSeed(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.fault != nil {
				if err := sim.AddFault(*tc.fault); err != nil {
					t.Fatal(err)
				}
			}
			base := apigBase
			if tc.seed == "003" {
				base = dataArtsBase
			}
			rec := serveExample(sim, tc.method, base+tc.path, tc.query, tc.body, or(tc.token, exToken))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if rec.Header().Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id header")
			}
			if tc.status == http.StatusNoContent {
				if rec.Body.Len() != 0 {
					t.Errorf("204 with a body: %s", rec.Body)
				}
				return
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body is not a JSON object: %v: %s", err, rec.Body)
			}
			if tc.code != "" {
				if body["error_code"] != tc.code {
					t.Errorf("error_code %v, want %s", body["error_code"], tc.code)
				}
				if tc.message != "" && body["error_msg"] != tc.message {
					t.Errorf("error_msg %q, want %q", body["error_msg"], tc.message)
				}
				if body["request_id"] != rec.Header().Get("X-Request-Id") {
					t.Errorf("request_id %v does not match the X-Request-Id header", body["request_id"])
				}
			}
			for _, f := range tc.fields {
				if _, ok := body[f]; !ok {
					t.Errorf("response lacks %s: %s", f, rec.Body)
				}
			}
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
}

func serveExample(sim *Server, method, path, query, body, token string) *httptest.ResponseRecorder {
	target := path
	if query != "" {
		target += "?" + query
	}
	req := httptest.NewRequest(method, target, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("workspace", exWorkspace)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	return rec
}

// dataArtsTime is the next whole hour at least d from now, formatted as Terraform sends it.
func dataArtsTime(d time.Duration) string {
	return time.Now().Add(d).UTC().Truncate(time.Hour).Add(time.Hour).Format("2006-01-02T15:04:05.000Z")
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func expectHexID(t *testing.T, v any) {
	t.Helper()
	s, _ := v.(string)
	if !hex32.MatchString(s) {
		t.Errorf("%v is not a 32-hex ID", v)
	}
}

func httptestRequest(method, target, body string) *http.Request {
	req := httptest.NewRequest(method, target, bytes.NewBufferString(body))
	req.Header.Set("X-Auth-Token", exToken)
	req.Header.Set("workspace", exWorkspace)
	return req
}

func record(sim *Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	return rec
}
