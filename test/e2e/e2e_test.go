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
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

const (
	project    = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	instance   = "eddc4d25480b4cd6b512f270a1b8b341"
	getUserID  = "5f918d104dc84480a75166ba99efff21"
	versionOld = "ee1a5a38d3d3493abf1dc4ed6cacfa0b"
	versionNew = "632b7c5e1a2d4f3e8b9c0d1e2f3a4b5c"
	ns         = "apig-demo"
)

// simGet decodes what a simulator's admin endpoint answers, for example /_sim/state.
func simGet(url, path string, into any) {
	GinkgoHelper()
	resp, err := simClient.Get(url + path)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close() //nolint:errcheck
	Expect(resp.StatusCode).To(Equal(http.StatusOK))
	Expect(json.NewDecoder(resp.Body).Decode(into)).To(Succeed())
}

// simState reads what a simulator holds.
func simState(url string) gatewaysim.StateDump {
	GinkgoHelper()
	var st gatewaysim.StateDump
	simGet(url, "/_sim/state", &st)
	return st
}

// simCalls reads a simulator's call log.
func simCalls(url string) []gatewaysim.Call {
	GinkgoHelper()
	var calls []gatewaysim.Call
	simGet(url, "/_sim/calls", &calls)
	return calls
}

// consoleCall sends a request to a simulator's APIG instance as a console user with token
// would, and returns the status.
func consoleCall(url, token, method, path, body string) int {
	GinkgoHelper()
	req, err := http.NewRequest(method, url+"/v2/"+project+"/apigw/instances/"+instance+path, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := simClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Body.Close()).To(Succeed())
	return resp.StatusCode
}

