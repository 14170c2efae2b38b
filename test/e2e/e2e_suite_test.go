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
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/apig-operator/apig-operator/test/harness"
)

// The release of the Helm chart whose RBAC the managers run under, as the chart installs it by
// default (and as config/default names it): its ServiceAccount, its leader election Role and
// the Secrets of ClusterApiGateways are in managerNS.
const (
	managerRelease = "apig-operator"
	managerNS      = "apig-operator-system"
)

// The stack the suite runs: etcd and kube-apiserver (envtest binaries), the gateway simulator
// and the manager as processes, and kubectl.
var (
	root         string // the repository
	work         string // binaries, kubeconfig, logs, the samples as applied
	controlPlane *harness.ControlPlane
	simURL       string
	simProc      *harness.Process
	manager      *harness.Process
	// managerKubeconfig authenticates as the ServiceAccount of the chart's release
	// managerRelease: the managers run with the chart's RBAC and nothing more.
	managerKubeconfig string
	// credentials are the secret values the scenarios give the operator; the suite ends by
	// looking for each in every log line, event and status.
	credentials = []string{"DEMOSK", "demo-token", "not-the-secret"}
	// simClient reads the simulators' admin endpoints; it is the test's client, not the
	// operator's, so it trusts the HTTPS simulator without its CA.
	simClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test's own client
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	suiteConfig, reporterConfig := GinkgoConfiguration()
	reporterConfig.Verbose = true // the output names each scenario as it runs
	RunSpecs(t, "End-to-end", suiteConfig, reporterConfig)
}

var _ = BeforeSuite(func() {
	_, err := harness.Assets()
	Expect(err).NotTo(HaveOccurred())
	root, err = harness.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	work = GinkgoT().TempDir()

	By("building the manager and the simulator")
	Expect(harness.Build(root, work, harness.Manager, harness.Simulator)).To(Succeed())

	By("starting etcd and kube-apiserver")
	controlPlane, err = harness.StartControlPlane(&envtest.Environment{}, "e2e-admin", filepath.Join(work, "kubeconfig"))
	Expect(err).NotTo(HaveOccurred())

	By("starting the simulator with config/samples/gatewaysim-seed.yaml")
	simProc, simURL = startSim("gatewaysim", filepath.Join(root, "config/samples/gatewaysim-seed.yaml"))

	By("copying config/samples with the simulator's address as the endpoint")
	samples := filepath.Join(work, "samples")
	Expect(os.MkdirAll(samples, 0o755)).To(Succeed())
	entries, err := os.ReadDir(filepath.Join(root, "config/samples"))
	Expect(err).NotTo(HaveOccurred())
	for _, e := range entries {
		if e.IsDir() { // cluster-gateway/ is not part of the kustomization
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, "config/samples", e.Name()))
		Expect(err).NotTo(HaveOccurred())
		data = bytes.ReplaceAll(data, []byte("http://127.0.0.1:18080"), []byte(simURL))
		Expect(os.WriteFile(filepath.Join(samples, e.Name()), data, 0o644)).To(Succeed())
	}

	By("installing the CRDs with kubectl")
	kubectlOK("apply", "--server-side", "-k", filepath.Join(root, "config/crd"))
	kubectlOK("wait", "--for=condition=Established", "--timeout=60s", "crd",
		"apigateways.publishing.apig-operator.dev", "apipublications.publishing.apig-operator.dev",
		"apiexports.publishing.apig-operator.dev")

	By("granting the manager's ServiceAccount the Helm chart's RBAC, for the whole cluster, and nothing else")
	managerKubeconfig = installChartRBAC(managerRelease, managerNS,
		[]string{"watch", "apipublications.publishing.apig-operator.dev", "--all-namespaces"})

	By("starting the manager")
	startManager()
})

var _ = AfterSuite(func() {
	for _, p := range []*harness.Process{manager, simProc} {
		p.Stop()
	}
	if controlPlane == nil {
		return
	}
	// The control plane stops even when the scan fails, or etcd and kube-apiserver outlive
	// the test binary.
	defer func() { Expect(controlPlane.Stop()).To(Succeed()) }()
	refused := forbidden("manager*.log")
	By("looking for every credential value in the logs, events and statuses of the run")
	scanForCredentials()
	By("checking that the API server refused no request of a manager under the chart's RBAC")
	Expect(refused).To(BeEmpty(), "the chart's RBAC lacks what a manager needs")
})

// A failed scenario shows the end of every log, which is all CI keeps of the run, and keeps
// the whole logs in a directory outside the suite's, which is removed.
var _ = ReportAfterEach(func(report SpecReport) {
	if !report.Failed() {
		return
	}
	kept, _ := os.MkdirTemp("", "apig-operator-e2e-logs-")
	logs, _ := harness.Logs(work, "*.log")
	for _, l := range logs {
		data, err := l.Read()
		if err != nil {
			continue
		}
		_ = os.WriteFile(filepath.Join(kept, l.Name), data, 0o600)
		fmt.Fprintf(GinkgoWriter, "--- last lines of %s\n%s\n", l.Name, harness.Tail(string(data), 40))
	}
	fmt.Fprintf(GinkgoWriter, "--- the whole logs are in %s\n", kept)
})

