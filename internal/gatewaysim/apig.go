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
	"net/http"
	"slices"
	"strings"
	"time"
)

// Operation names: the SDK's method names, used in statistics, the call log and faults.
const (
	opListEnvs         = "ListEnvironmentsV2"
	opCreateEnv        = "CreateEnvironmentV2"
	opListGroups       = "ListApiGroupsV2"
	opShowGroup        = "ShowDetailsOfApiGroupV2"
	opCreateGroup      = "CreateApiGroupV2"
	opDeleteGroup      = "DeleteApiGroupV2"
	opListAPIs         = "ListApisV2"
	opShowAPI          = "ShowDetailsOfApiV2"
	opCreateAPI        = "CreateApiV2"
	opUpdateAPI        = "UpdateApiV2"
	opDeleteAPI        = "DeleteApiV2"
	opPublishOne       = "CreateOrDeletePublishRecordForApiV2"
	opBatchPublish     = "BatchPublishOrOfflineApiV2"
	opSwitchVersion    = "ChangeApiVersionV2"
	opListVersions     = "ListApiVersionsV2"
	opShowVersion      = "ListApiVersionDetailV2"
	opOfflineVersion   = "DeleteApiByVersionIdV2"
	opAsyncExport      = "ExportApiDefinitionsAsync"
	opShowTask         = "ShowAsyncTaskResult"
	opSyncExport       = "ExportApiDefinitionsV2"
	opListConfigs      = "ListProjectCofigsV2" // sic: the SDK's spelling
	opDataPublish      = "PublishApiToInstance"
	opDataAction       = "ExecuteApiToInstance"
	opDataPublishInfo  = "SearchPublishInfo"
	opDataShowAPI      = "ShowApi"
	opDataListAPIs     = "ListApis"
	apigPrefix         = "/v2/{project_id}/apigw/instances/{instance_id}"
	dataArtsAPIPrefix  = "/v1/{project_id}/service/apis/{api_id}"
	dataArtsInstPrefix = dataArtsAPIPrefix + "/instances/{instance_id}"
)

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/", notFound)
	s.adminRoutes()

	a := func(method, path, op string, h handler) { s.handle(method+" "+apigPrefix+path, op, scopeAPIG, h) }
	a("GET", "/envs", opListEnvs, (*Server).listEnvs)
	a("POST", "/envs", opCreateEnv, (*Server).createEnv)
	a("GET", "/api-groups", opListGroups, (*Server).listGroups)
	a("POST", "/api-groups", opCreateGroup, (*Server).createGroup)
	a("GET", "/api-groups/{group_id}", opShowGroup, (*Server).showGroup)
	a("DELETE", "/api-groups/{group_id}", opDeleteGroup, (*Server).deleteGroup)
	a("GET", "/apis", opListAPIs, (*Server).listAPIs)
	a("POST", "/apis", opCreateAPI, (*Server).createAPI)
	a("GET", "/apis/{api_id}", opShowAPI, (*Server).showAPI)
	a("PUT", "/apis/{api_id}", opUpdateAPI, (*Server).updateAPI)
	a("DELETE", "/apis/{api_id}", opDeleteAPI, (*Server).deleteAPI)
	a("POST", "/apis/action", opPublishOne, (*Server).publishOne)
	a("POST", "/apis/publish", opBatchPublish, (*Server).batchPublish)
	a("PUT", "/apis/publish/{api_id}", opSwitchVersion, (*Server).switchVersionHandler)
	a("GET", "/apis/publish/{api_id}", opListVersions, (*Server).listVersions)
	a("GET", "/apis/versions/{version_id}", opShowVersion, (*Server).showVersion)
	a("DELETE", "/apis/versions/{version_id}", opOfflineVersion, (*Server).offlineVersion)
	a("POST", "/openapi/async-export", opAsyncExport, (*Server).asyncExport)
	a("GET", "/async-tasks/{task_id}", opShowTask, (*Server).showTask)
	a("POST", "/openapi/export", opSyncExport, (*Server).syncExport)
	a("GET", "/project/configs", opListConfigs, (*Server).listConfigs)

	d := func(method, pattern, op string, h handler) { s.handle(method+" "+pattern, op, scopeDataArts, h) }
	d("POST", dataArtsInstPrefix+"/publish", opDataPublish, (*Server).dataPublish)
	d("POST", dataArtsInstPrefix+"/action", opDataAction, (*Server).dataAction)
	d("GET", dataArtsAPIPrefix+"/publish-info", opDataPublishInfo, (*Server).dataPublishInfo)
	d("GET", dataArtsAPIPrefix, opDataShowAPI, (*Server).dataShowAPI)
	d("GET", "/v1/{project_id}/service/apis", opDataListAPIs, (*Server).dataListAPIs)
}

