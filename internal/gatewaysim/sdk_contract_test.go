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
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/impl"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	apig "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2"
	apigmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	dataarts "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dataartsstudio/v1"
	damodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dataartsstudio/v1/model"
)

// The world of the contract test. The IDs are the shapes (and mostly the values) of the
// reference examples, so that failures read like the documentation.
const (
	ctProject     = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	ctInstance    = "eddc4d25480b4cd6b512f270a1b8b341"
	ctTestEnvID   = "7a1ad0c350844ee69479b47df9a881cb"
	ctGroupID     = "c77f5e81d9cb4424bf704ef2b0ac7600"
	ctGroupName   = "order_group"
	ctAPIGet      = "5f918d104dc84480a75166ba99efff21" // get_order, published in RELEASE
	ctAPIList     = "3a955b791bd24b1c9cd94c745f8d1aad" // list_orders, unpublished
	ctAPICancel   = "9f27d1dc4f4242a9abf88e563dbfc33d" // cancel_order, unpublished
	ctAPIMissing  = "abd9c4b2ff974888b0ba79be7e6b2762"
	ctVersionOld  = "ee1a5a38d3d3493abf1dc4ed6cacfa0b"
	ctVersionLive = "632b2c9e022941969af9a1d45735ae2c"
	ctCluster     = "c2e2f6b1a9d84e5f8a7b6c5d4e3f2a10"
	ctWorkspace   = "ws-demo"
	ctDataAPI     = "4704f5a0b6c24e0c9d8e7f6a5b4c3d21"
	ctToken       = "contract-token"
	ctAK          = "DEMOAK"
	ctSK          = "DEMOSK"
	ctRelease     = ReleaseEnvID
	// ctTimeLayout is how Terraform formats the time of a DataArts UNPUBLISH or STOP.
	ctTimeLayout = "2006-01-02T15:04:05.000Z"
)

func contractSeed() *Seed {
	return &Seed{
		Tokens:     []string{ctToken},
		AccessKeys: []SeedAccessKey{{AccessKey: ctAK, SecretKey: ctSK}},
		Projects: []SeedProject{{
			ID: ctProject,
			APIG: []SeedInstance{{
				InstanceID:   ctInstance,
				Environments: []SeedEnvironment{{ID: ctTestEnvID, Name: "TEST", Remark: "test environment"}},
				Groups: []SeedGroup{{ID: ctGroupID, Name: ctGroupName, APIs: []SeedAPI{
					{ID: ctAPIGet, Name: "get_order", Path: "/orders/{id}", Published: []SeedPublication{
						{Environment: "RELEASE", Versions: []string{ctVersionOld, ctVersionLive}},
					}},
					{ID: ctAPIList, Name: "list_orders", Path: "/orders"},
					{ID: ctAPICancel, Name: "cancel_order", Method: "DELETE", Path: "/orders/{id}", AuthType: "APP"},
				}}},
			}},
			DataArts: []SeedCluster{{ClusterID: ctCluster, Name: "cluster_test_001", Workspace: ctWorkspace,
				APIs: []SeedDataAPI{{ID: ctDataAPI, Name: "sales_report", Path: "/reports/sales"}}}},
		}},
	}
}

// ctTokenCredential is the X-Auth-Token credential the SDK lacks: it fills the project_id path
// parameter and the token header, as BasicCredentials fills project_id and signs.
type ctTokenCredential struct {
	token     string
	projectID string
}

var _ auth.ICredential = ctTokenCredential{}

func (c ctTokenCredential) ProcessAuthParams(*impl.DefaultHttpClient, string) (auth.ICredential, error) {
	return c, nil
}

func (c ctTokenCredential) ProcessAuthRequest(
	_ *impl.DefaultHttpClient, req *request.DefaultHttpRequest,
) (*request.DefaultHttpRequest, error) {
	// Build substitutes the path parameters, as the signer's call to it does for BasicCredentials.
	return req.Builder().AddAutoFilledPathParam("project_id", c.projectID).AddHeaderParam("X-Auth-Token", c.token).Build(), nil
}

// ctFixture is the simulator, the SDK clients and what the steps learn from each other.
type ctFixture struct {
	sim *Server
	url string

	apigc      *apig.ApigClient // AK/SK
	apigToken  *apig.ApigClient
	data       *dataarts.DataArtsStudioClient // AK/SK
	dataToken  *dataarts.DataArtsStudioClient
	createdAPI string // created by CreateApiV2
	testPubID  string // publish ID of get_order in TEST
}

func ctAKSKCredential(t *testing.T, sk string) *basic.Credentials {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ctAK).WithSk(sk).WithProjectId(ctProject).SafeBuild()
	if err != nil {
		t.Fatalf("building AK/SK credentials: %v", err)
	}
	return cred
}

func ctAKSKHTTPClient(t *testing.T, endpoint, sk string) *core.HcHttpClient {
	t.Helper()
	hc, err := apig.ApigClientBuilder().WithEndpoints([]string{endpoint}).WithCredential(ctAKSKCredential(t, sk)).SafeBuild()
	if err != nil {
		t.Fatalf("building the SDK client: %v", err)
	}
	return hc
}

func ctTokenHTTPClient(endpoint, token string) *core.HcHttpClient {
	return core.NewHcHttpClient(impl.NewDefaultHttpClient(config.DefaultHttpConfig())).
		WithEndpoints([]string{endpoint}).
		WithCredential(ctTokenCredential{token: token, projectID: ctProject})
}

func newCTFixture(t *testing.T) *ctFixture {
	t.Helper()
	return newCTFixtureWith(t, Options{})
}

func newCTFixtureWith(t *testing.T, opts Options) *ctFixture {
	t.Helper()
	sim, err := New(contractSeed(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	dataHC, err := dataarts.DataArtsStudioClientBuilder().WithEndpoints([]string{srv.URL}).
		WithCredential(ctAKSKCredential(t, ctSK)).SafeBuild()
	if err != nil {
		t.Fatalf("building the DataArts client: %v", err)
	}
	return &ctFixture{
		sim:       sim,
		url:       srv.URL,
		apigc:     apig.NewApigClient(ctAKSKHTTPClient(t, srv.URL, ctSK)),
		apigToken: apig.NewApigClient(ctTokenHTTPClient(srv.URL, ctToken)),
		data:      dataarts.NewDataArtsStudioClient(dataHC),
		dataToken: dataarts.NewDataArtsStudioClient(ctTokenHTTPClient(srv.URL, ctToken)),
	}
}

// TestSDKContract drives every endpoint of the simulator through the official Huawei Cloud Go
// SDK over real HTTP: each response must decode without error and carry the right values. The
// subtests share one simulator and run in order; each is named after the SDK operation.
func TestSDKContract(t *testing.T) {
	f := newCTFixture(t)
	steps := []struct {
		name string
		run  func(*testing.T, *ctFixture)
	}{
		{"ListEnvironmentsV2", ctListEnvironments},
		{"CreateEnvironmentV2", ctCreateEnvironment},
		{"ListApiGroupsV2", ctListGroups},
		{"CreateApiGroupV2+ShowDetailsOfApiGroupV2+DeleteApiGroupV2", ctGroupLifecycle},
		{"CreateApiV2", ctCreateAPI},
		{"UpdateApiV2", ctUpdateAPI},
		{"ListApisV2", ctListAPIs},
		{"ListApisV2/BriefMode", ctListAPIsBrief},
		{"CreateOrDeletePublishRecordForApiV2/online", ctPublishOnline},
		{"ShowDetailsOfApiV2", ctShowAPIPipes},
		{"CreateOrDeletePublishRecordForApiV2/offline", ctPublishOffline},
		{"BatchPublishOrOfflineApiV2", ctBatchPublish},
		{"ListApiVersionsV2", ctListVersions},
		{"ChangeApiVersionV2", ctChangeVersion},
		{"ListApiVersionDetailV2", ctVersionDetail},
		{"ListApiVersionDetailV2/SlDomains", ctVersionDetailSlDomains},
		{"ListProjectCofigsV2", ctListConfigsDefault},
		{"DeleteApiByVersionIdV2", ctDeleteVersion},
		{"ExportApiDefinitionsAsync+ShowAsyncTaskResult", ctAsyncExport},
		{"ExportApiDefinitionsV2", ctSyncExport},
		{"DeleteApiV2", ctDeleteAPI},
		{"Faults", ctFaults},
		{"Auth/WrongSecretKey", ctWrongSecretKey},
		{"Auth/Token/ListEnvironmentsV2", ctTokenListEnvironments},
		{"Auth/WrongToken", ctWrongToken},
		{"PublishApiToInstance", ctDataPublish},
		{"SearchPublishInfo", ctDataSearchPublishInfo},
		{"ExecuteApiToInstance/STOP", ctDataStop},
		{"ShowApi/AfterAdvanceClock", ctDataAdvanceClock},
		{"Auth/AKSKAfterAdvanceClock", ctAKSKAfterAdvanceClock},
		{"ExecuteApiToInstance/RECOVER", ctDataRecover},
		{"ExecuteApiToInstance/UNPUBLISH", ctDataUnpublish},
		{"ShowApi/Errors", ctDataErrors},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { s.run(t, f) })
	}
}

// Helpers.

func ctStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ctPtr[T any](v T) *T { return &v }

// ctExpectError asserts that err is the SDK's ServiceResponseError with the status and code,
// and that the request ID of the X-Request-Id header reached it.
func ctExpectError(t *testing.T, err error, status int, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want HTTP %d %s", status, code)
	}
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v is not a *sdkerr.ServiceResponseError", err, err)
	}
	if se.StatusCode != status || se.ErrorCode != code {
		t.Errorf("error = HTTP %d %s (%s); want HTTP %d %s", se.StatusCode, se.ErrorCode, se.ErrorMessage, status, code)
	}
	if se.ErrorMessage == "" {
		t.Errorf("error %s has no error_msg", se.ErrorCode)
	}
	if !hexID.MatchString(se.RequestId) {
		t.Errorf("error request ID %q is not the 32-hex X-Request-Id", se.RequestId)
	}
}

