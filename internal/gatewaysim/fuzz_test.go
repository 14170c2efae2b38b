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
	"path"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fuzzed request's path chooses where it goes: "/dataarts…" is appended to the DataArts
// base of the seeded (published) DataArts API, "/raw…" is taken as the whole path, anything
// else is appended to the APIG base of the seeded instance.
const (
	fuzzAPIGBase     = "/v2/" + ctProject + "/apigw/instances/" + ctInstance
	fuzzDataArtsBase = "/v1/" + ctProject + "/service/apis/" + ctDataAPI
	fuzzDataArtsPfx  = "/dataarts"
	fuzzRawPfx       = "/raw"
	// fuzzDataAPI2 is a never published DataArts API without authorised apps, reached by /raw.
	fuzzDataAPI2 = "5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
)

// fuzzSeed is the contract test's world with its DataArts API published, and a second,
// unpublished DataArts API whose UNPUBLISH and STOP take effect at once.
func fuzzSeed() *Seed {
	seed := contractSeed()
	cl := &seed.Projects[0].DataArts[0]
	cl.APIs[0].Status = dataStatusPublished
	none := 0
	cl.APIs = append(cl.APIs, SeedDataAPI{ID: fuzzDataAPI2, Name: "stock_report", Path: "/reports/stock", AuthorizedApps: &none})
	return seed
}

// fuzzStatuses are the statuses the reference documents for the gateway.
var fuzzStatuses = []int{200, 201, 202, 204, 400, 401, 403, 404, 429, 500}

var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}

// fuzzMethod keeps a known method (in any case) and maps anything else onto one, so that
// every input is a request the gateway could receive.
func fuzzMethod(m string) string {
	up := strings.ToUpper(strings.TrimSpace(m))
	switch up {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions:
		return up
	}
	return fuzzMethods[len(m)%len(fuzzMethods)]
}

// fuzzPath normalises the fuzzed path into a clean absolute path under a base: "." and ".."
// segments are dropped (they could only climb out of the base, and ServeMux would answer an
// unclean path with a redirect), and nothing reaches the /_sim/ admin endpoints, which are not
// part of the gateway.
func fuzzPath(p string) string {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." && s != ".." {
			segs = append(segs, s)
		}
	}
	rest := "/" + strings.Join(segs, "/")
	var full string
	switch {
	case rest == fuzzDataArtsPfx || strings.HasPrefix(rest, fuzzDataArtsPfx+"/"):
		full = fuzzDataArtsBase + strings.TrimPrefix(rest, fuzzDataArtsPfx)
	case rest == fuzzRawPfx || strings.HasPrefix(rest, fuzzRawPfx+"/"):
		full = strings.TrimPrefix(rest, fuzzRawPfx)
		if full == "/_sim" || strings.HasPrefix(full, "/_sim/") {
			full = fuzzAPIGBase + full
		}
	default:
		full = fuzzAPIGBase + rest
	}
	return path.Clean("/" + full)
}

func fuzzRequest(method, p, query string, body []byte) *http.Request {
	req := httptest.NewRequest(fuzzMethod(method), "/", bytes.NewReader(body))
	req.URL.Path, req.URL.RawPath, req.URL.RawQuery = fuzzPath(p), "", query
	req.RequestURI = req.URL.RequestURI()
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("X-Auth-Token", ctToken)
	req.Header.Set("workspace", ctWorkspace)
	return req
}

