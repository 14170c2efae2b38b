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
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// TestInflightAnswers: an answer waits for the object's next pass, which the landing
// triggers; the answer to an object released while its call was in flight is not kept for a
// pass that will never come.
func TestInflightAnswers(t *testing.T) {
	f := newInflight()
	obj := func(uid types.UID) *v1alpha1.ApiPublication {
		return &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Name: string(uid), UID: uid}}
	}
	// act holds the call until the test lets it land.
	act := func(release <-chan struct{}, id string) func(context.Context) (driver.Results, error) {
		return func(context.Context) (driver.Results, error) {
			<-release
			return driver.Results{id: {Step: driver.Step{API: id, Action: driver.ActPublish}, Outcome: gateway.Outcome{APIID: id}}}, nil
		}
	}
	var landings int
	landed := func(*answer) { landings++ }
	wait := func() {
		select {
		case <-f.events:
		case <-time.After(5 * time.Second):
			t.Fatal("the landing call sent no event")
		}
	}

	release := make(chan struct{})
	f.start(context.Background(), obj("kept"), 2, act(release, "a"), landed)
	if _, pending := f.take("kept"); pending != 2 {
		t.Fatalf("a call in flight reports %d steps pending, want 2", pending)
	}
	if f.pending("kept") != 2 {
		t.Fatal("taking the answer of an object in flight dropped its pending steps")
	}
	close(release)
	wait()
	if ans, pending := f.take("kept"); pending != 0 || ans == nil || ans.err != nil || ans.results["a"].Err != nil {
		t.Fatalf("after landing: answer %+v, %d pending", ans, pending)
	}
	if ans, _ := f.take("kept"); ans != nil {
		t.Error("an answer was handed out twice")
	}

	release = make(chan struct{})
	f.start(context.Background(), obj("released"), 1, act(release, "b"), landed)
	f.forget("released")
	close(release)
	wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.answers) != 0 || len(f.gone) != 0 || len(f.busy) != 0 {
		t.Errorf("kept after release: %d answers, %d gone, %d busy", len(f.answers), len(f.gone), len(f.busy))
	}
	if landings != 2 {
		t.Errorf("landed was called %d times, want 2", landings)
	}
}