func ctNoError(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		var se *sdkerr.ServiceResponseError
		if errors.As(err, &se) {
			t.Fatalf("%s: HTTP %d %s: %s (request %s)", op, se.StatusCode, se.ErrorCode, se.ErrorMessage, se.RequestId)
		}
		t.Fatalf("%s: %v", op, err)
	}
}

func ctStatus(t *testing.T, op string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s: HTTP status %d; want %d", op, got, want)
	}
}

func ctHexID(t *testing.T, what, id string) {
	t.Helper()
	if !hexID.MatchString(id) {
		t.Errorf("%s %q is not a 32-hex ID", what, id)
	}
}

func (f *ctFixture) showAPI(t *testing.T, id string) *apigmodel.ShowDetailsOfApiV2Response {
	t.Helper()
	resp, err := f.apigc.ShowDetailsOfApiV2(&apigmodel.ShowDetailsOfApiV2Request{InstanceId: ctInstance, ApiId: id})
	ctNoError(t, "ShowDetailsOfApiV2", err)
	return resp
}

func (f *ctFixture) versions(t *testing.T, apiID, envID string) []apigmodel.ApiVersionResp {
	t.Helper()
	req := &apigmodel.ListApiVersionsV2Request{InstanceId: ctInstance, ApiId: apiID}
	if envID != "" {
		req.EnvId = ctPtr(envID)
	}
	resp, err := f.apigc.ListApiVersionsV2(req)
	ctNoError(t, "ListApiVersionsV2", err)
	if resp.ApiVersions == nil {
		t.Fatalf("ListApiVersionsV2: api_versions missing")
	}
	if int(resp.Total) != len(*resp.ApiVersions) || int(resp.Size) != len(*resp.ApiVersions) {
		t.Errorf("ListApiVersionsV2: total %d, size %d for %d versions", resp.Total, resp.Size, len(*resp.ApiVersions))
	}
	return *resp.ApiVersions
}

func ctAPIBody(name, uri, remark string) *apigmodel.ApiCreate {
	return &apigmodel.ApiCreate{
		Name:        name,
		Type:        apigmodel.GetApiCreateTypeEnum().E_1,
		ReqProtocol: apigmodel.GetApiCreateReqProtocolEnum().HTTPS,
		ReqMethod:   apigmodel.GetApiCreateReqMethodEnum().POST,
		ReqUri:      uri,
		AuthType:    apigmodel.GetApiCreateAuthTypeEnum().NONE,
		BackendType: apigmodel.GetApiCreateBackendTypeEnum().HTTP,
		GroupId:     ctGroupID,
		Remark:      ctPtr(remark),
		Tags:        &[]string{"orders"},
		BackendApi: &apigmodel.BackendApiCreate{
			UrlDomain:   ctPtr("backend.internal"),
			ReqProtocol: ctPtr(apigmodel.GetBackendApiCreateReqProtocolEnum().HTTP),
			ReqMethod:   ctPtr(apigmodel.GetBackendApiCreateReqMethodEnum().POST),
			ReqUri:      ctPtr(uri),
			Timeout:     5000,
		},
	}
}

// APIG: environments and groups.

func ctListEnvironments(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance})
	ctNoError(t, "ListEnvironmentsV2", err)
	ctStatus(t, "ListEnvironmentsV2", resp.HttpStatusCode, http.StatusOK)
	if resp.Total != 2 || resp.Size != 2 || resp.Envs == nil || len(*resp.Envs) != 2 {
		t.Fatalf("ListEnvironmentsV2: total %d size %d envs %v; want the 2 seeded", resp.Total, resp.Size, resp.Envs)
	}
	want := map[string]string{ctRelease: "RELEASE", ctTestEnvID: "TEST"}
	for _, e := range *resp.Envs {
		if want[ctStr(e.Id)] != ctStr(e.Name) {
			t.Errorf("environment %s is named %s", ctStr(e.Id), ctStr(e.Name))
		}
		if e.CreateTime == nil || time.Time(*e.CreateTime).IsZero() {
			t.Errorf("environment %s: create_time not decoded", ctStr(e.Id))
		}
	}
	// The name filter is a substring match.
	resp, err = f.apigc.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance, Name: ctPtr("TES")})
	ctNoError(t, "ListEnvironmentsV2 name=TES", err)
	if resp.Total != 1 || len(*resp.Envs) != 1 || ctStr((*resp.Envs)[0].Id) != ctTestEnvID {
		t.Errorf("ListEnvironmentsV2 name=TES: %+v; want only TEST", resp.Envs)
	}
	// limit pages.
	resp, err = f.apigc.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance, Limit: ctPtr(int32(1))})
	ctNoError(t, "ListEnvironmentsV2 limit=1", err)
	if resp.Total != 2 || resp.Size != 1 || len(*resp.Envs) != 1 {
		t.Errorf("ListEnvironmentsV2 limit=1: total %d size %d; want 2 and 1", resp.Total, resp.Size)
	}
}

func ctCreateEnvironment(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.CreateEnvironmentV2(&apigmodel.CreateEnvironmentV2Request{InstanceId: ctInstance,
		Body: &apigmodel.EnvCreate{Name: "STAGING", Remark: ctPtr("staging environment")}})
	ctNoError(t, "CreateEnvironmentV2", err)
	ctStatus(t, "CreateEnvironmentV2", resp.HttpStatusCode, http.StatusCreated)
	ctHexID(t, "environment ID", ctStr(resp.Id))
	if ctStr(resp.Name) != "STAGING" || ctStr(resp.Remark) != "staging environment" || resp.CreateTime == nil {
		t.Errorf("CreateEnvironmentV2: %+v", resp)
	}
	list, err := f.apigc.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance})
	ctNoError(t, "ListEnvironmentsV2", err)
	if list.Total != 3 {
		t.Errorf("ListEnvironmentsV2 after create: total %d; want 3", list.Total)
	}
	_, err = f.apigc.CreateEnvironmentV2(&apigmodel.CreateEnvironmentV2Request{InstanceId: ctInstance,
		Body: &apigmodel.EnvCreate{Name: "STAGING"}})
	ctExpectError(t, err, http.StatusBadRequest, "APIG.3205")
}

