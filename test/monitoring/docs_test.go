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

package monitoring

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/recorder"
)

// apigName is a name of the manager's own metrics, wherever the docs write it.
var apigName = regexp.MustCompile(`\bapig_[a-z_]+`)

// The docs' metrics table has a row for each of the manager's own metrics, and the docs name
// no other: a metric renamed in the code and not in the docs, or the other way round, fails.
func TestTheDocsListEveryGatewayMetric(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, Docs))
	if err != nil {
		t.Fatal(err)
	}
	docs := string(data)
	exported := map[string]bool{}
	for _, c := range append(gateway.NewMetrics().Collectors(), recorder.NewDroppedCounter()) {
		for _, name := range describe(c) {
			exported[name] = true
			if !strings.Contains(docs, "\n| `"+name+"` |") {
				t.Errorf("%s has no row for %s in its metrics table", Docs, name)
			}
		}
	}
	for _, name := range apigName.FindAllString(docs, -1) {
		if !exported[name] {
			t.Errorf("%s names %s, which the manager does not export", Docs, name)
		}
	}
}
