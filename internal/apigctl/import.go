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
	"context"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// maxAPIsPerObject is spec.apis' limit: a larger environment is split over several objects.
const maxAPIsPerObject = 1000

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// importOptions are import's flags.
type importOptions struct {
	common
	gateway      string
	environments multiFlag
	by           string
	pin          bool
	perGroup     bool
	policy       string
}

// runImport prints ApiPublications declaring what the gateway publishes now.
func runImport(ctx context.Context, args []string, streams Streams, connect func(*common) (*Session, error)) (int, error) {
	o := &importOptions{}
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(streams.Err)
	o.bind(fs)
	fs.StringVar(&o.gateway, "gateway", "", "[NAMESPACE/]NAME of an ApiGateway, or ClusterApiGateway/NAME")
	fs.Var(&o.environments, "environment", "environment name or ID to import (repeatable; default: every environment)")
	fs.StringVar(&o.by, "by", "name", "name the APIs by name or by id")
	fs.BoolVar(&o.pin, "pin", false, "pin each API to its live version")
	fs.BoolVar(&o.perGroup, "per-group", false, "one object per environment and API group")
	fs.StringVar(&o.policy, "management-policy", string(v1alpha1.ManagementPolicyObserve),
		"spec.managementPolicy of the objects: Observe (report only, the safe first step) or Manage")
	if err := fs.Parse(args); err != nil {
		return ExitError, err
	}
	if fs.NArg() > 0 {
		return ExitError, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.by != "name" && o.by != "id" {
		return ExitError, fmt.Errorf("--by %q: want name or id", o.by)
	}
	if o.policy != string(v1alpha1.ManagementPolicyObserve) && o.policy != string(v1alpha1.ManagementPolicyManage) {
		return ExitError, fmt.Errorf("--management-policy %q: want Observe or Manage", o.policy)
	}
	ref, gwNS, err := parseGateway(o.gateway)
	if err != nil {
		return ExitError, err
	}
	if gwNS != "" {
		if o.namespace != "" && o.namespace != gwNS {
			return ExitError, fmt.Errorf("--gateway %s is in namespace %s but --namespace is %s: an ApiPublication "+
				"names an ApiGateway of its own namespace", o.gateway, gwNS, o.namespace)
		}
		o.namespace = gwNS
	}
	s, err := connect(&o.common)
	if err != nil {
		return ExitError, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	objects, err := importObjects(ctx, s, o, ref)
	if err != nil {
		return ExitError, err
	}
	if len(objects) == 0 {
		fmt.Fprintln(streams.Err, "apigctl import: the gateway publishes no API in the environments asked for")
	}
	for i, obj := range objects {
		data, err := yaml.Marshal(obj)
		if err != nil {
			return ExitError, err
		}
		if i > 0 {
			fmt.Fprintln(streams.Out, "---")
		}
		if _, err := streams.Out.Write(data); err != nil {
			return ExitError, err
		}
	}
	return ExitOK, nil
}

// importedAPI is one published API of an environment.
type importedAPI struct {
	id, name, group, version string
}

// importObjects reads the gateway and builds the manifests, as plain maps so that the output
// holds only what was chosen, in a stable order.
func importObjects(ctx context.Context, s *Session, o *importOptions, ref v1alpha1.GatewayReference) ([]map[string]any, error) {
	gw, conn, err := s.Conns.ForRef(ctx, s.Client, s.Namespace, ref)
	if err != nil {
		return nil, fmt.Errorf("gateway %s: %w", o.gateway, err)
	}
	inv, ok := conn.Driver.(driver.Inventory)
	if !ok {
		return nil, fmt.Errorf("%s %s is a %s gateway: import reads APIG gateways, whose environments list what they "+
			"publish; declare DataArts APIs by hand", ref.Kind, ref.Name, gw.Spec.Provider)
	}
	envs, err := conn.Driver.Probe(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the environments of %s %s: %w", ref.Kind, ref.Name, err)
	}
	if len(o.environments) > 0 {
		var chosen []gateway.Environment
		for _, want := range o.environments {
			i := slices.IndexFunc(envs, func(e gateway.Environment) bool { return e.ID == want || e.Name == want })
			if i < 0 {
				return nil, fmt.Errorf("environment %s does not exist on %s %s", want, ref.Kind, ref.Name)
			}
			chosen = append(chosen, envs[i])
		}
		envs = chosen
	}
	groupNames := map[string]string{}
	var objects []map[string]any
	for _, env := range envs {
		snap, err := inv.Snapshot(ctx, env.ID)
		if err != nil {
			return nil, fmt.Errorf("read what environment %s publishes: %w", env.Name, err)
		}
		var apis []importedAPI
		for id, live := range snap.APIs {
			a := importedAPI{id: id, name: live.API.Name, group: live.API.GroupID}
			if o.pin {
				if a.version, err = liveVersion(ctx, inv, id, env.ID); err != nil {
					return nil, err
				}
			}
			if o.perGroup {
				if a.group, err = groupName(ctx, inv, groupNames, live.API.GroupID); err != nil {
					return nil, err
				}
			}
			apis = append(apis, a)
		}
		slices.SortFunc(apis, func(a, b importedAPI) int {
			return strings.Compare(a.group+"\x00"+a.name+"\x00"+a.id, b.group+"\x00"+b.name+"\x00"+b.id)
		})
		for _, part := range split(apis, o.perGroup) {
			name := objectName(ref.Name, env.Name, part[0].group, o.perGroup)
			for i, chunk := range slices.Collect(slices.Chunk(part, maxAPIsPerObject)) {
				n := name
				if len(part) > maxAPIsPerObject {
					n = dnsName(name + "-" + strconv.Itoa(i+1))
				}
				objects = append(objects, manifest(n, s.Namespace, ref, env.Name, o, chunk))
			}
		}
	}
	return objects, nil
}

// liveVersion is the version an environment serves for an API.
func liveVersion(ctx context.Context, inv driver.Inventory, apiID, envID string) (string, error) {
	versions, err := inv.Versions(ctx, apiID, envID)
	if err != nil {
		return "", fmt.Errorf("list the versions of API %s: %w", apiID, err)
	}
	for _, v := range versions {
		if v.Live {
			return v.ID, nil
		}
	}
	return "", fmt.Errorf("API %s has no live version in environment %s any more: run the import again", apiID, envID)
}

// groupName resolves a group ID to its name once.
func groupName(ctx context.Context, inv driver.Inventory, known map[string]string, id string) (string, error) {
	if name, ok := known[id]; ok {
		return name, nil
	}
	g, err := inv.Group(ctx, gateway.GroupRef{ID: id})
	if err != nil {
		return "", fmt.Errorf("read API group %s: %w", id, err)
	}
	known[id] = g.Name
	return g.Name, nil
}

// split cuts sorted APIs into one part per group, or leaves them whole.
func split(apis []importedAPI, perGroup bool) [][]importedAPI {
	if len(apis) == 0 {
		return nil
	}
	if !perGroup {
		return [][]importedAPI{apis}
	}
	var parts [][]importedAPI
	for i, a := range apis {
		if i == 0 || a.group != apis[i-1].group {
			parts = append(parts, nil)
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], a)
	}
	return parts
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsName makes s a valid object name: lower case, letters, digits and dashes, at most 253.
func dnsName(s string) string {
	s = strings.Trim(notDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 253 {
		s = strings.TrimRight(s[:253], "-")
	}
	return s
}

func objectName(gw, env, group string, perGroup bool) string {
	if perGroup {
		return dnsName(gw + "-" + env + "-" + group)
	}
	return dnsName(gw + "-" + env)
}

// manifest is one ApiPublication declaring apis published in env.
func manifest(name, namespace string, ref v1alpha1.GatewayReference, env string, o *importOptions,
	apis []importedAPI) map[string]any {
	list := make([]map[string]any, 0, len(apis))
	for _, a := range apis {
		entry := map[string]any{"name": a.name}
		if o.by == "id" || a.name == "" {
			entry = map[string]any{"id": a.id}
		}
		if a.version != "" {
			entry["versionId"] = a.version
		}
		list = append(list, entry)
	}
	return map[string]any{
		"apiVersion": v1alpha1.GroupVersion.String(),
		"kind":       "ApiPublication",
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec": map[string]any{
			"gatewayRef":       map[string]any{"kind": ref.Kind, "name": ref.Name},
			"environment":      env,
			"state":            string(v1alpha1.StatePublished),
			"managementPolicy": o.policy,
			"apis":             list,
		},
	}
}
