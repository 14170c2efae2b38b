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
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Values of ExportOptions.OASVersion.
const (
	exportOAS2 = "2.0"
	exportOAS3 = "3.0"
)

// Values of ExportOptions.Define and ExportOptions.Format.
const (
	exportDefineSpec  = "spec"
	exportDefineProxy = "proxy"
	exportDefineAll   = "all"
	exportDefineDev   = "dev"

	exportFormatJSON = "json"
	exportFormatYAML = "yaml"
	exportFormatYML  = "yml"
)

// Values of API fields that the export switches on.
const (
	authTypeApp        = "APP"
	authTypeIAM        = "IAM"
	authTypeAuthorizer = "AUTHORIZER"
	backendTypeHTTP    = "HTTP"
	protocolHTTP       = "HTTP"
	protocolBoth       = "BOTH"
)

// exportMediaJSON is the media type of response examples.
const exportMediaJSON = "application/json"

// exportVersionLayout formats ExportOptions.Now as info.version when no version is given.
const exportVersionLayout = "2006-01-02-15:04:05"

// Vendor extensions written into exported operations, named as the real gateway names them
// (x-apigateway-auth-type, on security schemes, is a field of exportAuthDecl).
const (
	// extAnyMethod holds, on a path item, the operation of an API whose method is ANY: OpenAPI has
	// no "any" method, and an extension keeps the path item valid.
	extAnyMethod   = "x-apigateway-any-method"
	extRequestType = "x-apigateway-request-type"
	extMatchMode   = "x-apigateway-match-mode"
	extCORS        = "x-apigateway-cors"
	extBackend     = "x-apigateway-backend"
	extRateLimit   = "x-apigateway-ratelimit"
)

// URL schemes of exported APIs.
const (
	exportHTTP  = "http"
	exportHTTPS = "https"
)

// exportAuthScheme is how an API authentication type is declared in an exported document.
type exportAuthScheme struct {
	name     string // key in securityDefinitions / components.securitySchemes
	header   string // header the credential travels in
	authType string // value of x-apigateway-auth-type
}

var exportAuthSchemes = map[string]exportAuthScheme{
	authTypeApp:        {name: "apig-auth-app", header: "Authorization", authType: "AppSigv1"},
	authTypeIAM:        {name: "apig-auth-iam", header: "X-Auth-Token", authType: authTypeIAM},
	authTypeAuthorizer: {name: "apig-auth-authorizer", header: "Authorization", authType: authTypeAuthorizer},
}

// Export renders the APIs (already filtered by the caller to the group/environment/subset) as a Swagger 2.0 or OpenAPI 3.0 document.
//
// opts.OASVersion, opts.Define and opts.Format must be set (the HTTP layer applies the API's
// defaults); any other value is an error, as is two APIs with the same path and method.
func Export(apis []API, opts ExportOptions) ([]byte, error) {
	if err := checkExportOptions(opts); err != nil {
		return nil, err
	}
	v3 := opts.OASVersion == exportOAS3
	paths, used, err := exportPaths(apis, opts, v3)
	if err != nil {
		return nil, err
	}

	var doc map[string]any
	if v3 {
		doc = exportOpenAPI3(apis, opts, paths, used)
	} else {
		doc = exportSwagger2(apis, opts, paths, used)
	}
	return encodeExport(doc, opts.Format)
}

func checkExportOptions(opts ExportOptions) error {
	if opts.OASVersion != exportOAS2 && opts.OASVersion != exportOAS3 {
		return fmt.Errorf("unsupported oas_version %q: want %q or %q", opts.OASVersion, exportOAS2, exportOAS3)
	}
	if !slices.Contains([]string{exportDefineSpec, exportDefineProxy, exportDefineAll, exportDefineDev}, opts.Define) {
		return fmt.Errorf("unsupported define %q: want spec, proxy, all or dev", opts.Define)
	}
	if !slices.Contains([]string{exportFormatJSON, exportFormatYAML, exportFormatYML}, opts.Format) {
		return fmt.Errorf("unsupported type %q: want json, yaml or yml", opts.Format)
	}
	return nil
}

