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
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// kubectlTimeout bounds one kubectl command.
const kubectlTimeout = 3 * time.Minute

// Assets returns the directory of the envtest binaries (etcd, kube-apiserver, kubectl), which
// KUBEBUILDER_ASSETS names.
func Assets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	return "", errors.New("KUBEBUILDER_ASSETS is not set: run through make, or with KUBEBUILDER_ASSETS=$(hack/envtest.sh)")
}

// ControlPlane is etcd and kube-apiserver run by envtest, with a kubeconfig file for the
// processes and kubectl.
type ControlPlane struct {
	Env *envtest.Environment
	// Config is envtest's own administrator configuration, for clients in this process.
	Config *rest.Config
	// Kubeconfig is the path of a kubeconfig file of a member of system:masters.
	Kubeconfig string

	assets string
}

// StartControlPlane starts env and writes a kubeconfig of user, a member of system:masters,
// to the file kubeconfig. When a step fails, it stops what it started.
func StartControlPlane(env *envtest.Environment, user, kubeconfig string) (*ControlPlane, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("start the control plane: %w", err)
	}
	cp := &ControlPlane{Env: env, Config: cfg, Kubeconfig: kubeconfig, assets: assets}
	if err := cp.writeKubeconfig(user); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return cp, nil
}

func (c *ControlPlane) writeKubeconfig(user string) error {
	return c.WriteKubeconfig(c.Kubeconfig, envtest.User{Name: user, Groups: []string{"system:masters"}})
}

// WriteKubeconfig writes a kubeconfig of user, with a client certificate, to the file path.
func (c *ControlPlane) WriteKubeconfig(path string, user envtest.User) error {
	u, err := c.Env.AddUser(user, nil)
	if err != nil {
		return fmt.Errorf("add the user %s: %w", user.Name, err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// ServiceAccountUser is the user and groups the API server authenticates a ServiceAccount's
// token as: a kubeconfig of it has exactly the ServiceAccount's permissions.
func ServiceAccountUser(namespace, name string) envtest.User {
	return envtest.User{
		Name:   "system:serviceaccount:" + namespace + ":" + name,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
	}
}

// Stop stops etcd and kube-apiserver.
func (c *ControlPlane) Stop() error {
	return c.Env.Stop()
}

// Kubectl runs the envtest kubectl with the kubeconfig, for at most three minutes, and
// returns what it wrote to its standard output and error.
func (c *ControlPlane) Kubectl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.assets, "kubectl"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
