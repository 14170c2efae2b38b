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

// Text from the gateway, a proxy or Go ends up in condition messages, events and logs, so what
// leaves this package is valid UTF-8 on one line, without markup, and of bounded length, whatever
// arrived. Redaction (redact.go) runs before any of this: cleaning first could split a
// credential the gateway echoed, and clipping first could leave part of one.

package sdkclient

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxMessage bounds any message taken from the gateway or the SDK.
	maxMessage = 1000
	// maxSnippet bounds the part of an unreadable body quoted in a message.
	maxSnippet = 200
	// maxID bounds an error code or a request ID, both short words from the gateway.
	maxID = 100
)

// Text makes text the gateway sent fit a message: valid UTF-8 on one line, without control
// characters, at most n bytes.
func Text(s string, n int) string { return clip(clean(s), n) }

// clean makes s valid UTF-8 on one line: control characters become spaces and runs of spaces
// collapse.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// clip cuts s to at most n bytes at a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// stripTags drops <...> markup, and the contents of script and style elements, which are code
// rather than anything a reader of the message could use.
func stripTags(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:open])
		// So that the words either side of a tag do not run together.
		b.WriteByte(' ')
		s = s[open:]
		for _, elem := range []string{"script", "style"} {
			if hasPrefixFold(s, "<"+elem) {
				if end := indexFold(s, "</"+elem); end >= 0 {
					s = s[end:]
				} else {
					s = ""
				}
				break
			}
		}
		closeAt := strings.IndexByte(s, '>')
		if closeAt < 0 {
			break
		}
		s = s[closeAt+1:]
	}
	return b.String()
}

// hasPrefixFold and indexFold compare ASCII case-insensitively on s's own bytes: lowering s
// first would shift the indexes, since lowering changes the length of some characters and of
// invalid UTF-8.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
