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
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
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
)

const (
	indexExportGateway = "spec.gatewayRef.name"
	// indexExportTarget is "<kind>/<name>" of the target, so that any change to the object with
	// that name (ours, or one in the way that is then removed) brings the export back.
	indexExportTarget = "spec.target"
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
	Reader    client.Reader
	Scheme    *runtime.Scheme
	Connector *Connector
	Recorder  events.EventRecorder
	// SecretTargets allows spec.target.secret (--enable-secret-targets). Off, an export to a
	// Secret writes nothing and says how to turn it on, and deletion leaves a Secret the export
	// wrote earlier to the garbage collector: the manager's role may not write Secrets then.
	SecretTargets bool
	// PollFor bounds how long one pass polls an export task before coming back; default 10s.
	PollFor time.Duration
	// Now is the clock; default time.Now.
	Now clock
}

type expScope struct {
	exp    *v1alpha1.ApiExport
	before *v1alpha1.ApiExport
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
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s := &expScope{exp: exp, before: exp.DeepCopy()}
	defer func() { res, err = r.finish(ctx, s, err) }()
	if !exp.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(ctx, s)
	}
	before, err := ensureFinalizer(ctx, r.Client, exp, s.before)
	s.before = before.(*v1alpha1.ApiExport)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.reconcileNormal(ctx, s)
}

func (r *ApiExportReconciler) reconcileNormal(ctx context.Context, s *expScope) error {
	exp := s.exp
	if exp.Spec.Target.Secret != nil && !r.SecretTargets {
		return &passError{reason: v1alpha1.ReasonSecretTargetsDisabled, class: gateway.Terminal,
			msg: fmt.Sprintf("spec.target.secret names Secret %s, but this operator may not write Secrets: nothing is "+
				"exported. Use spec.target.configMap, or run the manager with %s and the RBAC of the kustomize component %s",
				exp.Spec.Target.Secret.Name, secretTargetsFlag, secretTargetsComponent)}
	}
	gw, conn, err := r.Connector.ForRef(ctx, r.Client, exp.Namespace, exp.Spec.GatewayRef.Name)
	if err != nil {
		return err
	}
	if conn.DataService != nil {
		return &passError{reason: v1alpha1.ReasonInvalidSpec, class: gateway.Terminal,
			msg: fmt.Sprintf("ApiGateway %s is a DataArts gateway, which has no export: name an APIG gateway", gw.Name)}
	}
	envID, err := resolveEnv(ctx, gw, conn, exp.Spec.Environment)
	if err != nil {
		return err
	}
	group, err := conn.Publisher.Group(ctx, gateway.GroupRef{ID: exp.Spec.Group.ID, Name: exp.Spec.Group.Name})
	if err != nil {
		if gateway.HasCode(err, gateway.CodeGroupNotFound) {
			return &passError{reason: v1alpha1.ReasonGroupNotFound, class: gateway.Waiting, delay: gateway.NotFoundDelay,
				msg: fmt.Sprintf("%v: create the group or fix spec.group", err)}
		}
		return err
	}
	groupAPIs, err := conn.Publisher.GroupAPIs(ctx, group.ID)
	if err != nil {
		return err
	}
	subset, err := exportSubset(exp, group, groupAPIs)
	if err != nil {
		return err
	}
	snap, err := conn.Publisher.Observe(ctx, envID)
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
		taskID, err := conn.Publisher.StartExport(ctx, gateway.ExportRequest{EnvID: envID, GroupID: group.ID,
			APIIDs: sortedKeys(subset), OASVersion: exp.Spec.OASVersion, Define: exp.Spec.Define, Format: exp.Spec.Format,
			Version: exp.Spec.Version})
		if err != nil {
			return err
		}
		// Recorded before polling: a restarted operator resumes this task instead of starting another.
		exp.Status.TaskID = taskID
		if err := r.Status().Patch(ctx, exp, client.MergeFrom(s.before)); err != nil {
			return fmt.Errorf("record export task %s: %w", taskID, err)
		}
		s.before = exp.DeepCopy()
	}
	return r.poll(ctx, s, conn, src)
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
			return nil, &passError{reason: v1alpha1.ReasonApiNotFound, class: gateway.Waiting, delay: gateway.NotFoundDelay,
				msg: fmt.Sprintf("API %s%s is not in group %s: fix spec.apis", ref.ID, ref.Name, group.Name)}
		}
		subset[id] = true
	}
	return subset, nil
}

