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
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

const soakNS = "apig-soak"

// soakSize is the number of ApiPublications of the fault soak: SOAK_N, or 60, the short soak
// make test runs; make soak runs 500.
func soakSize() int {
	if n, err := strconv.Atoi(os.Getenv("SOAK_N")); err == nil && n > 0 {
		return n
	}
	return 60
}

// The faults of the soak, on every gateway operation: a 5xx on one request in five, a 429
// (whose Retry-After the simulator drops, as the real gateway sends none), connections closed
// without an answer, and 2-second latency spikes. The operator batches its calls, so a short
// soak makes few; the first faults are counted, so that each kind strikes the publish calls and
// the listings at least once whatever the dice say.
var soakFaults = []gatewaysim.Fault{
	{Operation: "BatchPublishOrOfflineApiV2", Status: http.StatusTooManyRequests, RetryAfter: 1, Count: 1},
	{Operation: "BatchPublishOrOfflineApiV2", Drop: true, Count: 1},
	{Operation: "BatchPublishOrOfflineApiV2", Latency: "2s", Count: 1},
	{Operation: "BatchPublishOrOfflineApiV2", Status: http.StatusBadGateway, Code: "APIG.9999", Message: "injected", Count: 1},
	{Operation: "ListApisV2", Drop: true, Count: 2},
	{Operation: "ListApisV2", Status: http.StatusTooManyRequests, RetryAfter: 1, Count: 2},
	{Operation: "*", Status: http.StatusInternalServerError, Code: "APIG.9999", Message: "injected", Rate: 0.20},
	{Operation: "*", Status: http.StatusTooManyRequests, RetryAfter: 1, Rate: 0.05},
	{Operation: "*", Drop: true, Rate: 0.03},
	{Operation: "*", Latency: "2s", Rate: 0.05},
}

// The soak's objects: p-NNNN declares soak_NNNN. Some pin an older version that is already
// published; some are deleted mid-way with deletionPolicy Offline; stray APIs are declared by
// no object and must never be published.
func soakAPI(i int) string        { return fmt.Sprintf("soak_%04d", i) }
func soakObject(i int) string     { return fmt.Sprintf("p-%04d", i) }
func soakPinned(i int) bool       { return i%25 == 3 }
func soakDeleted(i int) bool      { return i%10 == 9 }
func soakVersion(i, v int) string { return fmt.Sprintf("%08x%024x", 0xa0000000+v, i) }

const soakStrays = 10

// soakSimFlags make the soak's simulator behave as the real gateway does, besides the faults:
// reads show a publication as it was 5 seconds before (the gateway takes 5 to 10), a write to
// the instance while another is in flight fails with 500 APIG.3500, each write takes 100 ms so
// that writes can overlap, and no 429 carries Retry-After.
var soakSimFlags = []string{"--quiet", "--read-lag=5s", "--write-latency=100ms", "--conflict-on-concurrent-writes",
	"--throttle-without-retry-after"}

