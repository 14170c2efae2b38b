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

// Package apigctl is the command-line tool of the operator (cmd/apigctl, also kubectl-apig):
// import prints ApiPublications for what a gateway publishes now, plan prints what applying
// manifests would make the operator do. It reaches the gateway as the manager does, through
// the same drivers, signing, rate limit and bounds, with the credentials of an ApiGateway or
// ClusterApiGateway read through the user's kubeconfig, and never writes to a gateway or to
// the cluster.
package apigctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/controller"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// Exit codes, as terraform plan -detailed-exitcode.
const (
	ExitOK      = 0 // nothing would change
	ExitError   = 1 // the command failed
	ExitChanges = 2 // something would change, or would not converge
)

const usage = `apigctl: bring API gateways under the apig-operator's management, and preview its changes.

Usage:
  apigctl import --gateway [NAMESPACE/]NAME|ClusterApiGateway/NAME [--environment ENV]... [--by name|id]
                 [--pin] [--per-group] [--management-policy Observe|Manage] [-n NAMESPACE]
      Print ApiPublication manifests declaring what the gateway publishes now.
  apigctl plan -f FILE|DIR [-f ...] [-o text|json] [-n NAMESPACE]
      Print what the operator would do once the manifests are applied. Exit code 0: nothing
      would change; 2: something would change or not converge; 1: error.

Common flags (after the command):
  --kubeconfig FILE, --context NAME   the cluster to read (default: KUBECONFIG, ~/.kube/config)
  -n, --namespace NAME                default namespace (default: the kubeconfig's)
  --allowed-endpoints LIST            gateway hosts that may be called, as the manager's flag
  --insecure-allow-http               admit http:// gateway endpoints (a simulator)
  --cluster-resource-namespace NAME   where ClusterApiGateway Secrets are (default apig-operator-system)
  --timeout DURATION                  bound of the whole command (default 2m)

apigctl never writes to a gateway or to the cluster. Installed as kubectl-apig on the PATH,
it runs as "kubectl apig".
`

// Streams are where a command writes.
type Streams struct {
	Out, Err io.Writer
}

// common are the flags every command takes.
type common struct {
	kubeconfig, context, namespace string
	allowed                        string
	allowHTTP                      bool
	clusterNS                      string
	timeout                        time.Duration
}

func (c *common) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.kubeconfig, "kubeconfig", "", "kubeconfig file")
	fs.StringVar(&c.context, "context", "", "kubeconfig context")
	fs.StringVar(&c.namespace, "namespace", "", "default namespace")
	fs.StringVar(&c.namespace, "n", "", "default namespace (shorthand)")
	fs.StringVar(&c.allowed, "allowed-endpoints", strings.Join(controller.DefaultAllowedEndpoints, ","),
		"comma-separated gateway host patterns that may be called")
	fs.BoolVar(&c.allowHTTP, "insecure-allow-http", false, "admit http:// gateway endpoints")
	fs.StringVar(&c.clusterNS, "cluster-resource-namespace", "apig-operator-system",
		"namespace of the Secrets of ClusterApiGateways (the manager's --cluster-resource-namespace)")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "bound of the whole command")
}

// Session is what a command works with: a client of the cluster, the default namespace, and
// the connector that reads gateway credentials and opens connections as the manager does.
type Session struct {
	Client    client.Client
	Namespace string
	Conns     controller.Connections
	Now       func() time.Time
}

// Main runs apigctl with args (without the program name) and returns the exit code. connect
// opens the session from the common flags; nil: from the kubeconfig.
func Main(args []string, streams Streams, connect func(*common) (*Session, error)) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(streams.Out, usage)
		return ExitOK
	}
	if connect == nil {
		connect = sessionFromKubeconfig
	}
	var cmd func(context.Context, []string, Streams, func(*common) (*Session, error)) (int, error)
	switch args[0] {
	case "import":
		cmd = runImport
	case "plan":
		cmd = runPlan
	default:
		fmt.Fprintf(streams.Err, "apigctl: unknown command %q\n\n%s", args[0], usage)
		return ExitError
	}
	code, err := cmd(context.Background(), args[1:], streams, connect)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(streams.Err, "apigctl %s: %v\n", args[0], err)
		}
		return ExitError
	}
	return code
}

// sessionFromKubeconfig opens a session with the user's kubeconfig.
func sessionFromKubeconfig(c *common) (*Session, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if c.kubeconfig != "" {
		rules.ExplicitPath = c.kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("read the kubeconfig: %w", err)
	}
	ns := c.namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil {
			return nil, fmt.Errorf("read the kubeconfig's namespace: %w", err)
		}
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	cl, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("connect to the cluster: %w", err)
	}
	return NewSession(cl, ns, c), nil
}

// NewSession is a session over a client, with the connector the common flags configure.
func NewSession(cl client.Client, namespace string, c *common) *Session {
	var allowed []string
	for _, p := range strings.Split(c.allowed, ",") {
		if p = strings.TrimSpace(p); p != "" {
			allowed = append(allowed, p)
		}
	}
	conns := &controller.Connector{
		Reader: cl, Registry: driver.NewRegistry(), Timeout: 30 * time.Second, Instance: "apigctl",
		Endpoints:                controller.EndpointPolicy{Allowed: allowed, InsecureAllowHTTP: c.allowHTTP},
		ClusterResourceNamespace: c.clusterNS,
	}
	// The plan is what a running manager would do, and its reads miss nothing a manager before
	// it did: it does not wait for the read lag of a start of its own.
	conns.MarkStarted(time.Now().Add(-driver.ReadLag))
	return &Session{Client: cl, Namespace: namespace, Now: time.Now, Conns: conns}
}

// parseGateway reads --gateway: NAME or NAMESPACE/NAME names an ApiGateway,
// ClusterApiGateway/NAME a ClusterApiGateway.
func parseGateway(s string) (ref v1alpha1.GatewayReference, namespace string, err error) {
	kind, name, ok := strings.Cut(s, "/")
	switch {
	case s == "":
		return ref, "", errors.New("--gateway is required: [NAMESPACE/]NAME of an ApiGateway, or ClusterApiGateway/NAME")
	case !ok:
		return v1alpha1.GatewayReference{Kind: v1alpha1.KindApiGateway, Name: s}, "", nil
	case strings.EqualFold(kind, v1alpha1.KindClusterApiGateway) || strings.EqualFold(kind, "capigw"):
		return v1alpha1.GatewayReference{Kind: v1alpha1.KindClusterApiGateway, Name: name}, "", nil
	case name == "" || strings.Contains(name, "/"):
		return ref, "", fmt.Errorf("--gateway %q: want [NAMESPACE/]NAME or ClusterApiGateway/NAME", s)
	}
	return v1alpha1.GatewayReference{Kind: v1alpha1.KindApiGateway, Name: name}, kind, nil
}