// poll follows the task in status.taskId until it ends or PollFor passes.
func (r *ApiExportReconciler) poll(ctx context.Context, s *expScope, conn *gateway.Conn, src exportSource) error {
	exp := s.exp
	taskID := exp.Status.TaskID
	pollFor := r.PollFor
	if pollFor <= 0 {
		pollFor = 10 * time.Second
	}
	deadline := time.Now().Add(pollFor)
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		task, err := conn.Publisher.ExportTask(ctx, taskID)
		switch {
		case gateway.HasCode(err, gateway.CodeAPINotFound) || (err != nil && isNotFound(err)):
			exp.Status.TaskID = "" // the gateway forgot it: start again
			return &passError{reason: v1alpha1.ReasonExportFailed, class: gateway.Waiting, delay: time.Second,
				msg: fmt.Sprintf("export task %s is unknown to the gateway; starting a new export", taskID)}
		case err != nil:
			return err
		}
		switch task.Status {
		case gateway.TaskSucceeded:
			exp.Status.TaskID = ""
			return r.store(ctx, s, task, src)
		case gateway.TaskFailed:
			exp.Status.TaskID = ""
			msg := "the gateway gave no reason"
			if task.Err != nil {
				msg = task.Err.Error()
			}
			return &passError{reason: v1alpha1.ReasonExportFailed, class: gateway.Waiting, delay: gateway.NotFoundDelay,
				msg: fmt.Sprintf("export task %s failed: %s; the previous document is kept", taskID, msg)}
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

func isNotFound(err error) bool {
	var gerr *gateway.Error
	return errors.As(err, &gerr) && gerr.HTTPStatus == 404
}

// store writes the document into the target when it changed, and records it in status.
func (r *ApiExportReconciler) store(ctx context.Context, s *expScope, task gateway.ExportTask, src exportSource) error {
	exp := s.exp
	sum := sha256.Sum256(task.Content)
	digest := hex.EncodeToString(sum[:])
	key := targetKey(exp)
	data := map[string][]byte{key: task.Content}
	if len(task.Content) > compressAbove {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(task.Content)
		_ = zw.Close()
		if buf.Len() > maxTargetBytes {
			return &passError{reason: v1alpha1.ReasonExportTooLarge, class: gateway.Terminal,
				msg: fmt.Sprintf("the document is %d bytes, %d compressed: more than a ConfigMap or Secret holds (%d). "+
					"Export fewer APIs with spec.apis, or use define spec", len(task.Content), buf.Len(), maxTargetBytes)}
		}
		data = map[string][]byte{key + ".gz": buf.Bytes()}
	}
	written, err := r.writeTarget(ctx, exp, digest, data)
	if err != nil {
		return targetWriteError(exp, err)
	}
	now := metav1.NewTime(r.Now.now())
	exp.Status.LastExportTime = &now
	exp.Status.ContentSHA256, exp.Status.Size = digest, int64(len(task.Content))
	exp.Status.APICount, exp.Status.SourceDigest = int32(len(src.APIIDs)), src.Digest
	if written && r.Recorder != nil {
		r.Recorder.Eventf(exp, nil, corev1.EventTypeNormal, "Exported", "Export",
			"Wrote %d APIs (%d bytes) to %s", len(src.APIIDs), len(task.Content), targetName(exp))
	}
	s.requeue = jitter(exportInterval(exp))
	return nil
}

func targetName(exp *v1alpha1.ApiExport) string {
	if exp.Spec.Target.Secret != nil {
		return "Secret " + exp.Spec.Target.Secret.Name
	}
	return "ConfigMap " + exp.Spec.Target.ConfigMap.Name
}

// newTarget returns an empty object of the target's kind and its key.
func newTarget(exp *v1alpha1.ApiExport) (client.Object, types.NamespacedName) {
	if t := exp.Spec.Target.Secret; t != nil {
		return &corev1.Secret{}, types.NamespacedName{Namespace: exp.Namespace, Name: t.Name}
	}
	return &corev1.ConfigMap{}, types.NamespacedName{Namespace: exp.Namespace, Name: exp.Spec.Target.ConfigMap.Name}
}

// writeTarget creates or updates the target with data, unless it already holds the document.
// An existing object that this ApiExport does not control is left alone.
// targetForbiddenDelay spaces the writes the API server refused: granting RBAC is no event
// the manager sees.
const targetForbiddenDelay = 5 * time.Minute

// targetWriteError says what to grant when RBAC refuses the write of the target, rather than
// retrying a bare "forbidden" with backoff.
func targetWriteError(exp *v1alpha1.ApiExport, err error) error {
	if !apierrors.IsForbidden(err) {
		return err
	}
	grant := "create and update on configmaps"
	if exp.Spec.Target.Secret != nil {
		grant = "create, update and delete on secrets (the kustomize component " + secretTargetsComponent + " grants them)"
	}
	return &passError{reason: v1alpha1.ReasonTargetForbidden, class: gateway.Waiting, delay: targetForbiddenDelay,
		msg: fmt.Sprintf("the API server refused to write %s: %v. Grant the manager's service account %s in namespace %s; "+
			"the write is tried again every %s", targetName(exp), err, grant, exp.Namespace, targetForbiddenDelay)}
}

func (r *ApiExportReconciler) writeTarget(ctx context.Context, exp *v1alpha1.ApiExport, digest string,
	data map[string][]byte) (bool, error) {
	obj, key := newTarget(exp)
	err := r.Reader.Get(ctx, key, obj)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("read %s: %w", targetName(exp), err)
	}
	if exists {
		if !metav1.IsControlledBy(obj, exp) {
			return false, &passError{reason: v1alpha1.ReasonTargetConflict, class: gateway.Terminal,
				msg: fmt.Sprintf("%s exists and is not owned by this ApiExport: it is left as it is. Delete it, or "+
					"choose another name in spec.target", targetName(exp))}
		}
		if storedDigest(obj, targetKey(exp)) == digest {
			return false, nil
		}
	} else {
		obj.SetNamespace(key.Namespace)
		obj.SetName(key.Name)
	}
	anns := obj.GetAnnotations()
	if anns == nil {
		anns = map[string]string{}
	}
	anns[contentAnnotation] = digest
	obj.SetAnnotations(anns)
	obj.SetLabels(map[string]string{"app.kubernetes.io/managed-by": "apig-operator"})
	switch o := obj.(type) {
	case *corev1.Secret:
		o.Data = data
	case *corev1.ConfigMap:
		o.Data, o.BinaryData = map[string]string{}, map[string][]byte{}
		for k, v := range data {
			if len(k) > 3 && k[len(k)-3:] == ".gz" {
				o.BinaryData[k] = v
			} else {
				o.Data[k] = string(v)
			}
		}
	}
	if err := controllerutil.SetControllerReference(exp, obj, r.Scheme); err != nil {
		return false, err
	}
	ctrl.LoggerFrom(ctx).Info("Writing the exported document", "target", targetName(exp), "sha256", digest)
	if exists {
		return true, r.Update(ctx, obj)
	}
	return true, r.Create(ctx, obj)
}

// targetIntact reports whether the target still holds the document of status.contentSHA256.
func (r *ApiExportReconciler) targetIntact(ctx context.Context, exp *v1alpha1.ApiExport) (bool, error) {
	obj, key := newTarget(exp)
	if err := r.Reader.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("read %s: %w", targetName(exp), err)
	}
	return metav1.IsControlledBy(obj, exp) && storedDigest(obj, targetKey(exp)) == exp.Status.ContentSHA256, nil
}