// Wire models of APIG v2 (snake_case, as the SDK's models name them).

type envJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Remark     string `json:"remark,omitempty"`
	CreateTime string `json:"create_time"`
}

type groupJSON struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Status                int      `json:"status"`
	SLDomain              string   `json:"sl_domain"`
	SLDomains             []string `json:"sl_domains"`
	RegisterTime          string   `json:"register_time"`
	UpdateTime            string   `json:"update_time"`
	OnSellStatus          int      `json:"on_sell_status"`
	Remark                string   `json:"remark,omitempty"`
	IsDefault             int      `json:"is_default"`
	SLDomainAccessEnabled bool     `json:"sl_domain_access_enabled"`
}

type reqParamJSON struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Location    string `json:"location"`
	Required    int    `json:"required,omitempty"` // 1 required, 2 not
	Description string `json:"description,omitempty"`
}

type backendJSON struct {
	URLDomain   string `json:"url_domain,omitempty"`
	ReqProtocol string `json:"req_protocol"`
	ReqMethod   string `json:"req_method"`
	ReqURI      string `json:"req_uri"`
	Timeout     int    `json:"timeout"`
}

type apiJSON struct {
	ID                 string         `json:"id"`
	Name               string         `json:"name"`
	Type               int            `json:"type"`
	Version            string         `json:"version,omitempty"`
	ReqProtocol        string         `json:"req_protocol"`
	ReqMethod          string         `json:"req_method"`
	ReqURI             string         `json:"req_uri"`
	AuthType           string         `json:"auth_type"`
	MatchMode          string         `json:"match_mode"`
	BackendType        string         `json:"backend_type"`
	Remark             string         `json:"remark,omitempty"`
	GroupID            string         `json:"group_id"`
	GroupName          string         `json:"group_name"`
	Tags               []string       `json:"tags,omitempty"`
	Status             int            `json:"status"`
	Cors               bool           `json:"cors"`
	RegisterTime       string         `json:"register_time"`
	UpdateTime         string         `json:"update_time"`
	ResultNormalSample string         `json:"result_normal_sample,omitempty"`
	ReqParams          []reqParamJSON `json:"req_params,omitempty"`
	BackendAPI         *backendJSON   `json:"backend_api,omitempty"`
	RunEnvID           string         `json:"run_env_id,omitempty"`
	RunEnvName         string         `json:"run_env_name,omitempty"`
	PublishID          string         `json:"publish_id,omitempty"`
	PublishTime        string         `json:"publish_time,omitempty"`
	// Only in version detail responses.
	VersionID string   `json:"version_id,omitempty"`
	SLDomain  string   `json:"sl_domain,omitempty"`
	SLDomains []string `json:"sl_domains,omitempty"`
	// Only in list responses with return_data_mode include_group or include_group_backend.
	APIGroupInfo *groupJSON `json:"api_group_info,omitempty"`
}

type publishJSON struct {
	PublishID   string `json:"publish_id,omitempty"`
	APIID       string `json:"api_id"`
	APIName     string `json:"api_name,omitempty"`
	EnvID       string `json:"env_id"`
	Remark      string `json:"remark,omitempty"`
	PublishTime string `json:"publish_time,omitempty"`
	VersionID   string `json:"version_id,omitempty"`
}

