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
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/internal/apigctl"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/test/harness"
)

// Bringing an existing gateway under management, as the README tells it: import what it
// publishes, apply in Observe, read the plan, preview a change with apigctl plan, switch to
// Manage. The simulator's call log is the witness of every write.
var _ = Describe("Bringing an existing gateway under management", Label("adopt"), Ordered, func() {
	const (
		adoptNS  = "apig-adopt"
		interval = 5 * time.Second // the ApiGateway's observeInterval, the smallest allowed
		testEnv  = "TEST"
	)
	var url, token, apigctlBin string
	ids := map[string]string{} // API name → ID, per the simulator

	// writes are the calls of the log that changed a publication, from the n-th call on, as
	// "action id".
	writes := func(from int) []string {
		calls := simCalls(url)
		var out []string
		for _, c := range calls[min(from, len(calls)):] {
			for _, id := range c.APIs {
				out = append(out, c.Action+" "+id)
			}
		}
		slices.Sort(out)
		return out
	}
	callCount := func() int { return len(simCalls(url)) }
	// console calls the simulator as a user of the console would.
	console := func(method, path, body string) {
		GinkgoHelper()
		Expect(consoleCall(url, token, method, path, body)).To(BeNumerically("<", 300), "%s %s", method, path)
	}
	// run runs apigctl against the control plane and returns its exit code and outputs.
	run := func(args ...string) (int, string, string) {
		GinkgoHelper()
		cmd := exec.Command(apigctlBin, append(args, "--kubeconfig", controlPlane.Kubeconfig,
			"--allowed-endpoints=127.0.0.1", "--insecure-allow-http")...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), out.String(), errOut.String()
		}
		Expect(err).NotTo(HaveOccurred())
		return 0, out.String(), errOut.String()
	}
	// noWritesFor watches the log for three observe intervals.
	noWritesFor := func(from int) {
		GinkgoHelper()
		Consistently(func() []string { return writes(from) }).WithTimeout(3 * interval).WithPolling(time.Second).Should(BeEmpty())
	}
	status := func(name, jsonpath string) string {
		return kubectlOK("get", "apipublication", name, "-n", adoptNS, "-o", "jsonpath="+jsonpath)
	}
	manifestFile := func(name, content string) string {
		GinkgoHelper()
		dir := filepath.Join(work, "adopt", name)
		Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "publications.yaml"), []byte(content), 0o644)).To(Succeed())
		return dir
	}

	var metricsURL string
	// outOfSync reads the manager's apig_out_of_sync_apis for the gateway and environment.
	outOfSync := func(env string) string {
		body, err := scrapeMetrics(metricsURL)
		Expect(err).NotTo(HaveOccurred())
		series := `apig_out_of_sync_apis{environment="` + env + `",gateway="` + adoptNS + `/gw"} `
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, series); ok {
				return v
			}
		}
		return "absent"
	}

	BeforeAll(func() {
		By("running the manager with its metrics served, in place of the suite's")
		manager.Stop()
		DeferCleanup(startManager)
		addr, err := harness.FreeAddr()
		Expect(err).NotTo(HaveOccurred())
		metricsURL = "http://" + addr + "/metrics"
		adoptManager := startManagerAs("manager-adopt", "--metrics-bind-address="+addr, "--metrics-secure=false")
		DeferCleanup(adoptManager.Stop)

		By("building apigctl")
		Expect(harness.Build(root, work, harness.Apigctl)).To(Succeed())
		apigctlBin = filepath.Join(work, harness.Apigctl.Name)

		By("starting a gateway with APIs published by hand in RELEASE and TEST")
		token = randomHex("adopt-token-")
		credentials = append(credentials, token)
		published := func(env string, versions ...string) gatewaysim.SeedPublication {
			return gatewaysim.SeedPublication{Environment: env, Versions: versions}
		}
		v := func(n string) string { return strings.Repeat("0", 32-len(n)) + n }
		data, err := yaml.Marshal(gatewaysim.Seed{Tokens: []string{token}, Projects: []gatewaysim.SeedProject{{ID: project,
			APIG: []gatewaysim.SeedInstance{{InstanceID: instance,
				Environments: []gatewaysim.SeedEnvironment{{Name: testEnv}},
				Groups: []gatewaysim.SeedGroup{{Name: "shop", APIs: []gatewaysim.SeedAPI{
					{Name: "list_items", Path: "/items", Published: []gatewaysim.SeedPublication{
						published("RELEASE", v("a1")), published(testEnv, v("a2"), v("a3"))}},
					{Name: "get_item", Path: "/items/{id}", Published: []gatewaysim.SeedPublication{published("RELEASE", v("b1"), v("b2"))}},
					{Name: "stats", Path: "/stats", Published: []gatewaysim.SeedPublication{published("RELEASE", v("c1"))}},
					{Name: "health", Path: "/health", Published: []gatewaysim.SeedPublication{published("RELEASE", v("d1"))}},
					{Name: "draft", Path: "/draft"},
				}}}}}}}})
		Expect(err).NotTo(HaveOccurred())
		seed := filepath.Join(work, "adopt-seed.yaml")
		Expect(os.WriteFile(seed, data, 0o600)).To(Succeed())
		var sim *harness.Process
		sim, url = startSim("gatewaysim-adopt", seed)
		DeferCleanup(func() { sim.Stop() })
		for _, a := range simState(url).Projects[project].APIG[instance].APIs {
			ids[a.Name] = a.ID
		}
		By("pinning list_items in TEST back to its older version on the console")
		console("PUT", "/apis/publish/"+ids["list_items"], `{"version_id":"`+v("a2")+`"}`)
		Expect(liveVersionAt(url, "list_items", testEnv)).To(Equal(v("a2")))

		_, err = applyYAML(namespaceWithToken(adoptNS, token) + "---\n" + gatewayYAML(adoptNS, "gw", url, "") + "  observeInterval: " + interval.String() + "\n")
		Expect(err).NotTo(HaveOccurred())
		kubectlOK("wait", "-n", adoptNS, "--for=condition=Ready", "--timeout=60s", "apigateway/gw")
	})

	It("imports what is published and adopts it: every object Ready, no write, the pinned version still live", func() {
		code, out, stderr := run("import", "--gateway", adoptNS+"/gw", "--pin")
		Expect(code).To(Equal(apigctl.ExitOK), stderr)
		Expect(out).To(ContainSubstring("name: gw-release"))
		Expect(out).To(ContainSubstring("name: gw-test"))
		Expect(out).To(ContainSubstring("versionId: " + strings.Repeat("0", 30) + "a2"))
		imported := manifestFile("imported", out)

		from := callCount()
		kubectlOK("apply", "-f", imported)
		kubectlOK("wait", "-n", adoptNS, "--for=condition=Ready", "--timeout=60s", "apipublication/gw-release", "apipublication/gw-test")
		Expect(status("gw-release", `{.status.conditions[?(@.type=="Ready")].reason}`)).To(Equal("InSync"))
		noWritesFor(from)
		Expect(liveVersionAt(url, "list_items", testEnv)).To(Equal(strings.Repeat("0", 30) + "a2"))

		By("planning the imported manifests: nothing would change")
		code, out, stderr = run("plan", "-f", imported)
		Expect(code).To(Equal(apigctl.ExitOK), out+stderr)
		Expect(out).To(ContainSubstring("No changes"))
	})

	// The change a pull request makes: publish draft, switch get_item back to its first
	// version, drop stats from RELEASE (a prune), and take list_items offline in TEST.
	changed := func(policy string) string {
		return `apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: gw-release, namespace: ` + adoptNS + `}
spec:
  gatewayRef: {kind: ApiGateway, name: gw}
  environment: RELEASE
  managementPolicy: ` + policy + `
  apis:
  - {name: draft}
  - {name: get_item, versionId: ` + strings.Repeat("0", 30) + `b1}
  - {name: health}
  - {name: list_items}
---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: gw-test, namespace: ` + adoptNS + `}
spec:
  gatewayRef: {kind: ApiGateway, name: gw}
  environment: TEST
  state: Offline
  managementPolicy: ` + policy + `
  apis: [{name: list_items}]
`
	}
	wantPlan := func() []string {
		want := []string{"offline " + ids["list_items"], "offline " + ids["stats"], "online " + ids["draft"],
			"online " + ids["health"], "switch " + ids["get_item"]}
		slices.Sort(want)
		return want
	}
	var planned []string

	It("reports a differing gateway in Observe without a write, and drift as a pending publish", func() {
		from := callCount()
		kubectlOK("apply", "-f", manifestFile("observe", changed("Observe")))
		By("taking health offline behind the operator's back")
		console("POST", "/apis/action", `{"action":"offline","api_id":"`+ids["health"]+`","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`)
		consoleWrites := writes(from)
		Eventually(func() string {
			return status("gw-release", `{.status.conditions[?(@.type=="Ready")].reason} {.status.summary.outOfSync}`)
		}).WithTimeout(3 * interval).Should(Equal("OutOfSync 4"))
		Expect(status("gw-test", `{.status.conditions[?(@.type=="Ready")].reason} {.status.apis[0].action}`)).To(Equal("OutOfSync Offline"))
		msg := status("gw-release", `{.status.conditions[?(@.type=="Ready")].message}`)
		Expect(msg).To(HavePrefix("would publish 2, switch 1, release 1"))
		Expect(status("gw-release", `{.status.releasing[0].action} {.status.releasing[0].name}`)).To(Equal("Release stats"))
		Expect(kubectlOK("get", "apipublication", "-n", adoptNS, "-o", "wide")).To(ContainSubstring("Observe"))
		Eventually(func() []string { return []string{outOfSync("RELEASE"), outOfSync(testEnv)} }).
			WithTimeout(30*time.Second).Should(Equal([]string{"4", "1"}), "apig_out_of_sync_apis")

		Consistently(func() []string { return writes(from) }).WithTimeout(3*interval).WithPolling(time.Second).
			Should(Equal(consoleWrites), "the operator wrote while observing")
		for _, a := range []string{"stats", "get_item"} {
			Expect(liveVersionAt(url, a, "RELEASE")).NotTo(BeEmpty())
		}

		By("reading the actions each object lists")
		var listed []string
		for _, name := range []string{"gw-release", "gw-test"} {
			out := status(name, `{range .status.apis[*]}{.action} {.id}{"\n"}{end}{range .status.releasing[*]}{.action} {.id}{"\n"}{end}`)
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if action, id, ok := strings.Cut(line, " "); ok && action != "" {
					listed = append(listed, callAction(action)+" "+id)
				}
			}
		}
		slices.Sort(listed)
		Expect(listed).To(Equal(wantPlan()))
	})

	It("prints the plan of a change with apigctl plan, exits 2, and only reads", func() {
		dir := manifestFile("manage", changed("Manage"))
		from := callCount()
		code, out, stderr := run("plan", "-f", dir, "-o", "json")
		Expect(code).To(Equal(apigctl.ExitChanges), out+stderr)
		var plan apigctl.Plan
		Expect(json.Unmarshal([]byte(out), &plan)).To(Succeed())
		for _, o := range plan.Objects {
			for _, a := range o.APIs {
				Expect(a.Conflict + a.Error).To(BeEmpty())
				planned = append(planned, callAction(a.Action)+" "+a.ID)
			}
		}
		slices.Sort(planned)
		Expect(planned).To(Equal(wantPlan()))
		Expect(writes(from)).To(BeEmpty())

		code, text, _ := run("plan", "-f", dir)
		Expect(code).To(Equal(apigctl.ExitChanges))
		GinkgoWriter.Println(text)
		for _, line := range []string{"+ publish   draft", "~ switch    get_item", "- release   stats", "- offline   list_items",
			"Plan: 2 to publish, 1 to take offline, 1 to switch version, 1 to release"} {
			Expect(text).To(ContainSubstring(line))
		}
	})

	It("switches to Manage and carries out exactly the plan", func() {
		Expect(planned).NotTo(BeEmpty(), "the plan of the previous step")
		from := callCount()
		kubectlOK("apply", "-f", manifestFile("manage", changed("Manage")))
		kubectlOK("wait", "-n", adoptNS, "--for=condition=Ready", "--timeout=60s", "apipublication/gw-release", "apipublication/gw-test")
		Expect(status("gw-release", `{.status.conditions[?(@.type=="Ready")].reason}`)).To(Equal("Succeeded"))
		Expect(writes(from)).To(Equal(planned))
		Expect(outOfSync("RELEASE")).To(Equal("absent"), "nothing is out of sync under Manage")

		By("planning the applied manifests again, through kubectl as the plugin kubectl-apig: nothing would change")
		plugins := filepath.Join(work, "plugins")
		Expect(os.MkdirAll(plugins, 0o755)).To(Succeed())
		Expect(os.Symlink(apigctlBin, filepath.Join(plugins, "kubectl-apig"))).To(Succeed())
		assets, err := harness.Assets()
		Expect(err).NotTo(HaveOccurred())
		cmd := exec.Command(filepath.Join(assets, "kubectl"), "apig", "plan", "-f", filepath.Join(work, "adopt", "manage"),
			"--allowed-endpoints=127.0.0.1", "--insecure-allow-http")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+controlPlane.Kubeconfig, "PATH="+plugins+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		Expect(string(out)).To(ContainSubstring("No changes"))
	})

	It("leaves the gateway untouched when an Observe object is deleted", func() {
		kubectlOK("patch", "apipublication", "gw-release", "-n", adoptNS, "--type=merge", "-p", `{"spec":{"managementPolicy":"Observe"}}`)
		Eventually(func() string { return status("gw-release", `{.status.conditions[?(@.type=="Ready")].reason}`) }).
			WithTimeout(30 * time.Second).Should(Equal("InSync"))
		from := callCount()
		kubectlOK("delete", "apipublication", "gw-release", "-n", adoptNS, "--timeout=60s")
		Expect(writes(from)).To(BeEmpty())
		Expect(liveVersionAt(url, "draft", "RELEASE")).NotTo(BeEmpty())
	})

	It("says clearly what is missing", func() {
		code, _, stderr := run("import", "--gateway", adoptNS+"/nope")
		Expect(code).To(Equal(apigctl.ExitError))
		Expect(stderr).To(ContainSubstring("ApiGateway nope does not exist"))
		kubectlOK("delete", "secret", "creds", "-n", adoptNS)
		code, _, stderr = run("import", "--gateway", adoptNS+"/gw")
		Expect(code).To(Equal(apigctl.ExitError))
		Expect(stderr).To(ContainSubstring("Secret " + adoptNS + "/creds named by spec.credentialsRef does not exist"))
	})
})

// callAction is the simulator's call-log action of a plan's action.
func callAction(action string) string {
	switch action {
	case "Publish":
		return "online"
	case "SwitchVersion":
		return "switch"
	case "Offline", "Release":
		return "offline"
	}
	return action
}