// exportSwagger2 assembles a Swagger 2.0 document around the paths.
func exportSwagger2(apis []API, opts ExportOptions, paths map[string]any, used []exportAuthScheme) map[string]any {
	doc := map[string]any{
		"swagger":  exportOAS2,
		"info":     exportInfo(opts),
		"basePath": "/",
		"paths":    paths,
	}
	if opts.Group.SLDomain != "" {
		doc["host"] = opts.Group.SLDomain
	}
	if schemes := exportDocumentSchemes(apis); len(schemes) > 0 {
		doc["schemes"] = schemes
	}
	if len(used) > 0 {
		doc["securityDefinitions"] = exportAuthDeclarations(used)
	}
	return doc
}

// exportOpenAPI3 assembles an OpenAPI 3.0 document around the paths.
func exportOpenAPI3(apis []API, opts ExportOptions, paths map[string]any, used []exportAuthScheme) map[string]any {
	doc := map[string]any{
		"openapi": "3.0.1",
		"info":    exportInfo(opts),
		"paths":   paths,
	}
	if opts.Group.SLDomain != "" {
		schemes := exportDocumentSchemes(apis)
		if len(schemes) == 0 {
			schemes = []string{exportHTTPS}
		}
		servers := make([]any, 0, len(schemes))
		for _, scheme := range schemes {
			servers = append(servers, map[string]any{"url": scheme + "://" + opts.Group.SLDomain})
		}
		doc["servers"] = servers
	}
	if len(used) > 0 {
		doc["components"] = map[string]any{"securitySchemes": exportAuthDeclarations(used)}
	}
	return doc
}

func exportInfo(opts ExportOptions) map[string]any {
	version := opts.Version
	if version == "" {
		version = opts.Now.Format(exportVersionLayout)
	}
	info := map[string]any{"title": opts.Group.Name, "version": version}
	if opts.Group.Remark != "" {
		info["description"] = opts.Group.Remark
	}
	return info
}

// exportPaths builds the paths object, one operation per API, and returns the security schemes
// the operations reference, in a stable order.
func exportPaths(apis []API, opts ExportOptions, v3 bool) (map[string]any, []exportAuthScheme, error) {
	paths := map[string]any{}
	used := map[string]exportAuthScheme{}
	for _, api := range exportSortedAPIs(apis) {
		item, _ := paths[api.ReqURI].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[api.ReqURI] = item
		}
		key := exportOperationKey(api.ReqMethod)
		if _, dup := item[key]; dup {
			return nil, nil, fmt.Errorf("APIs with the same method %s and path %s: %q is one of them", api.ReqMethod, api.ReqURI, api.Name)
		}
		item[key] = exportOperation(api, opts, v3)
		if scheme, ok := exportAuthSchemes[api.AuthType]; ok {
			used[scheme.name] = scheme
		}
	}
	schemes := make([]exportAuthScheme, 0, len(used))
	for _, scheme := range used {
		schemes = append(schemes, scheme)
	}
	slices.SortFunc(schemes, func(a, b exportAuthScheme) int { return strings.Compare(a.name, b.name) })
	return paths, schemes, nil
}

// exportSortedAPIs orders APIs by path, then method. The encoder sorts the paths and the methods
// of the document (they are map keys); this order makes the rest, such as which API a duplicate
// error names, independent of the caller's order too.
func exportSortedAPIs(apis []API) []API {
	sorted := slices.Clone(apis)
	slices.SortStableFunc(sorted, func(a, b API) int {
		if c := strings.Compare(a.ReqURI, b.ReqURI); c != 0 {
			return c
		}
		return strings.Compare(a.ReqMethod, b.ReqMethod)
	})
	return sorted
}

// exportOperationKey is the path item key of an API's operation.
func exportOperationKey(method string) string {
	if strings.EqualFold(method, "ANY") {
		return extAnyMethod
	}
	return strings.ToLower(method)
}