func ctListGroups(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.ListApiGroupsV2(&apigmodel.ListApiGroupsV2Request{InstanceId: ctInstance})
	ctNoError(t, "ListApiGroupsV2", err)
	ctStatus(t, "ListApiGroupsV2", resp.HttpStatusCode, http.StatusOK)
	if resp.Total != 1 || resp.Size != 1 || resp.Groups == nil || len(*resp.Groups) != 1 {
		t.Fatalf("ListApiGroupsV2: total %d size %d; want the seeded group", resp.Total, resp.Size)
	}
	g := (*resp.Groups)[0]
	if g.Id != ctGroupID || g.Name != ctGroupName || g.Status.Value() != 1 || g.RegisterTime == nil ||
		!strings.HasPrefix(g.SlDomain, ctGroupID) {
		t.Errorf("ListApiGroupsV2: group %+v", g)
	}
	resp, err = f.apigc.ListApiGroupsV2(&apigmodel.ListApiGroupsV2Request{InstanceId: ctInstance,
		Name: ctPtr("order"), PreciseSearch: ctPtr("name")})
	ctNoError(t, "ListApiGroupsV2 precise", err)
	if resp.Total != 0 {
		t.Errorf("ListApiGroupsV2 name=order precise: total %d; want 0", resp.Total)
	}
}

func ctGroupLifecycle(t *testing.T, f *ctFixture) {
	created, err := f.apigc.CreateApiGroupV2(&apigmodel.CreateApiGroupV2Request{InstanceId: ctInstance,
		Body: &apigmodel.ApiGroupCreate{Name: "scratch_group", Remark: ctPtr("to be deleted")}})
	ctNoError(t, "CreateApiGroupV2", err)
	ctStatus(t, "CreateApiGroupV2", created.HttpStatusCode, http.StatusCreated)
	ctHexID(t, "group ID", created.Id)
	if created.Name != "scratch_group" || ctStr(created.Remark) != "to be deleted" {
		t.Errorf("CreateApiGroupV2: %+v", created)
	}

	shown, err := f.apigc.ShowDetailsOfApiGroupV2(&apigmodel.ShowDetailsOfApiGroupV2Request{InstanceId: ctInstance,
		GroupId: created.Id})
	ctNoError(t, "ShowDetailsOfApiGroupV2", err)
	ctStatus(t, "ShowDetailsOfApiGroupV2", shown.HttpStatusCode, http.StatusOK)
	if shown.Id != created.Id || shown.Name != "scratch_group" || shown.Status.Value() != 1 ||
		shown.SlDomains == nil || len(*shown.SlDomains) != 1 || (*shown.SlDomains)[0] != shown.SlDomain {
		t.Errorf("ShowDetailsOfApiGroupV2: %+v", shown)
	}

	del, err := f.apigc.DeleteApiGroupV2(&apigmodel.DeleteApiGroupV2Request{InstanceId: ctInstance, GroupId: created.Id})
	ctNoError(t, "DeleteApiGroupV2", err)
	ctStatus(t, "DeleteApiGroupV2", del.HttpStatusCode, http.StatusNoContent)

	_, err = f.apigc.ShowDetailsOfApiGroupV2(&apigmodel.ShowDetailsOfApiGroupV2Request{InstanceId: ctInstance,
		GroupId: created.Id})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3001")
	// A group with APIs cannot be deleted.
	_, err = f.apigc.DeleteApiGroupV2(&apigmodel.DeleteApiGroupV2Request{InstanceId: ctInstance, GroupId: ctGroupID})
	ctExpectError(t, err, http.StatusForbidden, "APIG.3415")
}

// APIG: APIs.

func ctCreateAPI(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.CreateApiV2(&apigmodel.CreateApiV2Request{InstanceId: ctInstance,
		Body: ctAPIBody("create_order", "/orders", "creates an order")})
	ctNoError(t, "CreateApiV2", err)
	ctStatus(t, "CreateApiV2", resp.HttpStatusCode, http.StatusCreated)
	f.createdAPI = ctStr(resp.Id)
	ctHexID(t, "API ID", f.createdAPI)
	switch {
	case resp.Name != "create_order", resp.GroupId != ctGroupID, ctStr(resp.GroupName) != ctGroupName,
		resp.ReqUri != "/orders", resp.ReqMethod.Value() != "POST", resp.Type.Value() != 1,
		resp.AuthType.Value() != "NONE", resp.BackendType.Value() != "HTTP", ctStr(resp.Remark) != "creates an order":
		t.Errorf("CreateApiV2: definition not echoed: %+v", resp)
	case resp.Status == nil || *resp.Status != 1:
		t.Errorf("CreateApiV2: status %v; want 1", resp.Status)
	case resp.RegisterTime == nil || resp.UpdateTime == nil:
		t.Errorf("CreateApiV2: register_time/update_time not decoded")
	case resp.BackendApi == nil || resp.BackendApi.Timeout != 5000 || ctStr(resp.BackendApi.UrlDomain) != "backend.internal":
		t.Errorf("CreateApiV2: backend_api %+v", resp.BackendApi)
	case ctStr(resp.RunEnvId) != "" || ctStr(resp.PublishId) != "":
		t.Errorf("CreateApiV2: a new API is published: run_env_id %q", ctStr(resp.RunEnvId))
	}
	_, err = f.apigc.CreateApiV2(&apigmodel.CreateApiV2Request{InstanceId: ctInstance,
		Body: ctAPIBody("create_order", "/orders2", "")})
	ctExpectError(t, err, http.StatusBadRequest, "APIG.3202")
}

func ctUpdateAPI(t *testing.T, f *ctFixture) {
	if f.createdAPI == "" {
		t.Skip("CreateApiV2 failed")
	}
	resp, err := f.apigc.UpdateApiV2(&apigmodel.UpdateApiV2Request{InstanceId: ctInstance, ApiId: f.createdAPI,
		Body: ctAPIBody("create_order", "/orders/new", "updated")})
	ctNoError(t, "UpdateApiV2", err)
	ctStatus(t, "UpdateApiV2", resp.HttpStatusCode, http.StatusOK)
	if ctStr(resp.Id) != f.createdAPI || resp.ReqUri != "/orders/new" || ctStr(resp.Remark) != "updated" {
		t.Errorf("UpdateApiV2: %+v", resp)
	}
	shown := f.showAPI(t, f.createdAPI)
	if shown.ReqUri != "/orders/new" || ctStr(shown.Remark) != "updated" {
		t.Errorf("ShowDetailsOfApiV2 after update: req_uri %q remark %q", shown.ReqUri, ctStr(shown.Remark))
	}
	_, err = f.apigc.UpdateApiV2(&apigmodel.UpdateApiV2Request{InstanceId: ctInstance, ApiId: ctAPIMissing,
		Body: ctAPIBody("create_order", "/orders/new", "")})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3002")
}

