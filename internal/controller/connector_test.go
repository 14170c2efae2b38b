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
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// recordingReader is a client.Reader that records every read.
type recordingReader struct {
	client.Reader
	mu    sync.Mutex
	reads []read
}

type read struct {
	op, kind, namespace, name string
}

func (r read) String() string { return fmt.Sprintf("%s %s %s/%s", r.op, r.kind, r.namespace, r.name) }

func (r *recordingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	r.mu.Lock()
	r.reads = append(r.reads, read{op: "get", kind: fmt.Sprintf("%T", obj), namespace: key.Namespace, name: key.Name})
	r.mu.Unlock()
	return r.Reader.Get(ctx, key, obj, opts...)
}

func (r *recordingReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	lo := &client.ListOptions{}
	lo.ApplyOptions(opts)
	r.mu.Lock()
	r.reads = append(r.reads, read{op: "list", kind: fmt.Sprintf("%T", list), namespace: lo.Namespace})
	r.mu.Unlock()
	return r.Reader.List(ctx, list, opts...)
}

// TestConnectorReadsOnlyItsNamespace: the manager reads a Secret only in the namespace of the
// ApiGateway that names it. A Secret or CA bundle of the same name in another namespace is
// never read, and never used: the ApiGateway is told it does not exist.
func TestConnectorReadsOnlyItsNamespace(t *testing.T) {
	const home, other = "team-a", "team-b"
	creds := map[string][]byte{v1alpha1.SecretKeyAccessKey: []byte("AK"), v1alpha1.SecretKeySecretKey: []byte("SK")}
	secret := func(ns, name string, data map[string][]byte) client.Object {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data}
	}
	caBundle := map[string][]byte{defaultCAKey: []byte("-----BEGIN CERTIFICATE-----\n")}
	gatewayNaming := func(ca *v1alpha1.CABundleReference) *v1alpha1.ApiGateway {
		gw := &v1alpha1.ApiGateway{
			ObjectMeta: metav1.ObjectMeta{Namespace: home, Name: "gw", UID: "uid-1", Generation: 1},
			Spec: v1alpha1.ApiGatewaySpec{Provider: v1alpha1.ProviderAPIG, Endpoint: "https://apig.example.com",
				ProjectID: simProject, InstanceID: simInstance, CredentialsRef: v1alpha1.LocalObjectReference{Name: "creds"}},
		}
		if ca != nil {
			gw.Spec.TLS = &v1alpha1.TLSConfig{CABundleRef: ca}
		}
		return gw
	}
	cases := []struct {
		reason  string
		objects []client.Object
		gw      *v1alpha1.ApiGateway
		// wantReason is the reason of the waiting error; "" means Connect succeeds.
		wantReason string
	}{
		{
			reason:  "credentials that exist only in another namespace are not found",
			objects: []client.Object{secret(other, "creds", creds)},
			gw:      gatewayNaming(nil), wantReason: v1alpha1.ReasonSecretNotFound,
		},
		{
			reason:  "a CA bundle Secret that exists only in another namespace is not found",
			objects: []client.Object{secret(home, "creds", creds), secret(other, "ca", caBundle)},
			gw:      gatewayNaming(&v1alpha1.CABundleReference{Kind: kindSecret, Name: "ca"}), wantReason: v1alpha1.ReasonCABundleNotFound,
		},
		{
			reason: "a CA bundle ConfigMap that exists only in another namespace is not found",
			objects: []client.Object{secret(home, "creds", creds), &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "ca"}, Data: map[string]string{defaultCAKey: "pem"}}},
			gw: gatewayNaming(&v1alpha1.CABundleReference{Name: "ca"}), wantReason: v1alpha1.ReasonCABundleNotFound,
		},
		{
			reason:  "the credentials in the ApiGateway's namespace are used, not those of the same name elsewhere",
			objects: []client.Object{secret(home, "creds", creds), secret(other, "creds", map[string][]byte{"token": []byte("x")})},
			gw:      gatewayNaming(nil),
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			reader := &recordingReader{Reader: fake.NewClientBuilder().WithObjects(tc.objects...).Build()}
			c := &Connector{Reader: reader, Registry: driver.NewRegistry(), Endpoints: EndpointPolicy{Allowed: []string{"*"}}}
			conn, err := c.Connect(context.Background(), tc.gw)
			if tc.wantReason == "" {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				if conn.Driver.Provider() != driver.APIG {
					t.Fatalf("Connect returned no APIG connection")
				}
			} else {
				if o := outcomeOf(err); !hasReason(err, tc.wantReason) || o.class != gateway.Waiting {
					t.Errorf("Connect error = %v (reason %s, class %s), want a waiting error with reason %s",
						err, o.reason, o.class, tc.wantReason)
				}
			}
			if len(reader.reads) == 0 {
				t.Fatalf("the Connector read nothing")
			}
			// Only Gets of named objects in the ApiGateway's namespace: no List, which could
			// range over every namespace, and nothing elsewhere.
			for _, rd := range reader.reads {
				if rd.op != "get" || rd.namespace != home {
					t.Errorf("%s: the Connector may only get objects in the ApiGateway's namespace %s", rd, home)
				}
			}
		})
	}
}
