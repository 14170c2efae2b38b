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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/apig-operator/apig-operator/test/harness"
)

var _ = Describe("TLS to the gateway", Ordered, func() {
	const tlsNS = "apig-tls"
	var sim *harness.Process
	var url, caPEM string

	BeforeAll(func() {
		By("starting a simulator that serves HTTPS with a certificate of a private CA")
		var certFile, keyFile string
		caPEM, certFile, keyFile = writeServerCert(filepath.Join(work, "tls"))
		sim, url = startSim("gatewaysim-tls", filepath.Join(root, "config/samples/gatewaysim-seed.yaml"),
			"--tls-cert", certFile, "--tls-key", keyFile)
		DeferCleanup(func() { sim.Stop() })
		_, err := applyYAML(namespaceWithToken(tlsNS, "demo-token"))
		Expect(err).NotTo(HaveOccurred())
	})

	It("refuses a gateway whose certificate no trusted CA signed, and says how to trust it", func() {
		_, err := applyYAML(gatewayYAML(tlsNS, "untrusted", url, ""))
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() string {
			return kubectlOK("get", "apigateway", "untrusted", "-n", tlsNS,
				"-o", `jsonpath={.status.conditions[?(@.type=="Ready")].reason}: {.status.conditions[?(@.type=="Ready")].message}`)
		}).WithTimeout(time.Minute).Should(And(
			HavePrefix("TLSVerificationFailed: "), ContainSubstring("certificate"), ContainSubstring("spec.tls.caBundleRef")))
		Expect(kubectlOK("get", "apigateway", "untrusted", "-n", tlsNS,
			"-o", `jsonpath={.status.conditions[?(@.type=="Stalled")].status}`)).To(Equal("True"))
	})

	It("connects and publishes once the CA bundle is given in spec.tls.caBundleRef", func() {
		Expect(os.WriteFile(filepath.Join(work, "tls", "ca-configmap.yaml"), []byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: gateway-ca, namespace: `+tlsNS+`}
data:
  ca.crt: |
`+indent(caPEM, "    ")), 0o644)).To(Succeed())
		kubectlOK("apply", "-f", filepath.Join(work, "tls", "ca-configmap.yaml"))
		_, err := applyYAML(gatewayYAML(tlsNS, "untrusted", url, "gateway-ca") + `---
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: get-user, namespace: ` + tlsNS + `}
spec:
  gatewayRef: {name: untrusted}
  environment: RELEASE
  apis: [{name: get_user}]
`)
		Expect(err).NotTo(HaveOccurred())
		kubectlOK("wait", "-n", tlsNS, "--for=condition=Ready", "--timeout=60s", "apigateway/untrusted", "apipublication/get-user")
		Expect(liveVersionAt(url, "get_user", "RELEASE")).NotTo(BeEmpty())
	})
})

func gatewayYAML(namespace, name, endpoint, caConfigMap string) string {
	y := `apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiGateway
metadata: {name: ` + name + `, namespace: ` + namespace + `}
spec:
  provider: APIG
  endpoint: ` + endpoint + `
  projectId: ` + project + `
  instanceId: ` + instance + `
  credentialsRef: {name: creds}
`
	if caConfigMap != "" {
		y += "  tls: {caBundleRef: {kind: ConfigMap, name: " + caConfigMap + ", key: ca.crt}}\n"
	}
	return y
}

func indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}

// writeServerCert makes a CA and a certificate for 127.0.0.1 signed by it, and returns the
// CA's PEM and the files of the server's certificate and key.
func writeServerCert(dir string) (caPEM, certFile, keyFile string) {
	GinkgoHelper()
	Expect(os.MkdirAll(dir, 0o700)).To(Succeed())
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "apig-operator e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	Expect(err).NotTo(HaveOccurred())
	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	server := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "gateway"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, server, ca, &serverKey.PublicKey, caKey)
	Expect(err).NotTo(HaveOccurred())
	keyDER, err := x509.MarshalECPrivateKey(serverKey)
	Expect(err).NotTo(HaveOccurred())
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	Expect(os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverDER}), 0o600)).To(Succeed())
	Expect(os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)).To(Succeed())
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})), certFile, keyFile
}

// scanForCredentials fails when a credential value appears in a log line of any process the
// suite ran, in an event, or in an object of the three kinds (status included).
func scanForCredentials() {
	GinkgoHelper()
	type source struct{ name, text string }
	var sources []source
	logs, err := harness.Logs(work, "*.log")
	Expect(err).NotTo(HaveOccurred())
	lines := 0
	for _, l := range logs {
		text, err := l.Lines()
		Expect(err).NotTo(HaveOccurred())
		for _, line := range text {
			lines++
			sources = append(sources, source{l.Name, line})
		}
	}
	events := kubectlOK("get", "events", "-A", "-o", "yaml")
	objects := kubectlOK("get", "apigateways,apipublications,apiexports", "-A", "-o", "yaml")
	sources = append(sources, source{"events", events}, source{"objects", objects})
	for _, s := range sources {
		for _, c := range credentials {
			Expect(s.text).NotTo(ContainSubstring(c), "%s leaks a credential value", s.name)
		}
	}
	GinkgoWriter.Printf("secret scan: %d credential values, %d log lines in %d logs, %d bytes of events, %d bytes of objects: none found\n",
		len(credentials), lines, len(logs), len(events), len(objects))
}