func ctListAPIs(t *testing.T, f *ctFixture) {
	list := func(req *apigmodel.ListApisV2Request) []apigmodel.ApiInfoPerPage {
		t.Helper()
		req.InstanceId = ctInstance
		resp, err := f.apigc.ListApisV2(req)
		ctNoError(t, "ListApisV2", err)
		ctStatus(t, "ListApisV2", resp.HttpStatusCode, http.StatusOK)
		if resp.Apis == nil || int(resp.Size) != len(*resp.Apis) {
			t.Fatalf("ListApisV2: size %d for apis %v", resp.Size, resp.Apis)
		}
		return *resp.Apis
	}
	names := func(apis []apigmodel.ApiInfoPerPage) string {
		var out []string
		for _, a := range apis {
			out = append(out, a.Name)
		}
		return strings.Join(out, ",")
	}

	all := list(&apigmodel.ListApisV2Request{GroupId: ctPtr(ctGroupID)})
	if got := names(all); got != "get_order,list_orders,cancel_order,create_order" {
		t.Errorf("ListApisV2 group_id: %s", got)
	}
	for _, a := range all {
		if a.Name == "get_order" {
			if ctStr(a.RunEnvId) != ctRelease || ctStr(a.RunEnvName) != "RELEASE" || !hexID.MatchString(ctStr(a.PublishId)) ||
				ctStr(a.PublishTime) == "" {
				t.Errorf("ListApisV2: get_order run env %q/%q publish %q at %q", ctStr(a.RunEnvId), ctStr(a.RunEnvName),
					ctStr(a.PublishId), ctStr(a.PublishTime))
			}
			if ctStr(a.GroupName) != ctGroupName || a.RegisterTime == nil {
				t.Errorf("ListApisV2: get_order %+v", a)
			}
		}
	}
	if got := names(list(&apigmodel.ListApisV2Request{Name: ctPtr("get_order"), PreciseSearch: ctPtr("name")})); got != "get_order" {
		t.Errorf("ListApisV2 name=get_order precise: %s", got)
	}
	if got := names(list(&apigmodel.ListApisV2Request{Name: ctPtr("get_ord"), PreciseSearch: ctPtr("name")})); got != "" {
		t.Errorf("ListApisV2 name=get_ord precise: %s; want none", got)
	}
	if got := names(list(&apigmodel.ListApisV2Request{Name: ctPtr("order")})); got != "get_order,list_orders,cancel_order,create_order" {
		t.Errorf("ListApisV2 name=order: %s", got)
	}
	if got := names(list(&apigmodel.ListApisV2Request{EnvId: ctPtr(ctRelease)})); got != "get_order" {
		t.Errorf("ListApisV2 env_id=RELEASE: %s; want get_order", got)
	}
	if got := names(list(&apigmodel.ListApisV2Request{EnvId: ctPtr(ctTestEnvID)})); got != "" {
		t.Errorf("ListApisV2 env_id=TEST: %s; want none", got)
	}
	if got := names(list(&apigmodel.ListApisV2Request{Offset: ctPtr(int64(1)), Limit: ctPtr(int32(2))})); got != "list_orders,cancel_order" {
		t.Errorf("ListApisV2 offset=1 limit=2: %s", got)
	}
	_, err := f.apigc.ListApisV2(&apigmodel.ListApisV2Request{InstanceId: ctInstance, EnvId: ctPtr(ctAPIMissing)})
	ctExpectError(t, err, http.StatusBadRequest, "APIG.2012")
}

// ctListAPIsBrief: by default (return_data_mode brief) the list returns neither the backend nor
// the request parameters (reference §1.8, SDK apig_client.go comment on ListApisV2);
// include_group_backend adds backend_api and api_group_info.
func ctListAPIsBrief(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.ListApisV2(&apigmodel.ListApisV2Request{InstanceId: ctInstance, Id: ctPtr(ctAPIGet)})
	ctNoError(t, "ListApisV2", err)
	if resp.Apis == nil || len(*resp.Apis) != 1 {
		t.Fatalf("ListApisV2 id=%s: %+v", ctAPIGet, resp.Apis)
	}
	if a := (*resp.Apis)[0]; a.BackendApi != nil || a.ReqParams != nil {
		t.Errorf("ListApisV2 (brief): backend_api %+v req_params %+v; want neither", a.BackendApi, a.ReqParams)
	}
	resp, err = f.apigc.ListApisV2(&apigmodel.ListApisV2Request{InstanceId: ctInstance, Id: ctPtr(ctAPIGet),
		ReturnDataMode: ctPtr("include_group_backend")})
	ctNoError(t, "ListApisV2 include_group_backend", err)
	if a := (*resp.Apis)[0]; a.BackendApi == nil || a.ApiGroupInfo == nil {
		t.Errorf("ListApisV2 (include_group_backend): backend_api %+v api_group_info %+v; want both", a.BackendApi, a.ApiGroupInfo)
	}
}

// APIG: publication.

func ctPublishOnline(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.CreateOrDeletePublishRecordForApiV2(&apigmodel.CreateOrDeletePublishRecordForApiV2Request{
		InstanceId: ctInstance, Body: &apigmodel.ApiActionInfo{Action: apigmodel.GetApiActionInfoActionEnum().ONLINE,
			EnvId: ctTestEnvID, ApiId: ctAPIGet, Remark: ctPtr("first test release")}})
	ctNoError(t, "CreateOrDeletePublishRecordForApiV2 online", err)
	ctStatus(t, "CreateOrDeletePublishRecordForApiV2", resp.HttpStatusCode, http.StatusCreated)
	f.testPubID = ctStr(resp.PublishId)
	ctHexID(t, "publish ID", f.testPubID)
	ctHexID(t, "version ID", ctStr(resp.VersionId))
	if ctStr(resp.ApiId) != ctAPIGet || ctStr(resp.EnvId) != ctTestEnvID || ctStr(resp.ApiName) != "get_order" ||
		ctStr(resp.Remark) != "first test release" {
		t.Errorf("CreateOrDeletePublishRecordForApiV2 online: %+v", resp)
	}
	if resp.PublishTime == nil || time.Since(time.Time(*resp.PublishTime)).Abs() > time.Minute {
		t.Errorf("CreateOrDeletePublishRecordForApiV2 online: publish_time %v not decoded as now", resp.PublishTime)
	}
	_, err = f.apigc.CreateOrDeletePublishRecordForApiV2(&apigmodel.CreateOrDeletePublishRecordForApiV2Request{
		InstanceId: ctInstance, Body: &apigmodel.ApiActionInfo{Action: apigmodel.GetApiActionInfoActionEnum().ONLINE,
			EnvId: ctTestEnvID, ApiId: ctAPIMissing}})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3002")
	_, err = f.apigc.CreateOrDeletePublishRecordForApiV2(&apigmodel.CreateOrDeletePublishRecordForApiV2Request{
		InstanceId: ctInstance, Body: &apigmodel.ApiActionInfo{Action: apigmodel.GetApiActionInfoActionEnum().ONLINE,
			EnvId: ctAPIMissing, ApiId: ctAPIGet}})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3003")
}

// ctShowAPIPipes checks the index-aligned pipe-joined run environments, newest publication first.
func ctShowAPIPipes(t *testing.T, f *ctFixture) {
	resp := f.showAPI(t, ctAPIGet)
	ctStatus(t, "ShowDetailsOfApiV2", resp.HttpStatusCode, http.StatusOK)
	if ctStr(resp.Id) != ctAPIGet || resp.Name != "get_order" || resp.ReqUri != "/orders/{id}" || resp.GroupId != ctGroupID {
		t.Errorf("ShowDetailsOfApiV2: %+v", resp)
	}
	if want := ctTestEnvID + "|" + ctRelease; ctStr(resp.RunEnvId) != want {
		t.Errorf("run_env_id = %q; want %q", ctStr(resp.RunEnvId), want)
	}
	if ctStr(resp.RunEnvName) != "TEST|RELEASE" {
		t.Errorf("run_env_name = %q; want TEST|RELEASE", ctStr(resp.RunEnvName))
	}
	pubs := strings.Split(ctStr(resp.PublishId), "|")
	if len(pubs) != 2 || pubs[0] != f.testPubID || !hexID.MatchString(pubs[1]) || pubs[1] == pubs[0] {
		t.Errorf("publish_id = %q; want %s|<RELEASE publish ID>", ctStr(resp.PublishId), f.testPubID)
	}
	times := strings.Split(ctStr(resp.PublishTime), "|")
	if len(times) != 2 {
		t.Fatalf("publish_time = %q; want 2 times", ctStr(resp.PublishTime))
	}
	for _, s := range times {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Errorf("publish_time element %q: %v", s, err)
		}
	}
	if resp.ReqParams == nil || len(*resp.ReqParams) != 1 || (*resp.ReqParams)[0].Name != "id" ||
		(*resp.ReqParams)[0].Location.Value() != "PATH" {
		t.Errorf("ShowDetailsOfApiV2: req_params %+v; want the path parameter id", resp.ReqParams)
	}
	_, err := f.apigc.ShowDetailsOfApiV2(&apigmodel.ShowDetailsOfApiV2Request{InstanceId: ctInstance, ApiId: ctAPIMissing})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3002")
}

