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

package controller

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// Observe: an ApiPublication with managementPolicy Observe goes through the pass Manage goes
// through, up to the plan, and reports the plan instead of carrying it out. Preview runs that
// same pass outside the manager, for apigctl plan.

// Preview returns pub with the status an Observe pass would write: what the manager would do
// were pub applied with managementPolicy Manage, in status.apis[].action,
// status.releasing[].action, the summary and Ready. It makes no write, to the gateway or to
// the cluster. c reads the gateway objects and namespaces; conns reads credentials and builds
// connections; claimants are the ApiPublications of the cluster, which claims are checked
// against (pub's own stored copy among them is ignored by UID). An object that does not exist
// yet (no UID) is the newest. The error is what stopped the pass, also in Ready.
func Preview(ctx context.Context, c client.Client, conns Connections, claimants []v1alpha1.ApiPublication,
	pub *v1alpha1.ApiPublication, now time.Time) (*v1alpha1.ApiPublication, error) {
	pub = pub.DeepCopy()
	pub.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	if pub.CreationTimestamp.IsZero() {
		pub.CreationTimestamp = metav1.NewTime(now)
	}
	r := &ApiPublicationReconciler{Client: c, Connections: conns, Now: func() time.Time { return now },
		claims: map[string][]v1alpha1.ApiPublication{}}
	for _, other := range claimants {
		for _, key := range claimKeys(&other) {
			r.claims[key] = append(r.claims[key], other)
		}
	}
	s := &pubScope{pub: pub, before: pub.DeepCopy()}
	err := r.reconcileNormal(ctx, s)
	summarizePublication(s, err)
	return pub, err
}

// outOfSyncGauge keeps apig_out_of_sync_apis: per gateway and environment, the sum of what
// each Observe object would change.
type outOfSyncGauge struct {
	gauge *prometheus.GaugeVec // nil: not exported

	mu   sync.Mutex
	by   map[types.UID]outOfSync
	sums map[outOfSync]int
}

// outOfSync is one object's share: its labels, and, in by, its count.
type outOfSync struct {
	gateway, environment string
	n                    int
}

func newOutOfSyncGauge(g *prometheus.GaugeVec) *outOfSyncGauge {
	return &outOfSyncGauge{gauge: g, by: map[types.UID]outOfSync{}, sums: map[outOfSync]int{}}
}

// set records an object's count under its labels, replacing what it had; 0 removes it.
func (g *outOfSyncGauge) set(uid types.UID, gateway, environment string, n int) {
	if g == nil || g.gauge == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.by[uid]; ok {
		delete(g.by, uid)
		g.add(outOfSync{gateway: old.gateway, environment: old.environment}, -old.n)
	}
	if n > 0 {
		g.by[uid] = outOfSync{gateway: gateway, environment: environment, n: n}
		g.add(outOfSync{gateway: gateway, environment: environment}, n)
	}
}

func (g *outOfSyncGauge) add(labels outOfSync, n int) {
	g.sums[labels] += n
	if g.sums[labels] <= 0 {
		delete(g.sums, labels)
		g.gauge.DeleteLabelValues(labels.gateway, labels.environment)
		return
	}
	g.gauge.WithLabelValues(labels.gateway, labels.environment).Set(float64(g.sums[labels]))
}

// trackOutOfSync records what an Observe object would change; any other object counts 0.
func (r *ApiPublicationReconciler) trackOutOfSync(s *pubScope) {
	pub, n := s.pub, 0
	if observing(pub) && !s.released && !s.suspended && !s.deleting && pub.Status.Summary != nil {
		n = int(pub.Status.Summary.OutOfSync)
	}
	r.outOfSync.set(pub.UID, gatewayKeyOf(pub.Namespace, pub.Spec.GatewayRef), pub.Spec.Environment, n)
}