type failureJSON struct {
	APIID     string `json:"api_id"`
	APIName   string `json:"api_name,omitempty"`
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

type versionJSON struct {
	VersionID   string `json:"version_id"`
	VersionNo   string `json:"version_no"`
	APIID       string `json:"api_id"`
	EnvID       string `json:"env_id"`
	EnvName     string `json:"env_name"`
	Remark      string `json:"remark,omitempty"`
	PublishTime string `json:"publish_time"`
	Status      int    `json:"status"` // 1 live, 2 not
}

func toEnvJSON(e *Environment) envJSON {
	return envJSON{ID: e.ID, Name: e.Name, Remark: e.Remark, CreateTime: formatReadTime(e.CreateTime)}
}

func toGroupJSON(g *Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Status: 1, SLDomain: g.SLDomain, SLDomains: []string{g.SLDomain},
		RegisterTime: formatReadTime(g.RegisterTime), UpdateTime: formatReadTime(g.UpdateTime),
		OnSellStatus: 2, Remark: g.Remark, IsDefault: 2, SLDomainAccessEnabled: true}
}

func definitionJSON(in *instance, def *API) apiJSON {
	j := apiJSON{ID: def.ID, Name: def.Name, Type: def.Type, Version: def.Version, ReqProtocol: def.ReqProtocol,
		ReqMethod: def.ReqMethod, ReqURI: def.ReqURI, AuthType: def.AuthType, MatchMode: def.MatchMode,
		BackendType: def.BackendType, Remark: def.Remark, GroupID: def.GroupID, Tags: def.Tags, Status: 1,
		RegisterTime: formatReadTime(def.RegisterTime), UpdateTime: formatReadTime(def.UpdateTime),
		ResultNormalSample: def.ResultNormalSample}
	if g := in.group(def.GroupID); g != nil {
		j.GroupName = g.Name
	}
	for _, p := range def.ReqParams {
		req := 2
		if p.Required {
			req = 1
		}
		j.ReqParams = append(j.ReqParams, reqParamJSON{
			Name: p.Name, Type: p.Type, Location: p.Location, Required: req, Description: p.Description,
		})
	}
	if b := def.Backend; b != nil {
		j.BackendAPI = &backendJSON{
			URLDomain: b.URLDomain, ReqProtocol: b.ReqProtocol, ReqMethod: b.ReqMethod, ReqURI: b.ReqURI, Timeout: b.Timeout,
		}
	}
	return j
}

// apiInfo is an API as list and show return it, with the pipe-joined run environments.
func apiInfo(in *instance, a *apiState, now time.Time) apiJSON {
	j := definitionJSON(in, &a.API)
	ids, names, publishIDs, times := in.runEnvs(a, now)
	j.RunEnvID, j.RunEnvName = strings.Join(ids, "|"), strings.Join(names, "|")
	j.PublishID, j.PublishTime = strings.Join(publishIDs, "|"), strings.Join(times, "|")
	return j
}

func publishResult(a *apiState, v *version, liveSince time.Time) publishJSON {
	return publishJSON{PublishID: v.publishID, APIID: a.ID, APIName: a.Name, EnvID: v.envID,
		Remark: v.remark, PublishTime: formatWriteTime(liveSince), VersionID: v.id}
}

// Environments

func (s *Server) listEnvs(c *call) response {
	offset, limit, err := page(c)
	if err != nil {
		return fail(err)
	}
	name := c.r.URL.Query().Get("name")
	var envs []envJSON
	for _, e := range c.inst.envs {
		if name == "" || strings.Contains(e.Name, name) {
			envs = append(envs, toEnvJSON(e))
		}
	}
	lo, hi := window(len(envs), offset, limit)
	return ok(http.StatusOK, map[string]any{"total": len(envs), "size": hi - lo, "envs": nonNil(envs[lo:hi])})
}

