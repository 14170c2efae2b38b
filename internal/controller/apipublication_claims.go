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
	"fmt"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// Claims: two ApiPublications that declare the same API in the same environment of the same
// gateway. The older one keeps it, so nothing flaps; deleting one never takes away an API
// another still declares published.

// markOwners sets Owner on each target that an older ApiPublication claims in the same
// environment of the same gateway.
func (r *ApiPublicationReconciler) markOwners(ctx context.Context, s *pubScope, targets []driver.Target) error {
	return r.markClaimed(ctx, s, targets, func(other *v1alpha1.ApiPublication) bool {
		return other.DeletionTimestamp.IsZero() && olderThan(other, s.pub)
	})
}

// sharers returns, for each API, another live ApiPublication that also declares it published
// in the same environment, whatever its age: deleting this object must not take it away.
func (r *ApiPublicationReconciler) sharers(ctx context.Context, s *pubScope, ids []string) (map[string]string, error) {
	targets := make([]driver.Target, len(ids))
	for i, id := range ids {
		targets[i] = driver.Target{ID: id}
	}
	err := r.markClaimed(ctx, s, targets, func(other *v1alpha1.ApiPublication) bool {
		return other.DeletionTimestamp.IsZero() && !other.Spec.Suspend && other.Spec.State != v1alpha1.StateOffline
	})
	shared := map[string]string{}
	for _, t := range targets {
		if t.Owner != "" {
			shared[t.ID] = t.Owner
		}
	}
	return shared, err
}

// markClaimed sets Owner on each target that another ApiPublication in the same environment
// of the same gateway claims and that counts (per counts).
func (r *ApiPublicationReconciler) markClaimed(ctx context.Context, s *pubScope, targets []driver.Target,
	counts func(other *v1alpha1.ApiPublication) bool) error {
	for i, t := range targets {
		list := &v1alpha1.ApiPublicationList{}
		// Read-only use of the cached objects: no deep copy of each claimer's status.
		if err := r.List(ctx, list, client.InNamespace(s.pub.Namespace), client.UnsafeDisableDeepCopy,
			client.MatchingFields{indexPublicationClaim: s.pub.Spec.GatewayRef.Name + "/" + t.ID}); err != nil {
			return fmt.Errorf("list the ApiPublications claiming API %s: %w", t.ID, err)
		}
		for j := range list.Items {
			other := &list.Items[j]
			if other.UID != s.pub.UID && sameEnv(s.gw, other.Spec.Environment, s.pub.Spec.Environment) && counts(other) {
				targets[i].Owner = other.Name
				break
			}
		}
	}
	return nil
}

// sameEnv reports whether two environment references (names or IDs) name the same environment.
func sameEnv(gw *v1alpha1.ApiGateway, a, b string) bool {
	norm := func(x string) string {
		for _, e := range gw.Status.Environments {
			if e.Name == x {
				return e.ID
			}
		}
		return x
	}
	return norm(a) == norm(b)
}

// olderThan orders ApiPublications by creation, then by name, so that exactly one wins.
func olderThan(a, b *v1alpha1.ApiPublication) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// claimKeys indexes an ApiPublication by the APIs it claims: IDs in its spec and in its status.
func claimKeys(o client.Object) []string {
	pub := o.(*v1alpha1.ApiPublication)
	gw := pub.Spec.GatewayRef.Name
	var keys []string
	for _, a := range pub.Spec.APIs {
		if a.ID != "" {
			keys = append(keys, gw+"/"+a.ID)
		}
	}
	for _, a := range pub.Status.APIs {
		keys = append(keys, gw+"/"+a.ID)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}
