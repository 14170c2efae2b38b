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
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestJitter(t *testing.T) {
	cases := []struct {
		reason string
		d      time.Duration
	}{
		{"the default observeInterval", time.Minute},
		{"the largest observeInterval", 24 * time.Hour},
		{"the smallest duration", 1},
		{"an interval near the largest duration", math.MaxInt64 - time.Hour},
		{"the largest duration", math.MaxInt64},
		{"zero", 0},
		{"negative", -time.Second},
	}
	for _, c := range cases {
		for range 100 {
			got := jitter(c.d)
			if c.d <= 0 {
				if got != c.d {
					t.Errorf("%s: jitter(%v) = %v, want it unchanged", c.reason, c.d, got)
				}
				break
			}
			if got < c.d || got-c.d > c.d/10 {
				t.Errorf("%s: jitter(%v) = %v, want within a tenth above it", c.reason, c.d, got)
				break
			}
		}
	}
}

func TestEventNote(t *testing.T) {
	cases := []struct {
		reason string
		note   string
		want   string // "": the note unchanged
	}{
		{"a short note", "Published 3 APIs (a, b, c) in RELEASE", ""},
		{"exactly at the limit", strings.Repeat("a", maxEventNote), ""},
		{"one byte over", strings.Repeat("a", maxEventNote+1), strings.Repeat("a", maxEventNote-3) + "..."},
		{"a multi-byte character across the cut", strings.Repeat("a", maxEventNote-4) + "ééé", strings.Repeat("a", maxEventNote-4) + "..."},
	}
	for _, c := range cases {
		want := c.want
		if want == "" {
			want = c.note
		}
		if got := eventNote(c.note); got != want {
			t.Errorf("%s: eventNote(%d bytes) = %d bytes %q..., want %d bytes", c.reason, len(c.note), len(got), got[max(0, len(got)-8):], len(want))
		}
	}
	for _, note := range []string{strings.Repeat("é", 2000), strings.Repeat("日本", 1000), strings.Repeat("🙂", 300)} {
		got := eventNote(note)
		if len(got) > maxEventNote || !utf8.ValidString(got) || !strings.HasSuffix(got, "...") {
			t.Errorf("eventNote of %d bytes of %q gave %d bytes, valid UTF-8 %v", len(note), note[:4], len(got), utf8.ValidString(got))
		}
	}
}
