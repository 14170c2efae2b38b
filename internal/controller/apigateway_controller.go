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
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// Field indexes of ApiGateways, so that a change to a Secret or ConfigMap finds the gateways
// that use it.
const (
	indexGatewaySecret    = "spec.credentialsRef.name"
	indexGatewayCABundle  = "spec.tls.caBundleRef"
	gatewayControllerName = "apigateway"
)

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch

// ApiGatewayReconciler checks that each ApiGateway can be reached with its credentials, keeps
// its connection in the registry, and records the environments an APIG gateway has.
type ApiGatewayReconciler struct {
	client.Client
	Connector *Connector
	Recorder  events.EventRecorder
}

// Reconcile probes one gateway.
func (r *ApiGatewayReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	gw := &v1alpha1.ApiGateway{}
	if err := r.Get(ctx, req.NamespacedName, gw); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.Connector.Registry.Delete(req.String())
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !gw.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	before := gw.DeepCopy()
	out := r.probe(ctx, gw)
	summarizeGateway(gw, out)
	r.recordTransition(before, gw, out)
	if !equality.Semantic.DeepEqual(before.Status, gw.Status) {
		if err := r.Status().Patch(ctx, gw, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, fmt.Errorf("patch status: %w", err)
		}
	}
	return out.result()
}

// tlsRecheckFactor spaces the checks of a gateway whose certificate is not trusted, in observe
// intervals.
const tlsRecheckFactor = 5

// gatewayOutcome is what a probe found.
type gatewayOutcome struct {
	envs     []gateway.Environment
	err      error
	interval time.Duration
}

// result is the one handling path of each error class.
func (o gatewayOutcome) result() (ctrl.Result, error) {
	if o.err == nil {
		return ctrl.Result{RequeueAfter: jitter(o.interval)}, nil
	}
	if _, ok := isConfigError(o.err); ok {
		return ctrl.Result{}, nil // the Secret, CA bundle or spec watch brings us back
	}
	if gateway.IsTLSVerification(o.err) {
		// A new CA bundle or spec brings us back at once; a certificate renewed on the gateway's
		// side, or a clock set right, shows at the next slow look.
		return ctrl.Result{RequeueAfter: jitter(tlsRecheckFactor * o.interval)}, nil
	}
	switch class, delay := gateway.Classify(o.err); class {
	case gateway.Terminal:
		return ctrl.Result{}, nil
	case gateway.Waiting:
		return ctrl.Result{RequeueAfter: delay}, nil
	default:
		return ctrl.Result{}, o.err
	}
}

func (r *ApiGatewayReconciler) probe(ctx context.Context, gw *v1alpha1.ApiGateway) gatewayOutcome {
	out := gatewayOutcome{interval: observeInterval(gw)}
	conn, err := r.Connector.Connect(ctx, gw)
	if err != nil {
		out.err = err
		return out
	}
	if conn.DataService != nil {
		out.err = conn.DataService.Probe(ctx)
		return out
	}
	out.envs, out.err = conn.Publisher.Environments(ctx)
	return out
}

// recordTransition emits an event when the gateway enters or leaves Stalled.
func (r *ApiGatewayReconciler) recordTransition(before, after *v1alpha1.ApiGateway, out gatewayOutcome) {
	wasStalled := isStalled(before.Status.Conditions)
	stalled := isStalled(after.Status.Conditions)
	switch {
	case stalled && !wasStalled:
		r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, readyReason(after), "Probe", "%s", readyMessage(after))
	case wasStalled && !stalled && out.err == nil:
		r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, v1alpha1.ReasonSucceeded, "Probe", "%s", readyMessage(after))
	}
}

// SetupWithManager registers the controller with its watches: ApiGateways (spec changes and
// reconcile requests), and the Secrets and ConfigMaps they name (metadata only).
func (r *ApiGatewayReconciler) SetupWithManager(mgr ctrl.Manager) error {
	ctx := context.Background()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.ApiGateway{}, indexGatewaySecret,
		func(o client.Object) []string { return []string{o.(*v1alpha1.ApiGateway).Spec.CredentialsRef.Name} }); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.ApiGateway{}, indexGatewayCABundle, caBundleKey); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(gatewayControllerName).
		For(&v1alpha1.ApiGateway{}, builder.WithPredicates(specOrRequestChanged())).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.gatewaysUsing(kindSecret))).
		WatchesMetadata(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.gatewaysUsing(kindConfigMap))).
		WithOptions(controllerOptions(1)).
		Complete(r)
}

func caBundleKey(o client.Object) []string {
	tls := o.(*v1alpha1.ApiGateway).Spec.TLS
	if tls == nil || tls.CABundleRef == nil {
		return nil
	}
	kind := tls.CABundleRef.Kind
	if kind == "" {
		kind = kindConfigMap
	}
	return []string{kind + "/" + tls.CABundleRef.Name}
}

// gatewaysUsing maps a Secret or ConfigMap to the ApiGateways in its namespace that use it.
func (r *ApiGatewayReconciler) gatewaysUsing(kind string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		reqs := requestsByIndex(ctx, r.Client, &v1alpha1.ApiGatewayList{}, o.GetNamespace(), indexGatewayCABundle, kind+"/"+o.GetName())
		if kind == kindSecret {
			reqs = append(reqs, requestsByIndex(ctx, r.Client, &v1alpha1.ApiGatewayList{}, o.GetNamespace(),
				indexGatewaySecret, o.GetName())...)
		}
		return reqs
	}
}

// specOrRequestChanged passes spec changes and new values of the requested-at annotation, and
// ignores our own status writes.
func specOrRequestChanged() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
}
