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

package apigctl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// maxManifestBytes bounds one manifest file.
const maxManifestBytes = 16 << 20

// readPublications reads the ApiPublications of the files and directories (walked, .yaml,
// .yml and .json files), in the order found; other kinds are counted, not read. An object
// without a namespace gets namespace.
func readPublications(paths []string, namespace string) (pubs []*v1alpha1.ApiPublication, others int, err error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, 0, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				if !d.IsDir() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	for _, f := range files {
		found, n, err := readFile(f, namespace)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f, err)
		}
		pubs, others = append(pubs, found...), others+n
	}
	return pubs, others, nil
}

func readFile(path, namespace string) (pubs []*v1alpha1.ApiPublication, others int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close() //nolint:errcheck // read only
	data, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxManifestBytes {
		return nil, 0, fmt.Errorf("larger than %d MiB", maxManifestBytes>>20)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for doc := 1; ; doc++ {
		obj := map[string]any{}
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			return pubs, others, nil
		} else if err != nil {
			return nil, 0, fmt.Errorf("document %d: %w", doc, err)
		}
		if len(obj) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: obj}
		gvk := u.GroupVersionKind()
		if gvk.Group != v1alpha1.GroupVersion.Group || gvk.Kind != "ApiPublication" {
			others++
			continue
		}
		if gvk.Version != v1alpha1.GroupVersion.Version {
			return nil, 0, fmt.Errorf("document %d: ApiPublication %s: apiVersion %s is not served; use %s",
				doc, u.GetName(), u.GetAPIVersion(), v1alpha1.GroupVersion)
		}
		pub := &v1alpha1.ApiPublication{}
		// Unknown fields are refused, as the API server refuses them.
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj, pub, true); err != nil {
			return nil, 0, fmt.Errorf("document %d: ApiPublication %s: %w", doc, u.GetName(), err)
		}
		if pub.Name == "" {
			return nil, 0, fmt.Errorf("document %d: an ApiPublication without metadata.name", doc)
		}
		if pub.Namespace == "" {
			pub.Namespace = namespace
		}
		pub.Status = v1alpha1.ApiPublicationStatus{}
		pubs = append(pubs, pub)
	}
}

// defaults sets what the CRD's schema defaults, for when the API server cannot be asked.
func defaults(pub *v1alpha1.ApiPublication) {
	s := &pub.Spec
	set := func(field *string, v string) {
		if *field == "" {
			*field = v
		}
	}
	set(&s.GatewayRef.Kind, v1alpha1.KindApiGateway)
	set((*string)(&s.State), string(v1alpha1.StatePublished))
	set((*string)(&s.Versioning), string(v1alpha1.VersioningKeep))
	set((*string)(&s.DeletionPolicy), string(v1alpha1.DeletionPolicyOffline))
	set((*string)(&s.ManagementPolicy), string(v1alpha1.ManagementPolicyManage))
}
