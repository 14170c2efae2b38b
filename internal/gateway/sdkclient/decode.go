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

// A body the adapters cannot use becomes a message a user can act on: which field has the wrong
// type, or that the answer is cut off, or the start of what came instead of JSON (a proxy's
// HTML page, a login form). Never the Go types of the SDK's models, and never a large quote of
// the body.

package sdkclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"unicode"
)

// malformedBody says what is wrong with the body of a successful response, or "" when an
// operation could answer it: each answers JSON, or nothing with 204, and a GET always answers
// something.
func malformedBody(r redactor, method string, status int, data []byte, contentType string) string {
	if len(bytes.TrimSpace(data)) == 0 {
		if method != http.MethodGet || status == http.StatusNoContent {
			return ""
		}
		return "malformed response body: the body is empty"
	}
	err := json.Unmarshal(data, &validOnly{})
	if err == nil {
		return ""
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) && syntax.Error() == "unexpected end of JSON input" {
		return "malformed response body: the JSON ends early, as if cut off"
	}
	return "malformed response body: not JSON " + quoteBody(r, data, contentType)
}

// validOnly decodes nothing: json.Unmarshal into it checks that the data is JSON without a
// copy of it.
type validOnly struct{}

func (*validOnly) UnmarshalJSON([]byte) error { return nil }

// quoteBody is "(media type): start of the text" for a body that is not what was expected.
func quoteBody(r redactor, data []byte, contentType string) string {
	kind := "no content type"
	if contentType != "" {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			contentType = mt
		}
		kind = clip(clean(contentType), 50)
	}
	// Look further than the quoted part, so that markup removed still leaves text to quote.
	text := string(r.prefix(data, 8*maxSnippet))
	if strings.Contains(kind, "html") || strings.HasPrefix(strings.TrimSpace(text), "<") {
		text = stripTags(text)
	}
	// Redacted after the markup is gone: the marker looks like a tag itself.
	text = clip(clean(r.apply(text)), maxSnippet)
	if text == "" {
		return fmt.Sprintf("(%s)", kind)
	}
	return fmt.Sprintf("(%s): %s", kind, text)
}

// goField is a step of the SDK's decoding error path: the model type and its Go field.
var goField = regexp.MustCompile(`^(?:\[\])?(?:\*)?model\.\w+\.(\w+)$`)

// decodeProblem rewrites the SDK's error for a JSON body of the wrong shape, which names Go
// types and quotes the body around the fault ("model.ListApisV2Response.Total: readUint64:
// unexpected character: ..., error found in #10 byte of ...|{"total":"many"|..."), as the JSON
// field and what it should have been ("field total is not a number"). What it cannot read it
// returns as it is, without the quote of the body, which the SDK's caller cannot redact.
func decodeProblem(msg string) string {
	msg, _, _ = strings.Cut(msg, ", error found in #")
	parts := strings.Split(msg, ": ")
	var path []string
	i := 0
	for ; i < len(parts); i++ {
		if m := goField.FindStringSubmatch(parts[i]); m != nil {
			path = append(path, snakeCase(m[1]))
			continue
		}
		if strings.HasPrefix(parts[i], "[]") || strings.HasPrefix(parts[i], "map[") {
			path = append(path, "[]")
			continue
		}
		break
	}
	field := "the body"
	if len(path) > 0 {
		field = "field " + strings.ReplaceAll(strings.Join(path, "."), ".[]", "[]")
		field = strings.TrimSuffix(field, "[]")
	}
	problem := strings.Join(parts[i:], ": ")
	reader, _, _ := strings.Cut(problem, ":")
	switch reader = strings.ToLower(reader); {
	case strings.Contains(problem, "overflow"):
		return field + " is a number out of range"
	case strings.Contains(reader, "int") || strings.Contains(reader, "float") || strings.Contains(reader, "number"):
		return field + " is not a number"
	case strings.Contains(reader, "slice") || strings.Contains(reader, "array"):
		return field + " is not a list"
	case strings.Contains(reader, "object") || strings.Contains(reader, "map"):
		return field + " is not an object"
	case strings.Contains(reader, "string"):
		return field + " is not a string"
	case strings.Contains(reader, "bool"):
		return field + " is not true or false"
	case len(path) > 0:
		return field + ": " + problem
	}
	return problem
}

// snakeCase turns a Go field name into the JSON name the SDK models give it (RunEnvId: run_env_id).
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
