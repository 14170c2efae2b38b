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

// Package monitoring checks config/prometheus: the alert rules (promtool check and test,
// through the binary in $PROMTOOL, which make test installs), that every alert is documented
// and tested, that the PrometheusRule is the rule file, that docs/monitoring.md lists the
// manager's own metrics and names no other, and that the Grafana dashboard uses its datasource
// variable and rates of counters. It also reads the metric names the rules and the dashboard
// use, for the end-to-end check that the manager exports each of them.
//
// The PromQL reading is a small tokenizer rather than Prometheus's parser: that parser comes
// with the whole Prometheus module, whose requirements would raise the manager's own
// dependencies.
package monitoring
