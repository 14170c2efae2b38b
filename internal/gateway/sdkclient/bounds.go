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

// What one call and one listing may read from a gateway. One manager serves many tenants, and
// an endpoint that answers too much, or never stops answering, must cost it a bounded amount
// of memory and time: each bound ends the read with an error that names it. Those errors are
// transient (gateway.Classify: a 2xx without an error code), like the other malformed answers:
// retried with backoff, which also gives a gateway that was briefly wrong its chance.

package sdkclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// BodyBound is the most a successful response body of a client may hold, and what it is sized
// for, as the error about a longer body says.
type BodyBound struct {
	Bytes int64
	// For completes "the bound for ...": "one response of a listing or an object".
	For string
}

var (
	// PageBody bounds every response but the export document's. The simulator's full page of
	// 500 APIs with 255-character names, 512-character paths and remarks, published in three
	// environments, is 0.83 MiB; the gateway's own list answer has a few more fields. Listings
	// of APIs that carry large samples (up to 3 × 20,480 characters each) ask for smaller
	// pages when a page exceeds it (apig's collect).
	PageBody = BodyBound{Bytes: 4 << 20, For: "one response (a page of 500 APIs is about 1 MiB)"}
	// ExportBody bounds the export task's answer, which holds the whole document: what an
	// ApiExport stores is at most 1000 KiB compressed, which documents of 16 MiB rarely
	// compress to.
	ExportBody = BodyBound{Bytes: 16 << 20, For: "an exported document"}
)

// TooLargeError is the cause of an error about a response body beyond its client's bound.
type TooLargeError struct{ Bound BodyBound }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the response body exceeds %s, the bound for %s", size(e.Bound.Bytes), e.Bound.For)
}

// IsTooLarge reports whether err is about a response body beyond its bound.
func IsTooLarge(err error) bool {
	var tl *TooLargeError
	return errors.As(err, &tl)
}

// size says n bytes in MiB or KiB when it is a whole number of them.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ListBound is what one listing of many pages may read: items, and time from its first page.
type ListBound struct {
	Items int
	Time  time.Duration
}

// DefaultListBound is 20,000 items and 2 minutes. The largest APIG edition holds 8,000 APIs;
// 20,000 also leaves room for a listing that restarts because the gateway changed under it.
// At the gateway's own rate of a few pages a second, 2 minutes read the largest instance
// many times over.
var DefaultListBound = ListBound{Items: 20000, Time: 2 * time.Minute}

// Listing is one bounded listing. Begin it, call Next before each page, and pass every error
// of a page's call through Err.
type Listing struct {
	op    string
	bound ListBound
	ctx   context.Context
	// late is the cause of ctx's end when it ends for the time bound.
	late *gateway.Error
	// deadline is when the time bound ends.
	deadline time.Time
}

// Begin starts a listing named op: the context it returns ends when the time bound is reached.
func (b ListBound) Begin(ctx context.Context, op string) (*Listing, context.Context, context.CancelFunc) {
	l := &Listing{op: op, bound: b}
	l.late = &gateway.Error{Op: op, Err: fmt.Errorf("the listing took more than %s, the bound for one listing; "+
		"the gateway answers too slowly", b.Time)}
	var cancel context.CancelFunc
	l.deadline = time.Now().Add(b.Time)
	l.ctx, cancel = context.WithDeadlineCause(ctx, l.deadline, l.late)
	return l, l.ctx, cancel
}

// Next says whether the listing may read another page, having read read items so far of the
// total the gateway announced (0 when it announces none): nil, or the error of the bound it
// reached. A context ended otherwise is left to the next call, which fails at the gate.
func (l *Listing) Next(read int, total int64) error {
	switch {
	case total > int64(l.bound.Items):
		return l.tooMany(fmt.Sprintf("the gateway lists %d items", total))
	case read > l.bound.Items:
		return l.tooMany(fmt.Sprintf("the listing has read %d items and goes on", read))
	case errors.Is(context.Cause(l.ctx), l.late):
		return l.late
	}
	return nil
}

func (l *Listing) tooMany(what string) error {
	return &gateway.Error{Op: l.op, Err: fmt.Errorf("%s, more than %d, the bound for one listing "+
		"(the largest gateway edition holds 8000 APIs)", what, l.bound.Items)}
}

// Err is err, or the time bound's error when err came from the listing's context ending for it,
// or from the rate limit's refusal to wait past the bound (it fails at once, before the context
// ends, when the wait would end after it).
func (l *Listing) Err(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(context.Cause(l.ctx), l.late) {
		return l.late
	}
	if dl, ok := l.ctx.Deadline(); ok && dl.Equal(l.deadline) && strings.Contains(err.Error(), "would exceed context deadline") {
		return l.late
	}
	return err
}

// overfull finds, in a JSON object, a top-level list of more than limit items (a page that
// holds more than it was asked for): its name and length, or n 0. data is valid JSON. It reads
// data once, without decoding it: a page of a million empty objects must not cost a million
// decoded models first.
func overfull(data []byte, limit int) (name string, n int) {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return "", 0
	}
	depth := 0
	// last is the last string at depth 1: when a list opens there, the name of its field.
	var last, listName []byte
	// items counts the items of the open top-level list as they start; -1 when none is open.
	items := -1
	for i := 0; i < len(data); i++ {
		c := data[i]
		if items == 0 && depth == 2 && c != ']' && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			items = 1
		}
		switch c {
		case '"':
			j := stringEnd(data, i)
			if depth == 1 {
				last = data[i+1 : j]
			}
			i = j
		case '{', '[':
			depth++
			if depth == 2 && c == '[' {
				listName, items = last, 0
			}
		case '}', ']':
			if depth == 2 && items > limit && items > n {
				name, n = string(listName), items
			}
			if depth == 2 {
				items = -1
			}
			depth--
		case ',':
			if depth == 2 && items > 0 {
				items++
			}
		}
	}
	return name, n
}

// stringEnd is the index of the quote that ends the JSON string whose opening quote is at i.
func stringEnd(data []byte, i int) int {
	j := i + 1
	for j < len(data) && data[j] != '"' {
		if data[j] == '\\' {
			j++
		}
		j++
	}
	return min(j, len(data))
}
