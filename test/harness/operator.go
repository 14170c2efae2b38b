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

package harness

import (
	"path/filepath"
	"strings"
	"time"
)

// SimulatorStartTimeout bounds the wait for a simulator to accept connections.
const SimulatorStartTimeout = 30 * time.Second

// StartManager runs dir/manager (see Build) against the API server of the kubeconfig file,
// with its metrics off and its health probes on a free local port; args are added to its
// command line.
func StartManager(dir, name, kubeconfig string, args ...string) (*Process, error) {
	return StartManagerEnv(dir, name, kubeconfig, nil, args...)
}

// StartManagerEnv is StartManager with env ("KEY=value") added to the manager's environment,
// as a Deployment's env would: GOMEMLIMIT, for example.
func StartManagerEnv(dir, name, kubeconfig string, env []string, args ...string) (*Process, error) {
	probe, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	// The simulators of the tests listen on 127.0.0.1, most of them over http: the manager
	// may call that host and no other (args can say otherwise; the last flag wins).
	return StartEnv(dir, name, filepath.Join(dir, Manager.Name), env, append([]string{"--kubeconfig", kubeconfig,
		"--metrics-bind-address=0", "--health-probe-bind-address=" + probe,
		"--allowed-endpoints=127.0.0.1", "--insecure-allow-http"}, args...)...)
}

// StartSimulator runs dir/gatewaysim (see Build) with a seed file on a free local port, and
// returns it with its URL once it accepts connections; args are added to its command line,
// and with --tls-cert among them the URL is https.
func StartSimulator(dir, name, seed string, args ...string) (*Process, string, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, "", err
	}
	scheme := "http"
	for _, a := range args {
		if strings.HasPrefix(a, "--tls-cert") {
			scheme = "https"
		}
	}
	p, err := Start(dir, name, filepath.Join(dir, Simulator.Name), append([]string{"--listen", addr, "--seed", seed}, args...)...)
	if err != nil {
		return nil, "", err
	}
	if err := p.WaitReady(SimulatorStartTimeout, Listening(addr)); err != nil {
		p.Stop()
		return nil, "", err
	}
	return p, scheme + "://" + addr, nil
}
