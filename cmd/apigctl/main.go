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

// Command apigctl imports what an API gateway publishes as ApiPublication manifests, and
// previews what applying manifests would make the operator do. Installed on the PATH as
// kubectl-apig, it is the kubectl plugin "kubectl apig".
package main

import (
	"os"

	"github.com/apig-operator/apig-operator/internal/apigctl"
)

func main() {
	os.Exit(apigctl.Main(os.Args[1:], apigctl.Streams{Out: os.Stdout, Err: os.Stderr}, nil))
}