func (s *Server) createEnv(c *call) response {
	var body struct {
		Name   string `json:"name"`
		Remark string `json:"remark"`
	}
	if err := decode(c, &body); err != nil {
		return fail(err)
	}
	switch {
	case body.Name == "":
		return fail(errMissing("name"))
	case !envNameRule.MatchString(body.Name):
		return fail(errInvalid("name"))
	case len(body.Remark) > 255:
		return fail(errInvalid("remark"))
	case c.inst.env(body.Name) != nil:
		return fail(errorf(http.StatusBadRequest, "APIG.3205", "The environment name already exists"))
	}
	if err := quotaLeft(quotaEnvironments, c.inst.quotas.Environments, len(c.inst.envs)); err != nil {
		return fail(err)
	}
	e := &Environment{ID: newID(), Name: body.Name, Remark: body.Remark, CreateTime: c.now}
	c.inst.envs = append(c.inst.envs, e)
	return ok(http.StatusCreated, toEnvJSON(e))
}

// Groups

func (s *Server) listGroups(c *call) response {
	offset, limit, err := page(c)
	if err != nil {
		return fail(err)
	}
	q := c.r.URL.Query()
	id, name, precise := q.Get("id"), q.Get("name"), queryFlag(q.Get("precise_search"), "name")
	var groups []groupJSON
	for _, g := range c.inst.groups {
		if id != "" && g.ID != id {
			continue
		}
		if name != "" && (precise && g.Name != name || !precise && !strings.Contains(g.Name, name)) {
			continue
		}
		groups = append(groups, toGroupJSON(g))
	}
	lo, hi := window(len(groups), offset, limit)
	return ok(http.StatusOK, map[string]any{"total": len(groups), "size": hi - lo, "groups": nonNil(groups[lo:hi])})
}

func (s *Server) showGroup(c *call) response {
	g := c.inst.group(c.r.PathValue("group_id"))
	if g == nil {
		return fail(errGroupNotFound(c.r.PathValue("group_id")))
	}
	return ok(http.StatusOK, toGroupJSON(g))
}

func (s *Server) createGroup(c *call) response {
	var body struct {
		Name   string `json:"name"`
		Remark string `json:"remark"`
	}
	if err := decode(c, &body); err != nil {
		return fail(err)
	}
	switch {
	case body.Name == "":
		return fail(errMissing("name"))
	case len(body.Name) < 3 || len(body.Name) > 255:
		return fail(errInvalid("name"))
	case len(body.Remark) > 255:
		return fail(errInvalid("remark"))
	}
	for _, g := range c.inst.groups {
		if g.Name == body.Name {
			return fail(errorf(http.StatusBadRequest, "APIG.3201", "The API group name already exists"))
		}
	}
	if err := quotaLeft(quotaGroups, c.inst.quotas.Groups, len(c.inst.groups)); err != nil {
		return fail(err)
	}
	g := &Group{ID: newID(), Name: body.Name, Remark: body.Remark, RegisterTime: c.now, UpdateTime: c.now}
	g.SLDomain = g.ID + ".apic.cn-north-4.huaweicloudapis.com"
	c.inst.groups = append(c.inst.groups, g)
	return ok(http.StatusCreated, toGroupJSON(g))
}

func (s *Server) deleteGroup(c *call) response {
	id := c.r.PathValue("group_id")
	g := c.inst.group(id)
	if g == nil {
		return fail(errGroupNotFound(id))
	}
	for _, a := range c.inst.apis {
		if a.GroupID == id {
			return fail(errorf(http.StatusForbidden, "APIG.3415", "The API group cannot be deleted because it contains APIs."))
		}
	}
	c.inst.groups = slices.DeleteFunc(c.inst.groups, func(x *Group) bool { return x == g })
	return response{status: http.StatusNoContent}
}

// APIs

