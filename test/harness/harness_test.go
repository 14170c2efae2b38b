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

package harness

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// shell runs a script as a process named name in dir.
func shell(t *testing.T, dir, name, script string) *Process {
	t.Helper()
	p, err := Start(dir, name, "/bin/sh", "-c", script)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// logged is a readiness check: the log holds text.
func logged(p *Process, text string) func() error {
	return func() error {
		data, err := p.Log.Read()
		if err == nil && !strings.Contains(string(data), text) {
			err = errors.New("not logged yet: " + text)
		}
		return err
	}
}

func TestStopTermKillAndOneLogAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	script := func(life string) string {
		return `trap 'echo terminated; exit 0' TERM; echo started ` + life + `; while :; do sleep 0.05; done`
	}
	p := shell(t, dir, "worker", script("1"))
	if err := p.WaitReady(10*time.Second, logged(p, "started 1")); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	p.Stop() // again: a no-op
	var none *Process
	none.Stop()

	p = shell(t, dir, "worker", script("2"))
	if err := p.WaitReady(10*time.Second, logged(p, "started 2")); err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Errorf("killing a process that is gone: %v", err)
	}
	lines, err := p.Log.Lines()
	if err != nil {
		t.Fatal(err)
	}
	// SIGTERM ran the trap; SIGKILL did not.
	if got := strings.Join(lines, ","); got != "started 1,terminated,started 2" {
		t.Errorf("log of both lives: %q", got)
	}
	logs, err := Logs(dir, "*.log")
	if err != nil || len(logs) != 1 || logs[0].Name != "worker.log" {
		t.Errorf("logs %v, %v", logs, err)
	}
}

func TestWaitReadyEndsWhenTheProcessExits(t *testing.T) {
	p := shell(t, t.TempDir(), "crash", "echo 'cannot listen'; exit 3")
	err := p.WaitReady(time.Minute, func() error { return errors.New("no answer") })
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "cannot listen") {
		t.Errorf("err %v, want the exit and the end of the log", err)
	}
}

func TestWaitReadyTimesOutWithTheLastError(t *testing.T) {
	p := shell(t, t.TempDir(), "silent", "while :; do sleep 0.05; done")
	err := p.WaitReady(200*time.Millisecond, func() error { return errors.New("no answer") })
	if err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Errorf("err %v", err)
	}
}

func TestTail(t *testing.T) {
	for _, tc := range []struct{ reason, text, want string }{
		{"fewer lines than asked", "a\nb\n", "a\nb"},
		{"the last lines", "a\nb\nc\nd\n", "c\nd"},
		{"no final newline", "a\nb\nc", "b\nc"},
	} {
		if got := Tail(tc.text, 2); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.reason, got, tc.want)
		}
	}
}
