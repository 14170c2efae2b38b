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
	"context"
	"errors"
	"fmt"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// Publish publishes each API in the environment, a new version each, in one batch call.
func (c *Client) Publish(ctx context.Context, envID string, apiIDs []string, remark string) (gateway.BatchResult, error) {
	return c.batch(ctx, gateway.ActionOnline, envID, apiIDs, remark)
}

// Offline takes each API offline in the environment, in one batch call. An API that is not
// published there (APIG.3015) is a success: it is already where the caller wants it.
func (c *Client) Offline(ctx context.Context, envID string, apiIDs []string) (gateway.BatchResult, error) {
	return c.batch(ctx, gateway.ActionOffline, envID, apiIDs, "")
}

func (c *Client) batch(ctx context.Context, action gateway.Action, envID string, apiIDs []string,
	remark string) (gateway.BatchResult, error) {
	op := "publish APIs"
	if action == gateway.ActionOffline {
		op = "take APIs offline"
	}
	// The gateway would act twice on a repeated ID; the result has one outcome per ID anyway.
	ids := unique(apiIDs, func(id string) string { return id })
	switch {
	case envID == "":
		return nil, invalid(op, "the environment ID is empty")
	case len(ids) > maxBatch:
		return nil, invalid(op, "%d APIs in one call; the gateway takes at most %d", len(ids), maxBatch)
	}
	result := make(gateway.BatchResult, len(ids))
	if len(ids) == 0 {
		return result, nil
	}
	if m := c.caller.Metrics; m != nil {
		m.Batch.WithLabelValues(c.caller.Gateway, string(action)).Observe(float64(len(ids)))
	}
	body := &model.ApiBatchPublish{Apis: &ids, EnvId: envID}
	if remark != "" {
		body.Remark = &remark
	}
	var resp *model.BatchPublishOrOfflineApiV2Response
	err := c.write(ctx, "BatchPublishOrOfflineApiV2", op, func() error {
		var err error
		resp, err = c.sdk.BatchPublishOrOfflineApiV2(&model.BatchPublishOrOfflineApiV2Request{
			InstanceId: c.instance, Action: string(action), Body: body,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	requested := make(map[string]bool, len(ids))
	for _, id := range ids {
		requested[id] = true
	}
	for _, s := range val(resp.Success) {
		id := val(s.ApiId)
		if !requested[id] {
			continue
		}
		out := gateway.Outcome{APIID: id, APIName: val(s.ApiName), PublishID: val(s.PublishId),
			VersionID: val(s.VersionId), PublishTime: sdkTime(s.PublishTime)}
		if action == gateway.ActionOnline && out.PublishID == "" {
			// Publishing again is safe; a publication without its record is not one to report.
			out = gateway.Outcome{APIID: id, APIName: out.APIName,
				Err: malformed(op, 0, "API %s is reported published without a publish_id", id)}
		}
		result[id] = out
	}
	for _, f := range val(resp.Failure) {
		id, code := val(f.ApiId), val(f.ErrorCode)
		if !requested[id] {
			continue
		}
		out := gateway.Outcome{APIID: id, APIName: val(f.ApiName)}
		if action != gateway.ActionOffline || code != gateway.CodePublishNotFound {
			// A failure wins over a success for the same API: doing it again is safe, and
			// believing it done is not.
			out.Err = itemError(op, code, val(f.ErrorMsg))
		}
		result[id] = out
	}
	for _, id := range ids {
		if _, ok := result[id]; !ok {
			result[id] = gateway.Outcome{APIID: id, Err: &gateway.Error{Op: op,
				Err: fmt.Errorf("the gateway did not report API %s in its batch result", id)}}
		}
	}
	return result, nil
}

// SwitchVersion makes a version the live one in its environment. On failure the Outcome
// carries the same error as the one returned.
func (c *Client) SwitchVersion(ctx context.Context, apiID, versionID string) (gateway.Outcome, error) {
	const op = "switch API version"
	fail := func(err error) (gateway.Outcome, error) {
		var gerr *gateway.Error
		errors.As(err, &gerr)
		return gateway.Outcome{APIID: apiID, VersionID: versionID, Err: gerr}, err
	}
	switch {
	case !pathSafe(apiID):
		return fail(notFound(op, gateway.CodeAPINotFound, "API %q does not exist", apiID))
	case versionID == "":
		return fail(invalid(op, "the version ID is empty"))
	}
	var out gateway.Outcome
	err := c.write(ctx, "ChangeApiVersionV2", op, func() error {
		resp, err := c.sdk.ChangeApiVersionV2(&model.ChangeApiVersionV2Request{
			InstanceId: c.instance, ApiId: apiID, Body: &model.ApiVersion{VersionId: &versionID},
		})
		if err != nil {
			return err
		}
		if val(resp.VersionId) == "" {
			return malformed(op, resp.HttpStatusCode, "no version_id")
		}
		out = gateway.Outcome{APIID: apiID, APIName: val(resp.ApiName),
			PublishID: val(resp.PublishId), VersionID: val(resp.VersionId),
			PublishTime: sdkTime(resp.PublishTime)}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}
