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

package apig

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// fewRefs is the most refs ResolveAPIs looks up one by one; beyond it one listing of every
// API of the instance is cheaper, or at least bounded.
const fewRefs = 2

// Environments lists the instance's environments.
func (c *Client) Environments(ctx context.Context) ([]gateway.Environment, error) {
	envs, err := collect(ctx, c, "ListEnvironmentsV2", "list environments", func(e gateway.Environment) string { return e.ID },
		func(offset int64, limit int32) ([]gateway.Environment, int64, error) {
			resp, err := c.sdk.ListEnvironmentsV2(&model.ListEnvironmentsV2Request{
				InstanceId: c.instance, Offset: &offset, Limit: &limit,
			})
			if err != nil {
				return nil, 0, err
			}
			if resp.Envs == nil {
				return nil, 0, malformed("list environments", resp.HttpStatusCode, `no "envs" list`)
			}
			envs := make([]gateway.Environment, 0, len(*resp.Envs))
			for _, e := range *resp.Envs {
				if val(e.Id) == "" {
					return nil, 0, malformed("list environments", resp.HttpStatusCode, "an environment without an id")
				}
				envs = append(envs, gateway.Environment{ID: val(e.Id), Name: val(e.Name)})
			}
			return envs, resp.Total, nil
		})
	if err != nil {
		return nil, err
	}
	return unique(envs, func(e gateway.Environment) string { return e.ID }), nil
}

// Group resolves a group by ID or by exact name.
func (c *Client) Group(ctx context.Context, ref gateway.GroupRef) (gateway.Group, error) {
	switch {
	case (ref.ID == "") == (ref.Name == ""):
		return gateway.Group{}, invalid("get API group", "a group reference needs exactly one of an ID and a name")
	case ref.ID != "":
		return c.groupByID(ctx, ref.ID)
	default:
		return c.groupByName(ctx, ref.Name)
	}
}

func (c *Client) groupByID(ctx context.Context, id string) (gateway.Group, error) {
	const op = "get API group"
	if !pathSafe(id) {
		return gateway.Group{}, notFound(op, gateway.CodeGroupNotFound, "API group %q does not exist", id)
	}
	var g gateway.Group
	err := c.call(ctx, "ShowDetailsOfApiGroupV2", op, func() error {
		resp, err := c.sdk.ShowDetailsOfApiGroupV2(&model.ShowDetailsOfApiGroupV2Request{InstanceId: c.instance, GroupId: id})
		if err != nil {
			return err
		}
		if resp.Id == "" {
			return malformed(op, resp.HttpStatusCode, "no id")
		}
		g = gateway.Group{ID: id, Name: resp.Name}
		return nil
	})
	return g, err
}

func (c *Client) groupByName(ctx context.Context, name string) (gateway.Group, error) {
	const op = "find API group"
	groups, err := collect(ctx, c, "ListApiGroupsV2", op, func(g gateway.Group) string { return g.ID },
		func(offset int64, limit int32) ([]gateway.Group, int64, error) {
			resp, err := c.sdk.ListApiGroupsV2(&model.ListApiGroupsV2Request{
				InstanceId: c.instance, Offset: &offset, Limit: &limit, Name: &name, PreciseSearch: ptr("name"),
			})
			if err != nil {
				return nil, 0, err
			}
			if resp.Groups == nil {
				return nil, 0, malformed(op, resp.HttpStatusCode, `no "groups" list`)
			}
			groups := make([]gateway.Group, 0, len(*resp.Groups))
			for _, g := range *resp.Groups {
				if g.Id == "" {
					return nil, 0, malformed(op, resp.HttpStatusCode, "an API group without an id")
				}
				groups = append(groups, gateway.Group{ID: g.Id, Name: g.Name})
			}
			return groups, resp.Total, nil
		})
	if err != nil {
		return gateway.Group{}, err
	}
	// The exact match, in case the gateway treats the name as a substring after all.
	for _, g := range groups {
		if g.Name == name {
			return g, nil
		}
	}
	return gateway.Group{}, notFound(op, gateway.CodeGroupNotFound, "API group %s does not exist", name)
}

// GroupAPIs lists the APIs of a group.
func (c *Client) GroupAPIs(ctx context.Context, groupID string) ([]gateway.API, error) {
	const op = "list APIs of group"
	if groupID == "" {
		// An empty group_id filter would list every API of the instance.
		return nil, invalid(op, "the group ID is empty")
	}
	infos, err := c.listAPIs(ctx, op, model.ListApisV2Request{GroupId: &groupID})
	if err != nil {
		return nil, err
	}
	apis := make([]gateway.API, 0, len(infos))
	for _, a := range infos {
		// The filter is checked again: acting on another group's APIs would be worse than
		// missing one.
		if a.GroupId == groupID {
			apis = append(apis, apiFromInfo(a))
		}
	}
	return apis, nil
}

