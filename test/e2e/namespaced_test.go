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
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

// The chart's namespaced mode (rbac.namespaced with manager.watchNamespaces): a release whose
// manager watches two namespaces, with Roles there and in its own namespace only.
const (
	scopedRelease = "apig-scoped"
	scopedSystem  = "apig-scoped-system" // the release namespace: ServiceAccount, lease, ClusterApiGateway Secrets
	scopedNS      = "apig-scoped"        // watched: an ApiPublication
	scopedNS2     = "apig-scoped-b"      // watched: an ApiExport
	outsideNS     = "apig-scoped-outside"
)

var _ = Describe("A manager confined to its namespaces by the chart's namespaced RBAC", Label("namespaced"), Ordered, func() {
	var url, kubeconfig, token string
	var scoped *harness.Process

	BeforeAll(func() {
		token = randomHex("scoped-token-")
		credentials = append(credentials, token)
		data, err := yaml.Marshal(gatewaysim.Seed{Tokens: []string{token}, Projects: []gatewaysim.SeedProject{{ID: project,
			APIG: []gatewaysim.SeedInstance{{InstanceID: instance, Groups: []gatewaysim.SeedGroup{{Name: "team", APIs: []gatewaysim.SeedAPI{
				{Name: "team_list", Method: "GET", Path: "/team"},
				{Name: "team_get", Method: "GET", Path: "/team/{id}"},
			}}}}}}}})
		Expect(err).NotTo(HaveOccurred())
		seedPath := filepath.Join(work, "scoped-seed.yaml")
		Expect(os.WriteFile(seedPath, data, 0o600)).To(Succeed())
		var sim *harness.Process
		sim, url = startSim("gatewaysim-scoped", seedPath, "--quiet")

		var namespaces string
		for _, n := range []string{scopedNS, scopedNS2, outsideNS} {
			namespaces += "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: " + n + "}\n"
		}
		_, err = applyYAML(namespaces)
		Expect(err).NotTo(HaveOccurred())
		watched := scopedNS + "," + scopedNS2
		By("granting a second release's ServiceAccount the chart's namespaced RBAC for " + watched)
		kubeconfig = installChartRBAC(scopedRelease, scopedSystem,
			[]string{"watch", "apiexports.publishing.apig-operator.dev", "-n", scopedNS2},
			"--set", "rbac.namespaced=true", "--set", "manager.watchNamespaces={"+watched+"}")

		By("replacing the suite's manager with one that watches " + watched + " only")
		manager.Stop()
		DeferCleanup(func() {
			scoped.Stop()
			sim.Stop()
			// Nothing is to reconcile it once the suite's manager, which watches everything, is back.
			kubectlOK("delete", "apipublication", "outside", "-n", outsideNS, "--ignore-not-found")
			startManager()
		})
		scoped, err = harness.StartManager(work, "manager-scoped", kubeconfig, "--zap-log-level=debug",
			"--watch-namespace="+watched, "--cluster-resource-namespace="+scopedSystem,
			"--leader-elect", "--leader-election-namespace="+scopedSystem)
		Expect(err).NotTo(HaveOccurred())
	})

	It("converges an ApiPublication and an ApiExport in its namespaces", func() {
		var manifest string
		for _, n := range []string{scopedNS, scopedNS2} {
			manifest += `apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ` + n + `}
stringData: {token: ` + token + `}
---
` + gatewayYAML(n, "team", url, "") + "---\n"
		}
		_, err := applyYAML(manifest + `apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: team, namespace: ` + scopedNS + `}
spec:
  gatewayRef: {name: team}
  environment: RELEASE
  apis: [{name: team_list}, {name: team_get}]
`)
		Expect(err).NotTo(HaveOccurred())
		kubectlOK("wait", "-n", scopedNS2, "--for=condition=Ready", "--timeout=90s", "apigateway/team")
		for _, obj := range []string{"apigateway/team", "apipublication/team"} {
			kubectlOK("wait", "-n", scopedNS, "--for=condition=Ready", "--timeout=90s", obj)
		}
		Expect(liveVersionAt(url, "team_list", "RELEASE")).NotTo(BeEmpty())
		Expect(liveVersionAt(url, "team_get", "RELEASE")).NotTo(BeEmpty())

		// Exported once both are published, so the document has both.
		_, err = applyYAML(`apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiExport
metadata: {name: team-openapi, namespace: ` + scopedNS2 + `}
spec:
  gatewayRef: {name: team}
  environment: RELEASE
  group: {name: team}
  oasVersion: "3.0"
  format: yaml
  target:
    configMap: {name: team-openapi, key: openapi.yaml}
`)
		Expect(err).NotTo(HaveOccurred())
		kubectlOK("wait", "-n", scopedNS2, "--for=condition=Ready", "--timeout=90s", "apiexport/team-openapi")
		doc := kubectlOK("get", "configmap", "team-openapi", "-n", scopedNS2, "-o", `jsonpath={.data.openapi\.yaml}`)
		Expect(doc).To(And(ContainSubstring("openapi: 3.0"), ContainSubstring("/team/{id}")))
		Expect(kubectlOK("get", "lease", "leader.publishing.apig-operator.dev", "-n", scopedSystem,
			"-o", "jsonpath={.spec.holderIdentity}")).NotTo(BeEmpty())
	})

	It("may read no Secret and touch no object outside its namespaces", func() {
		canI := func(args ...string) string {
			out, _ := kubectl(append([]string{"--kubeconfig", kubeconfig, "auth", "can-i"}, args...)...)
			return lastLine(out) // after kubectl's warnings
		}
		const pubs = "apipublications.publishing.apig-operator.dev"
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"get", "secrets", "-n", scopedNS}, "yes"},
			{[]string{"get", "secrets", "-n", scopedNS2}, "yes"},
			{[]string{"get", "secrets", "-n", scopedSystem}, "yes"}, // ClusterApiGateway credentials
			{[]string{"get", "secrets", "-n", ns}, "no"},
			{[]string{"get", "secrets", "-n", managerNS}, "no"},
			{[]string{"list", "secrets", "--all-namespaces"}, "no"},
			{[]string{"create", "secrets", "-n", scopedNS}, "no"}, // Secret targets are off
			{[]string{"patch", pubs, "-n", scopedNS}, "yes"},
			{[]string{"patch", pubs, "-n", outsideNS}, "no"},
			{[]string{"list", pubs, "--all-namespaces"}, "no"},
			{[]string{"watch", "clusterapigateways.publishing.apig-operator.dev"}, "yes"},
		} {
			Expect(canI(c.args...)).To(Equal(c.want), "kubectl auth can-i %s", strings.Join(c.args, " "))
		}

		By("leaving an ApiPublication in another namespace alone")
		_, err := applyYAML(`apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: outside, namespace: ` + outsideNS + `}
spec:
  gatewayRef: {name: team}
  environment: RELEASE
  apis: [{name: team_list}]
`)
		Expect(err).NotTo(HaveOccurred())
		Consistently(func() string {
			return kubectlOK("get", "apipublication", "outside", "-n", outsideNS, "-o", "jsonpath={.status}{.metadata.finalizers}")
		}).WithTimeout(3 * time.Second).Should(BeEmpty())
	})

	It("is refused nothing by the API server", func() {
		Expect(forbidden("manager-scoped.log")).To(BeEmpty(), "the chart's namespaced RBAC lacks what the manager needs")
	})
})
