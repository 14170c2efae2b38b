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

package gateway

import (
	"sync"
	"time"
)

// Conn is one gateway connection as the controllers use it: Publisher for an APIG instance
// (with batching and shared observation), or DataService for a DataArts cluster.
type Conn struct {
	// Name is the ApiGateway's namespace/name.
	Name string
	// Fingerprint identifies the inputs the connection was built from (the ApiGateway's
	// generation and the resource versions of its Secret and CA bundle); a change means
	// rebuild.
	Fingerprint string
	// Generation is the ApiGateway generation the connection was built for.
	Generation int64
	// ObserveInterval is how stale a read of the gateway may be.
	ObserveInterval time.Duration

	Publisher   Publisher
	DataService DataService
	Gate        *Gate
}

// Registry keeps one connection per ApiGateway, shared by every controller.
type Registry struct {
	mu    sync.RWMutex
	conns map[string]*Conn
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{conns: map[string]*Conn{}} }

// Get returns the connection of an ApiGateway (namespace/name), if one was built.
func (r *Registry) Get(name string) (*Conn, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.conns[name]
	return c, ok
}

// Put stores a connection, replacing the previous one of the same ApiGateway. Callers holding
// the previous one finish their calls on it.
func (r *Registry) Put(c *Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns[c.Name] = c
}

// Delete forgets the connection of an ApiGateway.
func (r *Registry) Delete(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, name)
}