var _ = Describe("Fault soak", Label("soak"), Ordered, func() {
	n := soakSize()
	var url string
	var started time.Time

	BeforeAll(func() {
		secretKey := randomHex("soak-sk-")
		credentials = append(credentials, secretKey)

		By(fmt.Sprintf("starting a simulator with %d APIs, %d of them already published twice, with %s",
			n+soakStrays, (n+21)/25, strings.Join(soakSimFlags[1:], " ")))
		seed := gatewaysim.Seed{AccessKeys: []gatewaysim.SeedAccessKey{{AccessKey: "SOAKAK", SecretKey: secretKey}}}
		var apis []gatewaysim.SeedAPI
		for i := range n {
			a := gatewaysim.SeedAPI{Name: soakAPI(i), Path: fmt.Sprintf("/soak/%d", i)}
			if soakPinned(i) {
				a.Published = []gatewaysim.SeedPublication{{Environment: "RELEASE",
					Versions: []string{soakVersion(i, 1), soakVersion(i, 2)}}}
			}
			apis = append(apis, a)
		}
		for i := range soakStrays {
			apis = append(apis, gatewaysim.SeedAPI{Name: fmt.Sprintf("stray_%d", i), Path: fmt.Sprintf("/stray/%d", i)})
		}
		seed.Projects = []gatewaysim.SeedProject{{ID: project, APIG: []gatewaysim.SeedInstance{{
			InstanceID: instance, Groups: []gatewaysim.SeedGroup{{Name: "soak", APIs: apis}}}}}}
		data, err := yaml.Marshal(seed)
		Expect(err).NotTo(HaveOccurred())
		seedPath := filepath.Join(work, "soak-seed.yaml")
		Expect(os.WriteFile(seedPath, data, 0o600)).To(Succeed())
		var sim *harness.Process
		sim, url = startSim("gatewaysim-soak", seedPath, soakSimFlags...)
		DeferCleanup(func() { sim.Stop() })

		_, err = applyYAML(`apiVersion: v1
kind: Namespace
metadata: {name: ` + soakNS + `}
---
apiVersion: v1
kind: Secret
metadata: {name: soak-credentials, namespace: ` + soakNS + `}
stringData: {accessKey: SOAKAK, secretKey: ` + secretKey + `}
---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiGateway
metadata: {name: soak, namespace: ` + soakNS + `}
spec:
  provider: APIG
  endpoint: ` + url + `
  projectId: ` + project + `
  instanceId: ` + instance + `
  credentialsRef: {name: soak-credentials}
`)
		Expect(err).NotTo(HaveOccurred())
		kubectlOK("wait", "-n", soakNS, "--for=condition=Ready", "--timeout=60s", "apigateway/soak")
	})

	It(fmt.Sprintf("converges %d ApiPublications through 5xx, 429, latency spikes, dropped connections, a read lag, "+
		"write conflicts and two SIGKILLs", n), func() {
		By("injecting the faults")
		for _, f := range soakFaults {
			body, err := json.Marshal(f)
			Expect(err).NotTo(HaveOccurred())
			resp, err := simClient.Post(url+"/_sim/faults", "application/json", bytes.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			_ = resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusNoContent))
		}
		started = time.Now()
		third := n / 3

		By(fmt.Sprintf("applying the first %d objects, and killing the manager once the first is Ready", third))
		applySoakObjects(0, third)
		Eventually(soakReady).WithTimeout(3 * time.Minute).WithPolling(200 * time.Millisecond).ShouldNot(BeEmpty())
		GinkgoWriter.Printf("%s SIGKILL 1 of manager PID %d with %d of %d Ready\n", time.Now().Format(time.StampMicro), manager.PID(), len(soakReady()), third)
		kill(manager)
		startManager()

		By(fmt.Sprintf("applying %d more, then deleting every tenth object of the first part and killing the manager again", third))
		before := len(soakReady())
		applySoakObjects(third, 2*third)
		Eventually(func() int { return len(soakReady()) }).WithTimeout(3 * time.Minute).WithPolling(200 * time.Millisecond).
			Should(BeNumerically(">", before))
		var gone []string
		for i := range third {
			if soakDeleted(i) {
				gone = append(gone, soakObject(i))
			}
		}
		if len(gone) > 0 {
			kubectlOK(append([]string{"delete", "apipublication", "-n", soakNS, "--wait=false"}, gone...)...)
		}
		GinkgoWriter.Printf("%s SIGKILL 2 of manager PID %d with %d of %d Ready\n", time.Now().Format(time.StampMicro), manager.PID(), len(soakReady()), 2*third)
		kill(manager)
		startManager()

		By(fmt.Sprintf("applying the last %d, deleting every tenth of the rest, and waiting for the rest to be Ready", n-2*third))
		applySoakObjects(2*third, n)
		gone = nil
		for i := third; i < n; i++ {
			if soakDeleted(i) {
				gone = append(gone, soakObject(i))
			}
		}
		if len(gone) > 0 {
			kubectlOK(append([]string{"delete", "apipublication", "-n", soakNS, "--wait=false"}, gone...)...)
		}
		want := soakSurvivors(n)
		Eventually(func(g Gomega) {
			ready, present := soakObjects()
			g.Expect(present).To(Equal(want), "every deleted object is gone")
			g.Expect(ready).To(Equal(want), "every object not deleted is Ready")
		}).WithTimeout(time.Duration(3+n/50) * time.Minute).WithPolling(time.Second).Should(Succeed())
		GinkgoWriter.Printf("converged %d objects (%d deleted) in %s under faults\n", len(want), n-len(want),
			time.Since(started).Round(time.Second))
	})

	It("leaves the gateway exactly as declared: each API once at its version, nothing undeclared, deleted ones offline", func() {
		resp, err := simClient.Do(mustRequest(http.MethodDelete, url+"/_sim/faults"))
		Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()

		var stats gatewaysim.Stats
		simGet(url, "/_sim/stats", &stats)
		byStatus := map[string]int{}
		for _, statuses := range stats.Operations {
			for status, count := range statuses {
				byStatus[status] += count
			}
		}
		var ops []string
		for op, statuses := range stats.Operations {
			ops = append(ops, fmt.Sprintf("%s %v", op, statuses))
		}
		sort.Strings(ops)
		injected5xx := byStatus["500"] + byStatus["502"] - stats.Conflicts // APIG.3500 is a 500 too
		GinkgoWriter.Printf("soak figures: %d objects, %d deleted, 2 SIGKILLs; %d gateway calls, %d writes that landed; "+
			"injected: %d x 5xx, %d x 429, %d dropped connections; %d writes refused with APIG.3500, %d republishes\n"+
			"  by operation and status: %s\n",
			n, n-len(soakSurvivors(n)), stats.Total, stats.Writes, injected5xx, byStatus["429"], byStatus["0"],
			stats.Conflicts, stats.Republishes, strings.Join(ops, "; "))

		byName := map[string]gatewaysim.APIDump{}
		for _, a := range simState(url).Projects[project].APIG[instance].APIs {
			byName[a.Name] = a
		}
		calls := simCalls(url)
		published := map[string]int{} // publish calls that acted on each API, by ID
		for _, c := range calls {
			if c.Action == "online" {
				for _, id := range c.APIs {
					published[id]++
				}
			}
		}
		// why describes a failed invariant with the API's history, only when one fails.
		why := func(i int, a gatewaysim.APIDump, format string) func() string {
			return func() string { return fmt.Sprintf(format, soakObject(i), a.Name) + apiHistory(soakObject(i), a, calls) }
		}
		// A publish of an API already live makes a new version of what is served: what an
		// operator does that trusts a read made within the gateway's read lag.
		Expect(stats.Republishes).To(BeZero(), func() string {
			var b strings.Builder
			b.WriteString("publishes of an API that was already live:")
			for _, r := range stats.Republished {
				fmt.Fprintf(&b, "\n  %s %s %s in %s: version %s replaced %s", r.Time.Format(time.StampMicro), r.Operation,
					r.APIName, r.EnvName, r.Version, r.Replaced)
			}
			if len(stats.Republished) > 0 {
				first := stats.Republished[0].APIName
				if i, err := strconv.Atoi(strings.TrimPrefix(first, "soak_")); err == nil {
					b.WriteString("\nthe first of them:" + apiHistory(soakObject(i), byName[first], calls))
				}
			}
			return b.String()
		})
		declared := map[string]bool{}
		for i := range n {
			a, ok := byName[soakAPI(i)]
			Expect(ok).To(BeTrue(), soakAPI(i))
			rel := a.Publications["RELEASE"]
			switch {
			case soakDeleted(i):
				Expect(rel.LiveVersion).To(BeEmpty(), why(i, a, "%s was deleted with deletionPolicy Offline, and %s is live"))
				Expect(published[a.ID]).To(BeNumerically("<=", 1), why(i, a, "%s: %s was published more than once"))
			case soakPinned(i):
				declared[a.Name] = true
				Expect(rel.LiveVersion).To(Equal(soakVersion(i, 1)), why(i, a, "%s pins the first version of %s"))
				Expect(published[a.ID]).To(BeZero(), why(i, a, "%s: %s switched versions by publishing"))
				Expect(rel.Versions).To(HaveLen(2), "%s switched versions without creating one", a.Name)
			default:
				declared[a.Name] = true
				Expect(rel.LiveVersion).NotTo(BeEmpty(), why(i, a, "%s: %s is not published"))
				Expect(published[a.ID]).To(Equal(1), why(i, a, "%s: %s was not published exactly once"))
				Expect(rel.Versions).To(HaveLen(1))
			}
		}
		for _, a := range byName {
			for env, p := range a.Publications {
				if p.LiveVersion != "" {
					Expect(declared).To(HaveKey(a.Name), "%s is published in %s, and no object declares it", a.Name, env)
				}
			}
		}

		Expect(injected5xx).NotTo(BeZero(), "no 5xx was injected")
		Expect(byStatus["429"]).NotTo(BeZero(), "no 429 was injected")
		Expect(byStatus["0"]).NotTo(BeZero(), "no connection was dropped")
	})
})