func ctPublishOffline(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.CreateOrDeletePublishRecordForApiV2(&apigmodel.CreateOrDeletePublishRecordForApiV2Request{
		InstanceId: ctInstance, Body: &apigmodel.ApiActionInfo{Action: apigmodel.GetApiActionInfoActionEnum().OFFLINE,
			EnvId: ctTestEnvID, ApiId: ctAPIGet}})
	ctNoError(t, "CreateOrDeletePublishRecordForApiV2 offline", err)
	ctStatus(t, "CreateOrDeletePublishRecordForApiV2 offline", resp.HttpStatusCode, http.StatusCreated)
	if ctStr(resp.ApiId) != ctAPIGet || ctStr(resp.EnvId) != ctTestEnvID {
		t.Errorf("CreateOrDeletePublishRecordForApiV2 offline: %+v", resp)
	}
	shown := f.showAPI(t, ctAPIGet)
	if ctStr(shown.RunEnvId) != ctRelease || ctStr(shown.RunEnvName) != "RELEASE" || strings.Contains(ctStr(shown.PublishId), "|") {
		t.Errorf("after offline: run_env_id %q run_env_name %q publish_id %q; want RELEASE only",
			ctStr(shown.RunEnvId), ctStr(shown.RunEnvName), ctStr(shown.PublishId))
	}
	_, err = f.apigc.CreateOrDeletePublishRecordForApiV2(&apigmodel.CreateOrDeletePublishRecordForApiV2Request{
		InstanceId: ctInstance, Body: &apigmodel.ApiActionInfo{Action: apigmodel.GetApiActionInfoActionEnum().OFFLINE,
			EnvId: ctTestEnvID, ApiId: ctAPIGet}})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3015")
}

func ctBatchPublish(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.BatchPublishOrOfflineApiV2(&apigmodel.BatchPublishOrOfflineApiV2Request{InstanceId: ctInstance,
		Action: "online", Body: &apigmodel.ApiBatchPublish{Apis: &[]string{ctAPIList, ctAPICancel, ctAPIMissing},
			EnvId: ctRelease, Remark: ctPtr("batch release")}})
	ctNoError(t, "BatchPublishOrOfflineApiV2", err)
	ctStatus(t, "BatchPublishOrOfflineApiV2", resp.HttpStatusCode, http.StatusOK)
	if resp.Success == nil || len(*resp.Success) != 2 {
		t.Fatalf("BatchPublishOrOfflineApiV2: success %+v; want 2", resp.Success)
	}
	for i, want := range []string{ctAPIList, ctAPICancel} {
		s := (*resp.Success)[i]
		if ctStr(s.ApiId) != want || ctStr(s.EnvId) != ctRelease || ctStr(s.Remark) != "batch release" ||
			!hexID.MatchString(ctStr(s.PublishId)) || !hexID.MatchString(ctStr(s.VersionId)) || s.PublishTime == nil {
			t.Errorf("BatchPublishOrOfflineApiV2 success[%d] = %+v", i, s)
		}
	}
	if resp.Failure == nil || len(*resp.Failure) != 1 {
		t.Fatalf("BatchPublishOrOfflineApiV2: failure %+v; want 1", resp.Failure)
	}
	if fl := (*resp.Failure)[0]; ctStr(fl.ApiId) != ctAPIMissing || ctStr(fl.ErrorCode) != "APIG.3002" || ctStr(fl.ErrorMsg) == "" {
		t.Errorf("BatchPublishOrOfflineApiV2 failure = %+v; want %s APIG.3002", fl, ctAPIMissing)
	}
	list, err := f.apigc.ListApisV2(&apigmodel.ListApisV2Request{InstanceId: ctInstance, EnvId: ctPtr(ctRelease)})
	ctNoError(t, "ListApisV2", err)
	if list.Total != 3 {
		t.Errorf("ListApisV2 env_id=RELEASE after batch: total %d; want 3", list.Total)
	}

	// Offline by group: the unpublished create_order fails, the rest succeed.
	off, err := f.apigc.BatchPublishOrOfflineApiV2(&apigmodel.BatchPublishOrOfflineApiV2Request{InstanceId: ctInstance,
		Action: "offline", Body: &apigmodel.ApiBatchPublish{Apis: &[]string{ctAPICancel}, EnvId: ctRelease}})
	ctNoError(t, "BatchPublishOrOfflineApiV2 offline", err)
	if off.Success == nil || len(*off.Success) != 1 || ctStr((*off.Success)[0].ApiId) != ctAPICancel ||
		off.Failure == nil || len(*off.Failure) != 0 {
		t.Errorf("BatchPublishOrOfflineApiV2 offline: success %+v failure %+v", off.Success, off.Failure)
	}
	_, err = f.apigc.BatchPublishOrOfflineApiV2(&apigmodel.BatchPublishOrOfflineApiV2Request{InstanceId: ctInstance,
		Action: "publish", Body: &apigmodel.ApiBatchPublish{Apis: &[]string{ctAPIList}, EnvId: ctRelease}})
	ctExpectError(t, err, http.StatusBadRequest, "APIG.2011")
}

// APIG: versions.

func ctListVersions(t *testing.T, f *ctFixture) {
	vs := f.versions(t, ctAPIGet, ctRelease)
	if len(vs) != 2 {
		t.Fatalf("ListApiVersionsV2 env RELEASE: %d versions; want 2", len(vs))
	}
	// Newest first; the live one has status 1.
	for i, want := range []struct {
		id     string
		status int32
	}{{ctVersionLive, 1}, {ctVersionOld, 2}} {
		v := vs[i]
		if ctStr(v.VersionId) != want.id || v.Status == nil || v.Status.Value() != want.status ||
			ctStr(v.ApiId) != ctAPIGet || ctStr(v.EnvId) != ctRelease || ctStr(v.EnvName) != "RELEASE" ||
			len(ctStr(v.VersionNo)) != len("20060102150405") || v.PublishTime == nil {
			t.Errorf("ListApiVersionsV2[%d] = %+v (status %v); want %s status %d", i, v, v.Status, want.id, want.status)
		}
	}
	all := f.versions(t, ctAPIGet, "")
	if len(all) != 3 {
		t.Errorf("ListApiVersionsV2 (all environments): %d versions; want 3 (2 RELEASE, 1 TEST)", len(all))
	}
	for _, v := range all {
		if ctStr(v.EnvId) == ctTestEnvID && (v.Status == nil || v.Status.Value() != 2) {
			t.Errorf("the TEST version, offline, has status %v; want 2", v.Status)
		}
	}
	resp, err := f.apigc.ListApiVersionsV2(&apigmodel.ListApiVersionsV2Request{InstanceId: ctInstance, ApiId: ctAPIGet,
		EnvName: ctPtr("RELEASE"), Limit: ctPtr(int32(1))})
	ctNoError(t, "ListApiVersionsV2 env_name limit", err)
	if resp.Total != 2 || resp.Size != 1 {
		t.Errorf("ListApiVersionsV2 env_name=RELEASE limit=1: total %d size %d; want 2 and 1", resp.Total, resp.Size)
	}
	_, err = f.apigc.ListApiVersionsV2(&apigmodel.ListApiVersionsV2Request{InstanceId: ctInstance, ApiId: ctAPIGet,
		EnvName: ctPtr("NOPE")})
	ctExpectError(t, err, http.StatusBadRequest, "APIG.2012")
}

