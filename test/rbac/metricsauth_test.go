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
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/apig-operator/apig-operator/internal/metricsauth"
)

// TestMetricsEndpointAuthorization puts the manager's metrics filter, with the manager's
// credentials bound to config/rbac's metrics-auth-role only, in front of a handler on a real
// API server: a scrape needs a ServiceAccount token the API server authenticates and a user
// bound to config/rbac's metrics-reader.
func TestMetricsEndpointAuthorization(t *testing.T) {
	env, admin := startAPIServer(t, nil)
	ctx := context.Background()

	roles := map[string]*rbacv1.ClusterRole{}
	for _, o := range load(t, rbacDir) {
		if o.Kind == "ClusterRole" && (o.Metadata.Name == "metrics-auth-role" || o.Metadata.Name == "metrics-reader") {
			roles[o.Metadata.Name] = &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: o.Metadata.Name}, Rules: o.Rules}
			must(t, admin.Create(ctx, roles[o.Metadata.Name]))
		}
	}
	if len(roles) != 2 {
		t.Fatalf("config/rbac has %d of metrics-auth-role and metrics-reader", len(roles))
	}
	bind := func(role string, subject rbacv1.Subject) {
		must(t, admin.Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: role + "-" + subject.Name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects:   []rbacv1.Subject{subject},
		}))
	}
	bind("metrics-auth-role", rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "manager"})
	manager, err := env.AddUser(envtest.User{Name: "manager"}, nil)
	if err != nil {
		t.Fatal(err)
	}

	const ns = "monitoring"
	must(t, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	token := func(name string) string {
		t.Helper()
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		must(t, admin.Create(ctx, sa))
		tr := &authnv1.TokenRequest{}
		must(t, admin.SubResource("token").Create(ctx, sa, tr))
		return tr.Status.Token
	}
	prometheus, intruder := token("prometheus"), token("intruder")
	bind("metrics-reader", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: "prometheus"})

	h := guarded(t, manager.Config())
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	for _, c := range []struct {
		what, path, auth string
		want             int
	}{
		{"no token", "/metrics", "", http.StatusUnauthorized},
		{"not a bearer token", "/metrics", "Basic " + prometheus, http.StatusUnauthorized},
		{"a token the API server does not know", "/metrics", "Bearer not-a-token", http.StatusUnauthorized},
		{"a ServiceAccount not bound to metrics-reader", "/metrics", "Bearer " + intruder, http.StatusForbidden},
		{"metrics-reader, another path", "/debug/pprof/", "Bearer " + prometheus, http.StatusForbidden},
		{"metrics-reader", "/metrics", "Bearer " + prometheus, http.StatusOK},
		{"metrics-reader, the scheme in lower case", "/metrics", "bearer " + prometheus, http.StatusOK},
	} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %q, want %d", c.what, resp.StatusCode, body, c.want)
		}
		if got := string(body); (c.want == http.StatusOK) != (got == "apig_objects 1\n") {
			t.Errorf("%s: the metrics were %s: %q", c.what, map[bool]string{true: "served", false: "not served"}[c.want == http.StatusOK], got)
		}
	}

	// The manager without metrics-auth-role cannot review: the scrape fails, it is not let through.
	outsider, err := env.AddUser(envtest.User{Name: "outsider"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	oh := guarded(t, outsider.Config())
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+prometheus)
	oh.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("a manager that may not review tokens: %d %q, want %d", rec.Code, rec.Body.String(), http.StatusInternalServerError)
	}
}

// guarded is a metrics handler behind the filter, reviewing with cfg's credentials.
func guarded(t *testing.T, cfg *rest.Config) http.Handler {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	filter, err := metricsauth.Filter(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	h, err := filter(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "apig_objects 1\n")
	}))
	if err != nil {
		t.Fatal(err)
	}
	return h
}
