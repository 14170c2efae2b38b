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
// layers above the adapters, and a server of canned bytes for the adapters' tests of malformed
// answers. Tests that need a gateway's behaviour use the simulator instead.
package gatewaytest

import (
	"context"
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
// calls, and can be slowed down or made to fail.
type Publisher struct {
	gateway.Publisher // unimplemented methods panic

	// Err, when set, is returned by every call.
	Err error

	mu    sync.Mutex
	delay time.Duration
	calls []Call
	live  map[string]map[string]bool // env → API → published
}

// SetDelay makes every later call take d.
func (p *Publisher) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

func (p *Publisher) record(c Call) error {
	p.mu.Lock()
	d := p.delay
	p.mu.Unlock()
	time.Sleep(d)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, c)
	return p.Err
}

// Calls returns the recorded calls of an operation ("" for all).
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
	if err := p.record(Call{Op: "Observe", EnvID: envID}); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &gateway.Snapshot{EnvID: envID, Taken: time.Now(), APIs: map[string]gateway.Published{}}
	for id := range p.live[envID] {
		s.APIs[id] = gateway.Published{API: gateway.API{ID: id}, PublishID: "p-" + id}
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
	if err := p.record(c); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
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
	return res, nil
}

// SwitchVersion records the switch.
func (p *Publisher) SwitchVersion(_ context.Context, apiID, versionID string) (gateway.Outcome, error) {
	if err := p.record(Call{Op: "SwitchVersion", APIIDs: []string{apiID}, Remark: versionID}); err != nil {
		return gateway.Outcome{}, err
	}
	return gateway.Outcome{APIID: apiID, VersionID: versionID}, nil
}
