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

package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// exportSource is what an export would be made from: the group's APIs published in the
// environment (or all of them for define dev), restricted to the spec's subset.
type exportSource struct {
	APIIDs []string
	// Digest changes whenever an API is published, taken offline, republished or switched.
	Digest string
}

// exportSourceOf computes the source of an export from the spec's export options, the group's
// APIs and the snapshot. The options are part of the digest, so a spec change is exported
// even if a pass that saw it failed before exporting.
func exportSourceOf(spec v1alpha1.ApiExportSpec, groupAPIs []gateway.API, subset map[string]bool, snap *gateway.Snapshot) exportSource {
	define := spec.Define
	h := sha256.New()
	fmt.Fprintf(h, "%s/%s/%s/%s/%s\n", spec.OASVersion, spec.Define, spec.Format, spec.Version, spec.Environment)
	var src exportSource
	for _, a := range groupAPIs {
		if len(subset) > 0 && !subset[a.ID] {
			continue
		}
		live, published := snap.APIs[a.ID]
		if !published && define != "dev" {
			continue
		}
		src.APIIDs = append(src.APIIDs, a.ID)
		record := live.PublishID + "@" + live.PublishTime.UTC().Format(time.RFC3339Nano)
		if define == "dev" {
			record += "/" + a.UpdateTime.UTC().Format(time.RFC3339Nano)
		}
		h.Write([]byte(a.ID + "=" + record + "\n"))
	}
	sort.Strings(src.APIIDs)
	src.Digest = hex.EncodeToString(h.Sum(nil))
	return src
}

// exportDue says whether a new export is needed, and why. It is pure: now is an input.
func exportDue(exp *v1alpha1.ApiExport, src exportSource, now time.Time) (bool, string) {
	st := exp.Status
	switch {
	case st.LastExportTime == nil:
		return true, "first export"
	case st.ObservedGeneration != exp.Generation:
		return true, "the spec changed"
	case st.SourceDigest != src.Digest:
		return true, "what is published changed"
	case now.Sub(st.LastExportTime.Time) >= exportInterval(exp):
		return true, "the interval passed"
	}
	return false, ""
}

const defaultExportInterval = time.Hour

func exportInterval(exp *v1alpha1.ApiExport) time.Duration {
	if exp.Spec.Interval != nil && exp.Spec.Interval.Duration > 0 {
		return exp.Spec.Interval.Duration
	}
	return defaultExportInterval
}

// targetKey is the key the document is stored under.
func targetKey(exp *v1alpha1.ApiExport) string {
	obj := exp.Spec.Target.ConfigMap
	if obj == nil {
		obj = exp.Spec.Target.Secret
	}
	if obj != nil && obj.Key != "" {
		return obj.Key
	}
	if exp.Spec.Format == "yaml" {
		return "openapi.yaml"
	}
	return "openapi.json"
}
