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

package dataarts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	das "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dataartsstudio/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dataartsstudio/v1/model"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/sdkclient"
)

// Client is a gateway.DataService for one DataArts cluster.
type Client struct {
	sdk       *das.DataArtsStudioClient
	cluster   string
	workspace string
	caller    *gateway.Caller
	// list bounds each listing.
	list sdkclient.ListBound
}

var _ gateway.DataService = (*Client)(nil)

// pageSize is the page size of list calls.
const pageSize = 100

// New returns a client for the cluster cfg.InstanceID of workspace cfg.Workspace.
func New(cfg gateway.Config) (*Client, error) {
	if cfg.Workspace == "" {
		return nil, fmt.Errorf("a DataArts connection needs a workspace")
	}
	hc, err := sdkclient.New(cfg, sdkclient.PageBody)
	if err != nil {
		return nil, err
	}
	return &Client{sdk: das.NewDataArtsStudioClient(hc), cluster: cfg.InstanceID, workspace: cfg.Workspace, caller: cfg.Caller,
		list: sdkclient.DefaultListBound}, nil
}

// do runs one SDK call through the gate and maps its error.
func (c *Client) do(ctx context.Context, op, what string, call func() error) error {
	return c.caller.Do(ctx, op, func() error {
		if err := call(); err != nil {
			return sdkclient.Error(what, err)
		}
		return nil
	})
}

func (c *Client) exclusive() *model.ListApisRequestDlmType {
	t := model.GetListApisRequestDlmTypeEnum().EXCLUSIVE
	return &t
}

// Probe lists one API of the workspace: it checks the endpoint, the credentials and the
// workspace at the cost of one small call.
func (c *Client) Probe(ctx context.Context) error {
	limit := int32(1)
	return c.do(ctx, "ListApis", "list DataArts APIs", func() error {
		_, err := c.sdk.ListApis(&model.ListApisRequest{Workspace: c.workspace, DlmType: c.exclusive(), Limit: &limit})
		return err
	})
}

// ResolveAPI finds an API by ID (show) or by exact name (list, filtered by name).
func (c *Client) ResolveAPI(ctx context.Context, ref gateway.APIRef) (gateway.DataAPI, error) {
	if ref.ID != "" {
		var resp *model.ShowApiResponse
		err := c.do(ctx, "ShowApi", "show DataArts API "+ref.ID, func() (err error) {
			resp, err = c.sdk.ShowApi(&model.ShowApiRequest{Workspace: c.workspace, ApiId: ref.ID})
			return err
		})
		if err != nil {
			return gateway.DataAPI{}, err
		}
		if deref(resp.Id) == "" {
			return gateway.DataAPI{}, malformed("show DataArts API "+ref.ID, resp.HttpStatusCode, "no id")
		}
		return gateway.DataAPI{ID: deref(resp.Id), Name: deref(resp.Name)}, nil
	}
	op := "list DataArts APIs named " + ref.Name
	listing, ctx, cancel := c.list.Begin(ctx, op)
	defer cancel()
	for offset := int32(0); ; offset += pageSize {
		if err := listing.Next(int(offset), 0); err != nil {
			return gateway.DataAPI{}, err
		}
		limit, off, name := int32(pageSize), offset, ref.Name
		var resp *model.ListApisResponse
		err := c.do(ctx, "ListApis", op, func() (err error) {
			resp, err = c.sdk.ListApis(&model.ListApisRequest{Workspace: c.workspace, DlmType: c.exclusive(),
				Name: &name, Limit: &limit, Offset: &off})
			return err
		})
		if err != nil {
			return gateway.DataAPI{}, listing.Err(err)
		}
		if resp.Records == nil {
			return gateway.DataAPI{}, malformed(op, resp.HttpStatusCode, `no "records" list`)
		}
		records := *resp.Records
		for _, r := range records {
			if deref(r.Name) != ref.Name { // the filter matches substrings
				continue
			}
			if deref(r.Id) == "" {
				return gateway.DataAPI{}, malformed(op, resp.HttpStatusCode, "the API has no id")
			}
			return gateway.DataAPI{ID: deref(r.Id), Name: ref.Name}, nil
		}
		if len(records) < pageSize {
			return gateway.DataAPI{}, &gateway.Error{Op: "resolve DataArts API", HTTPStatus: http.StatusBadRequest,
				Code: "DLM.4018", Message: fmt.Sprintf("API %s does not exist in workspace %s", ref.Name, c.workspace)}
		}
	}
}