// fuzzCheck asserts what every gateway response must satisfy.
func fuzzCheck(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	where := req.Method + " " + req.URL.RequestURI()
	if !slices.Contains(fuzzStatuses, rec.Code) {
		t.Fatalf("%s: undocumented status %d, body %q", where, rec.Code, rec.Body.String())
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id header (status %d)", where, rec.Code)
	}
	if rec.Code >= 400 {
		var e struct {
			ErrorCode string `json:"error_code"`
			ErrorMsg  string `json:"error_msg"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s: %d error body is not JSON: %v: %q", where, rec.Code, err, rec.Body.String())
		}
		if e.ErrorCode == "" || e.ErrorMsg == "" {
			t.Errorf("%s: %d error body lacks error_code or error_msg: %q", where, rec.Code, rec.Body.String())
		}
		return
	}
	if rec.Code == http.StatusNoContent && rec.Body.Len() != 0 {
		t.Errorf("%s: 204 with a body %q", where, rec.Body.String())
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(rec.Body.Bytes()) {
		t.Errorf("%s: %d JSON response is not valid JSON: %q", where, rec.Code, rec.Body.String())
	}
}

// fuzzCheckState asserts the publication rules on the state any request leaves: at most 10
// versions per API and environment, and the live version one of them.
func fuzzCheckState(t *testing.T, sim *Server) {
	t.Helper()
	for _, p := range sim.State().Projects {
		for _, in := range p.APIG {
			for _, a := range in.APIs {
				for env, pub := range a.Publications {
					if len(pub.Versions) > maxVersions {
						t.Errorf("API %s keeps %d versions in %s", a.Name, len(pub.Versions), env)
					}
					if pub.LiveVersion != "" && !slices.ContainsFunc(pub.Versions, func(v VersionDump) bool { return v.ID == pub.LiveVersion }) {
						t.Errorf("API %s: live version %s in %s is not one of its versions", a.Name, pub.LiveVersion, env)
					}
				}
			}
		}
	}
}

// fuzzCorpus is the seed corpus: the example requests of ../shared/seeds, the other endpoints,
// and malformed bodies, queries, methods and paths.
func fuzzCorpus() []struct {
	method, path, query string
	body                []byte
} {
	futureStop := time.Now().Add(49 * time.Hour).UTC().Truncate(time.Hour).Add(time.Hour).Format(ctTimeLayout)
	cluster := fuzzDataArtsPfx + "/instances/" + ctCluster
	cluster2 := fuzzRawPfx + "/v1/" + ctProject + "/service/apis/" + fuzzDataAPI2 + "/instances/" + ctCluster
	type in = struct {
		method, path, query string
		body                []byte
	}
	b := func(s string) []byte { return []byte(s) }
	return []in{
		// 000: publish one API.
		{"POST", "/apis/action", "", b(`{"action":"online","api_id":"5f918d104dc84480a75166ba99efff21",` +
			`"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`)},
		{"POST", "/apis/action", "", b(`{"action":"offline","api_id":"5f918d104dc84480a75166ba99efff21",` +
			`"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID","remark":"x"}`)},
		// 001: batch publish.
		{"POST", "/apis/publish", "action=online", b(`{"apis":["3a955b791bd24b1c9cd94c745f8d1aad",` +
			`"abd9c4b2ff974888b0ba79be7e6b2762"],"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID",` +
			`"group_id":"c77f5e81d9cb4424bf704ef2b0ac7600","remark":"Published to the production environment"}`)},
		{"POST", "/apis/publish", "action=offline", b(`{"group_id":"c77f5e81d9cb4424bf704ef2b0ac7600",` +
			`"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`)},
		// 002: switch version.
		{"PUT", "/apis/publish/5f918d104dc84480a75166ba99efff21", "", b(`{"version_id":"ee1a5a38d3d3493abf1dc4ed6cacfa0b"}`)},
		// 003: DataArts STOP (the example's time is in the past), and the other DataArts calls.
		{"POST", cluster + "/action", "", b(`{"action":"STOP","time":"2021-01-01T10:00:00.000Z"}`)},
		{"POST", cluster + "/action", "", b(`{"action":"STOP","time":"` + futureStop + `"}`)},
		{"POST", cluster + "/action", "", b(`{"action":"UNPUBLISH","time":"` + futureStop + `"}`)},
		{"POST", cluster + "/action", "", b(`{"action":"RECOVER"}`)},
		{"POST", cluster + "/publish", "", nil},
		{"POST", cluster + "/publish", "", b(`{"apig_type":"APIGW","apig_instance_id":"` + ctInstance + `"}`)},
		{"GET", fuzzDataArtsPfx + "/publish-info", "limit=10&offset=0", nil},
		{"POST", cluster2 + "/publish", "", b(`{}`)},
		{"POST", cluster2 + "/action", "", b(`{"action":"STOP","time":"` + futureStop + `"}`)},
		{"GET", fuzzRawPfx + "/v1/" + ctProject + "/service/apis/" + fuzzDataAPI2 + "/publish-info", "", nil},
		{"GET", fuzzDataArtsPfx, "", nil},
		// 004: asynchronous export, its task, and the synchronous export.
		{"POST", "/openapi/async-export", "", b(`{"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID",` +
			`"group_id":"c77f5e81d9cb4424bf704ef2b0ac7600","define":"all"}`)},
		{"POST", "/openapi/export", "oas_version=3.0", b(`{"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID",` +
			`"group_id":"c77f5e81d9cb4424bf704ef2b0ac7600","type":"yaml","apis":["5f918d104dc84480a75166ba99efff21"]}`)},
		{"GET", "/async-tasks/d9ce8c9eede54b3f841ec324fe0bfdc2", "", nil},
		// The other APIG endpoints.
		{"GET", "/envs", "name=TE&offset=0&limit=1", nil},
		{"POST", "/envs", "", b(`{"name":"STAGING","remark":"staging"}`)},
		{"GET", "/api-groups", "name=order_group&precise_search=name", nil},
		{"POST", "/api-groups", "", b(`{"name":"new_group"}`)},
		{"GET", "/api-groups/c77f5e81d9cb4424bf704ef2b0ac7600", "", nil},
		{"DELETE", "/api-groups/c77f5e81d9cb4424bf704ef2b0ac7600", "", nil},
		{"GET", "/apis", "env_id=DEFAULT_ENVIRONMENT_RELEASE_ID&name=get_order&precise_search=name,req_uri", nil},
		{"GET", "/apis/5f918d104dc84480a75166ba99efff21", "", nil},
		{"POST", "/apis", "", b(`{"name":"create_order","type":1,"req_protocol":"HTTPS","req_method":"POST",` +
			`"req_uri":"/orders/{id}","auth_type":"NONE","backend_type":"HTTP","group_id":"c77f5e81d9cb4424bf704ef2b0ac7600",` +
			`"req_params":[{"name":"id","type":"STRING","location":"PATH","required":1}],` +
			`"backend_api":{"url_domain":"b.internal","req_protocol":"HTTP","req_method":"POST","req_uri":"/o","timeout":5000}}`)},
		{"PUT", "/apis/3a955b791bd24b1c9cd94c745f8d1aad", "", b(`{"name":"list_orders","type":2,"req_protocol":"BOTH",` +
			`"req_method":"ANY","req_uri":"/orders","auth_type":"APP","backend_type":"MOCK","match_mode":"SWA",` +
			`"group_id":"c77f5e81d9cb4424bf704ef2b0ac7600"}`)},
		{"DELETE", "/apis/9f27d1dc4f4242a9abf88e563dbfc33d", "", nil},
		{"GET", "/apis/publish/5f918d104dc84480a75166ba99efff21", "env_name=RELEASE&limit=1", nil},
		{"GET", "/apis/versions/ee1a5a38d3d3493abf1dc4ed6cacfa0b", "", nil},
		{"DELETE", "/apis/versions/632b2c9e022941969af9a1d45735ae2c", "", nil},
		// Malformed bodies.
		{"POST", "/apis/action", "", b(`{"action":"online","api_id":"5f9`)},
		{"PUT", "/apis/publish/5f918d104dc84480a75166ba99efff21", "", nil},
		{"POST", "/apis/publish", "action=online", b(`{"apis":"x"}`)},
		{"POST", "/apis/publish", "action=online", b(`{"apis":[1,2],"env_id":7}`)},
		{"POST", "/apis/action", "", b(`{"action":1}`)},
		{"POST", "/apis", "", b(`{"type":1e309,"backend_api":{"timeout":99999999999999999999}}`)},
		{"POST", "/envs", "", b(`null`)},
		{"POST", "/api-groups", "", b(`[]`)},
		{"POST", "/openapi/async-export", "", b(`"x"`)},
		{"POST", cluster + "/action", "", b(`{"action":"STOP","time":12}`)},
		{"POST", cluster + "/publish", "", b(`{"apig_type":`)},
		// Malformed queries, methods and paths.
		{"GET", "/envs", "offset=99999999999999999999&limit=-1", nil},
		{"GET", "/apis", "limit=x;%zz&env_id=%", nil},
		{"POST", "/openapi/export", "oas_version=4.0", b(`{}`)},
		{"get", "/apis", "", nil},
		{"BREW", "/apis/../../../_sim/reset", "", nil},
		{"POST", "/raw/_sim/faults", "", b(`{"operation":"*","drop":true}`)},
		{"GET", "/raw/v2/ffffffffffffffffffffffffffffffff/apigw/instances/" + ctInstance + "/envs", "", nil},
		{"GET", "/raw/v1/" + ctProject + "/service/apis/" + ctAPIMissing, "", nil},
		{"GET", "/raw/", "", nil},
		{"PATCH", "//apis//./x/", "", nil},
	}
}

// FuzzHandlers sends arbitrary requests, authenticated with the seed's token, to one simulator
// (reset before each input, so that a failure replays alone): no input may panic, every status
// must be a documented one, every error body must carry error_code and error_msg, and every
// response must carry X-Request-Id.
func FuzzHandlers(f *testing.F) {
	for _, c := range fuzzCorpus() {
		f.Add(c.method, c.path, c.query, c.body)
	}
	sim, err := New(fuzzSeed(), Options{})
	if err != nil {
		f.Fatalf("New: %v", err)
	}
	f.Fuzz(func(t *testing.T, method, p, query string, body []byte) {
		if err := sim.Reset(); err != nil {
			t.Fatalf("Reset: %v", err)
		}
		req := fuzzRequest(method, p, query, body)
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		fuzzCheck(t, req, rec)
		fuzzCheckState(t, sim)
	})
}