func ctChangeVersion(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.ChangeApiVersionV2(&apigmodel.ChangeApiVersionV2Request{InstanceId: ctInstance, ApiId: ctAPIGet,
		Body: &apigmodel.ApiVersion{VersionId: ctPtr(ctVersionOld)}})
	ctNoError(t, "ChangeApiVersionV2", err)
	ctStatus(t, "ChangeApiVersionV2", resp.HttpStatusCode, http.StatusOK)
	if ctStr(resp.VersionId) != ctVersionOld || ctStr(resp.ApiId) != ctAPIGet || ctStr(resp.EnvId) != ctRelease ||
		!hexID.MatchString(ctStr(resp.PublishId)) || resp.PublishTime == nil {
		t.Errorf("ChangeApiVersionV2: %+v", resp)
	}
	for _, v := range f.versions(t, ctAPIGet, ctRelease) {
		live := v.Status != nil && v.Status.Value() == 1
		if live != (ctStr(v.VersionId) == ctVersionOld) {
			t.Errorf("after the switch, version %s has status %v", ctStr(v.VersionId), v.Status)
		}
	}
	_, err = f.apigc.ChangeApiVersionV2(&apigmodel.ChangeApiVersionV2Request{InstanceId: ctInstance, ApiId: ctAPIGet,
		Body: &apigmodel.ApiVersion{VersionId: ctPtr(ctAPIMissing)}})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3022")
}

func ctVersionDetail(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.ListApiVersionDetailV2(&apigmodel.ListApiVersionDetailV2Request{InstanceId: ctInstance,
		VersionId: ctVersionOld})
	ctNoError(t, "ListApiVersionDetailV2", err)
	ctStatus(t, "ListApiVersionDetailV2", resp.HttpStatusCode, http.StatusOK)
	if ctStr(resp.VersionId) != ctVersionOld || ctStr(resp.Id) != ctAPIGet || resp.Name != "get_order" ||
		resp.ReqUri != "/orders/{id}" || resp.GroupId != ctGroupID || resp.ReqMethod.Value() != "GET" {
		t.Errorf("ListApiVersionDetailV2: %+v", resp)
	}
	if !strings.HasPrefix(ctStr(resp.SlDomain), ctGroupID) || resp.PublishTime == nil ||
		time.Since(time.Time(*resp.PublishTime)) < time.Hour {
		t.Errorf("ListApiVersionDetailV2: sl_domain %q publish_time %v; want the group domain and the seeded time",
			ctStr(resp.SlDomain), resp.PublishTime)
	}
	if resp.BackendApi == nil || resp.BackendApi.Timeout <= 0 {
		t.Errorf("ListApiVersionDetailV2: backend_api %+v", resp.BackendApi)
	}
	_, err = f.apigc.ListApiVersionDetailV2(&apigmodel.ListApiVersionDetailV2Request{InstanceId: ctInstance,
		VersionId: ctAPIMissing})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3022")
}

// ctVersionDetailSlDomains: the version detail carries sl_domains besides sl_domain (reference
// §1.6, SDK model_list_api_version_detail_v2_response.go), as the group detail does.
func ctVersionDetailSlDomains(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.ListApiVersionDetailV2(&apigmodel.ListApiVersionDetailV2Request{InstanceId: ctInstance,
		VersionId: ctVersionOld})
	ctNoError(t, "ListApiVersionDetailV2", err)
	if resp.SlDomains == nil || len(*resp.SlDomains) != 1 || (*resp.SlDomains)[0] != ctStr(resp.SlDomain) {
		t.Errorf("ListApiVersionDetailV2: sl_domains %v; want [%s]", resp.SlDomains, ctStr(resp.SlDomain))
	}
}

func ctDeleteVersion(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.DeleteApiByVersionIdV2(&apigmodel.DeleteApiByVersionIdV2Request{InstanceId: ctInstance,
		VersionId: ctVersionOld})
	ctNoError(t, "DeleteApiByVersionIdV2", err)
	ctStatus(t, "DeleteApiByVersionIdV2", resp.HttpStatusCode, http.StatusNoContent)
	for _, v := range f.versions(t, ctAPIGet, ctRelease) {
		if v.Status != nil && v.Status.Value() == 1 {
			t.Errorf("after DeleteApiByVersionIdV2, version %s is still live", ctStr(v.VersionId))
		}
	}
	if shown := f.showAPI(t, ctAPIGet); ctStr(shown.RunEnvId) != "" || ctStr(shown.PublishId) != "" {
		t.Errorf("after DeleteApiByVersionIdV2: run_env_id %q publish_id %q; want none", ctStr(shown.RunEnvId), ctStr(shown.PublishId))
	}
	_, err = f.apigc.DeleteApiByVersionIdV2(&apigmodel.DeleteApiByVersionIdV2Request{InstanceId: ctInstance,
		VersionId: ctAPIMissing})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3022")
}

// APIG: export. After the steps above, list_orders is the only API live in RELEASE.

func ctExportBody(typ apigmodel.ExportOpenApiReqType) *apigmodel.ExportOpenApiReq {
	return &apigmodel.ExportOpenApiReq{EnvId: ctRelease, GroupId: ctGroupID,
		Define: ctPtr(apigmodel.GetExportOpenApiReqDefineEnum().ALL), Type: ctPtr(typ), Version: ctPtr("1.2.3")}
}

func ctAsyncExport(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.ExportApiDefinitionsAsync(&apigmodel.ExportApiDefinitionsAsyncRequest{InstanceId: ctInstance,
		OasVersion: ctPtr(apigmodel.GetExportApiDefinitionsAsyncRequestOasVersionEnum().E_2_0),
		Body:       ctExportBody(apigmodel.GetExportOpenApiReqTypeEnum().JSON)})
	ctNoError(t, "ExportApiDefinitionsAsync", err)
	ctStatus(t, "ExportApiDefinitionsAsync", resp.HttpStatusCode, http.StatusAccepted)
	taskID := ctStr(resp.TaskId)
	ctHexID(t, "task ID", taskID)

	var task *apigmodel.ShowAsyncTaskResultResponse
	var seen []string
	for range 10 {
		task, err = f.apigc.ShowAsyncTaskResult(&apigmodel.ShowAsyncTaskResultRequest{InstanceId: ctInstance, TaskId: taskID})
		ctNoError(t, "ShowAsyncTaskResult", err)
		ctStatus(t, "ShowAsyncTaskResult", task.HttpStatusCode, http.StatusOK)
		if task.TaskStatus == nil {
			t.Fatalf("ShowAsyncTaskResult: task_status missing")
		}
		seen = append(seen, task.TaskStatus.Value())
		if task.TaskStatus.Value() == "succeed" || task.TaskStatus.Value() == "failed" {
			break
		}
		if task.TaskResult != nil {
			t.Errorf("ShowAsyncTaskResult: task_result %q before the task ended", *task.TaskResult)
		}
	}
	if seen[len(seen)-1] != "succeed" || len(seen) < 2 {
		t.Fatalf("ShowAsyncTaskResult: statuses %v; want in flight, then succeed", seen)
	}
	if ctStr(task.TaskId) != taskID || task.TaskType == nil || task.TaskType.Value() != "export_api" {
		t.Errorf("ShowAsyncTaskResult: task_id %q task_type %v", ctStr(task.TaskId), task.TaskType)
	}
	var result struct {
		FileType string `json:"file_type"`
		Content  string `json:"content"`
	}
	if err := json.Unmarshal([]byte(ctStr(task.TaskResult)), &result); err != nil {
		t.Fatalf("task_result %q is not a JSON string: %v", ctStr(task.TaskResult), err)
	}
	if result.FileType != "json" {
		t.Errorf("task_result file_type %q; want json", result.FileType)
	}
	ops := ctExportedOperations(t, []byte(result.Content))
	if len(ops) != 1 || ops[0] != "list_orders" {
		t.Errorf("exported operations %v; want [list_orders], the only API live in RELEASE", ops)
	}

	_, err = f.apigc.ShowAsyncTaskResult(&apigmodel.ShowAsyncTaskResultRequest{InstanceId: ctInstance, TaskId: ctAPIMissing})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3081")
}

