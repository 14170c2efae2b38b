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

// Package gatewaytest has a recording fake of gateway.Publisher for the unit tests of the
// layers above the adapters, a server of canned bytes for the adapters' tests of malformed
// answers, and a listing that never ends for their tests of bounds. Tests that need a gateway's
// behaviour use the simulator instead.
package gatewaytest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// Call is one recorded call.
type Call struct {
	Op     string
	EnvID  string
	APIIDs []string
	Remark string
}

// Publisher is a fake gateway.Publisher: it publishes everything it is asked to, records the
// calls, and can hold its answers or fail.
type Publisher struct {
	gateway.Publisher // unimplemented methods panic

	// Err, when set, is returned by every call.
	Err error

	mu      sync.Mutex
	hold    *hold
	calls   []Call
	arrived []arrival
	live    map[string]map[string]bool // env → API → published
}

// hold is what the calls of its operations that arrive while it is in place wait for.
type hold struct {
	ops      []string // all when empty
	released chan struct{}
}

// arrival is a channel to close once n calls of op have arrived.
type arrival struct {
	op   string
	n    int
	done chan struct{}
}

// Hold makes the calls of the operations named (of every operation when none is) that arrive
// from now on wait until release is called, as the calls to a slow gateway do. A held call has
// done its work when it arrives: a held Observe answers what was there then, a held Publish
// has published. A later Hold takes over the calls that arrive after it; those already held
// keep waiting for their own release. release may be called more than once.
func (p *Publisher) Hold(ops ...string) (release func()) {
	h := &hold{ops: ops, released: make(chan struct{})}
	p.mu.Lock()
	p.hold = h
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			if p.hold == h {
				p.hold = nil
			}
			p.mu.Unlock()
			close(h.released)
		})
	}
}

// Arrived returns a channel that is closed once n calls of op ("" for any) have arrived,
// held or not.
func (p *Publisher) Arrived(op string, n int) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := arrival{op: op, n: n, done: make(chan struct{})}
	if p.countLocked(op) >= n {
		close(a.done)
	} else {
		p.arrived = append(p.arrived, a)
	}
	return a.done
}

// arriveLocked records a call and returns what it must wait for before it answers; p.mu is held.
func (p *Publisher) arriveLocked(c Call) <-chan struct{} {
	p.calls = append(p.calls, c)
	waiting := p.arrived[:0]
	for _, a := range p.arrived {
		if p.countLocked(a.op) >= a.n {
			close(a.done)
		} else {
			waiting = append(waiting, a)
		}
	}
	p.arrived = waiting
	if h := p.hold; h != nil && (len(h.ops) == 0 || slices.Contains(h.ops, c.Op)) {
		return h.released
	}
	return nil
}

func (p *Publisher) countLocked(op string) int {
	n := 0
	for _, c := range p.calls {
		if op == "" || c.Op == op {
			n++
		}
	}
	return n
}

// wait blocks while the call is held.
func wait(held <-chan struct{}) {
	if held != nil {
		<-held
	}
}

// Calls returns the recorded calls of an operation ("" for all), held ones included.
func (p *Publisher) Calls(op string) []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Call
	for _, c := range p.calls {
		if op == "" || c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// Observe returns the APIs published through the fake.
func (p *Publisher) Observe(_ context.Context, envID string) (*gateway.Snapshot, error) {
	p.mu.Lock()
	held, err := p.arriveLocked(Call{Op: "Observe", EnvID: envID}), p.Err
	s := &gateway.Snapshot{EnvID: envID, Taken: time.Now(), APIs: map[string]gateway.Published{}}
	for id := range p.live[envID] {
		s.APIs[id] = gateway.Published{API: gateway.API{ID: id}, PublishID: "p-" + id}
	}
	p.mu.Unlock()
	wait(held)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Publish marks the APIs published.
func (p *Publisher) Publish(_ context.Context, envID string, apiIDs []string, remark string) (gateway.BatchResult, error) {
	return p.batch(Call{Op: "Publish", EnvID: envID, APIIDs: apiIDs, Remark: remark}, true)
}

// Offline marks the APIs offline.
func (p *Publisher) Offline(_ context.Context, envID string, apiIDs []string) (gateway.BatchResult, error) {
	return p.batch(Call{Op: "Offline", EnvID: envID, APIIDs: apiIDs}, false)
}

func (p *Publisher) batch(c Call, online bool) (gateway.BatchResult, error) {
	p.mu.Lock()
	held, err := p.arriveLocked(c), p.Err
	var res gateway.BatchResult
	if err == nil {
		res = p.applyLocked(c, online)
	}
	p.mu.Unlock()
	wait(held)
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (p *Publisher) applyLocked(c Call, online bool) gateway.BatchResult {
	if p.live == nil {
		p.live = map[string]map[string]bool{}
	}
	if p.live[c.EnvID] == nil {
		p.live[c.EnvID] = map[string]bool{}
	}
	res := gateway.BatchResult{}
	for _, id := range c.APIIDs {
		p.live[c.EnvID][id] = online
		if !online {
			delete(p.live[c.EnvID], id)
		}
		res[id] = gateway.Outcome{APIID: id, PublishID: "p-" + id}
	}
	return res
}

// SwitchVersion records the switch.
func (p *Publisher) SwitchVersion(_ context.Context, apiID, versionID string) (gateway.Outcome, error) {
	p.mu.Lock()
	held, err := p.arriveLocked(Call{Op: "SwitchVersion", APIIDs: []string{apiID}, Remark: versionID}), p.Err
	p.mu.Unlock()
	wait(held)
	if err != nil {
		return gateway.Outcome{}, err
	}
	return gateway.Outcome{APIID: apiID, VersionID: versionID}, nil
}
