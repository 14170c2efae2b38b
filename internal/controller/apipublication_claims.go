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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// Claims: ApiPublications that declare the same API in the same environment of the same
// gateway instance, in any namespace and through any ApiGateway object. The oldest acts for
// every object that wants the same state and version, which only observe; a newer object that
// wants something else is a Conflict and makes no call for the API. Taking an API offline
// (deletion, pruning) never happens while another object still declares it.

// location is where APIs are: a gateway instance and an environment, reached through an
// ApiGateway of the object's namespace.
type location struct {
	instance string
	gateway  string
	envID    string
}

// key is the claim index key of an API at the location: a digest of the instance and the
// environment, and the API's ID. The index keeps two copies of each key per object, so the
// instance (a hundred bytes) is not spelled out in them.
func (l location) key(id string) string {
	sum := sha256.Sum256([]byte(l.instance + "|" + l.envID))
	return hex.EncodeToString(sum[:10]) + "|" + id
}

// instanceKey identifies the gateway instance an ApiGateway reaches, whichever object or
// namespace names it: provider, endpoint host, project, instance, and workspace for DataArts.
func instanceKey(gw *v1alpha1.ApiGateway) string {
	s := gw.Spec
	return driver.InstanceKey(driver.Provider(s.Provider), s.Endpoint, s.ProjectID, s.InstanceID, s.Workspace)
}

// claimKeys indexes an ApiPublication by the APIs it claims where status says it is: the
// IDs its spec names and those its status resolved.
func claimKeys(o client.Object) []string {
	pub := o.(*v1alpha1.ApiPublication)
	if pub.Status.Instance == "" {
		return nil
	}
	loc := location{instance: pub.Status.Instance, envID: pub.Status.EnvironmentID}
	var keys []string
	for _, a := range pub.Spec.APIs {
		if a.ID != "" {
			keys = append(keys, loc.key(a.ID))
		}
	}
	for _, a := range pub.Status.APIs {
		keys = append(keys, loc.key(a.ID))
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// claimants lists the other live ApiPublications that claim an API at the location, oldest
// first.
func (r *ApiPublicationReconciler) claimants(ctx context.Context, s *pubScope, loc location,
	id string) ([]*v1alpha1.ApiPublication, error) {
	var items []v1alpha1.ApiPublication
	if r.claims != nil {
		items = r.claims[loc.key(id)]
	} else {
		list := &v1alpha1.ApiPublicationList{}
		// Read-only use of the cached objects: no deep copy of each claimant's status.
		if err := r.List(ctx, list, client.UnsafeDisableDeepCopy, client.MatchingFields{indexPublicationClaim: loc.key(id)}); err != nil {
			return nil, fmt.Errorf("list the ApiPublications claiming API %s: %w", id, err)
		}
		items = list.Items
	}
	var out []*v1alpha1.ApiPublication
	for i := range items {
		other := &items[i]
		if other.UID != s.pub.UID && other.DeletionTimestamp.IsZero() {
			out = append(out, other)
		}
	}
	slices.SortFunc(out, func(a, b *v1alpha1.ApiPublication) int {
		if olderThan(a, b) {
			return -1
		}
		return 1
	})
	return out, nil
}

// markOwners sets, on each resolved target, the older object that acts for it: Owner when it
// wants another state or version (a conflict), Follows when it wants the same.
func (r *ApiPublicationReconciler) markOwners(ctx context.Context, s *pubScope, loc location, targets []driver.Target) error {
	for i, t := range targets {
		if t.Err != nil {
			continue
		}
		others, err := r.claimants(ctx, s, loc, t.ID)
		if err != nil {
			return err
		}
		for _, other := range others {
			if !olderThan(other, s.pub) {
				break
			}
			if wishOf(other, t.ID) != (wish{state: s.pub.Spec.State, pin: t.Pin}) {
				targets[i].Owner = other.Namespace + "/" + other.Name
				break
			}
			// Only an object that acts can act for another.
			if !other.Spec.Suspend && !observing(other) {
				targets[i].Follows = other.Namespace + "/" + other.Name
				break
			}
		}
	}
	return nil
}

// sharers returns, for each API, another live ApiPublication that declares it Published (or
// Suspended) at the location, whatever its age: taking it offline would take it from them.
func (r *ApiPublicationReconciler) sharers(ctx context.Context, s *pubScope, loc location, ids []string) (map[string]string, error) {
	shared := map[string]string{}
	for _, id := range ids {
		others, err := r.claimants(ctx, s, loc, id)
		if err != nil {
			return nil, err
		}
		for _, other := range others {
			if other.Spec.State != v1alpha1.StateOffline {
				shared[id] = other.Namespace + "/" + other.Name
				break
			}
		}
	}
	return shared, nil
}

// wish is what an object wants of one API.
type wish struct {
	state v1alpha1.PublicationState
	pin   string
}

func wishOf(pub *v1alpha1.ApiPublication, id string) wish {
	w := wish{state: pub.Spec.State}
	name := ""
	for _, a := range pub.Status.APIs {
		if a.ID == id {
			name = a.Name
		}
	}
	for _, a := range pub.Spec.APIs {
		if a.ID == id || (a.ID == "" && name != "" && a.Name == name) {
			w.pin = a.VersionID
		}
	}
	return w
}

// olderThan orders ApiPublications by creation, then by namespace and name, so that exactly
// one wins.
func olderThan(a, b *v1alpha1.ApiPublication) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}
