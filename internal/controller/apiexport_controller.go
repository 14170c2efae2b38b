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
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

const (
	// contentAnnotation on the target records the SHA-256 of the document it holds.
	contentAnnotation = "publishing.apig-operator.dev/content-sha256"
	// compressAbove is the document size above which it is stored gzip-compressed.
	compressAbove = 900 << 10
	// maxTargetBytes is what a ConfigMap or Secret can hold, less room for metadata.
	maxTargetBytes = 1000 << 10
	// secretTargetsFlag and secretTargetsComponent are what a user enables Secret targets with.
	secretTargetsFlag      = "--enable-secret-targets"
	secretTargetsComponent = "config/components/secret-targets"
)

// Secrets are read-only here (the ApiGateway controller's markers grant get, list and watch):
// writing them is opt-in, granted by the ClusterRole in config/components/secret-targets.
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch;delete

// ApiExportReconciler keeps each ApiExport's target holding the current document.
type ApiExportReconciler struct {
	client.Client
	// Reader reads targets directly: ConfigMaps and Secrets are not cached.
	Reader      client.Reader
	Scheme      *runtime.Scheme
	Connections Connections
	Recorder    events.EventRecorder
	// SecretTargets allows spec.target.secret (--enable-secret-targets). Off, an export to a
	// Secret writes nothing and says how to turn it on, and deletion leaves a Secret the export
	// wrote earlier to the garbage collector: the manager's role may not write Secrets then.
	SecretTargets bool
	// PollFor bounds how long one pass polls an export task before coming back; default 10s.
	PollFor time.Duration
	// Now is the clock; default time.Now.
	Now clock
	// Metrics exports each export's Ready condition; nil: not exported.
	Metrics *gateway.Metrics

	// finalizers are the finalizers this controller added that its cache does not show yet.
	finalizers finalizerWrites
}

type expScope struct {
	exp    *v1alpha1.ApiExport
	before *v1alpha1.ApiExport
	// cached is the resourceVersion of the cached copy the pass started from.
	cached string
	// running is the task still in flight when the pass ended.
	running string
	// due: the pass decided to export; if it fails, the next pass must try again whatever
	// else changed.
	due      bool
	requeue  time.Duration
	released bool
}

// Reconcile exports when due, and keeps the target current.
func (r *ApiExportReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	exp := &v1alpha1.ApiExport{}
	if err := r.Get(ctx, req.NamespacedName, exp); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.ForgetReady(v1alpha1.KindApiExport, req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s := &expScope{exp: exp, before: exp.DeepCopy(), cached: exp.ResourceVersion}
	defer func() { res, err = r.finish(ctx, s, err) }()
	// The deadline bounds the pass, not finish: its status write must happen either way.
	passCtx, cancel := context.WithTimeout(ctx, passDeadline)
	defer cancel()
	if !exp.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(passCtx, s)
	}
	if s.before, err = ensureFinalizer(passCtx, r.Client, &r.finalizers, s.cached, exp, s.before); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.reconcileNormal(passCtx, s)
}

func (r *ApiExportReconciler) reconcileNormal(ctx context.Context, s *expScope) error {
	exp := s.exp
	if exp.Spec.Target.Secret != nil && !r.SecretTargets {
		return stalling(v1alpha1.ReasonSecretTargetsDisabled, fmt.Errorf("spec.target.secret names Secret %s, "+
			"but this operator may not write Secrets: nothing is exported. Use spec.target.configMap, "+
			"or run the manager with %s and the RBAC of the kustomize component %s",
			exp.Spec.Target.Secret.Name, secretTargetsFlag, secretTargetsComponent))
	}
	gw, conn, err := r.Connections.ForRef(ctx, r.Client, exp.Namespace, exp.Spec.GatewayRef)
	if err != nil {
		return err
	}
	ex, ok := conn.Driver.(driver.Exporter)
	if !ok {
		return stalling(v1alpha1.ReasonInvalidSpec, fmt.Errorf("ApiGateway %s is a %s gateway, which has no export: "+
			"name an APIG gateway", gw.Name, conn.Driver.Provider()))
	}
	envID, err := ex.Environment(ctx, exp.Spec.Environment, knownEnvironments(gw))
	if err != nil {
		return err
	}
	group, err := ex.Group(ctx, gateway.GroupRef{ID: exp.Spec.Group.ID, Name: exp.Spec.Group.Name})
	if err != nil {
		return err
	}
	groupAPIs, err := ex.GroupAPIs(ctx, group.ID)
	if err != nil {
		return err
	}
	subset, err := exportSubset(exp, group, groupAPIs)
	if err != nil {
		return err
	}
	snap, err := ex.Snapshot(ctx, envID)
	if err != nil {
		return err
	}
	src := exportSourceOf(exp.Spec, groupAPIs, subset, snap)

	if exp.Status.TaskID == "" {
		due, why := exportDue(exp, src, r.Now.now())
		if !due {
			intact, err := r.targetIntact(ctx, exp)
			if err != nil {
				return err
			}
			due, why = !intact, "the target is missing or was changed"
		}
		if !due {
			s.requeue = min(jitter(conn.ObserveInterval), exportInterval(exp)-r.Now.now().Sub(exp.Status.LastExportTime.Time))
			return nil
		}
		s.due = true
		ctrl.LoggerFrom(ctx).Info("Starting an export", "reason", why, "group", group.Name, "environment", exp.Spec.Environment)
		taskID, err := ex.StartExport(ctx, gateway.ExportRequest{EnvID: envID, GroupID: group.ID,
			APIIDs: slices.Sorted(maps.Keys(subset)), OASVersion: exp.Spec.OASVersion, Define: exp.Spec.Define, Format: exp.Spec.Format,
			Version: exp.Spec.Version})
		if err != nil {
			return err
		}
		// Recorded before polling: a restarted operator resumes this task instead of starting another.
		exp.Status.TaskID, exp.Status.TaskSourceDigest = taskID, src.Digest
		if err := r.Status().Patch(ctx, exp, client.MergeFrom(s.before)); err != nil {
			return fmt.Errorf("record export task %s: %w", taskID, err)
		}
		s.before = exp.DeepCopy()
	}
	return r.poll(ctx, s, ex, src)
}

