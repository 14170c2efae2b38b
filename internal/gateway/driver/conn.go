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

package driver

import (
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/apig"
	"github.com/apig-operator/apig-operator/internal/gateway/batch"
	"github.com/apig-operator/apig-operator/internal/gateway/dataarts"
	"github.com/apig-operator/apig-operator/internal/gateway/observe"
)

// Conn is the connection of one gateway object: its driver and the gate every call passes.
type Conn struct {
	// Name is the gateway object's namespace/name.
	Name string
	// Fingerprint identifies the inputs the connection was built from (the object's
	// generation and the resource versions of its Secret and CA bundle); a change means
	// rebuild.
	Fingerprint string
	// Generation is the object generation the connection was built for.
	Generation int64
	// ObserveInterval is how stale a read of the gateway may be.
	ObserveInterval time.Duration
	Driver          Driver
	Gate            *gateway.Gate
}

// Options are how a connection batches and paces its calls.
type Options struct {
	Provider        Provider
	ObserveInterval time.Duration
	QPS             float64
	Burst           int
	// BatchWindow, BatchSpacing and BatchMaxSize configure the batcher (APIG).
	BatchWindow  time.Duration
	BatchSpacing time.Duration
	BatchMaxSize int
	Metrics      *gateway.Metrics
	// Started is when this manager began acting on gateways: reads within ReadLag of it may
	// miss what the manager before it wrote. Zero: when the connection is opened.
	Started time.Time
}

// Open builds the connection of one gateway: the provider's adapter behind a gate of its own,
// with the shared observation cache and the batcher for APIG. cfg.Caller is set here.
func Open(name, fingerprint string, generation int64, cfg gateway.Config, opts Options) (*Conn, error) {
	conn := &Conn{Name: name, Fingerprint: fingerprint, Generation: generation,
		ObserveInterval: opts.ObserveInterval, Gate: gateway.NewGate(opts.QPS, opts.Burst)}
	cfg.Name = name
	cfg.Caller = &gateway.Caller{Gateway: name, Gate: conn.Gate, Metrics: opts.Metrics, ThrottleRetries: gateway.ThrottleRetries,
		Writes: gateway.InstanceWriteLock(InstanceKey(opts.Provider, cfg.Endpoint, cfg.ProjectID, cfg.InstanceID, cfg.Workspace))}
	switch opts.Provider {
	case DataArts:
		ds, err := dataarts.New(cfg)
		if err != nil {
			return nil, &InvalidDeclaration{Message: err.Error()}
		}
		conn.Driver = NewDataArts(ds)
	default:
		raw, err := apig.New(cfg)
		if err != nil {
			return nil, &InvalidDeclaration{Message: err.Error()}
		}
		// The batch calls go through the cache, so a snapshot is invalidated when a batch call
		// actually lands, not when one of its callers stops waiting.
		cache := observe.New(raw, opts.ObserveInterval, observe.WithStart(opts.Started))
		pub := batch.Wrap(cache, opts.BatchWindow, opts.BatchSpacing, opts.BatchMaxSize)
		conn.Driver = NewAPIG(pub)
	}
	return conn, nil
}

// InstanceKey identifies a gateway instance, whichever object or namespace reaches it: provider,
// endpoint host (and port, unless the scheme's default), project, instance, and workspace for
// DataArts. Claims between ApiPublications and the serialisation of writes are per instance.
func InstanceKey(p Provider, endpoint, project, instance, workspace string) string {
	host := strings.ToLower(endpoint)
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		host = strings.ToLower(u.Hostname())
		defaultPort := map[string]string{"https": "443", "http": "80"}[u.Scheme]
		if port := u.Port(); port != "" && port != defaultPort {
			host = net.JoinHostPort(host, port)
		}
	}
	key := string(p) + "/" + host + "/" + project + "/" + instance
	if p == DataArts {
		key += "/" + workspace
	}
	return key
}

// Registry keeps one connection per gateway object, by namespace/name.
type Registry struct {
	mu    sync.RWMutex
	conns map[string]*Conn
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{conns: map[string]*Conn{}} }

// Get returns the connection registered under name.
func (r *Registry) Get(name string) (*Conn, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.conns[name]
	return c, ok
}

// Put registers c under its name, replacing any other.
func (r *Registry) Put(c *Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns[c.Name] = c
}

// Delete forgets the connection registered under name.
func (r *Registry) Delete(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, name)
}
