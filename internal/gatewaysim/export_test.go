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

package gatewaysim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"sigs.k8s.io/yaml"
)

var exportNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func exportTestGroup() Group {
	return Group{ID: "g1", Name: "shop", Remark: "shop APIs", SLDomain: "abc123.apic.example.com"}
}

// exportTestAPIs covers path parameters (declared, undeclared and stale), a POST, APP and IAM
// authentication, an ANY method, a private SWA API, and APIs with and without an HTTP backend.
func exportTestAPIs() []API {
	return []API{
		{
			Name: "get_user", Type: 1, ReqProtocol: "HTTPS", ReqMethod: "GET", ReqURI: "/users/{id}",
			AuthType: "NONE", BackendType: "HTTP", Remark: "Fetch a user",
			ReqParams: []ReqParam{
				{Name: "id", Location: "PATH", Type: "NUMBER", Description: "user id"},
				{Name: "verbose", Location: "QUERY", Type: "STRING"},
				{Name: "X-Trace", Location: "HEADER", Type: "STRING", Required: true},
			},
			Backend:            &Backend{URLDomain: "users.internal:8080", ReqProtocol: "HTTP", ReqMethod: "GET", ReqURI: "/v1/users/{id}", Timeout: 5000},
			ResultNormalSample: `{"id": 1, "name": "<alice>"}`,
		},
		{
			Name: "create_user", Type: 1, ReqProtocol: "HTTP", ReqMethod: "POST", ReqURI: "/users",
			AuthType: "APP", BackendType: "HTTP",
			Backend: &Backend{URLDomain: "users.internal:8080", ReqProtocol: "HTTPS", ReqMethod: "POST", ReqURI: "/v1/users", Timeout: 3000},
		},
		{
			// No ReqParams: the {rest+} placeholder must still get a path parameter.
			Name: "proxy_any", Type: 1, ReqProtocol: "BOTH", ReqMethod: "ANY", ReqURI: "/proxy/{rest+}",
			AuthType: "IAM", BackendType: "MOCK",
		},
		{
			// ReqParams lacks "id" and has a PATH parameter the URI no longer has.
			Name: "list_orders", Type: 2, ReqProtocol: "HTTPS", ReqMethod: "GET", ReqURI: "/users/{id}/orders",
			AuthType: "AUTHORIZER", MatchMode: "SWA", BackendType: "HTTP",
			ReqParams: []ReqParam{{Name: "stale", Location: "PATH", Type: "STRING"}},
			Backend:   &Backend{URLDomain: "orders.internal", ReqProtocol: "HTTP", Timeout: 1000},
		},
	}
}

// exportedOp is an operation found in an exported document, ANY-method ones included.
type exportedOp struct {
	path, method string // method is "ANY" for the x-apigateway-any-method operation
	op           *openapi3.Operation
}

func TestExportValidDocuments(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		apis   []API
	}{
		{
			name:   "four APIs",
			reason: "path parameters, POST, APP/IAM/AUTHORIZER auth and ANY must all export to a valid document",
			apis:   exportTestAPIs(),
		},
		{
			name:   "zero APIs",
			reason: "a group with nothing published still exports a valid document with empty paths",
			apis:   nil,
		},
	}
	for _, tc := range cases {
		for _, oas := range []string{"2.0", "3.0"} {
			for _, format := range []string{"json", "yaml", "yml"} {
				for _, define := range []string{"spec", "proxy", "all", "dev"} {
					t.Run(fmt.Sprintf("%s/oas%s/%s/%s", tc.name, oas, format, define), func(t *testing.T) {
						opts := ExportOptions{
							OASVersion: oas, Define: define, Format: format, Version: "1.2.3",
							Group: exportTestGroup(), Env: Environment{ID: "DEFAULT_ENVIRONMENT_RELEASE_ID", Name: "RELEASE"},
							Now: exportNow,
						}
						out, err := Export(tc.apis, opts)
						if err != nil {
							t.Fatalf("%s: Export: %v", tc.reason, err)
						}
						checkExportFormat(t, out, format)
						doc := loadExport(t, out, oas)
						checkExportContent(t, doc, tc.apis, opts)
					})
				}
			}
		}
	}
}

