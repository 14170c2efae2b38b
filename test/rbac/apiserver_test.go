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

package rbac

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// TestManagerRoleOnAPIServer runs the writes the controllers make, as a user bound only to the
// generated manager-role, on an API server with the OwnerReferencesPermissionEnforcement
// admission plugin (on in OpenShift and in hardened clusters): every write the code makes is
// allowed, and the verbs dropped from the role are refused. It needs the envtest binaries.
func TestManagerRoleOnAPIServer(t *testing.T) {
	env, admin := startAPIServer(t, func(env *envtest.Environment) {
		env.ControlPlane.GetAPIServer().Configure().Append("enable-admission-plugins", "OwnerReferencesPermissionEnforcement")
	})
	ctx, scheme := context.Background(), admin.Scheme()

	// The manager: a user bound to the ClusterRole as generated.
	var role *rbacv1.ClusterRole
	for _, o := range load(t, rbacDir) {
		if o.Kind == "ClusterRole" && o.Metadata.Name == managerRole {
			role = &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: managerRole}, Rules: o.Rules}
		}
	}
	if role == nil {
		t.Fatalf("no ClusterRole %s under %s", managerRole, rbacDir)
	}
	must(t, admin.Create(ctx, role))
	must(t, admin.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: managerRole},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: managerRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "manager"}},
	}))
	user, err := env.AddUser(envtest.User{Name: "manager"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	manager, err := client.New(user.Config(), client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}

	const ns = "tenant"
	must(t, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	gw := &v1alpha1.ApiGateway{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gw"},
		Spec: v1alpha1.ApiGatewaySpec{Provider: v1alpha1.ProviderAPIG, Endpoint: "https://apig.cn-north-4.myhuaweicloud.com",
			ProjectID: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", InstanceID: "eddc4d25480b4cd6b512f270a1b8b341",
			CredentialsRef: v1alpha1.LocalObjectReference{Name: "creds"}},
	}
	pub := &v1alpha1.ApiPublication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pub"},
		Spec: v1alpha1.ApiPublicationSpec{GatewayRef: v1alpha1.GatewayReference{Name: "gw"}, Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{Name: "get_user"}}},
	}
	exp := &v1alpha1.ApiExport{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "exp"},
		Spec: v1alpha1.ApiExportSpec{GatewayRef: v1alpha1.GatewayReference{Name: "gw"}, Environment: "RELEASE",
			Group:  v1alpha1.GroupReference{Name: "shop"},
			Target: v1alpha1.ExportTarget{ConfigMap: &v1alpha1.ExportTargetObject{Name: "shop-openapi"}}},
	}
	for _, o := range []client.Object{gw, pub, exp} {
		must(t, admin.Create(ctx, o))
	}

	// What the controllers do.
	allowed := []struct {
		what string
		do   func() error
	}{
		{"list ApiGateways", func() error { return manager.List(ctx, &v1alpha1.ApiGatewayList{}) }},
		{"patch ApiGateway status", func() error {
			before := gw.DeepCopy()
			gw.Status.ObservedGeneration = 1
			return manager.Status().Patch(ctx, gw, client.MergeFrom(before))
		}},
		{"add the ApiPublication finalizer with a merge patch", func() error { return patchFinalizer(ctx, manager, pub, true) }},
		{"patch ApiPublication status", func() error {
			before := pub.DeepCopy()
			pub.Status.ObservedGeneration = 1
			return manager.Status().Patch(ctx, pub, client.MergeFrom(before))
		}},
		{"remove the ApiPublication finalizer", func() error { return patchFinalizer(ctx, manager, pub, false) }},
		{"add the ApiExport finalizer", func() error { return patchFinalizer(ctx, manager, exp, true) }},
		{"create a target owned by the ApiExport, with blockOwnerDeletion", func() error {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-openapi"}}
			if err := controllerutil.SetControllerReference(exp, cm, scheme); err != nil {
				return err
			}
			return manager.Create(ctx, cm)
		}},
		{"remove the ApiExport finalizer", func() error { return patchFinalizer(ctx, manager, exp, false) }},
	}
	for _, a := range allowed {
		if err := a.do(); err != nil {
			t.Errorf("%s: %v", a.what, err)
		}
	}

	// What no controller does.
	refused := []struct {
		what string
		do   func() error
	}{
		{"patch an ApiGateway's spec", func() error {
			return manager.Patch(ctx, gw, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"endpoint":"https://example.com"}}`)))
		}},
		{"update an ApiGateway", func() error {
			cur := &v1alpha1.ApiGateway{}
			if err := admin.Get(ctx, client.ObjectKeyFromObject(gw), cur); err != nil {
				return err
			}
			return manager.Update(ctx, cur)
		}},
		{"update an ApiPublication", func() error {
			cur := &v1alpha1.ApiPublication{}
			if err := admin.Get(ctx, client.ObjectKeyFromObject(pub), cur); err != nil {
				return err
			}
			return manager.Update(ctx, cur)
		}},
		{"delete an ApiPublication", func() error { return manager.Delete(ctx, pub.DeepCopy()) }},
		{"create a ConfigMap that blocks the deletion of an ApiPublication", func() error {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "blocks-pub"}}
			if err := controllerutil.SetControllerReference(pub, cm, scheme); err != nil {
				return err
			}
			return manager.Create(ctx, cm)
		}},
	}
	for _, r := range refused {
		if err := r.do(); !apierrors.IsForbidden(err) {
			t.Errorf("%s: want Forbidden, got %v", r.what, err)
		}
	}
}

// patchFinalizer adds or removes the finalizer with a merge patch, as pass.go does.
func patchFinalizer(ctx context.Context, c client.Client, obj client.Object, add bool) error {
	before := obj.DeepCopyObject().(client.Object)
	if add {
		controllerutil.AddFinalizer(obj, v1alpha1.Finalizer)
	} else {
		controllerutil.RemoveFinalizer(obj, v1alpha1.Finalizer)
	}
	return c.Patch(ctx, obj, client.MergeFrom(before))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// startAPIServer starts an envtest API server with the CRDs (configure may change it first), stopped
// when the test ends, and returns it with an admin client; the test is skipped without the
// envtest binaries.
func startAPIServer(t *testing.T, configure func(*envtest.Environment)) (*envtest.Environment, client.Client) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: run with KUBEBUILDER_ASSETS=$(hack/envtest.sh)")
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	if configure != nil {
		configure(env)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start the API server: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	admin, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return env, admin
}