// ResolveAPIs finds APIs by ID or exact name: one by one for a ref or two, otherwise through
// one listing of every API of the instance.
func (c *Client) ResolveAPIs(ctx context.Context, refs []gateway.APIRef) ([]gateway.API, []error, error) {
	apis, errs := make([]gateway.API, len(refs)), make([]error, len(refs))
	if len(refs) <= fewRefs {
		for i, ref := range refs {
			api, err := c.resolveOne(ctx, ref)
			switch {
			case err == nil:
				apis[i] = api
			case perRef(err):
				errs[i] = err
			default:
				return nil, nil, err
			}
		}
		return apis, errs, nil
	}
	const op = "resolve APIs"
	all, err := c.apis(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]gateway.API, len(all))
	byName := make(map[string][]gateway.API, len(all))
	for _, a := range all {
		byID[a.ID] = a
		byName[a.Name] = append(byName[a.Name], a)
	}
	for i, ref := range refs {
		switch {
		case (ref.ID == "") == (ref.Name == ""):
			errs[i] = invalid(op, "an API reference needs exactly one of an ID and a name")
		case ref.ID != "":
			if a, ok := byID[ref.ID]; ok {
				apis[i] = a
			} else {
				errs[i] = notFound(op, gateway.CodeAPINotFound, "API %s does not exist", ref.ID)
			}
		default:
			apis[i], errs[i] = pickByName(op, ref.Name, byName[ref.Name])
		}
	}
	return apis, errs, nil
}

// APIs lists every API of the instance.
func (c *Client) APIs(ctx context.Context) ([]gateway.API, error) {
	return c.apis(ctx, "list APIs")
}

func (c *Client) apis(ctx context.Context, op string) ([]gateway.API, error) {
	infos, err := c.listAPIs(ctx, op, model.ListApisV2Request{})
	if err != nil {
		return nil, err
	}
	apis := make([]gateway.API, len(infos))
	for i, info := range infos {
		apis[i] = apiFromInfo(info)
	}
	return apis, nil
}

// perRef reports whether an error of a single lookup belongs to its ref rather than the call.
func perRef(err error) bool {
	var r *refusedError
	return gateway.HasCode(err, gateway.CodeAPINotFound) || errors.As(err, &r)
}

func (c *Client) resolveOne(ctx context.Context, ref gateway.APIRef) (gateway.API, error) {
	switch {
	case (ref.ID == "") == (ref.Name == ""):
		return gateway.API{}, invalid("resolve APIs", "an API reference needs exactly one of an ID and a name")
	case ref.ID != "":
		return c.apiByID(ctx, ref.ID)
	}
	const op = "find API"
	infos, err := c.listAPIs(ctx, op, model.ListApisV2Request{Name: &ref.Name, PreciseSearch: ptr("name")})
	if err != nil {
		return gateway.API{}, err
	}
	var matches []gateway.API
	for _, info := range infos {
		if info.Name == ref.Name {
			matches = append(matches, apiFromInfo(info))
		}
	}
	return pickByName(op, ref.Name, matches)
}

// pickByName is the one API with the name; a name shared by APIs of different groups is an
// error, since publishing the wrong one is worse than publishing none.
func pickByName(op, name string, matches []gateway.API) (gateway.API, error) {
	switch len(matches) {
	case 0:
		return gateway.API{}, notFound(op, gateway.CodeAPINotFound, "API %s does not exist", name)
	case 1:
		return matches[0], nil
	}
	groups := make([]string, 0, len(matches))
	for _, m := range matches {
		groups = append(groups, m.GroupID)
	}
	return gateway.API{}, invalid(op, "API name %s is used by %d APIs (groups %s); refer to the API by ID",
		name, len(matches), strings.Join(groups, ", "))
}

func (c *Client) apiByID(ctx context.Context, id string) (gateway.API, error) {
	const op = "get API"
	if !pathSafe(id) {
		return gateway.API{}, notFound(op, gateway.CodeAPINotFound, "API %q does not exist", id)
	}
	var api gateway.API
	err := c.call(ctx, "ShowDetailsOfApiV2", op, func() error {
		resp, err := c.sdk.ShowDetailsOfApiV2(&model.ShowDetailsOfApiV2Request{InstanceId: c.instance, ApiId: id})
		if err != nil {
			return err
		}
		if val(resp.Id) == "" {
			return malformed(op, resp.HttpStatusCode, "no id")
		}
		api = gateway.API{ID: id, Name: resp.Name, GroupID: resp.GroupId, UpdateTime: sdkTime(resp.UpdateTime)}
		return nil
	})
	return api, err
}

// listAPIs reads every page of ListApisV2 with the filters of req.
func (c *Client) listAPIs(ctx context.Context, op string, req model.ListApisV2Request) ([]model.ApiInfoPerPage, error) {
	infos, err := collect(ctx, c, "ListApisV2", op, func(a model.ApiInfoPerPage) string { return val(a.Id) },
		func(offset int64, limit int32) ([]model.ApiInfoPerPage, int64, error) {
			page := req
			page.InstanceId, page.Offset, page.Limit = c.instance, &offset, &limit
			resp, err := c.sdk.ListApisV2(&page)
			if err != nil {
				return nil, 0, err
			}
			if resp.Apis == nil {
				return nil, 0, malformed(op, resp.HttpStatusCode, `no "apis" list`)
			}
			for _, a := range *resp.Apis {
				if val(a.Id) == "" {
					// Nothing can be said of an API without an ID; reading it as absent would
					// publish it again on every pass.
					return nil, 0, malformed(op, resp.HttpStatusCode, "an API without an id")
				}
			}
			return *resp.Apis, resp.Total, nil
		})
	if err != nil {
		return nil, err
	}
	return unique(infos, func(a model.ApiInfoPerPage) string { return val(a.Id) }), nil
}

