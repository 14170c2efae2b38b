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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Binary is a program of the module, built by Build.
type Binary struct {
	// Name is the file's name in the directory Build writes to.
	Name string
	// Package is the main package, relative to the module's root.
	Package string
}

// The operator's binaries.
var (
	Manager   = Binary{Name: "manager", Package: "./cmd"}
	Simulator = Binary{Name: "gatewaysim", Package: "./cmd/gatewaysim"}
	Apigctl   = Binary{Name: "apigctl", Package: "./cmd/apigctl"}
)

// Build builds the binaries of the module at root into dir.
func Build(root, dir string, bins ...Binary) error {
	for _, b := range bins {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, b.Name), b.Package)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", b.Name, err, out)
		}
	}
	return nil
}

// RepoRoot returns the module's root: the first directory with a go.mod from the working
// directory up.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
