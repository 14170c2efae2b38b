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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

const gatewayControllerName = "apigateway"

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch

// ApiGatewayReconciler checks that each ApiGateway can be reached with its credentials, keeps
// its connection in the registry, and records the environments an APIG gateway has.
type ApiGatewayReconciler struct {
	client.Client
	Connections Connections
	Recorder    events.EventRecorder
	// Metrics loses the series of a deleted ApiGateway; nil: nothing to forget.
	Metrics *gateway.Metrics
}

// gwScope carries one probe of one ApiGateway.
type gwScope struct {
	gw     *v1alpha1.ApiGateway
	before *v1alpha1.ApiGateway
	// envs are the environments the probe listed (APIG).
	envs []gateway.Environment
}

// tlsRecheckFactor spaces the checks of a gateway whose certificate is not trusted, in observe
// intervals.
const tlsRecheckFactor = 5

// Reconcile probes one gateway.
func (r *ApiGatewayReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	gw := &v1alpha1.ApiGateway{}
	if err := r.Get(ctx, req.NamespacedName, gw); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.Connections.Forget(req.String())
			r.Metrics.Forget(req.String())
			r.Metrics.ForgetReady(v1alpha1.KindApiGateway, req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !gw.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	s := &gwScope{gw: gw, before: gw.DeepCopy()}
	defer func() { res, err = r.finish(ctx, s, err) }()
	probeCtx, cancel := context.WithTimeout(ctx, probeDeadline)
	defer cancel()
	return ctrl.Result{}, probe(probeCtx, r.Connections, s)
}

// probe connects and makes the provider's cheapest call. Its failures are put in the words of
// a gateway's owner: which field or Secret to look at.
func probe(ctx context.Context, conns Connections, s *gwScope) error {
	gw := s.gw
	conn, err := conns.Connect(ctx, gw)
	if err != nil {
		return err
	}
	s.envs, err = conn.Driver.Probe(ctx)
	if err == nil {
		return nil
	}
	h := gateway.Classify(err)
	switch {
	case h.TLS:
		// A new CA bundle or spec brings us back at once; a certificate renewed on the gateway's
		// side, or a clock set right, shows at the next slow look.
		return stallingRecheck(v1alpha1.ReasonTLSVerificationFailed, jitter(tlsRecheckFactor*observeInterval(gw)),
			fmt.Errorf("%w. The gateway's certificate is not trusted: set spec.tls.caBundleRef to the CA that signed it "+
				"(the gateway is checked again when the bundle changes), or check spec.endpoint", err))
	case h.Auth:
		return stalling(v1alpha1.ReasonAuthenticationFailed, fmt.Errorf("the gateway refused the credentials in Secret %s: "+
			"%w. Fix the Secret; the gateway is checked again as soon as it changes", gw.Spec.CredentialsRef.Name, err))
	case h.Class == gateway.Terminal:
		return stalling(v1alpha1.ReasonGatewayError, fmt.Errorf("%w. Check spec.endpoint, spec.projectId and spec.instanceId", err))
	case h.Class == gateway.Waiting && !h.Throttled:
		return waiting(v1alpha1.ReasonGatewayError, h.Delay, fmt.Errorf("%w. Check spec.projectId and spec.instanceId; "+
			"trying again in %s", err, h.Delay))
	}
	return err
}

// finish summarizes the probe into status, patches it when it changed, and turns the outcome
// into the result.
func (r *ApiGatewayReconciler) finish(ctx context.Context, s *gwScope, err error) (ctrl.Result, error) {
	summarizeGateway(s, err)
	recordStallChange(r.Recorder, s.gw, s.before.Status.Conditions, s.gw.Status.Conditions)
	recordReady(r.Metrics, v1alpha1.KindApiGateway, s.gw.Namespace, s.gw.Name, s.gw.Status.Conditions)
	if perr := patchStatus(ctx, r.Client, s.gw, s.before, s.gw.Status, s.before.Status); perr != nil {
		return ctrl.Result{}, perr
	}
	return outcomeOf(err).result(jitter(observeInterval(s.gw)))
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
		WithOptions(controllerOptions(gatewayWorkers)).
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

// ClusterApiGatewayReconciler checks each ClusterApiGateway as ApiGatewayReconciler checks an
// ApiGateway, through its ApiGateway view: its Secrets are read in the manager's namespace.
type ClusterApiGatewayReconciler struct {
	client.Client
	Connector *Connector
	Recorder  events.EventRecorder
	Metrics   *gateway.Metrics
}

// +kubebuilder:rbac:groups=publishing.apig-operator.dev,resources=clusterapigateways,verbs=get;list;watch
// +kubebuilder:rbac:groups=publishing.apig-operator.dev,resources=clusterapigateways/status,verbs=get;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// Reconcile probes one ClusterApiGateway.
func (r *ClusterApiGatewayReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	cgw := &v1alpha1.ClusterApiGateway{}
	if err := r.Get(ctx, req.NamespacedName, cgw); err != nil {
		if client.IgnoreNotFound(err) == nil {
			key := v1alpha1.KindClusterApiGateway + "/" + req.Name
			r.Connector.Forget(key)
			r.Metrics.Forget(key)
			r.Metrics.ForgetReady(v1alpha1.KindClusterApiGateway, "", req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !cgw.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	view := r.Connector.clusterView(cgw)
	s := &gwScope{gw: view, before: view.DeepCopy()}
	probeCtx, cancel := context.WithTimeout(ctx, probeDeadline)
	defer cancel()
	err = probe(probeCtx, r.Connector, s)
	summarizeGateway(s, err)
	recordStallChange(r.Recorder, cgw, s.before.Status.Conditions, view.Status.Conditions)
	recordReady(r.Metrics, v1alpha1.KindClusterApiGateway, "", cgw.Name, view.Status.Conditions)
	before := cgw.DeepCopy()
	cgw.Status = view.Status
	if perr := patchStatus(ctx, r.Client, cgw, before, cgw.Status, before.Status); perr != nil {
		return ctrl.Result{}, perr
	}
	return outcomeOf(err).result(jitter(observeInterval(view)))
}

// SetupWithManager registers the controller: ClusterApiGateways, and the Secrets and
// ConfigMaps of the manager's namespace they name (metadata only).
func (r *ClusterApiGatewayReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("clusterapigateway").
		For(&v1alpha1.ClusterApiGateway{}, builder.WithPredicates(specOrRequestChanged())).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.gatewaysUsing(kindSecret))).
		WatchesMetadata(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.gatewaysUsing(kindConfigMap))).
		WithOptions(controllerOptions(gatewayWorkers)).
		Complete(r)
}

// gatewaysUsing maps a Secret or ConfigMap of the manager's namespace to the
// ClusterApiGateways that name it. There are few of them: a list is cheaper than an index.
func (r *ClusterApiGatewayReconciler) gatewaysUsing(kind string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		if o.GetNamespace() != r.Connector.ClusterResourceNamespace {
			return nil
		}
		list := &v1alpha1.ClusterApiGatewayList{}
		if err := r.List(ctx, list); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Listing the ClusterApiGateways")
			return nil
		}
		var reqs []reconcile.Request
		for _, cgw := range list.Items {
			uses := kind == kindSecret && cgw.Spec.CredentialsRef.Name == o.GetName()
			if tls := cgw.Spec.TLS; tls != nil && tls.CABundleRef != nil && tls.CABundleRef.Name == o.GetName() {
				uses = uses || tls.CABundleRef.Kind == kind || (tls.CABundleRef.Kind == "" && kind == kindConfigMap)
			}
			if uses {
				reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: cgw.Name}})
			}
		}
		return reqs
	}
}