// apiHistory tells what happened to an object and its API: the API's publications on the
// gateway, the calls that acted on it, and the manager's log lines that name the object.
func apiHistory(object string, a gatewaysim.APIDump, calls []gatewaysim.Call) string {
	var b strings.Builder
	data, _ := json.MarshalIndent(a.Publications, "", "  ")
	fmt.Fprintf(&b, "\ngateway: %s\ncalls that acted on %s, and the writes a few seconds around them:\n", data, a.Name)
	var acted []time.Time
	for _, c := range calls {
		if slices.Contains(c.APIs, a.ID) {
			acted = append(acted, c.Time)
		}
	}
	near := func(t time.Time) bool {
		for _, at := range acted {
			if t.Sub(at) > -5*time.Second && t.Sub(at) < 10*time.Second {
				return true
			}
		}
		return false
	}
	for _, c := range calls {
		if c.Method != http.MethodGet && near(c.Time) {
			mark := " "
			if slices.Contains(c.APIs, a.ID) {
				mark = "*"
			}
			fmt.Fprintf(&b, " %s %s %s %s %d, %d APIs, by %s\n", mark, c.Time.Format(time.StampMicro), c.Operation, c.Action,
				c.Status, len(c.APIs), c.UserAgent)
		}
	}
	b.WriteString("manager log:\n")
	logs, _ := harness.Logs(work, "manager*.log")
	for _, l := range logs {
		text, _ := l.Read()
		for _, line := range strings.Split(string(text), "\n") {
			if strings.Contains(line, `"`+object+`"`) {
				b.WriteString(line + "\n")
			}
		}
	}
	return b.String()
}