func exportOperation(api API, opts ExportOptions, v3 bool) map[string]any {
	op := map[string]any{
		"operationId":  api.Name,
		"responses":    exportResponses(api, v3),
		extRequestType: exportRequestType(api.Type),
		extMatchMode:   exportDefault(api.MatchMode, "NORMAL"),
		extCORS:        false,
	}
	if params := exportParameters(api, v3); len(params) > 0 {
		op["parameters"] = params
	}
	if opts.Group.Name != "" {
		op["tags"] = []string{opts.Group.Name}
	}
	if api.Remark != "" {
		op["summary"] = api.Remark
		op["description"] = api.Remark
	}
	if !v3 {
		op["schemes"] = exportAPISchemes(api.ReqProtocol)
	}
	if scheme, ok := exportAuthSchemes[api.AuthType]; ok {
		op["security"] = []any{map[string]any{scheme.name: []string{}}}
	}
	if opts.Define != exportDefineSpec && api.Backend != nil {
		op[extBackend] = exportBackend(api)
	}
	// "dev" is "all" plus unpublished APIs, and the caller chose the APIs.
	if opts.Define == exportDefineAll || opts.Define == exportDefineDev {
		op[extRateLimit] = "default"
	}
	return op
}

func exportRequestType(apiType int) string {
	if apiType == 2 {
		return "private"
	}
	return "public"
}

// exportBackendExt is the value of x-apigateway-backend.
type exportBackendExt struct {
	Type          string              `json:"type"`
	HTTPEndpoints exportHTTPEndpoints `json:"httpEndpoints"`
}

