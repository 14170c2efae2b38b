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
	"fmt"
	"testing"
	"time"

	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

func TestParseFlags(t *testing.T) {
	realistic := gatewaysim.Options{}.Realistic()
	cases := []struct {
		reason string
		args   []string
		want   gatewaysim.Options // compared without Logger
		err    bool
	}{
		{"no flag is an ideal gateway keeping 10 versions", nil,
			gatewaysim.Options{Quotas: gatewaysim.Quotas{VersionsPerAPI: 10}}, false},
		{"each realistic behaviour has its flag", []string{"--read-lag=7s", "--write-latency=20ms",
			"--conflict-on-concurrent-writes", "--throttle-without-retry-after", "--quota-apis-per-instance=250",
			"--quota-apis-per-group=1000", "--quota-groups=3", "--quota-environments=10", "--quota-versions-per-api=5"},
			gatewaysim.Options{ReadLag: 7 * time.Second, WriteLatency: 20 * time.Millisecond, ConflictOnConcurrentWrites: true,
				ThrottleWithoutRetryAfter: true, Quotas: gatewaysim.Quotas{APIsPerInstance: 250, APIsPerGroup: 1000, Groups: 3,
					Environments: 10, VersionsPerAPI: 5}}, false},
		{"--realistic is Options.Realistic", []string{"--realistic"}, realistic, false},
		{"--realistic keeps the flags given, zero and false included",
			[]string{"--realistic", "--read-lag=10s", "--write-latency=0", "--conflict-on-concurrent-writes=false", "--quota-environments=0"},
			func() gatewaysim.Options {
				o := realistic
				o.ReadLag, o.WriteLatency, o.ConflictOnConcurrentWrites, o.Quotas.Environments = 10*time.Second, 0, false, 0
				return o
			}(), false},
		{"a negative read lag is refused", []string{"--read-lag=-1s"}, gatewaysim.Options{}, true},
		{"keeping no version is refused", []string{"--quota-versions-per-api=0"}, gatewaysim.Options{}, true},
		{"a negative quota is refused", []string{"--quota-apis-per-group=-1"}, gatewaysim.Options{}, true},
		{"a stray argument is refused", []string{"extra"}, gatewaysim.Options{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			cfg, err := parseFlags(tc.args)
			if tc.err {
				if err == nil {
					t.Errorf("parseFlags(%q) = %+v; want an error", tc.args, cfg.opts)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFlags(%q): %v", tc.args, err)
			}
			if fmt.Sprintf("%+v", cfg.opts) != fmt.Sprintf("%+v", tc.want) {
				t.Errorf("parseFlags(%q) options\n got %+v\nwant %+v", tc.args, cfg.opts, tc.want)
			}
		})
	}
}