// applySoakObjects applies the soak's objects from..to-1 in one kubectl apply.
func applySoakObjects(from, to int) {
	GinkgoHelper()
	var b strings.Builder
	for i := from; i < to; i++ {
		api := "{name: " + soakAPI(i) + "}"
		if soakPinned(i) {
			api = "{name: " + soakAPI(i) + ", versionId: " + soakVersion(i, 1) + "}"
		}
		fmt.Fprintf(&b, `---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: %s, namespace: %s}
spec:
  gatewayRef: {name: soak}
  environment: RELEASE
  apis: [%s]
`, soakObject(i), soakNS, api)
	}
	out, err := applyYAML(b.String())
	Expect(err).NotTo(HaveOccurred(), out)
}

// soakReady lists the soak's objects whose Ready condition is True for their generation.
func soakReady() []string {
	ready, _ := soakObjects()
	return ready
}

// soakObjects lists the soak's objects, and those of them whose Ready condition is True for
// their generation.
func soakObjects() (ready, present []string) {
	out, err := kubectl("get", "apipublication", "-n", soakNS, "-o", `jsonpath={range .items[*]}{.metadata.name}`+
		` {.metadata.generation} {.status.conditions[?(@.type=="Ready")].status}`+
		` {.status.conditions[?(@.type=="Ready")].observedGeneration}{"\n"}{end}`)
	if err != nil {
		return nil, nil
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			present = append(present, f[0])
		}
		if len(f) == 4 && f[2] == "True" && f[1] == f[3] {
			ready = append(ready, f[0])
		}
	}
	return ready, present
}

// soakSurvivors are the objects not deleted, in the order kubectl lists them.
func soakSurvivors(n int) []string {
	var names []string
	for i := range n {
		if !soakDeleted(i) {
			names = append(names, soakObject(i))
		}
	}
	return names
}

func mustRequest(method, url string) *http.Request {
	GinkgoHelper()
	req, err := http.NewRequest(method, url, nil)
	Expect(err).NotTo(HaveOccurred())
	return req
}

// randomHex is a credential value no test data contains by chance.
func randomHex(prefix string) string {
	GinkgoHelper()
	b := make([]byte, 12)
	_, err := rand.Read(b)
	Expect(err).NotTo(HaveOccurred())
	return prefix + hex.EncodeToString(b)
}