// checkExportFormat checks that JSON was asked for exactly when the output is JSON.
func checkExportFormat(t *testing.T, out []byte, format string) {
	t.Helper()
	isJSON := json.Valid(out)
	if wantJSON := format == "json"; isJSON != wantJSON {
		t.Errorf("format %s: output is JSON = %v, want %v:\n%s", format, isJSON, wantJSON, out)
	}
}

// loadExport parses and validates an exported document with kin-openapi and returns it as
// OpenAPI 3 (a Swagger 2.0 document is converted), so content checks are the same for both.
func loadExport(t *testing.T, out []byte, oas string) *openapi3.T {
	t.Helper()
	ctx := context.Background()
	if oas == "3.0" {
		doc, err := openapi3.NewLoader().LoadFromData(out)
		if err != nil {
			t.Fatalf("loading the OpenAPI 3 document: %v\n%s", err, out)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
			t.Errorf("openapi = %q, want 3.0.x", doc.OpenAPI)
		}
		if err := doc.Validate(ctx); err != nil {
			t.Fatalf("invalid OpenAPI 3 document: %v\n%s", err, out)
		}
		if len(doc.Servers) == 0 || !strings.HasSuffix(doc.Servers[0].URL, "://"+exportTestGroup().SLDomain) {
			t.Errorf("servers = %v, want URLs on the group's SL domain", doc.Servers)
		}
		return doc
	}

	data, err := yaml.YAMLToJSON(out) // JSON is YAML, so this handles both formats
	if err != nil {
		t.Fatalf("converting YAML to JSON: %v", err)
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(data, &doc2); err != nil {
		t.Fatalf("decoding the Swagger 2.0 document: %v\n%s", err, out)
	}
	// Swagger requires paths, even empty; openapi2.T cannot tell empty from absent.
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("decoding the Swagger 2.0 document: %v", err)
	}
	if _, ok := raw["paths"].(map[string]any); !ok {
		t.Errorf("paths = %v, want an object", raw["paths"])
	}
	if doc2.Swagger != "2.0" {
		t.Errorf("swagger = %q, want 2.0", doc2.Swagger)
	}
	if doc2.Host != exportTestGroup().SLDomain || doc2.BasePath != "/" {
		t.Errorf("host, basePath = %q, %q; want the SL domain and /", doc2.Host, doc2.BasePath)
	}
	for _, scheme := range doc2.Schemes {
		if scheme != "http" && scheme != "https" {
			t.Errorf("schemes = %v, want only http and https", doc2.Schemes)
		}
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		t.Fatalf("converting Swagger 2.0 to OpenAPI 3: %v\n%s", err, out)
	}
	if doc.Paths == nil {
		// ToV3 drops an empty paths object, which the check above found present.
		doc.Paths = openapi3.NewPaths()
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("invalid Swagger 2.0 document (as OpenAPI 3): %v\n%s", err, out)
	}
	return doc
}

// exportedOps lists the operations of a document, decoding the ANY ones from their extension.
func exportedOps(t *testing.T, doc *openapi3.T, oas string) []exportedOp {
	t.Helper()
	var ops []exportedOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, exportedOp{path: path, method: method, op: op})
		}
		if raw, ok := item.Extensions[extAnyMethod]; ok {
			ops = append(ops, exportedOp{path: path, method: "ANY", op: anyMethodOperation(t, path, raw, oas)})
		}
	}
	return ops
}

// anyMethodOperation decodes and validates the operation under x-apigateway-any-method. It is
// a Swagger 2.0 operation in a 2.0 document (ToV3 copies extensions verbatim), and document
// validation does not look into extensions.
func anyMethodOperation(t *testing.T, path string, raw any, oas string) *openapi3.Operation {
	t.Helper()
	data, err := json.Marshal(raw)
	if err != nil {
		t.Fatalf("%s: re-encoding %s: %v", path, extAnyMethod, err)
	}
	op := &openapi3.Operation{}
	if oas == "2.0" {
		var op2 openapi2.Operation
		if err := json.Unmarshal(data, &op2); err != nil {
			t.Fatalf("%s: %s is not an operation: %v", path, extAnyMethod, err)
		}
		if op, err = openapi2conv.ToV3Operation(&openapi3.Components{}, &openapi2.PathItem{}, &op2, nil); err != nil {
			t.Fatalf("%s: converting %s: %v", path, extAnyMethod, err)
		}
	} else if err := json.Unmarshal(data, op); err != nil {
		t.Fatalf("%s: %s is not an operation: %v", path, extAnyMethod, err)
	}
	if err := op.Validate(context.Background()); err != nil {
		t.Errorf("%s: invalid %s operation: %v", path, extAnyMethod, err)
	}
	return op
}

