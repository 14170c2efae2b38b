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
	"net/http"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
	"github.com/apig-operator/apig-operator/test/monitoring"
)

// The alerts (config/prometheus/rules) and the dashboard (config/prometheus/dashboard) name
// metrics; these specs run a manager with its metrics on, make it do each kind of work, and
// check that it exports every metric they name. A vector is exported only once it has a
// series, so the work covers every one: calls, a batch publish, a drift correction, an Observe
// publication with something to change (it stays Ready=False, OutOfSync: the object that
// apig_object_not_ready has a series for, while the others are Ready), an export, and the
// lease of leader election.
var _ = Describe("Monitoring: the manager exports every metric the alerts and the dashboard use", Label("monitoring"), Ordered, func() {
	const (
		monitoringNS = "apig-monitoring"
		monAID       = "0d0e0f101112131415161718191a1b1c" // mon_a: published, then taken offline behind our back
	)
	var url, token, metricsURL string

	BeforeAll(func() {
		token = randomHex("monitoring-token-")
		credentials = append(credentials, token)
		data, err := yaml.Marshal(gatewaysim.Seed{Tokens: []string{token}, Projects: []gatewaysim.SeedProject{{ID: project,
			APIG: []gatewaysim.SeedInstance{{InstanceID: instance, Groups: []gatewaysim.SeedGroup{{Name: "mon", APIs: []gatewaysim.SeedAPI{
				{ID: monAID, Name: "mon_a", Path: "/mon/a"},
				{Name: "mon_b", Path: "/mon/b"},
			}}}}}}}})
		Expect(err).NotTo(HaveOccurred())
		seedPath := filepath.Join(work, "monitoring-seed.yaml")
		Expect(os.WriteFile(seedPath, data, 0o600)).To(Succeed())
		var sim, mgr *harness.Process
		sim, url = startSim("gatewaysim-monitoring", seedPath, "--quiet")

		By("replacing the suite's manager with one serving metrics over http, leader-elected")
		manager.Stop()
		DeferCleanup(func() {
			// Retain: deleting makes no gateway call, and the suite's manager finds nothing
			// here that calls the simulator stopped below.
			out, err := kubectl("delete", "apipublication,apiexport,apigateway", "--all", "-n", monitoringNS, "--timeout=60s")
			if err != nil {
				GinkgoWriter.Printf("cleaning %s up: %v\n%s\n", monitoringNS, err, out)
			}
			mgr.Stop()
			sim.Stop()
			startManager()
		})
		_, err = applyYAML(namespaceWithToken(monitoringNS, token))
		Expect(err).NotTo(HaveOccurred())
		addr, err := harness.FreeAddr()
		Expect(err).NotTo(HaveOccurred())
		metricsURL = "http://" + addr + "/metrics"
		// The chart's leader election Role is in the release namespace.
		mgr = startManagerAs("manager-monitoring", "--metrics-bind-address="+addr, "--metrics-secure=false",
			"--leader-elect", "--leader-election-namespace", managerNS)
		Expect(mgr.WaitReady(time.Minute, harness.Listening(addr))).To(Succeed())
	})

	It("publishes, observes, exports and corrects drift", func() {
		_, err := applyYAML(`apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiGateway
metadata: {name: mon, namespace: ` + monitoringNS + `}
spec:
  provider: APIG
  endpoint: ` + url + `
  projectId: ` + project + `
  instanceId: ` + instance + `
  credentialsRef: {name: creds}
  observeInterval: 5s
---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: managed, namespace: ` + monitoringNS + `}
spec:
  gatewayRef: {name: mon}
  environment: RELEASE
  apis: [{name: mon_a}]
  deletionPolicy: Retain
---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: observed, namespace: ` + monitoringNS + `}
spec:
  gatewayRef: {name: mon}
  environment: RELEASE
  apis: [{name: mon_b}]
  managementPolicy: Observe
  deletionPolicy: Retain
---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiExport
metadata: {name: mon-openapi, namespace: ` + monitoringNS + `}
spec:
  gatewayRef: {name: mon}
  environment: RELEASE
  group: {name: mon}
  target:
    configMap: {name: mon-openapi, key: swagger.json}
`)
		Expect(err).NotTo(HaveOccurred())
		kubectlOK("wait", "-n", monitoringNS, "--for=condition=Ready", "--timeout=90s",
			"apigateway/mon", "apipublication/managed", "apiexport/mon-openapi")
		Eventually(func() string {
			return kubectlOK("get", "apipublication", "observed", "-n", monitoringNS,
				"-o", `jsonpath={.status.conditions[?(@.type=="Ready")].reason}`)
		}).WithTimeout(time.Minute).Should(Equal("OutOfSync"))
		Expect(liveVersionAt(url, "mon_a", "RELEASE")).NotTo(BeEmpty())
		Expect(liveVersionAt(url, "mon_b", "RELEASE")).To(BeEmpty(), "an Observe publication published")

		By("taking mon_a offline behind the operator's back")
		Expect(consoleCall(url, token, http.MethodPost, "/apis/action",
			`{"action":"offline","api_id":"`+monAID+`","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`)).To(Equal(http.StatusCreated))
		Expect(liveVersionAt(url, "mon_a", "RELEASE")).To(BeEmpty())
		Eventually(func() string { return liveVersionAt(url, "mon_a", "RELEASE") }).
			WithTimeout(time.Minute).WithPolling(time.Second).ShouldNot(BeEmpty())
	})

	It("exports every metric the alert rules and the dashboard use", func() {
		used, err := monitoring.UsedNames(root)
		Expect(err).NotTo(HaveOccurred())
		Expect(used).NotTo(BeEmpty())
		var body string
		Eventually(func(g Gomega) {
			body, err = scrapeMetrics(metricsURL)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(monitoring.Missing(used, monitoring.Families(body))).To(BeEmpty(),
				"metrics the rules or the dashboard use and the manager does not export")
		}).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
		GinkgoWriter.Printf("the rules and the dashboard use %d metrics, all exported\n", len(used))

		By("checking the label values the rules select on")
		Expect(body).To(ContainSubstring(`leader_election_master_status{name="leader.publishing.apig-operator.dev"} 1`))
		Expect(body).To(ContainSubstring(`controller_runtime_reconcile_errors_total{controller="apipublication"}`))
		Expect(body).To(ContainSubstring(`controller_runtime_reconcile_errors_total{controller="apiexport"}`))
		Expect(body).To(MatchRegexp(`apig_drift_corrections_total\{environment="RELEASE",gateway="` + monitoringNS + `/mon"\} [1-9]`))
		Expect(body).To(MatchRegexp(`apig_out_of_sync_apis\{environment="RELEASE",gateway="` + monitoringNS + `/mon"\} 1`))
		Expect(body).To(MatchRegexp(`apig_gateway_calls_total\{code="ok",gateway="` + monitoringNS + `/mon",operation="ExportApiDefinitionsAsync"\} [1-9]`))

		By("checking that objects are counted by their Ready condition, and only those not Ready named")
		Eventually(func(g Gomega) {
			body, err := scrapeMetrics(metricsURL)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(body).To(ContainSubstring(`apig_objects{kind="ApiPublication",object_namespace="` + monitoringNS +
				`",reason="OutOfSync",status="False"} 1`))
			g.Expect(body).To(ContainSubstring(`apig_objects{kind="ApiPublication",object_namespace="` + monitoringNS +
				`",reason="Succeeded",status="True"} 1`))
			g.Expect(body).To(ContainSubstring(`apig_object_not_ready{kind="ApiPublication",object_name="observed",object_namespace="` +
				monitoringNS + `",reason="OutOfSync",status="False"} 1`))
			g.Expect(body).NotTo(MatchRegexp(`apig_object_not_ready\{[^}]*object_name="managed",object_namespace="`+
				monitoringNS+`"`), "the Ready publication has a series")
		}).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
	})
})
