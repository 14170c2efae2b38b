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
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

const (
	shardNS    = "apig-shard"
	shardLabel = "sharding.apig-operator.dev/shard"
	// The lease of managers without --watch-label-selector.
	defaultLease = "leader.publishing.apig-operator.dev"
)

// A shard: a gateway instance (a simulator of its own), the manager that watches the objects
// labelled for it, and the APIs it publishes.
type shard struct {
	name     string // the label value
	instance string
	token    string
	url      string
	sim      *harness.Process
	manager  *harness.Process
	apis     []string
}

var _ = Describe("Two managers sharded by --watch-label-selector", Label("shard"), Ordered, func() {
	shards := []*shard{
		{name: "a", instance: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"},
		{name: "b", instance: "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"},
	}
	a, b := shards[0], shards[1]
	const pubsPerShard = 4
	// stray is an API of shard b's instance, published by an object labelled for shard a; the
	// call log names APIs by ID.
	const stray, strayID = "b_stray", "5742a7e1c0de4b1a9e7f0a1b2c3d4e5f"

	// callersOf counts the calls in a simulator's log by the PID of the manager that made them.
	callersOf := func(s *shard) map[int]int {
		pids := map[int]int{}
		for _, c := range simCalls(s.url) {
			m := callerPID.FindStringSubmatch(c.UserAgent)
			Expect(m).NotTo(BeNil(), "a call without the manager's instance in its User-Agent: %q", c.UserAgent)
			pid, _ := strconv.Atoi(m[1])
			pids[pid]++
		}
		return pids
	}
	// callsActingOn lists the calls to a simulator that changed the publication of an API.
	callsActingOn := func(s *shard, apiID string) []gatewaysim.Call {
		var acting []gatewaysim.Call
		for _, c := range simCalls(s.url) {
			if slices.Contains(c.APIs, apiID) {
				acting = append(acting, c)
			}
		}
		return acting
	}
	liveOn := func(s *shard, api string) string {
		for _, x := range simState(s.url).Projects[project].APIG[s.instance].APIs {
			if x.Name == api {
				return x.Publications["RELEASE"].LiveVersion
			}
		}
		return ""
	}
	readyOf := func(kind, name string) string {
		return kubectlOK("get", kind, name, "-n", shardNS, "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}`)
	}

	BeforeAll(func() {
		By("replacing the suite's manager with one leader-elected manager per shard")
		manager.Stop()
		DeferCleanup(func() {
			for _, s := range shards {
				s.manager.Stop() // nil, as s.sim, when BeforeAll failed before starting it
				s.sim.Stop()
			}
			startManager()
		})
		for _, s := range shards {
			s.token = randomHex("shard-" + s.name + "-token-")
			credentials = append(credentials, s.token)
			var apis []gatewaysim.SeedAPI
			for i := range pubsPerShard {
				name := fmt.Sprintf("%s_%d", s.name, i)
				s.apis = append(s.apis, name)
				apis = append(apis, gatewaysim.SeedAPI{Name: name, Path: fmt.Sprintf("/%s/%d", s.name, i)})
			}
			if s == b {
				apis = append(apis, gatewaysim.SeedAPI{ID: strayID, Name: stray, Path: "/b/stray"})
			}
			data, err := yaml.Marshal(gatewaysim.Seed{Tokens: []string{s.token}, Projects: []gatewaysim.SeedProject{{ID: project,
				APIG: []gatewaysim.SeedInstance{{InstanceID: s.instance,
					Groups: []gatewaysim.SeedGroup{{Name: "shard-" + s.name, APIs: apis}}}}}}})
			Expect(err).NotTo(HaveOccurred())
			seedPath := filepath.Join(work, "shard-"+s.name+"-seed.yaml")
			Expect(os.WriteFile(seedPath, data, 0o600)).To(Succeed())
			s.sim, s.url = startSim("gatewaysim-shard-"+s.name, seedPath, "--quiet")
		}
		for _, s := range shards {
			// The log name starts with "manager" so that the suite checks that the API server
			// refused it nothing. The chart's leader election Role is in managerNS.
			s.manager = startManagerAs("manager-shard-"+s.name, "--watch-label-selector", shardLabel+"="+s.name,
				"--leader-elect", "--leader-election-namespace", managerNS)
		}
		// Runs before the managers stop: the publications take their APIs offline, and the
		// suite's manager, which watches every shard, finds nothing left that names a stopped
		// simulator.
		DeferCleanup(func() {
			kubectlOK("delete", "apipublication,apiexport", "--all", "-n", shardNS, "--timeout=60s")
			kubectlOK("delete", "apigateway", "--all", "-n", shardNS, "--timeout=60s")
		})
	})

	It("elects a leader per shard, each on a lease of its own", func() {
		Eventually(func(g Gomega) {
			out := kubectlOK("get", "lease", "-n", managerNS, "-o",
				`jsonpath={range .items[*]}{.metadata.name}={.spec.holderIdentity}{"\n"}{end}`)
			var held []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				// The failover specs' replicas may have left the unsharded lease behind.
				if name, holder, _ := strings.Cut(line, "="); holder != "" && name != defaultLease {
					held = append(held, name)
				}
			}
			g.Expect(held).To(HaveLen(2), "leases held besides %s: %v; each shard must have its own", defaultLease, held)
			GinkgoWriter.Printf("leases held: %v\n", held)
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	It("converges each shard's objects with the shard's manager only", func() {
		manifest := "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + shardNS + "}\n"
		for _, s := range shards {
			manifest += shardObjectsYAML(s)
		}
		out, err := applyYAML(manifest)
		Expect(err).NotTo(HaveOccurred(), out)
		for _, kind := range []string{"apigateway", "apipublication", "apiexport"} {
			kubectlOK("wait", "-n", shardNS, "--for=condition=Ready", "--timeout=60s", kind, "--all")
		}

		for _, s := range shards {
			for _, api := range s.apis {
				Expect(liveOn(s, api)).NotTo(BeEmpty(), "%s is not published on shard %s's instance", api, s.name)
			}
			// The export is written again as the publications land.
			Eventually(func(g Gomega) {
				doc := kubectlOK("get", "configmap", "shard-"+s.name+"-openapi", "-n", shardNS, "-o", `jsonpath={.data.openapi\.yaml}`)
				g.Expect(doc).To(ContainSubstring("openapi: 3.0"))
				for i := range s.apis {
					g.Expect(doc).To(ContainSubstring(fmt.Sprintf("/%s/%d", s.name, i)))
				}
			}).WithTimeout(30 * time.Second).Should(Succeed())
			pids := callersOf(s)
			GinkgoWriter.Printf("shard %s: calls by manager PID %v (its manager is PID %d)\n", s.name, pids, s.manager.PID())
			Expect(slices.Collect(maps.Keys(pids))).To(ConsistOf(s.manager.PID()),
				"shard %s's instance was called by a manager of another shard", s.name)
		}
	})

	It("reports GatewayNotFound, and calls nothing, for an object whose gateway is in another shard", func() {
		_, err := applyYAML(strayYAML(a.name, stray))
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() string { return readyOf("apipublication", "stray") }).
			WithTimeout(30 * time.Second).Should(Equal("False GatewayNotFound"))
		msg := kubectlOK("get", "apipublication", "stray", "-n", shardNS, "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].message}`)
		GinkgoWriter.Println(msg)
		Expect(msg).To(And(ContainSubstring("ApiGateway gw-b is not in this manager's shard"),
			ContainSubstring("--watch-label-selector "+shardLabel+"="+a.name)))

		// The pass that wrote the status had found no gateway to call; shard b's manager does
		// not see the object at all.
		Expect(liveOn(b, stray)).To(BeEmpty())
		for _, s := range shards {
			Expect(callsActingOn(s, strayID)).To(BeEmpty(), "a call on shard %s's instance acted on %s", s.name, stray)
			Expect(slices.Collect(maps.Keys(callersOf(s)))).To(ConsistOf(s.manager.PID()))
		}
	})

	It("hands the object to the gateway's shard when it is relabelled", func() {
		kubectlOK("label", "apipublication", "stray", "-n", shardNS, shardLabel+"=b", "--overwrite")
		kubectlOK("wait", "-n", shardNS, "--for=condition=Ready", "--timeout=60s", "apipublication/stray")
		Expect(liveOn(b, stray)).NotTo(BeEmpty())
		Expect(callsActingOn(b, strayID)).NotTo(BeEmpty())
		for _, s := range shards {
			Expect(slices.Collect(maps.Keys(callersOf(s)))).To(ConsistOf(s.manager.PID()),
				"shard %s's instance was called by a manager of another shard", s.name)
		}
	})
})

// shardObjectsYAML is a shard's credentials, its ApiGateway, one ApiPublication per API and an
// ApiExport of its group, every gateway object labelled for the shard.
func shardObjectsYAML(s *shard) string {
	labels := "labels: {" + shardLabel + ": " + s.name + "}"
	y := `---
apiVersion: v1
kind: Secret
metadata: {name: creds-` + s.name + `, namespace: ` + shardNS + `}
stringData: {token: ` + s.token + `}
---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiGateway
metadata: {name: gw-` + s.name + `, namespace: ` + shardNS + `, ` + labels + `}
spec:
  provider: APIG
  endpoint: ` + s.url + `
  projectId: ` + project + `
  instanceId: ` + s.instance + `
  credentialsRef: {name: creds-` + s.name + `}
---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiExport
metadata: {name: shard-` + s.name + `-openapi, namespace: ` + shardNS + `, ` + labels + `}
spec:
  gatewayRef: {name: gw-` + s.name + `}
  environment: RELEASE
  group: {name: shard-` + s.name + `}
  oasVersion: "3.0"
  format: yaml
  target:
    configMap: {name: shard-` + s.name + `-openapi, key: openapi.yaml}
`
	for i, api := range s.apis {
		y += fmt.Sprintf(`---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: pub-%s-%d, namespace: %s, %s}
spec:
  gatewayRef: {name: gw-%s}
  environment: RELEASE
  apis: [{name: %s}]
`, s.name, i, shardNS, labels, s.name, api)
	}
	return y
}

// strayYAML is an ApiPublication labelled for shard that names shard b's gateway.
func strayYAML(shard, api string) string {
	return `apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: stray, namespace: ` + shardNS + `, labels: {` + shardLabel + `: ` + shard + `}}
spec:
  gatewayRef: {name: gw-b}
  environment: RELEASE
  apis: [{name: ` + api + `}]
`
}
