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

package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	publishingv1alpha1 "github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
	"github.com/apig-operator/apig-operator/internal/recorder"
)

// The suite runs against a real etcd and kube-apiserver (the envtest binaries that
// hack/envtest.sh builds; make test sets KUBEBUILDER_ASSETS), with the generated CRDs installed.
// Credentials of the simulator. The values are distinctive so that the secret scan in
// AfterSuite can look for them in every log line, event and status the suite produced.
const (
	simProject   = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	simInstance  = "eddc4d25480b4cd6b512f270a1b8b341"
	simCluster   = "c2e2f6b1a9d84e5f8a7b6c5d4e3f2a10"
	simWorkspace = "ws-demo"
	simAK        = "SIMAKB6F1C0D2"
	simSK        = "sim-secret-key-9c41e7d0"
	simToken     = "sim-token-3e88a1f2"
)

// secretValues are what must never appear outside a Secret.
var secretValues = []string{simSK, simToken, "wrong-secret-4d1b"}

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	sim       *gatewaysim.Server
	simURL    string
	logs      = &syncBuffer{}
	connector *Connector

	// kubectlRun runs the envtest kubectl as a cluster admin.
	kubectlRun func(args ...string) (stdout, stderr io.Reader, err error)
	scheme     = runtime.NewScheme()
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(GinkgoWriter, logs)), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.TODO())

	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run the suite through make test, which builds the envtest binaries with hack/envtest.sh")

	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(publishingv1alpha1.AddToScheme(scheme))

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	Expect(cfg).NotTo(BeNil())

	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	admin, err := testEnv.AddUser(envtest.User{Name: "envtest-admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	kubectl, err := admin.Kubectl()
	Expect(err).NotTo(HaveOccurred())
	kubectlRun = kubectl.Run

	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: clusterResourceNamespace}})).To(Succeed())
	startSimulator()
	startManager()

	// Say what the suite runs against, so a CI log shows a real API server was used.
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	Expect(err).NotTo(HaveOccurred())
	version, err := disco.ServerVersion()
	Expect(err).NotTo(HaveOccurred())
	fmt.Printf("envtest: kube-apiserver %s at %s, %d CRDs installed from config/crd/bases\n",
		version.GitVersion, cfg.Host, len(testEnv.CRDs))
})

var _ = AfterSuite(func() {
	// The control plane stops even when the scan fails, or etcd and kube-apiserver outlive
	// the test binary.
	defer func() {
		cancel()
		if testEnv != nil {
			Expect(testEnv.Stop()).To(Succeed())
		}
	}()
	By("scanning every log line, event and status for credential values")
	scanForSecrets()
})

func startSimulator() {
	var err error
	sim, err = gatewaysim.New(&gatewaysim.Seed{
		Tokens:     []string{simToken},
		AccessKeys: []gatewaysim.SeedAccessKey{{AccessKey: simAK, SecretKey: simSK}},
		Projects: []gatewaysim.SeedProject{{
			ID: simProject,
			APIG: []gatewaysim.SeedInstance{{
				InstanceID:   simInstance,
				Environments: []gatewaysim.SeedEnvironment{{Name: "TEST"}},
				Groups: []gatewaysim.SeedGroup{{Name: "shop", APIs: []gatewaysim.SeedAPI{
					{ID: "5f918d104dc84480a75166ba99efff21", Name: "get_user", Path: "/users/{id}"},
				}}},
			}},
			DataArts: []gatewaysim.SeedCluster{{ClusterID: simCluster, Workspace: simWorkspace,
				APIs: []gatewaysim.SeedDataAPI{{ID: "4704f5a0b6c24e0c9d8e7f6a5b4c3d21", Name: "sales_report", Path: "/reports/sales"}}}},
		}},
	}, gatewaysim.Options{})
	Expect(err).NotTo(HaveOccurred())
	srv := httptest.NewServer(sim)
	DeferCleanup(srv.Close)
	simURL = srv.URL
}

// clusterResourceNamespace is the manager's own namespace, where ClusterApiGateways' Secrets are.
const clusterResourceNamespace = "apig-operator-system"