// exportSubset resolves spec.apis (IDs or names) within the group.
func exportSubset(exp *v1alpha1.ApiExport, group gateway.Group, apis []gateway.API) (map[string]bool, error) {
	if len(exp.Spec.APIs) == 0 {
		return nil, nil
	}
	byName, byID := map[string]string{}, map[string]bool{}
	for _, a := range apis {
		byName[a.Name], byID[a.ID] = a.ID, true
	}
	subset := map[string]bool{}
	for _, ref := range exp.Spec.APIs {
		id := ref.ID
		if id == "" {
			id = byName[ref.Name]
		}
		if !byID[id] {
			return nil, waiting(v1alpha1.ReasonApiNotFound, gateway.NotFoundDelay,
				fmt.Errorf("API %s%s is not in group %s: fix spec.apis", ref.ID, ref.Name, group.Name))
		}
		subset[id] = true
	}
	return subset, nil
}

// poll follows the task in status.taskId until it ends or PollFor passes.
func (r *ApiExportReconciler) poll(ctx context.Context, s *expScope, ex driver.Exporter, src exportSource) error {
	exp := s.exp
	taskID := exp.Status.TaskID
	pollFor := r.PollFor
	if pollFor <= 0 {
		pollFor = 10 * time.Second
	}
	deadline := time.Now().Add(pollFor)
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		task, err := ex.ExportTask(ctx, taskID)
		switch {
		case err != nil && gateway.Classify(err).NotFound:
			endTask(exp) // the gateway forgot it: start again
			return waiting(v1alpha1.ReasonExportFailed, time.Second,
				fmt.Errorf("export task %s is unknown to the gateway; starting a new export", taskID))
		case err != nil:
			return err
		}
		switch task.Status {
		case gateway.TaskSucceeded:
			// The document is what was published when the task started, not what is now.
			current := src.Digest
			src.Digest = exp.Status.TaskSourceDigest
			endTask(exp)
			if err := r.store(ctx, s, task, src); err != nil {
				return err
			}
			if src.Digest != current {
				// What is published changed while the task ran (or a pass over a cached copy
				// from before the last store polled the task again): export again now, not at
				// the interval. Nothing else may bring the export back.
				s.requeue = time.Second
			}
			return nil
		case gateway.TaskFailed:
			endTask(exp)
			msg := "the gateway gave no reason"
			if task.Err != nil {
				msg = task.Err.Error()
			}
			return waiting(v1alpha1.ReasonExportFailed, gateway.NotFoundDelay,
				fmt.Errorf("export task %s failed: %s; the previous document is kept", taskID, msg))
		}
		if time.Now().Add(delay).After(deadline) {
			s.running, s.requeue = taskID, 2*time.Second
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// endTask forgets the task in status.taskId, which ended.
func endTask(exp *v1alpha1.ApiExport) {
	exp.Status.TaskID, exp.Status.TaskSourceDigest = "", ""
}

// reconcileDelete deletes the target (garbage collection would too, but not every cluster,
// nor every test control plane, runs it promptly), then releases the ApiExport. It makes no
// gateway call, so an unreachable gateway never keeps an ApiExport. A Secret target is left to
// the garbage collector (it is owned by the ApiExport) when Secret targets are disabled: the
// manager may not delete Secrets then, and trying would keep the ApiExport forever.
func (r *ApiExportReconciler) reconcileDelete(ctx context.Context, s *expScope) error {
	exp := s.exp
	if !controllerutil.ContainsFinalizer(exp, v1alpha1.Finalizer) {
		return nil
	}
	if exp.Spec.Target.Secret == nil || r.SecretTargets {
		if err := r.deleteTarget(ctx, exp); err != nil {
			return err
		}
	}
	if err := releaseFinalizer(ctx, r.Client, exp, s.before); err != nil {
		return err
	}
	s.released = true
	return nil
}

// finish summarizes the pass into status and turns its error into the result.
func (r *ApiExportReconciler) finish(ctx context.Context, s *expScope, err error) (ctrl.Result, error) {
	if s.released {
		r.finalizers.forget(s.exp.UID)
		r.Metrics.ForgetReady(v1alpha1.KindApiExport, s.exp.Namespace, s.exp.Name)
		return ctrl.Result{}, nil
	}
	if err != nil && (s.due || s.exp.Status.TaskID != "") {
		s.exp.Status.SourceDigest = "" // not exported: the next pass exports again
	}
	summarizeExport(s, err)
	recordReady(r.Metrics, v1alpha1.KindApiExport, s.exp.Namespace, s.exp.Name, s.exp.Status.Conditions)
	if perr := patchStatus(ctx, r.Client, s.exp, s.before, s.exp.Status, s.before.Status); perr != nil && err == nil {
		err = perr
	}
	return outcomeOf(err).result(s.requeue)
}

// SetupWithManager registers the controller: ApiExports, their targets (metadata only; Secrets
// only when Secret targets are enabled), the ApiPublications that change what is published on
// their gateway, and their ApiGateways.
func (r *ApiExportReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.ApiExport{}, indexExportGateway,
		func(o client.Object) []string { return []string{refKey(o.(*v1alpha1.ApiExport).Spec.GatewayRef)} }); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.ApiExport{}, indexExportTarget,
		func(o client.Object) []string {
			exp := o.(*v1alpha1.ApiExport)
			obj, key := newTarget(exp)
			return []string{kindOf(obj) + "/" + key.Name}
		}); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("apiexport").
		For(&v1alpha1.ApiExport{}, builder.WithPredicates(predicate.Or(specOrRequestChanged(), deletionStarted()))).
		WatchesMetadata(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.exportsTargeting(kindConfigMap)))
	if r.SecretTargets {
		b = b.WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.exportsTargeting(kindSecret)))
	}
	return b.
		Watches(&v1alpha1.ApiPublication{}, handler.EnqueueRequestsFromMapFunc(r.exportsOnGateway(func(o client.Object) string {
			return refKey(o.(*v1alpha1.ApiPublication).Spec.GatewayRef)
		})), builder.WithPredicates(publishedChanged())).
		Watches(&v1alpha1.ApiGateway{}, handler.EnqueueRequestsFromMapFunc(r.exportsOf()),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, readyChanged()))).
		Watches(&v1alpha1.ClusterApiGateway{}, handler.EnqueueRequestsFromMapFunc(r.exportsOf()),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, readyChanged()))).
		WatchesRawSource(source.Channel(r.Connections.Rebuilt(), handler.EnqueueRequestsFromMapFunc(r.exportsOf()))).
		WithOptions(controllerOptions(exportWorkers)).
		Complete(r)
}