func (s *Server) listAPIs(c *call) response {
	offset, limit, err := page(c)
	if err != nil {
		return fail(err)
	}
	q := c.r.URL.Query()
	precise := q.Get("precise_search")
	match := func(filter, value, field string) bool {
		if filter == "" {
			return true
		}
		if queryFlag(precise, field) {
			return value == filter
		}
		return strings.Contains(value, filter)
	}
	envID := q.Get("env_id")
	if envID != "" && c.inst.envByID(envID) == nil {
		return fail(errInvalidQuery("env_id"))
	}
	var matched []*apiState
	for _, a := range c.inst.apis {
		switch {
		case q.Get("id") != "" && a.ID != q.Get("id"),
			q.Get("group_id") != "" && a.GroupID != q.Get("group_id"),
			q.Get("req_method") != "" && a.ReqMethod != q.Get("req_method"),
			q.Get("auth_type") != "" && a.AuthType != q.Get("auth_type"),
			!match(q.Get("name"), a.Name, "name"),
			!match(q.Get("req_uri"), a.ReqURI, "req_uri"):
			continue
		case envID != "":
			if c.inst.view(a.pubs[envID], c.now).live == nil {
				continue
			}
		}
		matched = append(matched, a)
	}
	// The list leaves out backends and request parameters unless asked to (return_data_mode).
	mode := q.Get("return_data_mode")
	lo, hi := window(len(matched), offset, limit)
	out := make([]apiJSON, 0, hi-lo)
	for _, a := range matched[lo:hi] {
		j := apiInfo(c.inst, a, c.now)
		j.ReqParams = nil
		if mode != "include_group_backend" {
			j.BackendAPI = nil
		}
		if mode == "include_group" || mode == "include_group_backend" {
			if g := c.inst.group(a.GroupID); g != nil {
				gj := toGroupJSON(g)
				j.APIGroupInfo = &gj
			}
		}
		out = append(out, j)
	}
	return ok(http.StatusOK, map[string]any{"total": len(matched), "size": len(out), "apis": out})
}

func (s *Server) showAPI(c *call) response {
	a := c.inst.api(c.r.PathValue("api_id"))
	if a == nil {
		return fail(errAPINotFound(c.r.PathValue("api_id")))
	}
	return ok(http.StatusOK, apiInfo(c.inst, a, c.now))
}

// apiBody is the create and update request body (the subset the simulator keeps).
type apiBody struct {
	Name               string         `json:"name"`
	Type               int            `json:"type"`
	Version            string         `json:"version"`
	ReqProtocol        string         `json:"req_protocol"`
	ReqMethod          string         `json:"req_method"`
	ReqURI             string         `json:"req_uri"`
	AuthType           string         `json:"auth_type"`
	MatchMode          string         `json:"match_mode"`
	BackendType        string         `json:"backend_type"`
	Remark             string         `json:"remark"`
	GroupID            string         `json:"group_id"`
	Tags               []string       `json:"tags"`
	ResultNormalSample string         `json:"result_normal_sample"`
	ReqParams          []reqParamJSON `json:"req_params"`
	BackendAPI         *backendJSON   `json:"backend_api"`
}

var (
	protocols    = []string{"HTTP", "HTTPS", "BOTH", "GRPCS"}
	methods      = []string{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "ANY"}
	authTypes    = []string{"NONE", "APP", "IAM", "AUTHORIZER"}
	backendTypes = []string{"HTTP", "FUNCTION", "MOCK", "GRPC"}
)

