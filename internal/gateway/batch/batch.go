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

package batch

import (
	"context"
	"slices"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// callTimeout bounds one batch call, which serves callers whose contexts differ.
const callTimeout = 2 * time.Minute

// Coalescer merges publish and offline requests of one gateway.
type Coalescer struct {
	inner   gateway.Publisher
	window  time.Duration
	spacing time.Duration
	maxSize int
	// clock times the windows and the spacing; tests move a fake one.
	clock clock.WithDelayedExecution

	mu      sync.Mutex
	pending map[key]*batch
	// inFlight allows one call per key at a time. A batch waiting for its turn stays open,
	// so under a slow or rate-limited gateway batches grow instead of queueing up small.
	inFlight map[key]chan struct{}
	// lastSent is when each key's last call started.
	lastSent map[key]time.Time
}

type key struct {
	envID  string
	action gateway.Action
	remark string
}

// batch is one call in the making: the APIs it will carry, and, once done is closed, its
// result.
type batch struct {
	ids    []string
	seen   map[string]bool
	timer  clock.Timer
	done   chan struct{}
	result gateway.BatchResult
	err    error
}

// New returns a coalescer calling inner's Publish and Offline. window is how long a batch
// waits for more requests; spacing is the least time between two calls of the same
// (environment, action, remark): a lone change goes out after window, but during a rollout a
// rate-limited gateway sees one large call per spacing instead of many small ones; maxSize caps
// a call's APIs (the gateway's limit is 1000).
func New(inner gateway.Publisher, window, spacing time.Duration, maxSize int) *Coalescer {
	return &Coalescer{inner: inner, window: window, spacing: spacing, maxSize: min(max(1, maxSize), 1000),
		clock: clock.RealClock{}, pending: map[key]*batch{}, inFlight: map[key]chan struct{}{}, lastSent: map[key]time.Time{}}
}

// Publish publishes the APIs in the environment through the next batch call(s).
func (c *Coalescer) Publish(ctx context.Context, envID string, apiIDs []string, remark string) (gateway.BatchResult, error) {
	return c.do(ctx, key{envID, gateway.ActionOnline, remark}, apiIDs)
}

// Offline takes the APIs offline in the environment through the next batch call(s).
func (c *Coalescer) Offline(ctx context.Context, envID string, apiIDs []string) (gateway.BatchResult, error) {
	return c.do(ctx, key{envID, gateway.ActionOffline, ""}, apiIDs)
}

func (c *Coalescer) do(ctx context.Context, k key, ids []string) (gateway.BatchResult, error) {
	// Enqueue every ID, remembering which batches carry this caller's APIs.
	type part struct {
		b   *batch
		ids []string
	}
	var parts []part
	c.mu.Lock()
	for _, id := range ids {
		b := c.pending[k]
		if b == nil {
			b = &batch{seen: map[string]bool{}, done: make(chan struct{})}
			c.pending[k] = b
			b.timer = c.clock.AfterFunc(c.window, func() { c.flush(k, b) })
		}
		if !b.seen[id] {
			b.seen[id] = true
			b.ids = append(b.ids, id)
		}
		if len(parts) == 0 || parts[len(parts)-1].b != b {
			parts = append(parts, part{b: b})
		}
		parts[len(parts)-1].ids = append(parts[len(parts)-1].ids, id)
		if len(b.ids) >= c.maxSize {
			// Full: close it now rather than at the end of the window.
			b.timer.Stop()
			delete(c.pending, k)
			go c.sendInTurn(k, b, false)
		}
	}
	c.mu.Unlock()

	result := make(gateway.BatchResult, len(ids))
	for _, p := range parts {
		select {
		case <-p.b.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if p.b.err != nil {
			return nil, p.b.err
		}
		for _, id := range p.ids {
			result[id] = p.b.result[id]
		}
	}
	return result, nil
}

// flush sends a batch whose window ended, unless it was already closed because it filled up,
// or the key's previous call was less than spacing ago: then it keeps collecting until then.
func (c *Coalescer) flush(k key, b *batch) {
	c.mu.Lock()
	open := c.pending[k] == b
	if open {
		if wait := c.spacing - c.clock.Since(c.lastSent[k]); wait > 0 {
			b.timer.Reset(wait)
			c.mu.Unlock()
			return
		}
	}
	c.mu.Unlock()
	if open {
		c.sendInTurn(k, b, true)
	}
}

// sendInTurn waits until no other call of the key is in flight, then sends b. An open batch
// keeps taking requests while it waits and is closed only when its turn comes.
func (c *Coalescer) sendInTurn(k key, b *batch, open bool) {
	c.mu.Lock()
	turn := c.inFlight[k]
	if turn == nil {
		turn = make(chan struct{}, 1)
		c.inFlight[k] = turn
	}
	c.mu.Unlock()
	turn <- struct{}{}
	defer func() { <-turn }()
	c.mu.Lock()
	if open {
		if c.pending[k] != b { // it filled up meanwhile and was sent as full
			c.mu.Unlock()
			return
		}
		delete(c.pending, k)
	}
	c.lastSent[k] = c.clock.Now()
	c.mu.Unlock()
	c.send(k, b)
}

func (c *Coalescer) send(k key, b *batch) {
	defer close(b.done)
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	ids := slices.Clone(b.ids)
	if k.action == gateway.ActionOffline {
		b.result, b.err = c.inner.Offline(ctx, k.envID, ids)
	} else {
		b.result, b.err = c.inner.Publish(ctx, k.envID, ids, k.remark)
	}
}

// Publisher is a gateway.Publisher whose Publish and Offline go through a Coalescer.
type Publisher struct {
	gateway.Publisher
	coalescer *Coalescer
}

// Wrap returns inner with Publish and Offline coalesced (see New).
func Wrap(inner gateway.Publisher, window, spacing time.Duration, maxSize int) *Publisher {
	return &Publisher{Publisher: inner, coalescer: New(inner, window, spacing, maxSize)}
}

// Publish publishes through the next batch call(s).
func (p *Publisher) Publish(ctx context.Context, envID string, apiIDs []string, remark string) (gateway.BatchResult, error) {
	return p.coalescer.Publish(ctx, envID, apiIDs, remark)
}

// Offline takes APIs offline through the next batch call(s).
func (p *Publisher) Offline(ctx context.Context, envID string, apiIDs []string) (gateway.BatchResult, error) {
	return p.coalescer.Offline(ctx, envID, apiIDs)
}
