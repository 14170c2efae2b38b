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
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

func TestEndpointPolicy(t *testing.T) {
	huawei := EndpointPolicy{Allowed: DefaultAllowedEndpoints}
	cases := []struct {
		reason   string
		policy   EndpointPolicy
		endpoint string
		want     string // condition reason; "" when allowed
	}{
		{"a public Huawei Cloud endpoint", huawei, "https://apig.cn-north-4.myhuaweicloud.com", ""},
		{"the European domain", huawei, "https://apig.eu-west-101.myhuaweicloud.eu", ""},
		{"a pattern does not admit its bare domain", huawei, "https://myhuaweicloud.com", v1alpha1.ReasonEndpointNotAllowed},
		{"a look-alike domain", huawei, "https://apig.myhuaweicloud.com.attacker.example", v1alpha1.ReasonEndpointNotAllowed},
		{"a suffix that is not a subdomain", huawei, "https://evilmyhuaweicloud.com", v1alpha1.ReasonEndpointNotAllowed},
		{"any other host", huawei, "https://collector.example.com", v1alpha1.ReasonEndpointNotAllowed},
		{"http is refused by default", huawei, "http://apig.cn-north-4.myhuaweicloud.com", v1alpha1.ReasonEndpointNotAllowed},
		{"http with the flag", EndpointPolicy{Allowed: []string{"127.0.0.1"}, InsecureAllowHTTP: true}, "http://127.0.0.1:18080", ""},
		{"the port is not part of the pattern", EndpointPolicy{Allowed: []string{"apig.hcs.example"}}, "https://apig.hcs.example:8443", ""},
		{"host names compare without case", EndpointPolicy{Allowed: []string{"*.HCS.example"}}, "https://APIG.hcs.example", ""},
		{"a wildcard admits everything", EndpointPolicy{Allowed: []string{"*"}}, "https://anything.example", ""},
		{"no pattern admits nothing", EndpointPolicy{}, "https://apig.cn-north-4.myhuaweicloud.com", v1alpha1.ReasonEndpointNotAllowed},
		{"user info is refused", huawei, "https://user:pass@apig.cn-north-4.myhuaweicloud.com", v1alpha1.ReasonInvalidSpec},
		{"a query is refused", huawei, "https://apig.cn-north-4.myhuaweicloud.com/?x=1", v1alpha1.ReasonInvalidSpec},
		{"another scheme", huawei, "ftp://apig.cn-north-4.myhuaweicloud.com", v1alpha1.ReasonInvalidSpec},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			err := tc.policy.check(tc.endpoint)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && !hasReason(err, tc.want):
				t.Errorf("got %v, want reason %s", err, tc.want)
			case tc.want != "" && !outcomeOf(err).stalled:
				t.Errorf("a refused endpoint is not Stalled: %+v", outcomeOf(err))
			}
		})
	}
}

// TestConnectorSendsNothingItMayNot: a refused endpoint is not called and its Secret is not
// read; a Secret of another type than Opaque (a service-account token first) is not sent.
func TestConnectorSendsNothingItMayNot(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	const ns = "tenant"
	gw := &v1alpha1.ApiGateway{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gw", UID: "u1", Generation: 1},
		Spec: v1alpha1.ApiGatewaySpec{Provider: v1alpha1.ProviderAPIG, Endpoint: srv.URL, ProjectID: simProject,
			InstanceID: simInstance, CredentialsRef: v1alpha1.LocalObjectReference{Name: "creds"}}}
	token := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}, Type: corev1.SecretTypeServiceAccountToken,
		Data: map[string][]byte{"token": []byte("a-service-account-token")}}
	cases := []struct {
		reason    string
		policy    EndpointPolicy
		secret    client.Object
		want      string
		readsNone bool
	}{
		{"http without --insecure-allow-http", EndpointPolicy{Allowed: []string{"127.0.0.1"}}, token, v1alpha1.ReasonEndpointNotAllowed, true},
		{"a host outside --allowed-endpoints", EndpointPolicy{Allowed: DefaultAllowedEndpoints, InsecureAllowHTTP: true}, token,
			v1alpha1.ReasonEndpointNotAllowed, true},
		{"a service-account token named as credentials", EndpointPolicy{Allowed: []string{"127.0.0.1"}, InsecureAllowHTTP: true},
			token, v1alpha1.ReasonSecretTypeNotAllowed, false},
		{"a dockerconfigjson Secret", EndpointPolicy{Allowed: []string{"127.0.0.1"}, InsecureAllowHTTP: true},
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}, Type: corev1.SecretTypeDockerConfigJson,
				Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte("{}"), "token": []byte("t")}},
			v1alpha1.ReasonSecretTypeNotAllowed, false},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			reader := &recordingReader{Reader: fake.NewClientBuilder().WithObjects(tc.secret).Build()}
			c := &Connector{Reader: reader, Registry: driver.NewRegistry(), Endpoints: tc.policy,
				Metrics: gateway.NewMetrics()}
			conn, err := c.Connect(context.Background(), gw)
			if conn != nil || !hasReason(err, tc.want) || !outcomeOf(err).stalled {
				t.Fatalf("Connect = %v, %v; want a stall with reason %s", conn, err, tc.want)
			}
			if tc.readsNone && len(reader.reads) > 0 {
				t.Errorf("the Secret was read for a refused endpoint: %v", reader.reads)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("%d requests reached the endpoint", n)
			}
		})
	}
}
