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

package observe

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// Cache wraps a Publisher: Observe is served from shared snapshots, and every write through it
// invalidates the snapshots it may have changed.
type Cache struct {
	gateway.Publisher
	maxAge time.Duration
	now    func() time.Time

	flights singleflight.Group
	mu      sync.Mutex
	snaps   map[string]*gateway.Snapshot
	// gen counts invalidations per environment, and all those of every environment. A read
	// that started before an invalidation is neither cached nor shared with callers who
	// arrive after it.
	gen map[string]uint64
	all uint64
}

// New wraps inner; snapshots are reused while younger than maxAge.
func New(inner gateway.Publisher, maxAge time.Duration) *Cache {
	return &Cache{Publisher: inner, maxAge: maxAge, now: time.Now,
		snaps: map[string]*gateway.Snapshot{}, gen: map[string]uint64{}}
}

// Observe returns what the environment serves, read at most maxAge ago.
func (c *Cache) Observe(ctx context.Context, envID string) (*gateway.Snapshot, error) {
	c.mu.Lock()
	if s := c.snaps[envID]; s != nil && c.now().Sub(s.Taken) < c.maxAge {
		c.mu.Unlock()
		return s, nil
	}
	gen, all := c.gen[envID], c.all
	c.mu.Unlock()

	flight := envID + "/" + strconv.FormatUint(all, 10) + "/" + strconv.FormatUint(gen, 10)
	v, err, _ := c.flights.Do(flight, func() (any, error) {
		// The flight serves every caller who joins it, so one caller's cancellation must not
		// fail the others.
		snap, err := c.Publisher.Observe(context.WithoutCancel(ctx), envID)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.gen[envID] == gen && c.all == all {
			c.snaps[envID] = snap
		}
		c.mu.Unlock()
		return snap, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*gateway.Snapshot), nil
}

// Invalidate drops the snapshot of an environment; an empty envID drops them all.
func (c *Cache) Invalidate(envID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if envID == "" {
		c.all++
		clear(c.snaps)
		return
	}
	c.gen[envID]++
	delete(c.snaps, envID)
}

// Publish publishes through the wrapped Publisher and invalidates the environment, unless
// the call changed nothing (every API failed).
func (c *Cache) Publish(ctx context.Context, envID string, apiIDs []string, remark string) (gateway.BatchResult, error) {
	res, err := c.Publisher.Publish(ctx, envID, apiIDs, remark)
	c.invalidateAfter(envID, res, err)
	return res, err
}

// Offline takes APIs offline through the wrapped Publisher and invalidates the environment,
// unless the call changed nothing.
func (c *Cache) Offline(ctx context.Context, envID string, apiIDs []string) (gateway.BatchResult, error) {
	res, err := c.Publisher.Offline(ctx, envID, apiIDs)
	c.invalidateAfter(envID, res, err)
	return res, err
}

// invalidateAfter drops the environment's snapshot after a write that may have changed it: one
// that failed as a whole (it may have landed), or succeeded for at least one API, or whose
// answer for an API was not the gateway's refusal, a code, but unreadable or missing.
func (c *Cache) invalidateAfter(envID string, res gateway.BatchResult, err error) {
	changed := err != nil
	for _, o := range res {
		changed = changed || o.Err == nil || o.Err.Code == ""
	}
	if changed {
		c.Invalidate(envID)
	}
}

// SwitchVersion switches through the wrapped Publisher; the version's environment is not
// known here, so every snapshot is invalidated.
func (c *Cache) SwitchVersion(ctx context.Context, apiID, versionID string) (gateway.Outcome, error) {
	defer c.Invalidate("")
	return c.Publisher.SwitchVersion(ctx, apiID, versionID)
}
