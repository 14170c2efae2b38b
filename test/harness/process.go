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
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// StopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const StopGrace = 10 * time.Second

// pollEvery is how often WaitReady checks.
const pollEvery = 50 * time.Millisecond

// Process is a program the harness started.
type Process struct {
	// Name names the process in errors, and its log.
	Name string
	// Log is where the process's output goes.
	Log Log

	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited and been waited for
	err    error         // how it exited, once exited is closed
}

// Start runs program with args, its standard output and error appended to dir/<name>.log.
func Start(dir, name, program string, args ...string) (*Process, error) {
	return StartEnv(dir, name, program, nil, args...)
}

// StartEnv is Start with env ("KEY=value") added to the environment the program inherits.
func StartEnv(dir, name, program string, env []string, args ...string) (*Process, error) {
	log := Log{Name: name + ".log", Path: filepath.Join(dir, name+".log")}
	f, err := os.OpenFile(log.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the log of %s: %w", name, err)
	}
	// The process writes to its own descriptor of the file once started.
	defer f.Close() //nolint:errcheck
	cmd := exec.Command(program, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, Log: log, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// PID is the process's ID.
func (p *Process) PID() int {
	return p.cmd.Process.Pid
}

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} {
	return p.exited
}

// Stop ends the process with SIGTERM, or SIGKILL after StopGrace, and returns once it is gone.
func (p *Process) Stop() {
	if p == nil {
		return
	}
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(StopGrace):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Kill ends the process with SIGKILL, so that no deferred function runs and no lease is
// released, and returns once it is gone. A process that had exited already is no error.
func (p *Process) Kill() error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill %s: %w", p.Name, err)
	}
	<-p.exited
	return nil
}

// WaitReady checks the process with ready until it passes; it gives up when the process exits,
// with the end of its log, or after timeout, with ready's last error.
func (p *Process) WaitReady(timeout time.Duration, ready func() error) error {
	deadline := time.After(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			text, _ := p.Log.Read()
			return fmt.Errorf("%s exited before it was ready (%v); the end of its log:\n%s", p.Name, p.err, Tail(string(text), 20))
		case <-deadline:
			return fmt.Errorf("%s not ready after %s: %w", p.Name, timeout, err)
		case <-time.After(pollEvery):
		}
	}
}

// Listening is a readiness check: something accepts TCP connections at addr.
func Listening(addr string) func() error {
	return func() error {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			_ = conn.Close()
		}
		return err
	}
}

// FreeAddr returns a local address no one listens on, for a process to listen on.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close() //nolint:errcheck
	return l.Addr().String(), nil
}
