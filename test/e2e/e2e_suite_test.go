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
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// The stack the suite runs: etcd and kube-apiserver (envtest binaries), the gateway simulator
// and the manager as processes, and kubectl.
var (
	root       string // the repository
	work       string // binaries, kubeconfig, logs, the samples as applied
	kubeconfig string
	assets     string
	testEnv    *envtest.Environment
	simURL     string
	simProc    *exec.Cmd
	manager    *exec.Cmd
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
	assets = os.Getenv("KUBEBUILDER_ASSETS")
	Expect(assets).NotTo(BeEmpty(), "KUBEBUILDER_ASSETS is not set: run through make test")
	var err error
	root, err = filepath.Abs(filepath.Join("..", ".."))
	Expect(err).NotTo(HaveOccurred())
	work = GinkgoT().TempDir()

	By("building the manager and the simulator")
	for name, pkg := range map[string]string{"manager": "./cmd", "gatewaysim": "./cmd/gatewaysim"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(work, name), pkg)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	}

	By("starting etcd and kube-apiserver")
	testEnv = &envtest.Environment{}
	_, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	admin, err := testEnv.AddUser(envtest.User{Name: "e2e-admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	data, err := admin.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	kubeconfig = filepath.Join(work, "kubeconfig")
	Expect(os.WriteFile(kubeconfig, data, 0o600)).To(Succeed())

	By("starting the simulator with config/samples/gatewaysim-seed.yaml")
	simProc, simURL = startSim("gatewaysim", filepath.Join(root, "config/samples/gatewaysim-seed.yaml"))

	By("copying config/samples with the simulator's address as the endpoint")
	samples := filepath.Join(work, "samples")
	Expect(os.MkdirAll(samples, 0o755)).To(Succeed())
	entries, err := os.ReadDir(filepath.Join(root, "config/samples"))
	Expect(err).NotTo(HaveOccurred())
	for _, e := range entries {
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

	By("starting the manager")
	startManager()
})

var _ = AfterSuite(func() {
	for _, p := range []*exec.Cmd{manager, simProc} {
		stop(p)
	}
	if testEnv == nil {
		return
	}
	// The control plane stops even when the scan fails, or etcd and kube-apiserver outlive
	// the test binary.
	defer func() { Expect(testEnv.Stop()).To(Succeed()) }()
	By("looking for every credential value in the logs, events and statuses of the run")
	scanForCredentials()
})

// A failed scenario shows the end of every log, which is all CI keeps of the run, and keeps
// the whole logs in a directory outside the suite's, which is removed.
var _ = ReportAfterEach(func(report SpecReport) {
	if !report.Failed() {
		return
	}
	kept, _ := os.MkdirTemp("", "apig-operator-e2e-logs-")
	logs, _ := filepath.Glob(filepath.Join(work, "*.log"))
	for _, path := range logs {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		_ = os.WriteFile(filepath.Join(kept, filepath.Base(path)), data, 0o600)
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		fmt.Fprintf(GinkgoWriter, "--- last lines of %s\n%s\n", filepath.Base(path), strings.Join(lines[max(0, len(lines)-40):], "\n"))
	}
	fmt.Fprintf(GinkgoWriter, "--- the whole logs are in %s\n", kept)
})

// startManager runs the manager binary against the control plane.
func startManager() {
	manager = startManagerAs("manager")
}

// startManagerAs runs a manager with its output in work/<logName>.log.
func startManagerAs(logName string, args ...string) *exec.Cmd {
	GinkgoHelper()
	return startAs(logName, "manager", append([]string{"--kubeconfig", kubeconfig, "--metrics-bind-address=0",
		"--health-probe-bind-address=" + freeAddr(), "--zap-log-level=debug"}, args...)...)
}

// startSim runs a simulator with a seed and returns it with its URL once it answers.
func startSim(logName, seed string, args ...string) (*exec.Cmd, string) {
	GinkgoHelper()
	addr := freeAddr()
	scheme := "http"
	for _, a := range args {
		if strings.HasPrefix(a, "--tls-cert") {
			scheme = "https"
		}
	}
	cmd := startAs(logName, "gatewaysim", append([]string{"--listen", addr, "--seed", seed}, args...)...)
	url := scheme + "://" + addr
	Eventually(func() error {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			_ = conn.Close()
		}
		return err
	}).WithTimeout(20 * time.Second).Should(Succeed())
	return cmd, url
}

// startAs runs one of the built binaries with its output in work/<logName>.log.
func startAs(logName, bin string, args ...string) *exec.Cmd {
	GinkgoHelper()
	logFile, err := os.OpenFile(filepath.Join(work, logName+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	Expect(err).NotTo(HaveOccurred())
	cmd := exec.Command(filepath.Join(work, bin), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	Expect(cmd.Start()).To(Succeed())
	return cmd
}

// kill ends a process with SIGKILL, as the kubelet does after the grace period or the kernel
// does when memory runs out: no deferred function runs, no lease is released.
func kill(cmd *exec.Cmd) {
	GinkgoHelper()
	Expect(cmd.Process.Kill()).To(Succeed())
	_ = cmd.Wait()
}

// stop ends a process with SIGTERM, or SIGKILL after 10 seconds.
func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func freeAddr() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close() //nolint:errcheck
	return l.Addr().String()
}

// kubectl runs the envtest kubectl against the control plane.
func kubectl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(assets, "kubectl"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	out, err := cmd.CombinedOutput()
	return string(out), err
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