type exportHTTPEndpoints struct {
	Address string `json:"address"`
	Scheme  string `json:"scheme"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Timeout int    `json:"timeout"` // milliseconds
}

func exportBackend(api API) exportBackendExt {
	b := api.Backend
	return exportBackendExt{
		Type: exportDefault(api.BackendType, backendTypeHTTP),
		HTTPEndpoints: exportHTTPEndpoints{
			Address: b.URLDomain,
			Scheme:  strings.ToLower(b.ReqProtocol),
			Method:  exportDefault(b.ReqMethod, api.ReqMethod),
			Path:    exportDefault(b.ReqURI, api.ReqURI),
			Timeout: b.Timeout,
		},
	}
}

// exportParameters lists the path parameters in the order of the URI placeholders, then the
// query and header parameters in the API's order. A validator rejects a path parameter without a
// placeholder as much as a placeholder without a parameter, so PATH parameters come from the
// placeholders: described by the API's parameter of that name when there is one, else a
// required string.
func exportParameters(api API, v3 bool) []exportParam {
	var params []exportParam
	for _, placeholder := range exportPlaceholders(api.ReqURI) {
		p := ReqParam{Name: placeholder, Type: "STRING"}
		// APIG spells a prefix-match parameter {name+}; the parameter itself is "name".
		if i := slices.IndexFunc(api.ReqParams, func(rp ReqParam) bool {
			return rp.Location == "PATH" && rp.Name == strings.TrimSuffix(placeholder, "+")
		}); i >= 0 {
			p = api.ReqParams[i]
			// Keep the placeholder's spelling, which validators match the name against.
			p.Name = placeholder
		}
		p.Required = true
		params = append(params, exportParameter(p, "path", v3))
	}
	seen := map[string]bool{}
	for _, p := range api.ReqParams {
		in := map[string]string{"QUERY": "query", "HEADER": "header"}[p.Location]
		if in == "" || seen[in+"/"+p.Name] {
			continue
		}
		seen[in+"/"+p.Name] = true
		params = append(params, exportParameter(p, in, v3))
	}
	return params
}

// exportPlaceholders returns the names inside the {…} of a URI, in order.
func exportPlaceholders(uri string) []string {
	var names []string
	for rest := uri; ; {
		start := strings.IndexByte(rest, '{')
		if start < 0 {
			return names
		}
		end := strings.IndexByte(rest[start:], '}')
		if end < 0 {
			return names
		}
		names = append(names, rest[start+1:start+end])
		rest = rest[start+end+1:]
	}
}

// exportParam is a non-body parameter. OpenAPI 3.0 types it through a schema; Swagger 2.0
// inlines the type.
type exportParam struct {
	Name        string        `json:"name"`
	In          string        `json:"in"`
	Required    bool          `json:"required"`
	Description string        `json:"description,omitempty"`
	Type        string        `json:"type,omitempty"`   // Swagger 2.0
	Schema      *exportSchema `json:"schema,omitempty"` // OpenAPI 3.0
}

type exportSchema struct {
	Type string `json:"type"`
}

func exportParameter(p ReqParam, in string, v3 bool) exportParam {
	param := exportParam{Name: p.Name, In: in, Required: p.Required, Description: p.Description}
	typ := "string"
	if p.Type == "NUMBER" {
		typ = "number"
	}
	if v3 {
		param.Schema = &exportSchema{Type: typ}
	} else {
		param.Type = typ
	}
	return param
}

// exportResponse is a response object. The example of the body goes in examples in Swagger 2.0
// and in content in OpenAPI 3.0.
type exportResponse struct {
	Description string                 `json:"description"`
	Examples    map[string]string      `json:"examples,omitempty"` // Swagger 2.0
	Content     map[string]exportMedia `json:"content,omitempty"`  // OpenAPI 3.0
}

type exportMedia struct {
	Example string `json:"example"`
}

func exportResponses(api API, v3 bool) map[string]exportResponse {
	ok := exportResponse{Description: "OK"}
	if sample := api.ResultNormalSample; sample != "" {
		if v3 {
			ok.Content = map[string]exportMedia{exportMediaJSON: {Example: sample}}
		} else {
			ok.Examples = map[string]string{exportMediaJSON: sample}
		}
	}
	return map[string]exportResponse{"200": ok, "default": {Description: "Error"}}
}

// exportAPISchemes maps an API's request protocol to URL schemes. GRPCS runs over HTTPS.
func exportAPISchemes(protocol string) []string {
	switch strings.ToUpper(protocol) {
	case protocolHTTP:
		return []string{exportHTTP}
	case protocolBoth:
		return []string{exportHTTP, exportHTTPS}
	default:
		return []string{exportHTTPS}
	}
}

// exportDocumentSchemes is the sorted union of the APIs' schemes.
func exportDocumentSchemes(apis []API) []string {
	var schemes []string
	for _, api := range apis {
		for _, scheme := range exportAPISchemes(api.ReqProtocol) {
			if !slices.Contains(schemes, scheme) {
				schemes = append(schemes, scheme)
			}
		}
	}
	slices.Sort(schemes)
	return schemes
}

// exportAuthDecl declares a security scheme: the gateway checks the credential itself, so to
// OpenAPI it is an API key in a header, and x-apigateway-auth-type says which kind.
type exportAuthDecl struct {
	Type     string `json:"type"`
	In       string `json:"in"`
	Name     string `json:"name"`
	AuthType string `json:"x-apigateway-auth-type"`
}

func exportAuthDeclarations(schemes []exportAuthScheme) map[string]exportAuthDecl {
	decls := make(map[string]exportAuthDecl, len(schemes))
	for _, s := range schemes {
		decls[s.name] = exportAuthDecl{Type: "apiKey", In: "header", Name: s.header, AuthType: s.authType}
	}
	return decls
}

// encodeExport renders the document as indented JSON, or as YAML converted from that JSON.
// encoding/json sorts map keys, which makes the output deterministic.
func encodeExport(doc map[string]any, format string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // samples and remarks are not embedded in HTML
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding the exported document: %w", err)
	}
	if format == exportFormatJSON {
		return buf.Bytes(), nil
	}
	out, err := yaml.JSONToYAML(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("converting the exported document to YAML: %w", err)
	}
	return out, nil
}

func exportDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
