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

package e2e

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// A tenant may create ApiGateways and Secrets in their own namespace. These specs play one
// who tries to turn the operator against the cluster, with the manager binary and a server of
// the tenant's own that records what reaches it.
var _ = Describe("A tenant in a shared cluster", func() {
	readyOf := func(ns, name string) string {
		return kubectlOK("get", "apigateway", name, "-n", ns, "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}`)
	}

	It("cannot make the manager send a service-account token, or any credentials, to a host of theirs", func() {
		var requests atomic.Int64
		collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			requests.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		DeferCleanup(collector.Close)

		By("naming a service-account token Secret as credentials")
		const tokenNS, otherNS = "apig-tenant-token", "apig-tenant-host"
		_, err := applyYAML(`apiVersion: v1
kind: Namespace
metadata: {name: ` + tokenNS + `}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot, namespace: ` + tokenNS + `}
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: ` + tokenNS + `
  annotations: {kubernetes.io/service-account.name: robot}
type: kubernetes.io/service-account-token
stringData: {token: a-service-account-token}
---
` + gatewayYAML(tokenNS, "exfil", collector.URL, ""))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { kubectlOK("delete", "namespace", tokenNS, "--wait=false") })
		Eventually(func() string { return readyOf(tokenNS, "exfil") }).WithTimeout(30 * time.Second).
			Should(Equal("False SecretTypeNotAllowed"))

		By("pointing an ApiGateway with Opaque credentials at a host outside --allowed-endpoints")
		// localhost reaches the same server, but only 127.0.0.1 is admitted.
		elsewhere := strings.Replace(collector.URL, "127.0.0.1", "localhost", 1)
		_, err = applyYAML(`apiVersion: v1
kind: Namespace
metadata: {name: ` + otherNS + `}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ` + otherNS + `}
stringData: {token: demo-token}
---
` + gatewayYAML(otherNS, "elsewhere", elsewhere, ""))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { kubectlOK("delete", "namespace", otherNS, "--wait=false") })
		Eventually(func() string { return readyOf(otherNS, "elsewhere") }).WithTimeout(30 * time.Second).
			Should(Equal("False EndpointNotAllowed"))
		Expect(kubectlOK("get", "apigateway", "elsewhere", "-n", otherNS, "-o",
			`jsonpath={.status.conditions[?(@.type=="Stalled")].status}`)).To(Equal("True"))

		Consistently(requests.Load).WithTimeout(5*time.Second).Should(BeZero(), "a request reached the tenant's server")
	})

	It("cannot keep another namespace's gateway from becoming Ready with gateways that never answer", func() {
		By("listening on a port that accepts connections and never answers")
		hole, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		var accepted atomic.Int64
		var mu sync.Mutex
		var held []net.Conn
		go func() {
			for {
				c, err := hole.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
			}
		}()
		DeferCleanup(func() {
			_ = hole.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range held {
				_ = c.Close()
			}
		})

		By("creating six ApiGateways on it in one namespace")
		const holeNS, healthyNS = "apig-tenant-hole", "apig-tenant-healthy"
		manifest := `apiVersion: v1
kind: Namespace
metadata: {name: ` + holeNS + `}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ` + holeNS + `}
stringData: {token: demo-token}
`
		for _, name := range []string{"hole-1", "hole-2", "hole-3", "hole-4", "hole-5", "hole-6"} {
			manifest += "---\n" + gatewayYAML(holeNS, name, "http://"+hole.Addr().String(), "")
		}
		_, err = applyYAML(manifest)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { kubectlOK("delete", "namespace", holeNS, "--wait=false") })
		Eventually(accepted.Load).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 6))

		By("creating a healthy ApiGateway in another namespace while they hang")
		_, err = applyYAML(`apiVersion: v1
kind: Namespace
metadata: {name: ` + healthyNS + `}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ` + healthyNS + `}
stringData: {token: demo-token}
---
` + gatewayYAML(healthyNS, "healthy", simURL, ""))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { kubectlOK("delete", "namespace", healthyNS, "--wait=false") })
		kubectlOK("wait", "-n", healthyNS, "--for=condition=Ready", "--timeout=15s", "apigateway/healthy")
	})
})
