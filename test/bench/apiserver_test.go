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

package main

import (
	"maps"
	"testing"
)

func TestParseWrites(t *testing.T) {
	data := []byte(`# HELP apiserver_request_total Counter of apiserver requests
apiserver_request_total{code="200",component="apiserver",dry_run="",group="publishing.apig-operator.dev",resource="apipublications",scope="resource",subresource="",verb="PATCH",version="v1alpha1"} 12
apiserver_request_total{code="200",component="apiserver",dry_run="",group="publishing.apig-operator.dev",resource="apipublications",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 25
apiserver_request_total{code="409",component="apiserver",dry_run="",group="publishing.apig-operator.dev",resource="apipublications",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 3
apiserver_request_total{code="201",component="apiserver",dry_run="",group="publishing.apig-operator.dev",resource="apipublications",scope="resource",subresource="",verb="POST",version="v1alpha1"} 10
apiserver_request_total{code="201",component="apiserver",dry_run="",group="events.k8s.io",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 9
apiserver_request_total{code="200",component="apiserver",dry_run="",group="publishing.apig-operator.dev",resource="apipublications",scope="namespace",subresource="",verb="LIST",version="v1alpha1"} 4
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="PATCH",version="v1"} 7
`)
	got, err := parseWrites(data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"apipublications PATCH": 12, "apipublications/status PATCH": 25, "events POST": 9}
	if !maps.Equal(got, want) {
		t.Errorf("parseWrites = %v, want %v (failed requests, creates, reads and other resources left out)", got, want)
	}
	if d := minus(want, map[string]int{"apipublications PATCH": 2, "events POST": 9}); !maps.Equal(d,
		map[string]int{"apipublications PATCH": 10, "apipublications/status PATCH": 25}) {
		t.Errorf("minus = %v", d)
	}
}
