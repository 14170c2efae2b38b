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

// Command manager runs the apig-operator controllers: flags and manager wiring only.
package main

import (
	"crypto/sha256"
	"crypto/tls"
	"flag"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	publishingv1alpha1 "github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/controller"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
	"github.com/apig-operator/apig-operator/internal/metricsauth"
	"github.com/apig-operator/apig-operator/internal/recorder"
)

var scheme = runtime.NewScheme()

// gcPercent is the manager's GOGC unless the environment sets one.
const gcPercent = 50

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(publishingv1alpha1.AddToScheme(scheme))
}

func main() {
	var (
		metricsAddr    string
		metricsSecure  bool
		probeAddr      string
		pprofAddr      string
		leaderElect    bool
		leaderElectNS  string
		enableHTTP2    bool
		kubeAPIQPS     float64
		kubeAPIBurst   int
		watchNamespace string
		watchSelector  string
		batchWindow    time.Duration
		batchSpacing   time.Duration
		batchMaxSize   int
		gatewayTimeout time.Duration
		concurrency    int
		secretTargets  bool
		allowed        string
		allowHTTP      bool
		clusterNS      string
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0",
		"Address the metrics endpoint binds to, for example :8443 (secure) or :8080; 0 disables it.")
	flag.BoolVar(&metricsSecure, "metrics-secure", true,
		"Serve metrics over HTTPS, authenticated and authorized through the API server.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the health and readiness probes bind to.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "",
		"Address to serve Go's pprof profiles on, for example 127.0.0.1:6060; default: not served.")
	flag.BoolVar(&leaderElect, "leader-elect", false,
		"Elect a leader so that only one of several manager replicas acts at a time.")
	flag.StringVar(&leaderElectNS, "leader-election-namespace", "",
		"Namespace of the leader election lease; default: the namespace the manager runs in.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false,
		"Serve metrics over HTTP/2 as well; off by default because of HTTP/2 stream-reset attacks.")
	flag.Float64Var(&kubeAPIQPS, "kube-api-qps", 200,
		"Sustained requests per second to the Kubernetes API server (client-go's default is 20).")
	flag.IntVar(&kubeAPIBurst, "kube-api-burst", 300, "Burst of requests to the Kubernetes API server.")
	flag.StringVar(&watchNamespace, "watch-namespace", "",
		"Only watch these namespaces (comma-separated); default: all namespaces.")
	flag.StringVar(&watchSelector, "watch-label-selector", "",
		"Only reconcile ApiGateways, ClusterApiGateways, ApiPublications and ApiExports with these labels, for "+
			"example sharding.apig-operator.dev/shard=a: one shard of several managers. Every object that uses a "+
			"gateway instance must be in the shard of that instance's gateway objects; default: all.")
	flag.DurationVar(&batchWindow, "batch-window", 100*time.Millisecond,
		"How long publish and offline requests for the same gateway environment wait to be merged into one batch call.")
	flag.DurationVar(&batchSpacing, "batch-spacing", 10*time.Second,
		"Least time between two batch calls for the same environment: during a rollout the gateway sees one large call "+
			"per spacing instead of many small ones; a lone change still goes out after --batch-window.")
	flag.IntVar(&batchMaxSize, "batch-max-size", 1000,
		"Most APIs per batch call (the gateway's limit is 1000); 1 makes one call per API.")
	flag.DurationVar(&gatewayTimeout, "gateway-timeout", 30*time.Second, "Timeout of each call to a gateway.")
	flag.IntVar(&concurrency, "concurrency", 100,
		"ApiPublications reconciled at once. A pass hands its gateway writes to the batcher and does not "+
			"wait for them, so this bounds the reads and API-server writes in progress, and the memory they take.")
	flag.BoolVar(&secretTargets, "enable-secret-targets", false,
		"Let ApiExports write their document to a Secret (spec.target.secret). Off by default: the manager "+
			"then only reads Secrets. Turning it on also needs the RBAC in the kustomize component "+
			"config/components/secret-targets, which lets the manager create, update, patch and delete Secrets.")
	flag.StringVar(&allowed, "allowed-endpoints", strings.Join(controller.DefaultAllowedEndpoints, ","),
		"Comma-separated host patterns of the gateway endpoints the manager may call with an ApiGateway's credentials: "+
			"host, *.domain (any host below domain) or *. An ApiGateway whose endpoint is elsewhere is Stalled with "+
			"reason EndpointNotAllowed and nothing is sent. Add your Huawei Cloud Stack domain here.")
	flag.BoolVar(&allowHTTP, "insecure-allow-http", false,
		"Allow http:// gateway endpoints, which send credentials in clear (a simulator or a test gateway only).")
	flag.StringVar(&clusterNS, "cluster-resource-namespace", ownNamespace(),
		"Namespace the credentials Secrets and CA bundles of ClusterApiGateways are read from; default: the manager's "+
			"own namespace. Tenants need not, and should not, be able to read it.")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()

	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")
	if os.Getenv("GOGC") == "" {
		// Most of the heap is the cache, which lives as long as the manager: collecting at 50 %
		// growth instead of Go's 100 % keeps the peak near 1.5 times what is live, for a little
		// more CPU. GOGC in the environment wins.
		debug.SetGCPercent(gcPercent)
	}

	var tlsOpts []func(*tls.Config)
	if !enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   metricsAddr,
		SecureServing: metricsSecure,
		TLSOpts:       tlsOpts,
	}
	if metricsSecure {
		metricsOpts.FilterProvider = metricsauth.Filter
	}

	restConfig := ctrl.GetConfigOrDie()
	restConfig.QPS = float32(kubeAPIQPS)
	restConfig.Burst = kubeAPIBurst

	var shard labels.Selector
	if watchSelector != "" {
		var err error
		if shard, err = labels.Parse(watchSelector); err != nil {
			log.Error(err, "Invalid --watch-label-selector")
			os.Exit(1)
		}
	}
	mgrOpts := ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOpts,
		HealthProbeBindAddress:        probeAddr,
		PprofBindAddress:              pprofAddr,
		LeaderElection:                leaderElect,
		LeaderElectionID:              leaderElectionID(shard),
		LeaderElectionNamespace:       leaderElectNS,
		LeaderElectionReleaseOnCancel: true,
	}
	// The cache keeps what the controllers read: managedFields and kubectl's last-applied
	// annotation are dropped.
	mgrOpts.Cache.DefaultTransform = controller.CacheTransform
	mgrOpts.Cache.ByObject = map[client.Object]cache.ByObject{}
	if namespaces := splitList(watchNamespace); len(namespaces) > 0 {
		mgrOpts.Cache.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			mgrOpts.Cache.DefaultNamespaces[ns] = cache.Config{}
		}
		// The Secrets and ConfigMaps ClusterApiGateways name are in the manager's namespace:
		// watched too, so that a change of credentials is noticed at once.
		withOwn := map[string]cache.Config{clusterNS: {}}
		maps.Copy(withOwn, mgrOpts.Cache.DefaultNamespaces)
		mgrOpts.Cache.ByObject[&corev1.Secret{}] = cache.ByObject{Namespaces: withOwn}
		mgrOpts.Cache.ByObject[&corev1.ConfigMap{}] = cache.ByObject{Namespaces: withOwn}
	}
	if shard != nil {
		for _, obj := range []client.Object{&publishingv1alpha1.ApiGateway{}, &publishingv1alpha1.ClusterApiGateway{},
			&publishingv1alpha1.ApiPublication{}, &publishingv1alpha1.ApiExport{}} {
			mgrOpts.Cache.ByObject[obj] = cache.ByObject{Label: shard}
		}
	}
	mgr, err := ctrl.NewManager(restConfig, mgrOpts)
	if err != nil {
		log.Error(err, "Unable to create the manager")
		os.Exit(1)
	}

	gatewayMetrics := gateway.NewMetrics()
	ctrlmetrics.Registry.MustRegister(gatewayMetrics.Collectors()...)
	events, err := recorder.ForManager(mgr, restConfig, "apig-operator", ctrlmetrics.Registry)
	if err != nil {
		log.Error(err, "Unable to set up the event recorder")
		os.Exit(1)
	}
	connector := &controller.Connector{
		Reader: mgr.GetAPIReader(), Registry: driver.NewRegistry(), Metrics: gatewayMetrics,
		BatchWindow: batchWindow, BatchSpacing: batchSpacing, BatchMaxSize: batchMaxSize, Timeout: gatewayTimeout,
		Instance:                 instanceName(),
		Endpoints:                controller.EndpointPolicy{Allowed: splitList(allowed), InsecureAllowHTTP: allowHTTP},
		ClusterResourceNamespace: clusterNS, Shard: shard,
	}
	if err := (&controller.ApiGatewayReconciler{
		Client: mgr.GetClient(), Connections: connector, Recorder: events,
		Metrics: gatewayMetrics,
	}).SetupWithManager(mgr); err != nil {
		log.Error(err, "Unable to set up the controller", "controller", "ApiGateway")
		os.Exit(1)
	}
	if err := (&controller.ClusterApiGatewayReconciler{
		Client: mgr.GetClient(), Connector: connector, Recorder: events,
		Metrics: gatewayMetrics,
	}).SetupWithManager(mgr); err != nil {
		log.Error(err, "Unable to set up the controller", "controller", "ClusterApiGateway")
		os.Exit(1)
	}
	if err := (&controller.ApiPublicationReconciler{
		Client: mgr.GetClient(), Connections: connector, Recorder: events,
		Metrics: gatewayMetrics, Concurrency: concurrency,
	}).SetupWithManager(mgr); err != nil {
		log.Error(err, "Unable to set up the controller", "controller", "ApiPublication")
		os.Exit(1)
	}
	if err := (&controller.ApiExportReconciler{
		Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(), Connections: connector,
		Recorder: events, SecretTargets: secretTargets, Metrics: gatewayMetrics,
	}).SetupWithManager(mgr); err != nil {
		log.Error(err, "Unable to set up the controller", "controller", "ApiExport")
		os.Exit(1)
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Unable to set up the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Unable to set up the readiness check")
		os.Exit(1)
	}

	connector.MarkStartedWhenElected(mgr.Elected())
	log.Info("Starting the manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "The manager stopped with an error")
		os.Exit(1)
	}
}

// instanceName tells this manager process apart from its replicas in gateway access logs: the
// host name (the Pod name in a cluster) and the process ID.
func instanceName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "manager"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}

// leaderElectionID names the lease: one per shard, so that the managers of several shards in
// one namespace each elect their own leader. The selector is hashed as parsed, so spacing does
// not make two leases of one shard.
func leaderElectionID(shard labels.Selector) string {
	const id = "leader.publishing.apig-operator.dev"
	if shard == nil || shard.Empty() {
		return id
	}
	sum := sha256.Sum256([]byte(shard.String()))
	return fmt.Sprintf("shard-%x.%s", sum[:5], id)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// ownNamespace is the namespace of the manager's service account when it runs in a Pod, and
// the namespace config/default deploys it to otherwise.
func ownNamespace() string {
	if ns, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil {
		if s := strings.TrimSpace(string(ns)); s != "" {
			return s
		}
	}
	return "apig-operator-system"
}