func kindOf(obj client.Object) string {
	if _, ok := obj.(*corev1.Secret); ok {
		return kindSecret
	}
	return kindConfigMap
}

// exportsTargeting maps a ConfigMap or Secret to the ApiExports whose target has its name.
func (r *ApiExportReconciler) exportsTargeting(kind string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		return requestsByIndex(ctx, r.Client, &v1alpha1.ApiExportList{}, o.GetNamespace(), indexExportTarget, kind+"/"+o.GetName())
	}
}

// exportsOf maps a gateway object to the ApiExports that use it.
func (r *ApiExportReconciler) exportsOf() handler.MapFunc {
	return referrersOf(r.Client, func() client.ObjectList { return &v1alpha1.ApiExportList{} }, indexExportGateway)
}

// exportsOnGateway maps an object to the ApiExports in its namespace on the gateway it names.
func (r *ApiExportReconciler) exportsOnGateway(gatewayOf func(client.Object) string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		return requestsByIndex(ctx, r.Client, &v1alpha1.ApiExportList{}, o.GetNamespace(), indexExportGateway, gatewayOf(o))
	}
}

// publishedChanged passes ApiPublication changes to what they publish: their status.apis.
func publishedChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, ok1 := e.ObjectOld.(*v1alpha1.ApiPublication)
			after, ok2 := e.ObjectNew.(*v1alpha1.ApiPublication)
			return ok1 && ok2 && !equality.Semantic.DeepEqual(before.Status.APIs, after.Status.APIs)
		},
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}