// Publication reads the API's publication on this cluster.
func (c *Client) Publication(ctx context.Context, apiID string) (gateway.DataPublication, error) {
	op := "read the publication of DataArts API " + apiID
	listing, ctx, cancel := c.list.Begin(ctx, op)
	defer cancel()
	for offset := int32(0); ; offset += pageSize {
		if err := listing.Next(int(offset), 0); err != nil {
			return gateway.DataPublication{}, err
		}
		limit, off := int32(pageSize), offset
		var resp *model.SearchPublishInfoResponse
		err := c.do(ctx, "SearchPublishInfo", op, func() (err error) {
			resp, err = c.sdk.SearchPublishInfo(&model.SearchPublishInfoRequest{Workspace: c.workspace, ApiId: apiID,
				Limit: &limit, Offset: &off})
			return err
		})
		if err != nil {
			return gateway.DataPublication{}, listing.Err(err)
		}
		if resp.PublishMessages == nil {
			// Read as "never published", it would publish the API again on every pass.
			return gateway.DataPublication{}, malformed(op, resp.HttpStatusCode, `no "publish_messages" list`)
		}
		msgs := *resp.PublishMessages
		for _, m := range msgs {
			if deref(m.InstanceId) == c.cluster {
				pub := gateway.DataPublication{PublishID: deref(m.Id)}
				if m.ApiStatus != nil {
					pub.Status = m.ApiStatus.Value()
				}
				return pub, nil
			}
		}
		if len(msgs) < pageSize {
			return gateway.DataPublication{}, nil // never published on this cluster
		}
	}
}

// Publish publishes the API on the cluster (DataService side only: no APIG binding).
func (c *Client) Publish(ctx context.Context, apiID string) error {
	return c.do(ctx, "PublishApiToInstance", "publish DataArts API "+apiID, func() error {
		_, err := c.sdk.PublishApiToInstance(&model.PublishApiToInstanceRequest{Workspace: c.workspace,
			ApiId: apiID, InstanceId: c.cluster, Body: &model.GatewayDto{}})
		return err
	})
}

// Act requests UNPUBLISH, STOP or RECOVER. For UNPUBLISH and STOP, at is sent as the time the
// action takes effect, in the format the gateway documents.
func (c *Client) Act(ctx context.Context, apiID string, action gateway.DataAction, at time.Time) error {
	actions := model.GetApiActionDtoActionEnum()
	var a model.ApiActionDtoAction
	switch action {
	case gateway.DataUnpublish:
		a = actions.UNPUBLISH
	case gateway.DataStop:
		a = actions.STOP
	case gateway.DataRecover:
		a = actions.RECOVER
	default:
		return fmt.Errorf("unknown DataArts action %q", action)
	}
	body := &model.ApiActionDto{Action: &a}
	if action != gateway.DataRecover {
		t := at.UTC().Format("2006-01-02T15:04:05.000Z")
		body.Time = &t
	}
	return c.do(ctx, "ExecuteApiToInstance", fmt.Sprintf("%s DataArts API %s", action, apiID), func() error {
		_, err := c.sdk.ExecuteApiToInstance(&model.ExecuteApiToInstanceRequest{Workspace: c.workspace,
			ApiId: apiID, InstanceId: c.cluster, Body: body})
		return err
	})
}

// malformed is a successful response that lacks what the operation needs: the call is retried
// as a transient failure rather than its answer taken as an empty one.
func malformed(op string, status int, what string) *gateway.Error {
	return &gateway.Error{Op: op, HTTPStatus: status, Err: errors.New("malformed response body: " + what)}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
