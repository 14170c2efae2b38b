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
	"runtime"
	"strconv"
	"testing"
	"time"

	apigmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
)

// ctConfigs reads the instance's quotas through ListProjectCofigsV2, by config_name.
func ctConfigs(t *testing.T, f *ctFixture) map[string]apigmodel.Config {
	t.Helper()
	resp, err := f.apigc.ListProjectCofigsV2(&apigmodel.ListProjectCofigsV2Request{InstanceId: ctInstance})
	ctNoError(t, "ListProjectCofigsV2", err)
	ctStatus(t, "ListProjectCofigsV2", resp.HttpStatusCode, http.StatusOK)
	if resp.Configs == nil {
		t.Fatalf("ListProjectCofigsV2: configs missing")
	}
	if int(resp.Total) != len(*resp.Configs) || int(resp.Size) != len(*resp.Configs) {
		t.Errorf("ListProjectCofigsV2: total %d, size %d for %d configs", resp.Total, resp.Size, len(*resp.Configs))
	}
	byName := map[string]apigmodel.Config{}
	for _, c := range *resp.Configs {
		if c.ConfigName == nil || ctStr(c.ConfigId) == "" || c.ConfigTime == nil || c.Used == nil || ctStr(c.Remark) == "" {
			t.Errorf("ListProjectCofigsV2: incomplete config %v", c)
			continue
		}
		byName[c.ConfigName.Value()] = c
	}
	return byName
}

// ctExpectConfigs checks each quota's value and use, and that no other is listed.
func ctExpectConfigs(t *testing.T, got map[string]apigmodel.Config, want map[string][2]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("ListProjectCofigsV2 lists %d configs; want %d", len(got), len(want))
	}
	for name, w := range want {
		c, ok := got[name]
		if !ok {
			t.Errorf("ListProjectCofigsV2: no %s", name)
			continue
		}
		if ctStr(c.ConfigValue) != strconv.Itoa(w[0]) || *c.Used != int64(w[1]) {
			t.Errorf("%s: config_value %s, used %d; want %d, %d", name, ctStr(c.ConfigValue), *c.Used, w[0], w[1])
		}
	}
}

// ctListConfigsDefault: without quotas the simulator lists only the one it always enforces,
// the versions kept.
func ctListConfigsDefault(t *testing.T, f *ctFixture) {
	got := ctConfigs(t, f)
	if len(got) != 1 || ctStr(got["API_VERSION_NUM_LIMIT"].ConfigValue) != "10" {
		t.Errorf("ListProjectCofigsV2 without quotas: %v; want only API_VERSION_NUM_LIMIT 10", got)
	}
}

// TestSDKContractRealistic drives the realistic behaviours through the SDK: the quotas listed
// and enforced, and APIG.3500 on overlapping writes.
func TestSDKContractRealistic(t *testing.T) {
	opts := Options{WriteLatency: 300 * time.Millisecond, Quotas: Quotas{APIsPerInstance: 3, Environments: 3}}.Realistic()
	f := newCTFixtureWith(t, opts)

	t.Run("ListProjectCofigsV2", func(t *testing.T) {
		// The contract seed: 3 APIs in 1 group, 2 environments, 2 versions of get_order.
		ctExpectConfigs(t, ctConfigs(t, f), map[string][2]int{
			"API_NUM_LIMIT": {3, 3}, "API_NUM_LIMIT_PER_GROUP": {1000, 3}, "APIGROUP_NUM_LIMIT": {1500, 1},
			"ENVIRONMENT_NUM_LIMIT": {3, 2}, "API_VERSION_NUM_LIMIT": {10, 2},
		})
	})

	t.Run("CreateApiV2/Quota", func(t *testing.T) {
		_, err := f.apigc.CreateApiV2(&apigmodel.CreateApiV2Request{InstanceId: ctInstance, Body: ctAPIBody("one_too_many", "/more", "")})
		ctExpectError(t, err, http.StatusForbidden, "APIG.3102")
	})

	t.Run("CreateEnvironmentV2/Quota", func(t *testing.T) {
		create := func(name string) error {
			_, err := f.apigc.CreateEnvironmentV2(&apigmodel.CreateEnvironmentV2Request{InstanceId: ctInstance,
				Body: &apigmodel.EnvCreate{Name: name}})
			return err
		}
		ctNoError(t, "CreateEnvironmentV2", create("STAGING"))
		ctExpectError(t, create("DEV"), http.StatusForbidden, "APIG.3104")
		ctExpectConfigs(t, ctConfigs(t, f), map[string][2]int{
			"API_NUM_LIMIT": {3, 3}, "API_NUM_LIMIT_PER_GROUP": {1000, 3}, "APIGROUP_NUM_LIMIT": {1500, 1},
			"ENVIRONMENT_NUM_LIMIT": {3, 3}, "API_VERSION_NUM_LIMIT": {10, 2},
		})
	})

	t.Run("BatchPublishOrOfflineApiV2/ConcurrentWrite", func(t *testing.T) {
		first := make(chan error)
		go func() {
			_, err := f.apigc.CreateOrDeletePublishRecordForApiV2(&apigmodel.CreateOrDeletePublishRecordForApiV2Request{
				InstanceId: ctInstance, Body: &apigmodel.ApiActionInfo{
					Action: apigmodel.GetApiActionInfoActionEnum().ONLINE, ApiId: ctAPIList, EnvId: ctRelease}})
			first <- err
		}()
		for inFlight(f.sim, ctProject, ctInstance) == 0 {
			runtime.Gosched()
		}
		_, err := f.apigc.BatchPublishOrOfflineApiV2(&apigmodel.BatchPublishOrOfflineApiV2Request{
			InstanceId: ctInstance, Action: "offline", Body: &apigmodel.ApiBatchPublish{Apis: &[]string{ctAPIGet}, EnvId: ctRelease}})
		ctExpectError(t, err, http.StatusInternalServerError, "APIG.3500")
		ctNoError(t, "CreateOrDeletePublishRecordForApiV2", <-first)
	})
}