func checkExportContent(t *testing.T, doc *openapi3.T, apis []API, opts ExportOptions) {
	t.Helper()
	if doc.Info.Version != opts.Version {
		t.Errorf("info.version = %q, want %q", doc.Info.Version, opts.Version)
	}
	if doc.Info.Title != opts.Group.Name {
		t.Errorf("info.title = %q, want the group name %q", doc.Info.Title, opts.Group.Name)
	}

	ops := exportedOps(t, doc, opts.OASVersion)
	if len(ops) != len(apis) {
		t.Fatalf("%d operations, want one per API (%d)", len(ops), len(apis))
	}
	gotIDs := make([]string, 0, len(ops))
	wantIDs := make([]string, 0, len(apis))
	for _, o := range ops {
		gotIDs = append(gotIDs, o.op.OperationID)
	}
	for _, api := range apis {
		wantIDs = append(wantIDs, api.Name)
	}
	slices.Sort(gotIDs)
	slices.Sort(wantIDs)
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("operationIds = %v, want the API names %v", gotIDs, wantIDs)
	}

	for _, api := range apis {
		i := slices.IndexFunc(ops, func(o exportedOp) bool { return o.path == api.ReqURI && o.method == api.ReqMethod })
		if i < 0 {
			t.Errorf("%s: no operation %s %s", api.Name, api.ReqMethod, api.ReqURI)
			continue
		}
		checkExportOperation(t, doc, api, ops[i].op, opts)
	}
}

func checkExportOperation(t *testing.T, doc *openapi3.T, api API, op *openapi3.Operation, opts ExportOptions) {
	t.Helper()
	if op.OperationID != api.Name {
		t.Errorf("%s: operationId = %q", api.Name, op.OperationID)
	}
	if !slices.Equal(op.Tags, []string{opts.Group.Name}) {
		t.Errorf("%s: tags = %v, want [%s]", api.Name, op.Tags, opts.Group.Name)
	}
	var pathParams []string
	for _, p := range op.Parameters {
		if p.Value.In == "path" {
			pathParams = append(pathParams, p.Value.Name)
			if !p.Value.Required {
				t.Errorf("%s: path parameter %s is not required", api.Name, p.Value.Name)
			}
		}
	}
	if want := exportPlaceholders(api.ReqURI); !slices.Equal(pathParams, want) {
		t.Errorf("%s: path parameters = %v, want one per placeholder %v", api.Name, pathParams, want)
	}
	if p := op.Parameters.GetByInAndName("path", "id"); p != nil && api.Name == "get_user" {
		if !p.Schema.Value.Type.Is("number") {
			t.Errorf("%s: id has type %v, want number", api.Name, p.Schema.Value.Type)
		}
	}

	_, hasBackend := op.Extensions[extBackend]
	if wantBackend := opts.Define != "spec" && api.Backend != nil; hasBackend != wantBackend {
		t.Errorf("%s, define %s: %s present = %v, want %v", api.Name, opts.Define, extBackend, hasBackend, wantBackend)
	}
	_, hasRateLimit := op.Extensions[extRateLimit]
	if wantRateLimit := opts.Define == "all" || opts.Define == "dev"; hasRateLimit != wantRateLimit {
		t.Errorf("%s, define %s: %s present = %v, want %v", api.Name, opts.Define, extRateLimit, hasRateLimit, wantRateLimit)
	}
	wantType := map[int]string{1: "public", 2: "private"}[api.Type]
	if got := op.Extensions[extRequestType]; got != wantType {
		t.Errorf("%s: %s = %v, want %s", api.Name, extRequestType, got, wantType)
	}

	scheme, authed := exportAuthSchemes[api.AuthType]
	switch {
	case authed && (op.Security == nil || len(*op.Security) != 1 || (*op.Security)[0][scheme.name] == nil):
		t.Errorf("%s: security = %v, want a reference to %s", api.Name, op.Security, scheme.name)
	case authed && (doc.Components == nil || doc.Components.SecuritySchemes[scheme.name] == nil):
		t.Errorf("%s: security scheme %s is not declared", api.Name, scheme.name)
	case !authed && op.Security != nil:
		t.Errorf("%s: security = %v, want none for auth type %s", api.Name, op.Security, api.AuthType)
	}

	ok := op.Responses.Value("200")
	if ok == nil || *ok.Value.Description != "OK" || op.Responses.Default() == nil {
		t.Fatalf("%s: want responses 200 OK and default", api.Name)
	}
	if api.ResultNormalSample != "" {
		mt := ok.Value.Content.Get("application/json")
		if mt == nil || mt.Example != api.ResultNormalSample {
			t.Errorf("%s: 200 example = %v, want the normal result sample", api.Name, mt)
		}
	}
}