// scrapeMetrics reads a manager's plain-HTTP metrics endpoint.
func scrapeMetrics(url string) (string, error) {
	resp, err := simClient.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close() //nolint:errcheck
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

// namespaceWithToken is a namespace and its Secret creds holding a gateway token.
func namespaceWithToken(namespace, token string) string {
	return `apiVersion: v1
kind: Namespace
metadata: {name: ` + namespace + `}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ` + namespace + `}
stringData: {token: ` + token + `}
`
}

// liveVersion is the version of an API live in an environment of the samples' simulator,
// "" when offline.
func liveVersion(api, env string) string {
	return liveVersionAt(simURL, api, env)
}

func liveVersionAt(url, api, env string) string {
	for _, a := range simState(url).Projects[project].APIG[instance].APIs {
		if a.Name == api {
			return a.Publications[env].LiveVersion
		}
	}
	return ""
}

func waitReady(kinds string, timeout time.Duration) {
	GinkgoHelper()
	kubectlOK("wait", "-n", ns, "--for=condition=Ready", "--timeout="+timeout.String(), kinds, "--all")
}

var _ = Describe("The user's path", Ordered, func() {
	samples := func() string { return filepath.Join(work, "samples") }

	It("applies the samples with kubectl and every object becomes Ready", func() {
		kubectlOK("apply", "-k", samples())
		waitReady("apigateway", 2*time.Minute)
		waitReady("apipublication", 2*time.Minute)
		waitReady("apiexport", 2*time.Minute)
		out := kubectlOK("get", "apig", "-n", ns)
		GinkgoWriter.Println(out)
		Expect(out).To(ContainSubstring("Succeeded"))
		Expect(liveVersion("get_user", "RELEASE")).NotTo(BeEmpty())
		Expect(liveVersion("list_orders", "RELEASE")).To(Equal(versionOld), "the pinned sample switched list_orders")
		doc := kubectlOK("get", "configmap", "shop-openapi", "-n", ns, "-o", `jsonpath={.data.openapi\.yaml}`)
		Expect(doc).To(ContainSubstring("openapi: 3.0"))
	})

	It("rejects invalid YAML at kubectl apply, naming the field", func() {
		out, err := applyYAML(`apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: too-long, namespace: apig-demo}
spec:
  gatewayRef: {name: demo-apig}
  environment: RELEASE
  apis: [{id: 5f918d104dc84480a75166ba99efff21}]
  remark: ` + strings.Repeat("r", 256) + "\n")
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("spec.remark"))
		out, err = applyYAML(`apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: both, namespace: apig-demo}
spec:
  gatewayRef: {name: demo-apig}
  environment: RELEASE
  apis: [{id: 5f918d104dc84480a75166ba99efff21}]
  group: {name: shop}
`)
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("set exactly one of spec.apis or spec.group"))
	})

	It("switches a version when the YAML is edited and applied again", func() {
		_, err := applyYAML(`apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: orders, namespace: apig-demo}
spec:
  gatewayRef: {name: demo-apig}
  environment: RELEASE
  apis:
  - name: list_orders
    versionId: ` + versionNew + `
  - name: create_order
  deletionPolicy: Retain
`)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() string { return liveVersion("list_orders", "RELEASE") }).
			WithTimeout(30 * time.Second).Should(Equal(versionNew))
		waitReady("apipublication/orders", time.Minute)
	})

	It("puts back an API taken offline behind its back", func() {
		req, err := http.NewRequest(http.MethodPost, simURL+"/v2/"+project+"/apigw/instances/"+instance+"/apis/action",
			strings.NewReader(`{"action":"offline","api_id":"`+getUserID+`","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`))
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("X-Auth-Token", "demo-token")
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusCreated))
		Expect(liveVersion("get_user", "RELEASE")).To(BeEmpty())
		// The sample gateway's observeInterval is 30s.
		Eventually(func() string { return liveVersion("get_user", "RELEASE") }).
			WithTimeout(75 * time.Second).WithPolling(time.Second).ShouldNot(BeEmpty())
		Eventually(func() string {
			return kubectlOK("get", "events", "-n", ns, "--field-selector", "reason=DriftCorrected", "-o", "name")
		}).WithTimeout(30 * time.Second).ShouldNot(BeEmpty())
	})

	It("changes nothing when the same manifests are server-side applied twice", func() {
		// The first server-side apply takes the fields over from client-side apply.
		kubectlOK("apply", "--server-side", "--force-conflicts", "-k", samples())
		waitReady("apipublication", 2*time.Minute)
		waitReady("apiexport", 2*time.Minute)
		versions := func() string {
			return kubectlOK("get", "apigateway,apipublication,apiexport", "-n", ns,
				"-o", `jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}`)
		}
		before := versions()
		out := kubectlOK("apply", "--server-side", "-k", samples())
		Expect(out).NotTo(ContainSubstring("conflict"))
		Consistently(versions).WithTimeout(5 * time.Second).Should(Equal(before))
	})

	It("reports AuthenticationFailed in kubectl get for a wrong key", func() {
		_, err := applyYAML(`apiVersion: v1
kind: Secret
metadata: {name: wrong-credentials, namespace: apig-demo}
stringData: {accessKey: DEMOAK, secretKey: not-the-secret}
---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiGateway
metadata: {name: wrong-key, namespace: apig-demo}
spec:
  provider: APIG
  endpoint: ` + simURL + `
  projectId: ` + project + `
  instanceId: ` + instance + `
  credentialsRef: {name: wrong-credentials}
`)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() string { return kubectlOK("get", "apigw", "wrong-key", "-n", ns) }).
			WithTimeout(30 * time.Second).Should(MatchRegexp(`wrong-key\s+APIG\s+False\s+AuthenticationFailed`))
		out := kubectlOK("get", "apigw", "wrong-key", "-n", ns, "-o", "yaml")
		Expect(out).NotTo(ContainSubstring("not-the-secret"))
	})

	It("converges a change made while the manager was down, after it is killed and restarted", func() {
		kill(manager)
		_, err := applyYAML(`apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: get-order, namespace: apig-demo}
spec:
  gatewayRef: {name: demo-apig}
  environment: RELEASE
  apis: [{name: get_order}]
`)
		Expect(err).NotTo(HaveOccurred())
		Expect(liveVersion("get_order", "RELEASE")).To(BeEmpty())
		startManager()
		waitReady("apipublication/get-order", time.Minute)
		Expect(liveVersion("get_order", "RELEASE")).NotTo(BeEmpty())
	})

	It("takes APIs offline on delete with deletionPolicy Offline, and leaves them with Retain", func() {
		kubectlOK("delete", "apipublication", "get-user", "-n", ns, "--timeout=60s")
		Expect(liveVersion("get_user", "RELEASE")).To(BeEmpty())
		kubectlOK("delete", "apipublication", "orders", "-n", ns, "--timeout=60s")
		Expect(liveVersion("list_orders", "RELEASE")).NotTo(BeEmpty())
		Expect(liveVersion("create_order", "RELEASE")).NotTo(BeEmpty())
	})

	It("deploys config/default (server-side dry run)", func() {
		// The suite created the namespace for the chart's RBAC the managers run under.
		out := kubectlOK("apply", "--dry-run=server", "-k", filepath.Join(root, "config/default"))
		GinkgoWriter.Println(out)
		Expect(out).To(ContainSubstring("deployment.apps/apig-operator-controller-manager"))
		Expect(out).To(ContainSubstring("clusterrole.rbac.authorization.k8s.io/apig-operator-manager-role"))
	})
})
