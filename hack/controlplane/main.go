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

// Command controlplane runs a local Kubernetes control plane (etcd and kube-apiserver from the
// envtest binaries that hack/envtest.sh builds), writes an admin kubeconfig, and keeps running
// until SIGINT or SIGTERM, when it stops both processes. make demo and the benchmark use it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "controlplane:", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("write-kubeconfig", "", "Where to write the admin kubeconfig (required).")
	flag.Parse()
	if *kubeconfig == "" {
		return fmt.Errorf("--write-kubeconfig is required")
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return fmt.Errorf("KUBEBUILDER_ASSETS is not set: run with KUBEBUILDER_ASSETS=$(hack/envtest.sh)")
	}

	env := &envtest.Environment{}
	if _, err := env.Start(); err != nil {
		return fmt.Errorf("start the control plane: %w", err)
	}
	defer func() { _ = env.Stop() }()

	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add the admin user: %w", err)
	}
	data, err := admin.KubeConfig()
	if err != nil {
		return fmt.Errorf("render the kubeconfig: %w", err)
	}
	// Write then rename, so a waiting script never reads half a file.
	if err := os.WriteFile(*kubeconfig+".tmp", data, 0o600); err != nil {
		return err
	}
	if err := os.Rename(*kubeconfig+".tmp", *kubeconfig); err != nil {
		return err
	}
	fmt.Println("controlplane: ready, kubeconfig", *kubeconfig)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Println("controlplane: stopping")
	return nil
}