// storedDigest is the SHA-256 of the document the target holds under key (plain or
// gzip-compressed under key.gz), computed from the data itself so that an edit is noticed
// even when the annotation was left alone. It is "" when the key holds nothing readable.
func storedDigest(obj client.Object, key string) string {
	var plain, gz []byte
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		if v, ok := o.Data[key]; ok {
			plain = []byte(v)
		}
		gz = o.BinaryData[key+".gz"]
	case *corev1.Secret:
		plain, gz = o.Data[key], o.Data[key+".gz"]
	}
	if plain == nil && gz != nil {
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return ""
		}
		if plain, err = io.ReadAll(io.LimitReader(zr, 64<<20)); err != nil {
			return ""
		}
	}
	if plain == nil {
		return ""
	}
	sum := sha256.Sum256(plain)
	return hex.EncodeToString(sum[:])
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
	controllerutil.RemoveFinalizer(exp, v1alpha1.Finalizer)
	if err := r.Patch(ctx, exp, client.MergeFrom(s.before)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	s.released = true
	return nil
}

// deleteTarget deletes the target when this ApiExport controls it. A delete the manager is not
// allowed is left to the garbage collector rather than keeping the ApiExport forever.
func (r *ApiExportReconciler) deleteTarget(ctx context.Context, exp *v1alpha1.ApiExport) error {
	obj, key := newTarget(exp)
	err := r.Reader.Get(ctx, key, obj)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("read %s: %w", targetName(exp), err)
	case !metav1.IsControlledBy(obj, exp):
		return nil
	}
	err = r.Delete(ctx, obj)
	if apierrors.IsForbidden(err) {
		// The manager lost the permission (RBAC narrowed to some namespaces, or taken back):
		// the owner reference lets the garbage collector delete it instead.
		ctrl.LoggerFrom(ctx).Info("Leaving the target to the garbage collector: deleting it is forbidden",
			"target", targetName(exp))
		return nil
	}
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete %s: %w", targetName(exp), err)
	}
	return nil
}

