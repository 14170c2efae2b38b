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

// Package harness runs the operator's stack as separate processes for the end-to-end suite
// and the scale benchmark: it builds the manager and simulator binaries, starts a control
// plane with envtest, starts processes with their output in a log file, waits for them to be
// ready, stops them and reads their logs back.
//
// Its contract:
//   - Every function returns an error and never fails a test itself, so a suite and a program
//     use it alike.
//   - A process's standard output and error go to <dir>/<name>.log, appended to, so a process
//     restarted under the same name keeps one log across its lives.
//   - Stop ends a process with SIGTERM, then SIGKILL after StopGrace; Kill sends SIGKILL at
//     once, as the kubelet does after the grace period or the kernel when memory runs out.
//     Both return once the process is gone and may be called again, or on a nil *Process.
//   - Waits have deadlines, and a wait for a process ends as soon as the process exits.
package harness
