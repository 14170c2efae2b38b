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
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// The target of an ApiExport: the ConfigMap or Secret that holds its document, owned by the
// ApiExport and rewritten only when the document changed.

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
			return stalling(v1alpha1.ReasonExportTooLarge, fmt.Errorf("the document is %d bytes, %d compressed: "+
				"more than a ConfigMap or Secret holds (%d). Export fewer APIs with spec.apis, or use define spec",
				len(task.Content), buf.Len(), maxTargetBytes))
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
	return waiting(v1alpha1.ReasonTargetForbidden, targetForbiddenDelay, fmt.Errorf("the API server refused to write %s: %v. "+
		"Grant the manager's service account %s in namespace %s; the write is tried again every %s",
		targetName(exp), err, grant, exp.Namespace, targetForbiddenDelay))
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
			return false, stalling(v1alpha1.ReasonTargetConflict, fmt.Errorf("%s exists and is not owned by this ApiExport: "+
				"it is left as it is. Delete it, or choose another name in spec.target", targetName(exp)))
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