// toAPI validates a create or update body in the gateway's order and builds the definition.
func (s *Server) toAPI(c *call, b *apiBody, self *apiState) (API, *apiError) {
	required := []struct{ name, value string }{
		{"name", b.Name}, {"req_protocol", b.ReqProtocol}, {"req_method", b.ReqMethod},
		{"req_uri", b.ReqURI}, {"auth_type", b.AuthType}, {"backend_type", b.BackendType}, {"group_id", b.GroupID},
	}
	for _, f := range required {
		if f.value == "" {
			return API{}, errMissing(f.name)
		}
	}
	switch {
	case !apiNameRule.MatchString(b.Name):
		return API{}, errInvalid("name")
	case b.Type != 1 && b.Type != 2:
		return API{}, errInvalid("type")
	case !slices.Contains(protocols, b.ReqProtocol):
		return API{}, errInvalid("req_protocol")
	case !slices.Contains(methods, b.ReqMethod):
		return API{}, errInvalid("req_method")
	case !strings.HasPrefix(b.ReqURI, "/") || len(b.ReqURI) > 512:
		return API{}, errInvalid("req_uri")
	case !slices.Contains(authTypes, b.AuthType):
		return API{}, errInvalid("auth_type")
	case !slices.Contains(backendTypes, b.BackendType):
		return API{}, errInvalid("backend_type")
	case b.MatchMode != "" && b.MatchMode != "NORMAL" && b.MatchMode != "SWA":
		return API{}, errInvalid("match_mode")
	case len(b.Remark) > 255:
		return API{}, errInvalid("remark")
	case b.BackendType == "HTTP" && b.BackendAPI == nil:
		return API{}, errMissing("backend_api")
	case b.BackendAPI != nil && b.BackendAPI.Timeout <= 0:
		return API{}, errMissing("backend_api.timeout")
	}
	if c.inst.group(b.GroupID) == nil {
		return API{}, errGroupNotFound(b.GroupID)
	}
	if other := c.inst.apiByName(b.Name); other != nil && other != self {
		return API{}, errorf(http.StatusBadRequest, "APIG.3202", "The API name already exists")
	}
	a := API{Name: b.Name, GroupID: b.GroupID, Type: b.Type, ReqProtocol: b.ReqProtocol, ReqMethod: b.ReqMethod,
		ReqURI: b.ReqURI, AuthType: b.AuthType, MatchMode: or(b.MatchMode, "NORMAL"), BackendType: b.BackendType,
		Remark: b.Remark, Version: b.Version, Tags: b.Tags, ResultNormalSample: b.ResultNormalSample}
	for _, p := range b.ReqParams {
		a.ReqParams = append(a.ReqParams, ReqParam{
			Name: p.Name, Location: p.Location, Type: p.Type, Required: p.Required == 1, Description: p.Description,
		})
	}
	if bb := b.BackendAPI; bb != nil {
		a.Backend = &Backend{
			URLDomain: bb.URLDomain, ReqProtocol: bb.ReqProtocol, ReqMethod: bb.ReqMethod, ReqURI: bb.ReqURI, Timeout: bb.Timeout,
		}
	}
	return a, nil
}

func (s *Server) createAPI(c *call) response {
	var body apiBody
	if err := decode(c, &body); err != nil {
		return fail(err)
	}
	def, err := s.toAPI(c, &body, nil)
	if err != nil {
		return fail(err)
	}
	if err := quotaLeft(quotaAPIs, c.inst.quotas.APIsPerInstance, len(c.inst.apis)); err != nil {
		return fail(err)
	}
	if err := quotaLeft(quotaAPIsPerGroup, c.inst.quotas.APIsPerGroup, c.inst.groupSize(def.GroupID)); err != nil {
		return fail(err)
	}
	def.ID, def.RegisterTime, def.UpdateTime = newID(), c.now, c.now
	a := &apiState{API: def, pubs: map[string]*publication{}}
	c.inst.apis = append(c.inst.apis, a)
	return ok(http.StatusCreated, apiInfo(c.inst, a, c.now))
}

// updateAPI replaces the definition; the live versions keep their snapshots.
func (s *Server) updateAPI(c *call) response {
	a := c.inst.api(c.r.PathValue("api_id"))
	if a == nil {
		return fail(errAPINotFound(c.r.PathValue("api_id")))
	}
	var body apiBody
	if err := decode(c, &body); err != nil {
		return fail(err)
	}
	def, err := s.toAPI(c, &body, a)
	if err != nil {
		return fail(err)
	}
	def.ID, def.RegisterTime, def.UpdateTime = a.ID, a.RegisterTime, c.now
	a.API = def
	return ok(http.StatusOK, apiInfo(c.inst, a, c.now))
}

