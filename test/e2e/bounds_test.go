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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Bounded reads", func() {
	const boundsNS = "apig-bounds"

	It("keeps the manager's memory when a gateway answers a listing with 60 MB, and says why it is not Ready", func() {
		By("connecting a gateway of the simulator first, so that the manager is warm when its memory is measured")
		_, err := applyYAML(namespaceWithToken(boundsNS, "demo-token") + "---\n" + gatewayYAML(boundsNS, "healthy", simURL, ""))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { kubectlOK("delete", "apigateway", "healthy", "-n", boundsNS, "--wait=false") })
		kubectlOK("wait", "-n", boundsNS, "--for=condition=Ready", "--timeout=60s", "apigateway/healthy")

		By("serving 60 MB to every call, from a server in the test")
		hostile := newHugeListing(60_000_000)
		DeferCleanup(hostile.close)

		By("resetting the manager's peak RSS to its RSS now")
		pid := manager.PID()
		before := resetPeakRSS(pid)

		By("creating an ApiGateway that points at it")
		_, err = applyYAML(gatewayYAML(boundsNS, "hostile", hostile.URL, ""))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { kubectlOK("delete", "apigateway", "hostile", "-n", boundsNS, "--wait=false") })

		By("waiting for Ready=False naming the bound, and for the manager to have tried several times")
		Eventually(func() string {
			return kubectlOK("get", "apigateway", "hostile", "-n", boundsNS, "-o",
				`jsonpath={.status.conditions[?(@.type=="Ready")].status}: {.status.conditions[?(@.type=="Ready")].message}`)
		}).WithTimeout(time.Minute).Should(And(HavePrefix("False: "),
			ContainSubstring("list environments: the response body exceeds 4 MiB, the bound for one response"),
			ContainSubstring("even in pages of 10 items")))
		// Each pass asks for pages of 500, 250, ... 10 environments: seven answers of 60 MB.
		Eventually(hostile.calls.Load).WithTimeout(time.Minute).Should(BeNumerically(">=", 4*7))

		after := peakRSS(pid)
		calls, written := hostile.calls.Load(), hostile.written.Load()
		GinkgoWriter.Printf("manager PID %d: peak RSS %.1f MiB before the gateway, %.1f MiB after %d answers of 60 MB "+
			"(the server could write %.0f MiB of them): grew %.1f MiB\n", pid, mib(before), mib(after), calls, mib(written),
			mib(after-before))
		Expect(after-before).To(BeNumerically("<", 100<<20), "the manager's peak RSS grew by %.1f MiB", mib(after-before))
		// The manager stops reading at the bound: most of each 60 MB is never sent.
		Expect(written).To(BeNumerically("<", calls*20<<20))
	})
})

// hugeListing answers every request with one JSON listing of size bytes, written as it goes so
// that the test holds none of it, and counts the requests and the bytes the client took.
type hugeListing struct {
	URL     string
	srv     *httptest.Server
	calls   atomic.Int64
	written atomic.Int64
}

func newHugeListing(size int64) *hugeListing {
	h := &hugeListing{}
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h.calls.Add(1)
		head := `{"total":1,"size":1,"envs":[{"id":"e","name":"`
		tail := `"}]}`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		n, err := io.WriteString(w, head)
		h.written.Add(int64(n))
		for left := size - int64(len(head)+len(tail)); left > 0 && err == nil; left -= int64(n) {
			n, err = w.Write(chunk[:min(int64(len(chunk)), left)])
			h.written.Add(int64(n))
		}
		if err == nil {
			n, _ = io.WriteString(w, tail)
			h.written.Add(int64(n))
		}
	}))
	h.URL = h.srv.URL
	return h
}

func (h *hugeListing) close() {
	h.srv.CloseClientConnections()
	h.srv.Close()
}

// resetPeakRSS sets a process's peak RSS (VmHWM) to its RSS now, where the kernel allows it,
// and returns the peak from then on: what a scenario adds is measured from there, not from
// whatever an earlier scenario left as the peak.
func resetPeakRSS(pid int) int64 {
	GinkgoHelper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		GinkgoWriter.Printf("cannot reset the peak RSS of PID %d (%v): measuring from its peak so far\n", pid, err)
	}
	return peakRSS(pid)
}

// peakRSS reads a process's peak resident set size (VmHWM) from /proc, in bytes.
func peakRSS(pid int) int64 {
	GinkgoHelper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	Expect(err).NotTo(HaveOccurred())
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			Expect(err).NotTo(HaveOccurred())
			return kb << 10
		}
	}
	Fail("no VmHWM in /proc/" + strconv.Itoa(pid) + "/status")
	return 0
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