// ctExportedOperations returns the operationIds of a Swagger 2.0 JSON document.
func ctExportedOperations(t *testing.T, doc []byte) []string {
	t.Helper()
	var swagger struct {
		Swagger string                          `json:"swagger"`
		Info    struct{ Title, Version string } `json:"info"`
		Paths   map[string]map[string]struct {
			OpID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &swagger); err != nil {
		t.Fatalf("exported content is not JSON: %v", err)
	}
	if swagger.Swagger != "2.0" || swagger.Info.Title != ctGroupName || swagger.Info.Version != "1.2.3" {
		t.Errorf("exported document: swagger %q, info %+v", swagger.Swagger, swagger.Info)
	}
	var ops []string
	for _, methods := range swagger.Paths {
		for _, op := range methods {
			if op.OpID != "" {
				ops = append(ops, op.OpID)
			}
		}
	}
	return ops
}

func ctSyncExport(t *testing.T, f *ctFixture) {
	resp, err := f.apigc.ExportApiDefinitionsV2(&apigmodel.ExportApiDefinitionsV2Request{InstanceId: ctInstance,
		OasVersion: ctPtr(apigmodel.GetExportApiDefinitionsV2RequestOasVersionEnum().E_3_0),
		Body:       ctExportBody(apigmodel.GetExportOpenApiReqTypeEnum().YAML)})
	ctNoError(t, "ExportApiDefinitionsV2", err)
	ctStatus(t, "ExportApiDefinitionsV2", resp.HttpStatusCode, http.StatusOK)
	if resp.Body == nil {
		t.Fatalf("ExportApiDefinitionsV2: no body stream")
	}
	defer func() { _ = resp.Body.Close() }()
	doc, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the export stream: %v", err)
	}
	text := string(doc)
	if !strings.Contains(text, "openapi: 3.0.1") || !strings.Contains(text, "list_orders") ||
		strings.Contains(text, "cancel_order") {
		t.Errorf("ExportApiDefinitionsV2: document is not the OpenAPI 3.0 YAML of list_orders:\n%s", text)
	}
	_, err = f.apigc.ExportApiDefinitionsV2(&apigmodel.ExportApiDefinitionsV2Request{InstanceId: ctInstance,
		Body: &apigmodel.ExportOpenApiReq{EnvId: ctRelease, GroupId: ctAPIMissing}})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3001")
}

func ctDeleteAPI(t *testing.T, f *ctFixture) {
	if f.createdAPI == "" {
		t.Skip("CreateApiV2 failed")
	}
	resp, err := f.apigc.DeleteApiV2(&apigmodel.DeleteApiV2Request{InstanceId: ctInstance, ApiId: f.createdAPI})
	ctNoError(t, "DeleteApiV2", err)
	ctStatus(t, "DeleteApiV2", resp.HttpStatusCode, http.StatusNoContent)
	_, err = f.apigc.ShowDetailsOfApiV2(&apigmodel.ShowDetailsOfApiV2Request{InstanceId: ctInstance, ApiId: f.createdAPI})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3002")
	_, err = f.apigc.DeleteApiV2(&apigmodel.DeleteApiV2Request{InstanceId: ctInstance, ApiId: f.createdAPI})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3002")
	// An unknown instance.
	_, err = f.apigc.ShowDetailsOfApiV2(&apigmodel.ShowDetailsOfApiV2Request{InstanceId: ctAPIMissing, ApiId: ctAPIGet})
	ctExpectError(t, err, http.StatusNotFound, "APIG.3030")
}

// ctFaults: injected throttling, system errors and failed export tasks decode through the SDK.
func ctFaults(t *testing.T, f *ctFixture) {
	t.Cleanup(f.sim.ClearFaults)
	if err := f.sim.AddFault(Fault{Operation: opListEnvs, Status: http.StatusTooManyRequests, RetryAfter: 2, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := f.apigc.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance})
	ctExpectError(t, err, http.StatusTooManyRequests, "APIG.0308")
	if err := f.sim.AddFault(Fault{Operation: "*", Code: "APIG.9999", Message: "System error", Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = f.apigc.ShowDetailsOfApiV2(&apigmodel.ShowDetailsOfApiV2Request{InstanceId: ctInstance, ApiId: ctAPIGet})
	ctExpectError(t, err, http.StatusInternalServerError, "APIG.9999")

	if err := f.sim.AddFault(Fault{Operation: opAsyncExport, TaskStatus: taskFailed, Count: 1}); err != nil {
		t.Fatal(err)
	}
	resp, err := f.apigc.ExportApiDefinitionsAsync(&apigmodel.ExportApiDefinitionsAsyncRequest{InstanceId: ctInstance,
		Body: ctExportBody(apigmodel.GetExportOpenApiReqTypeEnum().JSON)})
	ctNoError(t, "ExportApiDefinitionsAsync", err)
	for range 3 {
		task, err := f.apigc.ShowAsyncTaskResult(&apigmodel.ShowAsyncTaskResultRequest{InstanceId: ctInstance, TaskId: ctStr(resp.TaskId)})
		ctNoError(t, "ShowAsyncTaskResult", err)
		if task.TaskStatus != nil && task.TaskStatus.Value() == "failed" {
			var result struct {
				ErrorCode string `json:"error_code"`
			}
			if err := json.Unmarshal([]byte(ctStr(task.TaskResult)), &result); err != nil || result.ErrorCode == "" {
				t.Errorf("failed task_result %q: %v", ctStr(task.TaskResult), err)
			}
			return
		}
	}
	t.Errorf("ShowAsyncTaskResult: the task with the taskStatus fault never failed")
}

// Authentication.

func ctWrongSecretKey(t *testing.T, f *ctFixture) {
	bad := apig.NewApigClient(ctAKSKHTTPClient(t, f.url, "WRONGSK"))
	_, err := bad.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance})
	ctExpectError(t, err, http.StatusUnauthorized, "APIGW.0301")
}

func ctTokenListEnvironments(t *testing.T, f *ctFixture) {
	resp, err := f.apigToken.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance})
	ctNoError(t, "ListEnvironmentsV2 with a token", err)
	ctStatus(t, "ListEnvironmentsV2", resp.HttpStatusCode, http.StatusOK)
	if resp.Total != 3 || resp.Envs == nil || len(*resp.Envs) != 3 {
		t.Errorf("ListEnvironmentsV2 with a token: total %d; want 3 (RELEASE, TEST, STAGING)", resp.Total)
	}
}

func ctWrongToken(t *testing.T, f *ctFixture) {
	bad := apig.NewApigClient(ctTokenHTTPClient(f.url, "not-a-token"))
	_, err := bad.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance})
	ctExpectError(t, err, http.StatusUnauthorized, "APIG.1002")
}

// DataArts DataService.

func ctDlmExclusive() *damodel.SearchPublishInfoRequestDlmType {
	return ctPtr(damodel.GetSearchPublishInfoRequestDlmTypeEnum().EXCLUSIVE)
}

func ctPublishInfo(t *testing.T, c *dataarts.DataArtsStudioClient) damodel.ApiPublishDto {
	t.Helper()
	resp, err := c.SearchPublishInfo(&damodel.SearchPublishInfoRequest{Workspace: ctWorkspace, DlmType: ctDlmExclusive(),
		ContentType: "application/json", ApiId: ctDataAPI})
	ctNoError(t, "SearchPublishInfo", err)
	ctStatus(t, "SearchPublishInfo", resp.HttpStatusCode, http.StatusOK)
	if resp.Total == nil || *resp.Total != 1 || resp.PublishMessages == nil || len(*resp.PublishMessages) != 1 {
		t.Fatalf("SearchPublishInfo: total %v messages %+v; want one publication", resp.Total, resp.PublishMessages)
	}
	m := (*resp.PublishMessages)[0]
	if ctStr(m.ApiId) != ctDataAPI || ctStr(m.InstanceId) != ctCluster || ctStr(m.InstanceName) != "cluster_test_001" ||
		!hexID.MatchString(ctStr(m.Id)) || m.ApiStatus == nil || m.ApiDebug == nil ||
		m.ApiDebug.Value() != "API_DEBUG_SUCCESS" {
		t.Errorf("SearchPublishInfo: %+v", m)
	}
	return m
}