// startManager runs the manager binary against the control plane.
func startManager() {
	manager = startManagerAs("manager")
}

// startManagerAs runs a manager as the chart's ServiceAccount, with its output in
// work/<logName>.log.
func startManagerAs(logName string, args ...string) *harness.Process {
	GinkgoHelper()
	p, err := harness.StartManager(work, logName, managerKubeconfig, append([]string{"--zap-log-level=debug"}, args...)...)
	Expect(err).NotTo(HaveOccurred())
	return p
}

// installChartRBAC renders the Helm chart for a release in namespace with the values given
// (helm flags such as --set), applies its ServiceAccount and RBAC objects, and returns a
// kubeconfig of that ServiceAccount once the API server lets it do ready (kubectl auth can-i
// arguments): RBAC takes effect shortly after it is written.
func installChartRBAC(release, namespace string, ready []string, values ...string) string {
	GinkgoHelper()
	helm, err := harness.Helm()
	Expect(err).NotTo(HaveOccurred())
	_, err = applyYAML("apiVersion: v1\nkind: Namespace\nmetadata: {name: " + namespace + "}\n")
	Expect(err).NotTo(HaveOccurred())
	out, err := harness.RenderChart(helm, filepath.Join(root, harness.Chart), release, namespace, values...)
	Expect(err).NotTo(HaveOccurred())
	objs, err := harness.Objects(out)
	Expect(err).NotTo(HaveOccurred())
	objs = harness.OfKinds(objs, harness.RBACKinds...)
	accounts := harness.OfKinds(objs, "ServiceAccount")
	Expect(accounts).To(HaveLen(1), "the chart renders one ServiceAccount")
	manifest, err := harness.Manifest(objs)
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(work, release+"-rbac.yaml")
	Expect(os.WriteFile(path, manifest, 0o644)).To(Succeed())
	kubectlOK("apply", "--server-side", "-f", path)

	kubeconfig := filepath.Join(work, release+".kubeconfig")
	Expect(controlPlane.WriteKubeconfig(kubeconfig, harness.ServiceAccountUser(namespace, accounts[0].GetName()))).To(Succeed())
	Eventually(func() string {
		out, _ := kubectl(append([]string{"--kubeconfig", kubeconfig, "auth", "can-i"}, ready...)...)
		return lastLine(out)
	}).WithTimeout(30*time.Second).Should(Equal("yes"), "kubectl auth can-i %s", strings.Join(ready, " "))
	return kubeconfig
}

// forbidden returns the lines of the logs matching pattern in which a manager reports that the
// API server refused it a request.
func forbidden(pattern string) []string {
	GinkgoHelper()
	logs, err := harness.Logs(work, pattern)
	Expect(err).NotTo(HaveOccurred())
	var refused []string
	for _, l := range logs {
		lines, err := l.Lines()
		Expect(err).NotTo(HaveOccurred())
		for _, line := range lines {
			if strings.Contains(strings.ToLower(line), "forbidden") {
				refused = append(refused, l.Name+": "+line[:min(len(line), 400)])
			}
		}
	}
	return refused
}

// lastLine is the last line of a command's output: kubectl auth can-i answers there.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// startSim runs a simulator with a seed and returns it with its URL once it answers.
func startSim(logName, seed string, args ...string) (*harness.Process, string) {
	GinkgoHelper()
	p, url, err := harness.StartSimulator(work, logName, seed, args...)
	Expect(err).NotTo(HaveOccurred())
	return p, url
}

// kill ends a process with SIGKILL, as the kubelet does after the grace period or the kernel
// does when memory runs out: no deferred function runs, no lease is released.
func kill(p *harness.Process) {
	GinkgoHelper()
	Expect(p.Kill()).To(Succeed())
}

// kubectl runs the envtest kubectl against the control plane.
func kubectl(args ...string) (string, error) {
	return controlPlane.Kubectl(args...)
}

func kubectlOK(args ...string) string {
	GinkgoHelper()
	out, err := kubectl(args...)
	Expect(err).NotTo(HaveOccurred(), "kubectl %s:\n%s", strings.Join(args, " "), out)
	return out
}

// applyYAML pipes a manifest into kubectl apply.
func applyYAML(manifest string, extra ...string) (string, error) {
	path := filepath.Join(work, fmt.Sprintf("manifest-%d.yaml", time.Now().UnixNano()))
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		return "", err
	}
	return kubectl(append([]string{"apply", "-f", path}, extra...)...)
}
