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
	"maps"
	"slices"
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

	// lag is how long the gateway may take to show a write in its reads; writes and switches
	// are what the writes of the last lag answered, which outrank a read that old.
	lag time.Duration
	// started is when this process began acting on the gateway (default: when the cache was
	// made): writes of another process before it (the manager before a restart) may not show
	// in reads until one lag later, and are not overlaid.
	started  time.Time
	writes   map[string]map[string]written
	switches map[string]switched
}

// DefaultReadLag is how long a change may take to show in the gateway's reads: 5 to 10
// seconds on Huawei Cloud APIG.
const DefaultReadLag = 10 * time.Second

// written is what a write answered for one API in one environment.
type written struct {
	at        time.Time
	published bool
	live      gateway.Published
}

// switched is the version a switch made live.
type switched struct {
	at      time.Time
	version string
}

// catalog is a listing of the instance's APIs by ID and by name.
type catalog struct {
	taken  time.Time
	byID   map[string]gateway.API
	byName map[string][]gateway.API
}

// New wraps inner; snapshots are reused while younger than maxAge.
func New(inner gateway.Publisher, maxAge time.Duration, opts ...Option) *Cache {
	c := &Cache{Publisher: inner, maxAge: maxAge, now: time.Now, lag: DefaultReadLag,
		snaps: map[string]*gateway.Snapshot{}, gen: map[string]uint64{},
		writes: map[string]map[string]written{}, switches: map[string]switched{}}
	for _, o := range opts {
		o(c)
	}
	if c.started.IsZero() {
		c.started = c.now()
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

// WithReadLag sets how long the gateway may take to show a write in its reads (default
// DefaultReadLag); 0 trusts every read.
func WithReadLag(lag time.Duration) Option {
	return func(c *Cache) { c.lag = lag }
}

// WithStart sets when this process began acting on the gateway (default: when the cache is
// made). A connection made later than that, for a gateway added since, still misses nothing.
func WithStart(t time.Time) Option {
	return func(c *Cache) { c.started = t }
}

// Observe returns what the environment serves, read at most maxAge ago. What a write of the
// last read lag answered outranks the read: a read right after a publish may still show the
// API offline, and trusting it would publish it again, a new version each time. A read taken
// within the lag of the cache's start may miss writes made before (MissesBefore), and is
// read again once the lag has passed.
func (c *Cache) Observe(ctx context.Context, envID string) (*gateway.Snapshot, error) {
	c.mu.Lock()
	if s := c.snaps[envID]; s != nil && c.fresh(s) {
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
		snap = c.overlay(snap)
		if !snap.Taken.IsZero() && !c.complete(snap.Taken) {
			snap.MissesBefore = c.started
		}
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

// fresh reports whether s is served again: younger than maxAge, and not a read that may miss
// writes from before the start when a read now would not. Called with c.mu held.
func (c *Cache) fresh(s *gateway.Snapshot) bool {
	now := c.now()
	return now.Sub(s.Taken) < c.maxAge && (s.MissesBefore.IsZero() || !c.complete(now))
}

// complete reports whether a read taken at t shows every write made before the cache started.
func (c *Cache) complete(t time.Time) bool {
	return c.lag <= 0 || !t.Before(c.started.Add(c.lag))
}

// overlay returns snap with what the writes of the environment answered after snap.Taken
// minus the lag, which the read may not show yet; entries older than the lag are dropped.
// Called with c.mu held.
func (c *Cache) overlay(snap *gateway.Snapshot) *gateway.Snapshot {
	w := c.writes[snap.EnvID]
	if len(w) == 0 {
		return snap
	}
	now, taken := c.now(), snap.Taken
	if taken.IsZero() {
		taken = now
	}
	var out *gateway.Snapshot
	for id, wr := range w {
		if now.Sub(wr.at) > c.lag {
			delete(w, id)
			continue
		}
		if !wr.at.After(taken.Add(-c.lag)) {
			continue
		}
		if out == nil {
			out = &gateway.Snapshot{EnvID: snap.EnvID, Taken: snap.Taken, APIs: maps.Clone(snap.APIs)}
		}
		if !wr.published {
			delete(out.APIs, id)
			continue
		}
		live := wr.live
		if seen, ok := out.APIs[id]; ok {
			live.API = seen.API // the definition as listed; the write's answer has no more
		}
		out.APIs[id] = live
	}
	if len(w) == 0 {
		delete(c.writes, snap.EnvID)
	}
	if out == nil {
		return snap
	}
	return out
}

// remember records what a batch write answered for each API it changed.
func (c *Cache) remember(envID string, res gateway.BatchResult, published bool) {
	if c.lag <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for id, o := range res {
		if o.Err != nil {
			continue
		}
		if c.writes[envID] == nil {
			c.writes[envID] = map[string]written{}
		}
		wr := written{at: now, published: published}
		if published {
			wr.live = gateway.Published{API: gateway.API{ID: id, Name: o.APIName}, PublishID: o.PublishID, PublishTime: o.PublishTime}
		}
		c.writes[envID][id] = wr
	}
}

// Versions lists an API's versions in an environment; a version a switch of the last read lag
// made live is shown live, whatever the read says.
func (c *Cache) Versions(ctx context.Context, apiID, envID string) ([]gateway.Version, error) {
	versions, err := c.Publisher.Versions(ctx, apiID, envID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	sw, ok := c.switches[apiID]
	if ok && c.now().Sub(sw.at) > c.lag {
		delete(c.switches, apiID)
		ok = false
	}
	c.mu.Unlock()
	if !ok || !slices.ContainsFunc(versions, func(v gateway.Version) bool { return v.ID == sw.version }) {
		return versions, nil
	}
	out := slices.Clone(versions)
	for i := range out {
		out[i].Live = out[i].ID == sw.version
	}
	return out, nil
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
	c.remember(envID, res, true)
	c.invalidateAfter(envID, res, err)
	return res, err
}

// Offline takes APIs offline through the wrapped Publisher and invalidates the environment,
// unless the call changed nothing.
func (c *Cache) Offline(ctx context.Context, envID string, apiIDs []string) (gateway.BatchResult, error) {
	res, err := c.Publisher.Offline(ctx, envID, apiIDs)
	c.remember(envID, res, false)
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
	out, err := c.Publisher.SwitchVersion(ctx, apiID, versionID)
	if err == nil && c.lag > 0 {
		c.mu.Lock()
		c.switches[apiID] = switched{at: c.now(), version: versionID}
		c.mu.Unlock()
	}
	return out, err
}
