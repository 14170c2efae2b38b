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
)

const restartNS = "apig-restart"

// The manager before a restart can be killed after its publish landed and before it wrote
// status. The gateway's reads lag behind its writes, so the restarted manager's first read
// does not show that publish; trusting it would publish the API again, a new version.
var _ = Describe("A manager started right after its predecessor's publish landed", Label("restart"), Ordered, func() {
	const (
		landedID = "2a2b2c2d2e2f30313233343536373839" // published by the manager before, just before it stopped
		newID    = "3a3b3c3d3e3f40414243444546474849" // never published
	)
	var url string

	BeforeAll(func() {
		token := randomHex("restart-token-")
		credentials = append(credentials, token)
		data, err := yaml.Marshal(gatewaysim.Seed{Tokens: []string{token}, Projects: []gatewaysim.SeedProject{{ID: project,
			APIG: []gatewaysim.SeedInstance{{InstanceID: instance, Groups: []gatewaysim.SeedGroup{{Name: "rs", APIs: []gatewaysim.SeedAPI{
				{ID: landedID, Name: "rs_landed", Path: "/rs/landed"}, {ID: newID, Name: "rs_new", Path: "/rs/new"}}}}}}}}})
		Expect(err).NotTo(HaveOccurred())
		seedPath := filepath.Join(work, "restart-seed.yaml")
		Expect(os.WriteFile(seedPath, data, 0o600)).To(Succeed())
		var sim *harness.Process
		// Reads show the gateway as it was 8 seconds before: longer than the manager takes
		// to start and read.
		sim, url = startSim("gatewaysim-restart", seedPath, "--quiet", "--read-lag=8s")

		By("stopping the manager, and declaring both APIs while none runs")
		manager.Stop()
		DeferCleanup(func() {
			manager.Stop()
			sim.Stop()
			startManager()
		})
		_, err = applyYAML(namespaceWithToken(restartNS, token))
		Expect(err).NotTo(HaveOccurred())
		_, err = applyYAML(gatewayYAML(restartNS, "rs", url, "") + `---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: rs, namespace: ` + restartNS + `}
spec:
  gatewayRef: {name: rs}
  environment: RELEASE
  apis: [{name: rs_landed}, {name: rs_new}]
`)
		Expect(err).NotTo(HaveOccurred())
	})

	It("waits for a read that shows it instead of publishing it again, and publishes what was not", func() {
		By("landing the stopped manager's last publish, then starting a manager at once")
		token := credentials[len(credentials)-1]
		Expect(consoleCall(url, token, http.MethodPost, "/apis/action",
			`{"action":"online","api_id":"`+landedID+`","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`)).To(Equal(http.StatusCreated))
		landed := time.Now()
		startManager()

		kubectlOK("wait", "-n", restartNS, "--for=condition=Ready", "--timeout=90s", "apipublication/rs")
		GinkgoWriter.Printf("Ready %s after the restart\n", time.Since(landed).Round(100*time.Millisecond))
		var stats gatewaysim.Stats
		simGet(url, "/_sim/stats", &stats)
		Expect(stats.Republishes).To(BeZero(), "publishes of an API already live: %+v", stats.Republished)
		var published []string
		for _, c := range simCalls(url) {
			if c.Action == "online" && callerPID.MatchString(c.UserAgent) {
				published = append(published, c.APIs...)
			}
		}
		Expect(published).To(ConsistOf(newID), "the manager's publish calls")
		Expect(liveVersionAt(url, "rs_landed", "RELEASE")).NotTo(BeEmpty())
		Expect(liveVersionAt(url, "rs_new", "RELEASE")).NotTo(BeEmpty())
	})
})