func TestExportErrors(t *testing.T) {
	valid := ExportOptions{OASVersion: "3.0", Define: "spec", Format: "json", Group: exportTestGroup(), Now: exportNow}
	cases := []struct {
		name   string
		reason string
		mutate func(*ExportOptions)
		apis   []API
	}{
		{name: "unknown format", reason: "only json, yaml and yml exist", mutate: func(o *ExportOptions) { o.Format = "xml" }},
		{name: "empty format", reason: "the caller applies the json default", mutate: func(o *ExportOptions) { o.Format = "" }},
		{name: "unknown OAS version", reason: "only 2.0 and 3.0 are exported", mutate: func(o *ExportOptions) { o.OASVersion = "3.1" }},
		{name: "empty OAS version", reason: "the caller applies the 2.0 default", mutate: func(o *ExportOptions) { o.OASVersion = "" }},
		{name: "unknown define", reason: "define is spec, proxy, all or dev", mutate: func(o *ExportOptions) { o.Define = "full" }},
		{
			name:   "duplicate operation",
			reason: "two APIs cannot share a method and path, and one of them would be lost",
			mutate: func(*ExportOptions) {},
			apis: []API{
				{Name: "a", ReqMethod: "GET", ReqURI: "/x"},
				{Name: "b", ReqMethod: "GET", ReqURI: "/x"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := valid
			tc.mutate(&opts)
			out, err := Export(tc.apis, opts)
			if err == nil {
				t.Errorf("%s: Export succeeded, want an error:\n%s", tc.reason, out)
			}
		})
	}
}

func TestExportOptionsInDocument(t *testing.T) {
	cases := []struct {
		name        string
		reason      string
		version     string
		wantVersion string
	}{
		{name: "explicit version", reason: "the version parameter becomes info.version", version: "v7", wantVersion: "v7"},
		{name: "default version", reason: "without a version, the export time is the version", wantVersion: "2026-03-04-05:06:07"},
	}
	for _, tc := range cases {
		for _, oas := range []string{"2.0", "3.0"} {
			t.Run(tc.name+"/oas"+oas, func(t *testing.T) {
				opts := ExportOptions{OASVersion: oas, Define: "all", Format: "yaml", Version: tc.version, Group: exportTestGroup(), Now: exportNow}
				out, err := Export(exportTestAPIs(), opts)
				if err != nil {
					t.Fatalf("Export: %v", err)
				}
				doc := loadExport(t, out, oas)
				if doc.Info.Version != tc.wantVersion {
					t.Errorf("%s: info.version = %q, want %q", tc.reason, doc.Info.Version, tc.wantVersion)
				}
				if doc.Info.Description != exportTestGroup().Remark {
					t.Errorf("info.description = %q, want the group remark", doc.Info.Description)
				}
			})
		}
	}
}

func TestExportDeterministic(t *testing.T) {
	apis := exportTestAPIs()
	reversed := slices.Clone(apis)
	slices.Reverse(reversed)
	for _, oas := range []string{"2.0", "3.0"} {
		for _, format := range []string{"json", "yaml"} {
			t.Run("oas"+oas+"/"+format, func(t *testing.T) {
				opts := ExportOptions{OASVersion: oas, Define: "all", Format: format, Version: "1", Group: exportTestGroup(), Now: exportNow}
				first, err := Export(apis, opts)
				if err != nil {
					t.Fatalf("Export: %v", err)
				}
				second, err := Export(reversed, opts)
				if err != nil {
					t.Fatalf("Export: %v", err)
				}
				if !bytes.Equal(first, second) {
					t.Errorf("the input order changed the output:\n%s\n---\n%s", first, second)
				}
			})
		}
	}
}