func apiFromInfo(a model.ApiInfoPerPage) gateway.API {
	return gateway.API{ID: val(a.Id), Name: a.Name, GroupID: a.GroupId, UpdateTime: sdkTime(a.UpdateTime)}
}

// Observe reads what an environment serves, from the "|"-joined run environments of each API:
// run_env_id, publish_id and publish_time are index-aligned lists.
func (c *Client) Observe(ctx context.Context, envID string) (*gateway.Snapshot, error) {
	const op = "observe environment"
	if envID == "" {
		return nil, invalid(op, "the environment ID is empty")
	}
	// Taken before the first page: a change made while the pages are read may be missing.
	taken := time.Now()
	infos, err := c.listAPIs(ctx, op, model.ListApisV2Request{EnvId: &envID})
	if err != nil {
		return nil, err
	}
	snap := &gateway.Snapshot{EnvID: envID, Taken: taken, APIs: make(map[string]gateway.Published, len(infos))}
	for _, info := range infos {
		// An API whose publish record is unreadable is still live: it is kept with what could be
		// read, rather than failing the view of the whole environment for every object on it.
		if pub, live, _ := published(info, envID); live {
			snap.APIs[pub.API.ID] = pub
		}
	}
	return snap, nil
}

// published reads the publication of an API in envID. When the record is unreadable it says
// why, and returns the API as live with its definition time as the publish time: a zero time
// would read as "older than the definition" and publish the API again on every pass.
func published(info model.ApiInfoPerPage, envID string) (gateway.Published, bool, error) {
	envs := splitPipes(val(info.RunEnvId))
	i := slices.Index(envs, envID)
	if i < 0 {
		return gateway.Published{}, false, nil
	}
	api := apiFromInfo(info)
	publishIDs, times := splitPipes(val(info.PublishId)), splitPipes(val(info.PublishTime))
	fallback := gateway.Published{API: api, PublishTime: api.UpdateTime}
	if i >= len(publishIDs) || i >= len(times) {
		return fallback, true, fmt.Errorf(
			"API %s: run_env_id lists %d environments, but publish_id %d and publish_time %d",
			api.ID, len(envs), len(publishIDs), len(times))
	}
	at, err := parseTime(times[i])
	if err != nil {
		fallback.PublishID = publishIDs[i]
		return fallback, true, fmt.Errorf("API %s: publish_time: %w", api.ID, err)
	}
	return gateway.Published{API: api, PublishID: publishIDs[i], PublishTime: at}, true, nil
}

// liveStatus is ApiVersionResp.status of the version an environment serves (2: not served).
var liveStatus = model.GetApiVersionRespStatusEnum().E_1

// Versions lists an API's versions in an environment, newest first.
func (c *Client) Versions(ctx context.Context, apiID, envID string) ([]gateway.Version, error) {
	const op = "list API versions"
	switch {
	case envID == "":
		// Without env_id the gateway lists the versions of every environment.
		return nil, invalid(op, "the environment ID is empty")
	case !pathSafe(apiID):
		return nil, notFound(op, gateway.CodeAPINotFound, "API %q does not exist", apiID)
	}
	versions, err := collect(ctx, c, "ListApiVersionsV2", op, func(v gateway.Version) string { return v.ID },
		func(offset int64, limit int32) ([]gateway.Version, int64, error) {
			resp, err := c.sdk.ListApiVersionsV2(&model.ListApiVersionsV2Request{
				InstanceId: c.instance, ApiId: apiID, EnvId: &envID, Offset: &offset, Limit: &limit,
			})
			if err != nil {
				return nil, 0, err
			}
			if resp.ApiVersions == nil {
				return nil, 0, malformed(op, resp.HttpStatusCode, `no "api_versions" list`)
			}
			out := make([]gateway.Version, 0, len(*resp.ApiVersions))
			for _, v := range *resp.ApiVersions {
				if val(v.VersionId) == "" {
					return nil, 0, malformed(op, resp.HttpStatusCode, "a version without a version_id")
				}
				env := cmp.Or(val(v.EnvId), envID)
				if env != envID {
					continue
				}
				out = append(out, gateway.Version{
					ID: val(v.VersionId), EnvID: env, Remark: val(v.Remark), PublishTime: sdkTime(v.PublishTime),
					Live: v.Status != nil && v.Status.Value() == liveStatus.Value(),
				})
			}
			return out, resp.Total, nil
		})
	if err != nil {
		return nil, err
	}
	versions = unique(versions, func(v gateway.Version) string { return v.ID })
	// The order is not documented; the gateway's own order breaks ties.
	slices.SortStableFunc(versions, func(a, b gateway.Version) int { return b.PublishTime.Compare(a.PublishTime) })
	return versions, nil
}