func (s *Server) deleteAPI(c *call) response {
	a := c.inst.api(c.r.PathValue("api_id"))
	if a == nil {
		return fail(errAPINotFound(c.r.PathValue("api_id")))
	}
	c.inst.deleteAPI(a)
	return response{status: http.StatusNoContent}
}

// Publication

func (s *Server) publishOne(c *call) response {
	var body struct {
		Action string `json:"action"`
		EnvID  string `json:"env_id"`
		APIID  string `json:"api_id"`
		Remark string `json:"remark"`
	}
	if err := decode(c, &body); err != nil {
		return fail(err)
	}
	switch {
	case body.Action == "":
		return fail(errMissing("action"))
	case body.Action != actOnline && body.Action != actOffline:
		return fail(errInvalid("action"))
	case body.EnvID == "":
		return fail(errMissing("env_id"))
	case body.APIID == "":
		return fail(errMissing("api_id"))
	case len(body.Remark) > 255:
		return fail(errInvalid("remark"))
	}
	if c.inst.envByID(body.EnvID) == nil {
		return fail(errEnvNotFound(body.EnvID))
	}
	a := c.inst.api(body.APIID)
	if a == nil {
		return fail(errAPINotFound(body.APIID))
	}
	if body.Action == actOffline {
		if err := c.inst.offline(&c.acted, a, body.EnvID, c.now); err != nil {
			return fail(err)
		}
		return ok(http.StatusCreated, publishJSON{APIID: a.ID, APIName: a.Name, EnvID: body.EnvID, Remark: body.Remark})
	}
	v := c.inst.publish(&c.acted, a, body.EnvID, newID(), body.Remark, c.now)
	return ok(http.StatusCreated, publishResult(a, v, c.now))
}

const maxBatch = 1000

func (s *Server) batchPublish(c *call) response {
	action := c.r.URL.Query().Get("action")
	switch action {
	case actOnline, actOffline:
	case "":
		return fail(errMissing("action"))
	default:
		return fail(errorf(http.StatusBadRequest, "APIG.2011", `Invalid parameter value: parameter action should be \"online\" or \"offline\"`))
	}
	var body struct {
		APIs    []string `json:"apis"`
		EnvID   string   `json:"env_id"`
		GroupID string   `json:"group_id"`
		Remark  string   `json:"remark"`
	}
	if err := decode(c, &body); err != nil {
		return fail(err)
	}
	switch {
	case body.EnvID == "":
		return fail(errMissing("env_id"))
	case len(body.APIs) == 0 && body.GroupID == "":
		return fail(errMissing("apis"))
	case len(body.APIs) > maxBatch:
		return fail(errorf(http.StatusBadRequest, "APIG.2003",
			"The parameter value is too large,parameterName:apis. Please refer to the support documentation"))
	case len(body.Remark) > 255:
		return fail(errInvalid("remark"))
	}
	if c.inst.envByID(body.EnvID) == nil {
		return fail(errEnvNotFound(body.EnvID))
	}
	ids := body.APIs
	if len(ids) == 0 {
		if c.inst.group(body.GroupID) == nil {
			return fail(errGroupNotFound(body.GroupID))
		}
		for _, a := range c.inst.apis {
			if a.GroupID == body.GroupID {
				ids = append(ids, a.ID)
			}
		}
	}
	success, failure := []publishJSON{}, []failureJSON{}
	for _, id := range ids {
		a := c.inst.api(id)
		if a == nil {
			failure = append(failure, failureJSON{APIID: id, ErrorCode: "APIG.3002", ErrorMsg: "Api " + id + " not found"})
			continue
		}
		if action == actOffline {
			if err := c.inst.offline(&c.acted, a, body.EnvID, c.now); err != nil {
				failure = append(failure, failureJSON{APIID: id, APIName: a.Name, ErrorCode: err.code, ErrorMsg: err.msg})
				continue
			}
			success = append(success, publishJSON{APIID: a.ID, APIName: a.Name, EnvID: body.EnvID, Remark: body.Remark})
			continue
		}
		v := c.inst.publish(&c.acted, a, body.EnvID, newID(), body.Remark, c.now)
		success = append(success, publishResult(a, v, c.now))
	}
	return ok(http.StatusOK, map[string]any{"success": success, "failure": failure})
}

