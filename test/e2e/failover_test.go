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
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

const failoverNS = "apig-failover"

// callerPID reads the manager's process ID from the User-Agent it sends:
// "apig-operator/<host>-<pid>".
var callerPID = regexp.MustCompile(`apig-operator/\S*-(\d+)`)

var _ = Describe("Failover between two leader-elected managers", Label("failover"), Ordered, func() {
	var url string
	replicas := map[int]*harness.Process{} // by PID
	var leader, standby int

	startReplica := func(logName string) int {
		// The chart's leader election Role is in the release namespace.
		p := startManagerAs(logName, "--leader-elect", "--leader-election-namespace", managerNS)
		replicas[p.PID()] = p
		return p.PID()
	}
	// callers lists the PIDs of the managers that called the gateway, in the order of the calls,
	// from the n-th call on.
	callers := func(from int) []int {
		calls := simCalls(url)
		var pids []int
		for _, c := range calls[min(from, len(calls)):] {
			m := callerPID.FindStringSubmatch(c.UserAgent)
			Expect(m).NotTo(BeNil(), "a call without the manager's instance in its User-Agent: %q", c.UserAgent)
			pid, _ := strconv.Atoi(m[1])
			pids = append(pids, pid)
		}
		return pids
	}
	callCount := func() int {
		return len(simCalls(url))
	}

	BeforeAll(func() {
		token := randomHex("failover-token-")
		credentials = append(credentials, token)
		var apis []gatewaysim.SeedAPI
		for i := range 30 {
			apis = append(apis, gatewaysim.SeedAPI{Name: fmt.Sprintf("fo_%02d", i), Path: fmt.Sprintf("/fo/%d", i)})
		}
		data, err := yaml.Marshal(gatewaysim.Seed{Tokens: []string{token}, Projects: []gatewaysim.SeedProject{{ID: project,
			APIG: []gatewaysim.SeedInstance{{InstanceID: instance, Groups: []gatewaysim.SeedGroup{{Name: "fo", APIs: apis}}}}}}})
		Expect(err).NotTo(HaveOccurred())
		seedPath := filepath.Join(work, "failover-seed.yaml")
		Expect(os.WriteFile(seedPath, data, 0o600)).To(Succeed())
		var sim *harness.Process
		sim, url = startSim("gatewaysim-failover", seedPath, "--quiet")

		By("replacing the suite's manager with two replicas that elect a leader")
		manager.Stop()
		DeferCleanup(func() {
			for _, r := range replicas {
				r.Stop()
			}
			sim.Stop()
			startManager()
		})
		_, err = applyYAML(namespaceWithToken(failoverNS, token))
		Expect(err).NotTo(HaveOccurred())
		_, err = applyYAML(gatewayYAML(failoverNS, "fo", url, ""))
		Expect(err).NotTo(HaveOccurred())
		startReplica("manager-a")
		startReplica("manager-b")
	})

	It("lets only the leader call the gateway", func() {
		applyFailoverObjects(0, 10)
		kubectlOK("wait", "-n", failoverNS, "--for=condition=Ready", "--timeout=90s", "apigateway/fo")
		kubectlOK("wait", "-n", failoverNS, "--for=condition=Ready", "--timeout=90s", "apipublication", "--all")
		pids := callers(0)
		Expect(pids).NotTo(BeEmpty())
		leader = pids[0]
		Expect(pids).To(HaveEach(leader), "both replicas called the gateway")
		Expect(replicas).To(HaveKey(leader))
		for pid := range replicas {
			if pid != leader {
				standby = pid
			}
		}
		holder := kubectlOK("get", "lease", "leader.publishing.apig-operator.dev", "-n", managerNS,
			"-o", "jsonpath={.spec.holderIdentity}")
		GinkgoWriter.Printf("leader: PID %d (lease holder %s), standby: PID %d, %d calls\n", leader, holder, standby, len(pids))
	})

	It("hands over to the standby when the leader is killed, which converges new changes", func() {
		from := callCount()
		kill(replicas[leader])
		delete(replicas, leader)
		killed := time.Now()
		applyFailoverObjects(10, 20)
		kubectlOK("delete", "apipublication", "fo-00", "-n", failoverNS, "--wait=false")

		kubectlOK("wait", "-n", failoverNS, "--for=delete", "--timeout=120s", "apipublication/fo-00")
		kubectlOK("wait", "-n", failoverNS, "--for=condition=Ready", "--timeout=60s", "apipublication", "--all")
		GinkgoWriter.Printf("the standby converged the changes %s after the leader was killed\n", time.Since(killed).Round(time.Second))
		Expect(liveVersionAt(url, "fo_00", "RELEASE")).To(BeEmpty())
		for i := 1; i < 20; i++ {
			Expect(liveVersionAt(url, fmt.Sprintf("fo_%02d", i), "RELEASE")).NotTo(BeEmpty())
		}
		Expect(callers(from)).To(HaveEach(standby), "a call after the kill came from another replica")
		leader, standby = standby, 0
	})

	It("keeps a restarted replica standing by: it makes no gateway call while the other leads", func() {
		standby = startReplica("manager-a")
		from := callCount()
		applyFailoverObjects(20, 30)
		kubectlOK("wait", "-n", failoverNS, "--for=condition=Ready", "--timeout=90s", "apipublication", "--all")
		Expect(liveVersionAt(url, "fo_29", "RELEASE")).NotTo(BeEmpty())
		pids := callers(from)
		Expect(pids).NotTo(BeEmpty())
		Expect(pids).To(HaveEach(leader), "the restarted replica called the gateway while the other led")
	})
})

func applyFailoverObjects(from, to int) {
	GinkgoHelper()
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, `---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: fo-%02d, namespace: %s}
spec:
  gatewayRef: {name: fo}
  environment: RELEASE
  apis: [{name: fo_%02d}]
`, i, failoverNS, i)
	}
	out, err := applyYAML(b.String())
	Expect(err).NotTo(HaveOccurred(), out)
}
