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
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// Field indexes: how a change to one object reaches the objects that refer to it.
const (
	indexPublicationGateway = "spec.gatewayRef.name"
	// indexPublicationClaim has one key per API an object claims: "<gateway>/<api id>", from
	// the IDs in its spec and those its status resolved.
	indexPublicationClaim = "apiClaim"
	indexExportGateway    = "spec.gatewayRef.name"
	// indexExportTarget is "<kind>/<name>" of the target, so that any change to the object with
	// that name (ours, or one in the way that is then removed) brings the export back.
	indexExportTarget    = "spec.target"
	indexGatewaySecret   = "spec.credentialsRef.name"
	indexGatewayCABundle = "spec.tls.caBundleRef"
)

// Claims are only listed across namespaces, so their index keeps only the cluster-wide key of
// each claim: controller-runtime's IndexField also keeps a namespaced one, which doubles the
// index (a set and two strings per object, 16 MB at 50,000 publications). fieldIndexName and
// clusterWide name the index and its keys as IndexField does, so that List with
// client.MatchingFields reads it; the claim specs of the controller suite fail if that changes.
func fieldIndexName(field string) string { return "field:" + field }

// clusterWide makes an informer index function of a field index function that answers List
// across namespaces only.
func clusterWide(f client.IndexerFunc) toolscache.IndexFunc {
	return func(obj any) ([]string, error) {
		o, ok := obj.(client.Object)
		if !ok {
			return nil, fmt.Errorf("an index of objects got a %T", obj)
		}
		keys := f(o)
		for i, k := range keys {
			keys[i] = "__all_namespaces/" + k
		}
		return keys, nil
	}
}

// refKey is the index value of a gatewayRef: the ApiGateway's name, or
// "ClusterApiGateway/<name>". It is also what status and releases record as the gateway.
func refKey(ref v1alpha1.GatewayReference) string {
	if ref.Kind == v1alpha1.KindClusterApiGateway {
		return v1alpha1.KindClusterApiGateway + "/" + ref.Name
	}
	return ref.Name
}

// refOfKey is refKey's inverse.
func refOfKey(key string) v1alpha1.GatewayReference {
	if name, ok := strings.CutPrefix(key, v1alpha1.KindClusterApiGateway+"/"); ok {
		return v1alpha1.GatewayReference{Kind: v1alpha1.KindClusterApiGateway, Name: name}
	}
	return v1alpha1.GatewayReference{Kind: v1alpha1.KindApiGateway, Name: key}
}

// referrersOf maps a gateway object (an ApiGateway, a ClusterApiGateway, or the ApiGateway
// view of one a rebuilt connection sends) to the objects of a kind whose gatewayRef index
// names it: in its namespace for an ApiGateway, in every namespace for a ClusterApiGateway.
func referrersOf(c client.Reader, newList func() client.ObjectList, field string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		_, cluster := o.(*v1alpha1.ClusterApiGateway)
		if gw, ok := o.(*v1alpha1.ApiGateway); ok && gw.Kind == v1alpha1.KindClusterApiGateway {
			cluster = true
		}
		if cluster {
			return requestsByIndex(ctx, c, newList(), "", field, v1alpha1.KindClusterApiGateway+"/"+o.GetName())
		}
		return requestsByIndex(ctx, c, newList(), o.GetNamespace(), field, o.GetName())
	}
}

// requestsByIndex lists the objects of a kind in a namespace whose field index has value, as
// reconcile requests.
func requestsByIndex(ctx context.Context, c client.Reader, list client.ObjectList, namespace, field, value string) []reconcile.Request {
	if err := c.List(ctx, list, client.InNamespace(namespace), client.MatchingFields{field: value}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing the objects that refer to a changed object", "index", field, "value", value)
		return nil
	}
	var reqs []reconcile.Request
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		obj := o.(client.Object)
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}})
		return nil
	})
	return reqs
}

// specOrRequestChanged passes spec changes and new values of the requested-at annotation, and
// ignores our own status writes.
func specOrRequestChanged() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
}

// deletionStarted passes the update that sets deletionTimestamp.
func deletionStarted() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetDeletionTimestamp().IsZero() && !e.ObjectNew.GetDeletionTimestamp().IsZero()
	}}
}

// readyChanged passes ApiGateway and ClusterApiGateway updates whose Ready condition changed
// status.
func readyChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		ready := func(o client.Object) metav1.ConditionStatus {
			var conds []metav1.Condition
			switch gw := o.(type) {
			case *v1alpha1.ApiGateway:
				conds = gw.Status.Conditions
			case *v1alpha1.ClusterApiGateway:
				conds = gw.Status.Conditions
			}
			if c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady); c != nil {
				return c.Status
			}
			return ""
		}
		return ready(e.ObjectOld) != ready(e.ObjectNew)
	}}
}