func ctExpectDataStatus(t *testing.T, c *dataarts.DataArtsStudioClient, want string) {
	t.Helper()
	if m := ctPublishInfo(t, c); m.ApiStatus != nil && m.ApiStatus.Value() != want {
		t.Errorf("SearchPublishInfo: api_status %s; want %s", m.ApiStatus.Value(), want)
	}
	resp, err := c.ShowApi(&damodel.ShowApiRequest{Workspace: ctWorkspace, ContentType: "application/json", ApiId: ctDataAPI})
	ctNoError(t, "ShowApi", err)
	ctStatus(t, "ShowApi", resp.HttpStatusCode, http.StatusOK)
	if ctStr(resp.Id) != ctDataAPI || ctStr(resp.Name) != "sales_report" || ctStr(resp.Path) != "/reports/sales" ||
		resp.CreateTime == nil || resp.Protocol == nil || resp.RequestType == nil || resp.DebugStatus == nil {
		t.Errorf("ShowApi: %+v", resp)
	}
	if resp.PublishMessages == nil || len(*resp.PublishMessages) != 1 || (*resp.PublishMessages)[0].ApiStatus == nil ||
		(*resp.PublishMessages)[0].ApiStatus.Value() != want {
		t.Errorf("ShowApi: publish_messages %+v; want one with api_status %s", resp.PublishMessages, want)
	}
}

func ctDataAction(c *dataarts.DataArtsStudioClient, action damodel.ApiActionDtoAction, at string) error {
	body := &damodel.ApiActionDto{Action: &action}
	if at != "" {
		body.Time = ctPtr(at)
	}
	_, err := c.ExecuteApiToInstance(&damodel.ExecuteApiToInstanceRequest{Workspace: ctWorkspace,
		DlmType: ctPtr(damodel.GetExecuteApiToInstanceRequestDlmTypeEnum().EXCLUSIVE), ContentType: "application/json",
		ApiId: ctDataAPI, InstanceId: ctCluster, Body: body})
	return err
}

// ctNoticeTime is the next whole hour at least 49 hours after the simulator's clock.
func ctNoticeTime(f *ctFixture) string {
	return f.sim.Now().Add(49 * time.Hour).UTC().Truncate(time.Hour).Add(time.Hour).Format(ctTimeLayout)
}

func ctDataPublish(t *testing.T, f *ctFixture) {
	shown, err := f.data.ShowApi(&damodel.ShowApiRequest{Workspace: ctWorkspace, ContentType: "application/json", ApiId: ctDataAPI})
	ctNoError(t, "ShowApi", err)
	if shown.Status == nil || shown.Status.Value() != "API_STATUS_CREATED" || shown.PublishMessages == nil ||
		len(*shown.PublishMessages) != 0 {
		t.Errorf("ShowApi before publishing: status %v publish_messages %+v; want API_STATUS_CREATED and none",
			shown.Status, shown.PublishMessages)
	}
	resp, err := f.data.PublishApiToInstance(&damodel.PublishApiToInstanceRequest{Workspace: ctWorkspace,
		DlmType:     ctPtr(damodel.GetPublishApiToInstanceRequestDlmTypeEnum().EXCLUSIVE),
		ContentType: "application/json", ApiId: ctDataAPI, InstanceId: ctCluster})
	ctNoError(t, "PublishApiToInstance", err)
	ctStatus(t, "PublishApiToInstance", resp.HttpStatusCode, http.StatusNoContent)
	// Publishing a published API is illegal.
	_, err = f.data.PublishApiToInstance(&damodel.PublishApiToInstanceRequest{Workspace: ctWorkspace,
		ContentType: "application/json", ApiId: ctDataAPI, InstanceId: ctCluster,
		Body: &damodel.GatewayDto{ApigType: ctPtr(damodel.GetGatewayDtoApigTypeEnum().APIGW)}})
	ctExpectError(t, err, http.StatusBadRequest, "DLM.4182")
}

func ctDataSearchPublishInfo(t *testing.T, f *ctFixture) {
	ctExpectDataStatus(t, f.data, "API_STATUS_PUBLISHED")
}

func ctDataStop(t *testing.T, f *ctFixture) {
	// Less than 48 hours ahead is refused; then a time 49 hours ahead, on the hour, is accepted.
	early := f.sim.Now().Add(time.Hour).UTC().Truncate(time.Hour).Add(time.Hour).Format(ctTimeLayout)
	ctExpectError(t, ctDataAction(f.data, damodel.GetApiActionDtoActionEnum().STOP, early), http.StatusBadRequest, "DLM.4182")
	ctNoError(t, "ExecuteApiToInstance STOP", ctDataAction(f.data, damodel.GetApiActionDtoActionEnum().STOP, ctNoticeTime(f)))
	ctExpectDataStatus(t, f.data, "API_STATUS_WAITING_STOP")
}

// ctDataAdvanceClock moves the simulator 50 hours on: the scheduled STOP takes effect. It reads
// with the token client, since a signed request carries the wall-clock X-Sdk-Date.
func ctDataAdvanceClock(t *testing.T, f *ctFixture) {
	f.sim.AdvanceClock(50 * time.Hour)
	ctExpectDataStatus(t, f.dataToken, "API_STATUS_STOPPED")
}

// ctAKSKAfterAdvanceClock: an SDK client cannot move its clock, so AK/SK requests must keep
// working after /_sim/clock moved the simulator's (the clock is there for the 48-hour rule).
func ctAKSKAfterAdvanceClock(t *testing.T, f *ctFixture) {
	_, err := f.data.ShowApi(&damodel.ShowApiRequest{Workspace: ctWorkspace, ContentType: "application/json", ApiId: ctDataAPI})
	ctNoError(t, "ShowApi (AK/SK) after AdvanceClock(50h)", err)
	_, err = f.apigc.ListEnvironmentsV2(&apigmodel.ListEnvironmentsV2Request{InstanceId: ctInstance})
	ctNoError(t, "ListEnvironmentsV2 (AK/SK) after AdvanceClock(50h)", err)
}

func ctDataRecover(t *testing.T, f *ctFixture) {
	ctNoError(t, "ExecuteApiToInstance RECOVER", ctDataAction(f.dataToken, damodel.GetApiActionDtoActionEnum().RECOVER, ""))
	ctExpectDataStatus(t, f.dataToken, "API_STATUS_PUBLISHED")
	// RECOVER of a published API is illegal.
	ctExpectError(t, ctDataAction(f.dataToken, damodel.GetApiActionDtoActionEnum().RECOVER, ""), http.StatusBadRequest, "DLM.4182")
}

func ctDataUnpublish(t *testing.T, f *ctFixture) {
	// Not on the hour.
	odd := f.sim.Now().Add(50 * time.Hour).UTC().Truncate(time.Hour).Add(90 * time.Minute).Format(ctTimeLayout)
	ctExpectError(t, ctDataAction(f.dataToken, damodel.GetApiActionDtoActionEnum().UNPUBLISH, odd), http.StatusBadRequest, "DLM.4182")
	ctNoError(t, "ExecuteApiToInstance UNPUBLISH",
		ctDataAction(f.dataToken, damodel.GetApiActionDtoActionEnum().UNPUBLISH, ctNoticeTime(f)))
	ctExpectDataStatus(t, f.dataToken, "API_STATUS_WAITING_OFFLINE")
}

func ctDataErrors(t *testing.T, f *ctFixture) {
	_, err := f.dataToken.ShowApi(&damodel.ShowApiRequest{Workspace: ctWorkspace, ContentType: "application/json", ApiId: ctAPIMissing})
	ctExpectError(t, err, http.StatusBadRequest, "DLM.4018")
	_, err = f.dataToken.ShowApi(&damodel.ShowApiRequest{Workspace: "ws-other", ContentType: "application/json", ApiId: ctDataAPI})
	ctExpectError(t, err, http.StatusBadRequest, "DLM.4001")
	_, err = f.dataToken.PublishApiToInstance(&damodel.PublishApiToInstanceRequest{Workspace: ctWorkspace,
		ContentType: "application/json", ApiId: ctDataAPI, InstanceId: ctAPIMissing})
	ctExpectError(t, err, http.StatusBadRequest, "DLM.4292")
}
