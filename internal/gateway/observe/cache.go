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
	// catalog is every API of the instance, for ResolveAPIs.
	catalog *catalog
}

// catalog is a listing of the instance's APIs by ID and by name.
type catalog struct {
	taken  time.Time
	byID   map[string]gateway.API
	byName map[string][]gateway.API
}

// New wraps inner; snapshots are reused while younger than maxAge.
func New(inner gateway.Publisher, maxAge time.Duration, opts ...Option) *Cache {
	c := &Cache{Publisher: inner, maxAge: maxAge, now: time.Now,
		snaps: map[string]*gateway.Snapshot{}, gen: map[string]uint64{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Option changes how New makes a Cache.
type Option func(*Cache)

// WithClock makes the Cache tell the age of its snapshots by now instead of time.Now, so a
// test can move to the next observe interval without waiting for it.
func WithClock(now func() time.Time) Option {
	return func(c *Cache) { c.now = now }
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

// ResolveAPIs resolves references against one shared listing of the instance's APIs, read at
// most maxAge ago: five hundred objects that name an API each make one listing, not five
// hundred lookups. A reference the listing does not settle (an API created since, a name
// two APIs share, a reference with both or neither of ID and name) goes to the wrapped
// Publisher, which looks it up or says what is wrong with it.
func (c *Cache) ResolveAPIs(ctx context.Context, refs []gateway.APIRef) ([]gateway.API, []error, error) {
	cat, err := c.apiCatalog(ctx)
	if err != nil {
		return nil, nil, err
	}
	apis, errs := make([]gateway.API, len(refs)), make([]error, len(refs))
	var rest []int
	for i, ref := range refs {
		var found []gateway.API
		switch {
		case ref.ID != "" && ref.Name == "":
			if a, ok := cat.byID[ref.ID]; ok {
				found = []gateway.API{a}
			}
		case ref.Name != "" && ref.ID == "":
			found = cat.byName[ref.Name]
		}
		if len(found) == 1 {
			apis[i] = found[0]
		} else {
			rest = append(rest, i)
		}
	}
	if len(rest) == 0 {
		return apis, errs, nil
	}
	restRefs := make([]gateway.APIRef, len(rest))
	for j, i := range rest {
		restRefs[j] = refs[i]
	}
	more, moreErrs, err := c.Publisher.ResolveAPIs(ctx, restRefs)
	if err != nil {
		return nil, nil, err
	}
	for j, i := range rest {
		apis[i], errs[i] = more[j], moreErrs[j]
	}
	return apis, errs, nil
}

func (c *Cache) apiCatalog(ctx context.Context) (*catalog, error) {
	c.mu.Lock()
	if cat := c.catalog; cat != nil && c.now().Sub(cat.taken) < c.maxAge {
		c.mu.Unlock()
		return cat, nil
	}
	c.mu.Unlock()
	v, err, _ := c.flights.Do("catalog", func() (any, error) {
		taken := c.now()
		list, err := c.APIs(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		cat := &catalog{taken: taken, byID: make(map[string]gateway.API, len(list)),
			byName: make(map[string][]gateway.API, len(list))}
		for _, a := range list {
			cat.byID[a.ID] = a
			cat.byName[a.Name] = append(cat.byName[a.Name], a)
		}
		c.mu.Lock()
		c.catalog = cat
		c.mu.Unlock()
		return cat, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*catalog), nil
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
