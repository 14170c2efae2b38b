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
	"regexp"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdktime"
	apigv2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/sdkclient"
)

const (
	// pageLimit is the largest page the gateway serves.
	pageLimit int32 = 500
	// minPageLimit is the smallest page a listing asks for when its pages exceed the body bound:
	// ten APIs with the largest texts the gateway allows (three samples of 20,480 characters, of
	// up to 3 bytes each) fit in sdkclient.PageBody.
	minPageLimit int32 = 10
	// maxRestarts is how many times a listing that changed while it was read is read again.
	maxRestarts = 3
	// maxBatch is the most API IDs the batch endpoint takes in one call.
	maxBatch = 1000
)

// Client is the Publisher of one APIG instance. It is safe for concurrent use: the SDK client
// holds no per-call state.
type Client struct {
	sdk *apigv2.ApigClient
	// export reads export tasks, whose answer holds the whole document: a larger body bound.
	export   *apigv2.ApigClient
	instance string
	caller   *gateway.Caller
	// list bounds each listing.
	list sdkclient.ListBound
}

var _ gateway.Publisher = (*Client)(nil)

// New connects to the APIG instance cfg.InstanceID at cfg.Endpoint. It makes no call: use
// Environments to probe the connection.
func New(cfg gateway.Config) (*Client, error) {
	if cfg.Caller == nil || cfg.Caller.Gate == nil {
		return nil, errors.New("apig: a Caller with a Gate is required")
	}
	if !pathSafe(cfg.InstanceID) {
		return nil, fmt.Errorf("apig: instance ID %q is not a gateway ID", cfg.InstanceID)
	}
	hc, err := sdkclient.New(cfg, sdkclient.PageBody)
	if err != nil {
		return nil, err
	}
	exp, err := sdkclient.New(cfg, sdkclient.ExportBody)
	if err != nil {
		return nil, err
	}
	return &Client{sdk: apigv2.NewApigClient(hc), export: apigv2.NewApigClient(exp), instance: cfg.InstanceID,
		caller: cfg.Caller, list: sdkclient.DefaultListBound}, nil
}

// call runs one SDK call through the gate under the SDK method's name, and maps its error to a
// *gateway.Error named op.
func (c *Client) call(ctx context.Context, sdkOp, op string, fn func() error) error {
	return c.run(ctx, c.caller.Do, sdkOp, op, fn)
}

// write is call for a call that changes what the instance publishes: one at a time per
// instance.
func (c *Client) write(ctx context.Context, sdkOp, op string, fn func() error) error {
	return c.run(ctx, c.caller.DoWrite, sdkOp, op, fn)
}

func (c *Client) run(ctx context.Context, do func(context.Context, string, func() error) error, sdkOp, op string,
	fn func() error) error {
	err := do(ctx, sdkOp, func() error {
		if err := fn(); err != nil {
			return sdkclient.Error(op, err)
		}
		return nil
	})
	var gerr *gateway.Error
	if errors.As(err, &gerr) && gerr.Op == sdkOp {
		// Caller.Do names a failure at the gate (a cancelled context) after the metrics label.
		renamed := *gerr
		renamed.Op = op
		return &renamed
	}
	return err
}