func (s *Server) switchVersionHandler(c *call) response {
	apiID := c.r.PathValue("api_id")
	var body struct {
		VersionID string `json:"version_id"`
	}
	if err := decode(c, &body); err != nil {
		return fail(err)
	}
	if body.VersionID == "" {
		return fail(errMissing("version_id"))
	}
	a := c.inst.api(apiID)
	if a == nil {
		return fail(errAPINotFound(apiID))
	}
	v := c.inst.versions[body.VersionID]
	if v == nil || v.apiID != apiID {
		return fail(errVersionNotFound(body.VersionID))
	}
	c.inst.switchVersion(&c.acted, v, c.now)
	return ok(http.StatusOK, publishResult(a, v, c.now))
}

func (s *Server) listVersions(c *call) response {
	offset, limit, err := page(c)
	if err != nil {
		return fail(err)
	}
	apiID := c.r.PathValue("api_id")
	a := c.inst.api(apiID)
	if a == nil {
		return fail(errAPINotFound(apiID))
	}
	q := c.r.URL.Query()
	var only *Environment
	if id := q.Get("env_id"); id != "" {
		if only = c.inst.envByID(id); only == nil {
			return fail(errInvalidQuery("env_id"))
		}
	}
	if name := q.Get("env_name"); name != "" {
		e := c.inst.env(name)
		if e == nil || e.Name != name || only != nil && only != e {
			return fail(errInvalidQuery("env_name"))
		}
		only = e
	}
	var versions []versionJSON
	for _, e := range c.inst.envs {
		if only != nil && only != e {
			continue
		}
		p := c.inst.view(a.pubs[e.ID], c.now)
		for i := len(p.versions) - 1; i >= 0; i-- { // newest first, as TF assumes
			v := p.versions[i]
			status := 2
			if p.live == v {
				status = 1
			}
			versions = append(versions, versionJSON{VersionID: v.id, VersionNo: v.no, APIID: a.ID, EnvID: e.ID,
				EnvName: e.Name, Remark: v.remark, PublishTime: formatReadTime(v.publishTime), Status: status})
		}
	}
	lo, hi := window(len(versions), offset, limit)
	return ok(http.StatusOK, map[string]any{"total": len(versions), "size": hi - lo, "api_versions": nonNil(versions[lo:hi])})
}

func (s *Server) showVersion(c *call) response {
	id := c.r.PathValue("version_id")
	v := c.inst.versions[id]
	// A version made within the read lag is not found yet.
	if v == nil || c.inst.readLag > 0 && !c.inst.view(c.inst.api(v.apiID).pubs[v.envID], c.now).has(v) {
		return fail(errVersionNotFound(id))
	}
	j := definitionJSON(c.inst, &v.def)
	j.VersionID, j.PublishTime = v.id, formatReadTime(v.publishTime)
	if g := c.inst.group(v.def.GroupID); g != nil {
		j.SLDomain, j.SLDomains = g.SLDomain, []string{g.SLDomain}
	}
	return ok(http.StatusOK, j)
}

// offlineVersion takes a version offline when it is the live one; taking an inactive version
// offline changes nothing.
func (s *Server) offlineVersion(c *call) response {
	id := c.r.PathValue("version_id")
	v := c.inst.versions[id]
	if v == nil {
		return fail(errVersionNotFound(id))
	}
	c.inst.offlineVersion(&c.acted, v, c.now)
	return response{status: http.StatusNoContent}
}

// nonNil makes an empty list encode as [] rather than null, as the gateway does.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
