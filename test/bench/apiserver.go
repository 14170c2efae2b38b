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
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// apiServerWrites reads from the API server's own metrics the writes it served to
// ApiPublications (metadata and status patches) and events, the operator's side of its load:
// the benchmark's creates are not counted.
func apiServerWrites(ctx context.Context, cfg *rest.Config) (map[string]int, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	data, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the API server's metrics: %w", err)
	}
	return parseWrites(data)
}

// parseWrites sums apiserver_request_total over the successful PATCH, PUT and POST requests
// of ApiPublications other than creates, and of events, by resource, subresource and verb.
func parseWrites(data []byte) (map[string]int, error) {
	out := map[string]int{}
	err := samples(bytes.NewReader(data), "apiserver_request_total", func(labels map[string]string, v float64) {
		resource, verb := labels["resource"], labels["verb"]
		if !strings.HasPrefix(labels["code"], "2") || (resource != "apipublications" && resource != "events") ||
			(verb != "PATCH" && verb != "PUT" && verb != "POST") || (resource == "apipublications" && verb == "POST") {
			return
		}
		key := resource
		if sub := labels["subresource"]; sub != "" {
			key += "/" + sub
		}
		out[key+" "+verb] += int(v)
	})
	return out, err
}

// samples calls each with the labels and value of every sample of the metric name in a
// Prometheus text exposition.
func samples(r io.Reader, name string, each func(labels map[string]string, v float64)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		end := strings.LastIndexByte(line, '}')
		labels := map[string]string{}
		for _, kv := range strings.Split(line[len(name)+1:end], ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				labels[k] = strings.Trim(v, `"`)
			}
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			return fmt.Errorf("parse %q: %w", line, err)
		}
		each(labels, v)
	}
	return sc.Err()
}

// minus is after - before, key by key.
func minus(after, before map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}
