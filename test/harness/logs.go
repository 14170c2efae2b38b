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
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// Log is the output of a process the harness started.
type Log struct {
	// Name is the file's name, <process name>.log.
	Name string
	Path string
}

// Logs lists the logs in dir whose file names match pattern ("*.log", "manager*.log"), in
// the order of their names.
func Logs(dir, pattern string) ([]Log, error) {
	paths, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, err
	}
	logs := make([]Log, len(paths))
	for i, path := range paths {
		logs[i] = Log{Name: filepath.Base(path), Path: path}
	}
	return logs, nil
}

// Read returns the whole log.
func (l Log) Read() ([]byte, error) {
	return os.ReadFile(l.Path)
}

// Lines returns the log's lines, without their line endings; a line may be up to 16 MiB.
func (l Log) Lines() ([]string, error) {
	f, err := os.Open(l.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

// Tail returns the last n lines of text.
func Tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
