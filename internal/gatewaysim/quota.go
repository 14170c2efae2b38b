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
	"strconv"
)

// quota is one of an instance's quotas: its config_id and config_name in ListProjectCofigsV2,
// the error code of exceeding it, and what it counts.
//
// The codes are those of the reference's error table (403, APIG.3100–3104, 3125, 3127: quota
// exceeded for resources, groups, APIs, apps, environments, APIs per group, APIs per import).
// The reference quotes no message for them, so the messages are ours, in the style of its
// others. The versions kept are not an error: a publish beyond them drops the oldest.
type quota struct {
	id, name, code, what, remark string
}

var (
	quotaAPIs         = quota{"1", "API_NUM_LIMIT", "APIG.3102", "APIs", "Maximum number of APIs of the instance"}
	quotaAPIsPerGroup = quota{"2", "API_NUM_LIMIT_PER_GROUP", "APIG.3125", "APIs in the API group",
		"Maximum number of APIs in an API group"}
	quotaGroups       = quota{"3", "APIGROUP_NUM_LIMIT", "APIG.3101", "API groups", "Maximum number of API groups of the instance"}
	quotaEnvironments = quota{"4", "ENVIRONMENT_NUM_LIMIT", "APIG.3104", "environments",
		"Maximum number of environments of the instance, RELEASE included"}
	quotaVersions = quota{"5", "API_VERSION_NUM_LIMIT", "", "versions",
		"Maximum number of publication records kept per API and environment"}
)

// quotaLeft refuses the creation of one more when used have reached limit; 0 is no limit.
func quotaLeft(q quota, limit, used int) *apiError {
	if limit > 0 && used >= limit {
		return errorf(http.StatusForbidden, q.code, "The number of %s exceeds the quota,limit:%d", q.what, limit)
	}
	return nil
}

// groupSize is the number of APIs of the group.
func (in *instance) groupSize(groupID string) int {
	n := 0
	for _, a := range in.apis {
		if a.GroupID == groupID {
			n++
		}
	}
	return n
}

type configJSON struct {
	ConfigID    string `json:"config_id"`
	ConfigName  string `json:"config_name"`
	ConfigValue string `json:"config_value"`
	ConfigTime  string `json:"config_time"`
	Remark      string `json:"remark"`
	Used        int    `json:"used"`
}

// listConfigs answers ListProjectCofigsV2 with the instance's quotas and their use: the
// quotas enforced, which are every one set in Options.Quotas and the versions kept. An
// unlimited quota is left out rather than given a value the simulator does not enforce. The
// use of a per-group or per-API quota is that of the fullest group or API.
func (s *Server) listConfigs(c *call) response {
	offset, limit, err := page(c)
	if err != nil {
		return fail(err)
	}
	in := c.inst
	largestGroup := map[string]int{}
	mostVersions := 0
	for _, a := range in.apis {
		largestGroup[a.GroupID]++
		for _, p := range a.pubs {
			mostVersions = max(mostVersions, len(p.versions))
		}
	}
	fullest := 0
	for _, n := range largestGroup {
		fullest = max(fullest, n)
	}
	var configs []configJSON
	for _, q := range []struct {
		quota
		value, used int
	}{
		{quotaAPIs, in.quotas.APIsPerInstance, len(in.apis)},
		{quotaAPIsPerGroup, in.quotas.APIsPerGroup, fullest},
		{quotaGroups, in.quotas.Groups, len(in.groups)},
		{quotaEnvironments, in.quotas.Environments, len(in.envs)},
		{quotaVersions, in.quotas.VersionsPerAPI, mostVersions},
	} {
		if q.value > 0 {
			configs = append(configs, configJSON{ConfigID: q.id, ConfigName: q.name, ConfigValue: strconv.Itoa(q.value),
				ConfigTime: formatReadTime(in.created), Remark: q.remark, Used: q.used})
		}
	}
	lo, hi := window(len(configs), offset, limit)
	return ok(http.StatusOK, map[string]any{"total": len(configs), "size": hi - lo, "configs": nonNil(configs[lo:hi])})
}