// collect reads every page of a listing. page fetches up to limit items from offset on and
// returns them with the gateway's total; key identifies an item. Pages are read by offset, so an
// item that leaves or joins the listing before the offset while the pages are read shifts the
// later items: one live all along would be skipped and look offline, and be published again or
// left online by a deletion. So each page after the first starts one item early, at the item
// read last: finding another one there, a total that moved, or a page that ends too early says
// the listing changed, and it is read again from the start.
//
// A listing is bounded in items and time (c.list), and each page by the body bound: a page
// beyond it is asked for again in halves, down to minPageLimit, since APIs may carry texts of
// tens of kilobytes each; the pages after it keep the smaller size.
func collect[T any](ctx context.Context, c *Client, sdkOp, op string, key func(T) string,
	page func(offset int64, limit int32) ([]T, int64, error)) ([]T, error) {
	listing, ctx, cancel := c.list.Begin(ctx, op)
	defer cancel()
	var all []T
	var first int64
	restarts := 0
	limit := pageLimit
	for {
		if err := listing.Next(len(all), first); err != nil {
			return nil, err
		}
		offset := int64(len(all))
		if offset > 0 {
			offset-- // the overlap
		}
		var items []T
		var total int64
		err := c.call(ctx, sdkOp, op, func() error {
			var err error
			items, total, err = page(offset, limit)
			return err
		})
		if sdkclient.IsTooLarge(err) && limit > minPageLimit {
			limit = max(limit/2, minPageLimit)
			continue
		}
		if err != nil {
			if limit < pageLimit {
				err = fewer(err, limit)
			}
			return nil, listing.Err(err)
		}
		changed := false
		if len(all) == 0 {
			first = total
			changed = len(items) == 0 && total > 0
		} else {
			changed = total != first || len(items) == 0 || key(items[0]) != key(all[len(all)-1])
			if !changed {
				items = items[1:]
				changed = len(items) == 0 && int64(len(all)) < total
			}
		}
		if changed {
			if restarts++; restarts > maxRestarts {
				return nil, &gateway.Error{Op: op, Err: fmt.Errorf(
					"the listing kept changing while it was read (%d times); it is read again on the next pass", restarts)}
			}
			all = nil
			continue
		}
		all = append(all, items...)
		if len(items) == 0 || int64(len(all)) >= total {
			return all, nil
		}
	}
}

// fewer says, of a page too large even at limit items, that smaller pages did not help.
func fewer(err error, limit int32) error {
	var gerr *gateway.Error
	if !sdkclient.IsTooLarge(err) || !errors.As(err, &gerr) {
		return err
	}
	e := *gerr
	e.Err = fmt.Errorf("%w, even in pages of %d items", gerr.Err, limit)
	return &e
}

// unique keeps the first item of each key: a listing paged while the gateway changes can
// repeat an item across pages.
func unique[T any](items []T, key func(T) string) []T {
	seen := make(map[string]bool, len(items))
	out := items[:0:0]
	for _, it := range items {
		if k := key(it); !seen[k] {
			seen[k] = true
			out = append(out, it)
		}
	}
	return out
}

// refusedError is the cause of a request refused before it reached the gateway.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// invalid is a request refused before it reached the gateway.
func invalid(op, format string, args ...any) *gateway.Error {
	return &gateway.Error{Op: op, Err: &refusedError{msg: fmt.Sprintf(format, args...)}}
}

// notFound is the gateway's not-found error for something a listing did not return.
func notFound(op, code, format string, args ...any) *gateway.Error {
	return &gateway.Error{Op: op, HTTPStatus: 404, Code: code, Message: fmt.Sprintf(format, args...)}
}

// itemError is a per-API failure reported inside a successful response.
func itemError(op, code, msg string) *gateway.Error {
	code, msg = sdkclient.Text(code, 100), sdkclient.Text(msg, maxText)
	e := &gateway.Error{Op: op, Code: code, Message: msg}
	switch {
	case code == "" && msg == "":
		e.Err = errors.New("the gateway reported a failure without a reason")
	case code == "":
		// gateway.Error shows Message only next to a Code.
		e.Err = errors.New(msg)
	}
	return e
}

// gatewayID matches what may go into a URL path: gateway IDs are 32 hexadecimal characters,
// and anything with a slash or a dot could address another resource.
var gatewayID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func pathSafe(id string) bool { return gatewayID.MatchString(id) }

func ptr[T any](v T) *T { return &v }

func val[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func sdkTime(t *sdktime.SdkTime) time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Time(*t)
}

// parseTime reads the gateway's time strings: RFC 3339 with or without a fraction, or, as
// some responses have them, without a zone (UTC).
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", snippet(s))
}

// splitPipes splits the gateway's "|"-joined lists; an empty string is an empty list.
func splitPipes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// snippet is the start of gateway text quoted in a message: one line, at most 200 bytes.
func snippet(s string) string { return sdkclient.Text(s, 200) }

// maxText bounds a message the gateway wrote into a successful response (a per-API failure).
const maxText = 1000

// malformed is a successful response that lacks what the operation needs: the call is retried
// as a transient failure rather than its answer taken as an empty one.
func malformed(op string, status int, format string, args ...any) *gateway.Error {
	return &gateway.Error{Op: op, HTTPStatus: status, Err: fmt.Errorf("malformed response body: "+format, args...)}
}