// stopManager stops the running manager and waits until it has stopped.
var stopManager func()

// restartManager stops the manager and starts a new one, with a new connector and nothing in
// memory from the old one, as a restarted operator would be.
func restartManager() {
	stopManager()
	startManager()
}

func startManager() {
	mgrCtx, mgrCancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	stopManager = func() {
		mgrCancel()
		<-stopped
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             ctrlconfig.Controller{SkipNameValidation: ptr.To(true)}, // restarts reuse the names
	})
	Expect(err).NotTo(HaveOccurred())
	// As cmd/main.go records events; restarts register the counter on a registry of their own.
	events, err := recorder.ForManager(mgr, cfg, "apig-operator", prometheus.NewRegistry())
	Expect(err).NotTo(HaveOccurred())
	connector = &Connector{
		Reader: mgr.GetAPIReader(), Registry: driver.NewRegistry(), Metrics: gateway.NewMetrics(),
		BatchWindow: 50 * time.Millisecond, BatchMaxSize: 1000, Timeout: 10 * time.Second,
		Endpoints:                EndpointPolicy{Allowed: []string{"127.0.0.1"}, InsecureAllowHTTP: true},
		ClusterResourceNamespace: clusterResourceNamespace,
	}
	Expect((&ClusterApiGatewayReconciler{
		Client: mgr.GetClient(), Connector: connector, Recorder: events,
	}).SetupWithManager(mgr)).To(Succeed())
	Expect((&ApiGatewayReconciler{
		Client: mgr.GetClient(), Connections: connector, Recorder: events,
		Metrics: connector.Metrics,
	}).SetupWithManager(mgr)).To(Succeed())
	Expect((&ApiPublicationReconciler{
		Client: mgr.GetClient(), Connections: connector, Recorder: events,
		Metrics: connector.Metrics,
		Now:     func() time.Time { return simNow() },
	}).SetupWithManager(mgr)).To(Succeed())
	Expect((&ApiExportReconciler{
		Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(), Connections: connector,
		Recorder: events, PollFor: 2 * time.Second, Metrics: connector.Metrics,
		SecretTargets: true, // as with --enable-secret-targets; the disabled case is TestApiExportSecretTargets
	}).SetupWithManager(mgr)).To(Succeed())
	// Objects are created after this, in the same second at times: that second is taken as
	// before the start in production (creationTimestamp has seconds only), which would make a
	// spec's first publish wait out the read lag. What a restart leaves behind is still guarded.
	connector.MarkStarted(time.Now().Add(-time.Second))
	go func() {
		defer GinkgoRecover()
		defer close(stopped)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
}

// scanForSecrets fails if a credential value appears in a log line, an event or the status of
// any object of the three kinds.
func scanForSecrets() {
	var haystack strings.Builder
	haystack.WriteString(logs.String())
	evs := &eventsv1.EventList{}
	Expect(k8sClient.List(ctx, evs)).To(Succeed())
	for _, e := range evs.Items {
		fmt.Fprintln(&haystack, e.Reason, e.Note)
	}
	for _, list := range []client.ObjectList{&publishingv1alpha1.ApiGatewayList{}, &publishingv1alpha1.ApiPublicationList{}, &publishingv1alpha1.ApiExportList{}} {
		Expect(k8sClient.List(ctx, list)).To(Succeed())
		data, err := json.Marshal(list)
		Expect(err).NotTo(HaveOccurred())
		haystack.Write(data)
	}
	text := haystack.String()
	Expect(evs.Items).NotTo(BeEmpty(), "the scan found no events to look at")
	for _, secret := range secretValues {
		Expect(text).NotTo(ContainSubstring(secret), "a credential value leaked into a log line, an event or a status")
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of the manager's loggers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// clockSim, when set, is the simulator whose clock the operator's clock follows: a test that
// moves a simulator's clock forward moves the operator's with it, as real clocks agree.
var (
	clockMu  sync.Mutex
	clockSim *gatewaysim.Server
)

func simNow() time.Time {
	clockMu.Lock()
	defer clockMu.Unlock()
	if clockSim != nil {
		return clockSim.Now()
	}
	return time.Now()
}
