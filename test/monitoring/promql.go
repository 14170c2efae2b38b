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

package monitoring

import (
	"fmt"
	"strings"
)

// Selector is a metric a PromQL expression selects, and the function or aggregation whose
// argument it directly is ("" at the top level or in plain parentheses).
type Selector struct {
	Name string
	In   string
}

// aggregations take a parenthesis of their own after an optional by/without list.
var aggregations = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
}

// groupings are followed by a list of label names in parentheses (group_left and group_right
// optionally).
var groupings = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// keywords are the other words of PromQL that are not metric names.
var keywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
	"inf": true, "nan": true,
}

// Selectors returns the metrics expr selects, in order. Grafana variables ($name, ${name})
// are skipped. A selector without a metric name ({__name__="x"}) is an error: its name could
// not be checked.
func Selectors(expr string) ([]Selector, error) {
	s := &scanner{expr: expr}
	for s.i < len(expr) {
		if err := s.step(); err != nil {
			return nil, err
		}
	}
	if len(s.stack) != 0 {
		return nil, fmt.Errorf("an unclosed ( in %q", expr)
	}
	return s.out, nil
}

// scanner reads an expression token by token.
type scanner struct {
	expr    string
	i       int
	out     []Selector
	stack   []string // what each open parenthesis belongs to
	pending string   // a function or aggregation waiting for its parenthesis
}

// step reads one token.
func (s *scanner) step() error {
	c := s.expr[s.i]
	switch {
	case c == '#':
		for s.i < len(s.expr) && s.expr[s.i] != '\n' {
			s.i++
		}
	case c == '"' || c == '\'' || c == '`':
		end, err := skipString(s.expr, s.i)
		if err != nil {
			return err
		}
		s.i = end
	case c == '{':
		return fmt.Errorf("a selector without a metric name at offset %d of %q", s.i, s.expr)
	case c == '[':
		end := strings.IndexByte(s.expr[s.i:], ']')
		if end < 0 {
			return fmt.Errorf("an unclosed [ in %q", s.expr)
		}
		s.i += end + 1
	case c == '(':
		s.stack = append(s.stack, s.pending)
		s.pending = ""
		s.i++
	case c == ')':
		if len(s.stack) == 0 {
			return fmt.Errorf("an unbalanced ) in %q", s.expr)
		}
		s.stack = s.stack[:len(s.stack)-1]
		s.i++
	case c == '$':
		s.i = skipVariable(s.expr, s.i)
	case isIdentStart(c):
		return s.word()
	case c >= '0' && c <= '9' || c == '.':
		// A number or a duration: 0.99, 1e3, 0x1f, 5m, 1h30m.
		for s.i < len(s.expr) && (isIdent(s.expr[s.i]) || s.expr[s.i] == '.') {
			s.i++
		}
	default:
		s.i++
	}
	return nil
}

// word reads an identifier: a keyword, a function, or a metric name with its matchers.
func (s *scanner) word() error {
	start := s.i
	for s.i < len(s.expr) && isIdent(s.expr[s.i]) {
		s.i++
	}
	word := s.expr[start:s.i]
	next := nextNonSpace(s.expr, s.i)
	followedBy := func(c byte) bool { return next < len(s.expr) && s.expr[next] == c }
	lower := strings.ToLower(word)
	var err error
	switch {
	case groupings[lower]:
		if followedBy('(') {
			s.i, err = skipParens(s.expr, next)
		}
	case aggregations[lower]:
		s.pending = lower
	case keywords[lower]:
	case followedBy('('):
		s.pending = word
	default:
		in := ""
		if len(s.stack) > 0 {
			in = s.stack[len(s.stack)-1]
		}
		s.out = append(s.out, Selector{Name: word, In: in})
		if followedBy('{') {
			s.i, err = skipBraces(s.expr, next)
		}
	}
	return err
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdent(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

func nextNonSpace(s string, i int) int {
	for i < len(s) && strings.ContainsRune(" \t\r\n", rune(s[i])) {
		i++
	}
	return i
}

// skipString returns the offset after the string literal starting at i.
func skipString(s string, i int) (int, error) {
	quote := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && quote != '`':
			j++
		case s[j] == quote:
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("an unclosed string in %q", s)
}

// skipBraces returns the offset after the label matchers starting at i.
func skipBraces(s string, i int) (int, error) {
	for j := i + 1; j < len(s); {
		switch s[j] {
		case '"', '\'', '`':
			end, err := skipString(s, j)
			if err != nil {
				return 0, err
			}
			j = end
		case '}':
			return j + 1, nil
		default:
			j++
		}
	}
	return 0, fmt.Errorf("an unclosed { in %q", s)
}

// skipParens returns the offset after the label list in parentheses starting at i.
func skipParens(s string, i int) (int, error) {
	end := strings.IndexByte(s[i:], ')')
	if end < 0 {
		return 0, fmt.Errorf("an unclosed ( in %q", s)
	}
	return i + end + 1, nil
}

// skipVariable returns the offset after the Grafana variable starting at i: $name or ${name}.
func skipVariable(s string, i int) int {
	i++
	if i < len(s) && s[i] == '{' {
		if end := strings.IndexByte(s[i:], '}'); end >= 0 {
			return i + end + 1
		}
		return len(s)
	}
	for i < len(s) && isIdent(s[i]) {
		i++
	}
	return i
}