// finish summarizes the pass into status and turns its error into the result.
func (r *ApiExportReconciler) finish(ctx context.Context, s *expScope, err error) (ctrl.Result, error) {
	if s.released {
		return ctrl.Result{}, nil
	}
	if err != nil && (s.due || s.exp.Status.TaskID != "") {
		s.exp.Status.SourceDigest = "" // not exported: the next pass exports again
	}
	summarizeExport(s, err)
	if !equality.Semantic.DeepEqual(s.before.Status, s.exp.Status) {
		if perr := r.Status().Patch(ctx, s.exp, client.MergeFrom(s.before)); client.IgnoreNotFound(perr) != nil && err == nil {
			err = fmt.Errorf("patch status: %w", perr)
		}
	}
	return passResult(err, s.requeue)
}

// SetupWithManager registers the controller: ApiExports, their targets (metadata only; Secrets
// only when Secret targets are enabled), the ApiPublications that change what is published on
// their gateway, and their ApiGateways.
func (r *ApiExportReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.ApiExport{}, indexExportGateway,
		func(o client.Object) []string { return []string{o.(*v1alpha1.ApiExport).Spec.GatewayRef.Name} }); err != nil {
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
			return o.(*v1alpha1.ApiPublication).Spec.GatewayRef.Name
		})), builder.WithPredicates(publishedChanged())).
		Watches(&v1alpha1.ApiGateway{}, handler.EnqueueRequestsFromMapFunc(r.exportsOnGateway(client.Object.GetName)),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, readyChanged()))).
		WatchesRawSource(source.Channel(r.Connector.Rebuilt(), handler.EnqueueRequestsFromMapFunc(r.exportsOnGateway(client.Object.GetName)))).
		WithOptions(controllerOptions(1)).
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
