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
	"github.com/apig-operator/apig-operator/internal/gateway/gatewaytest"
)

// TestInflightAnswers: an answer waits for the object's next pass; the answer to an object
// released while its call was in flight is not kept for a pass that will never come.
func TestInflightAnswers(t *testing.T) {
	f := newInflight()
	pub := &gatewaytest.Publisher{}
	pub.SetDelay(50 * time.Millisecond)
	obj := func(uid types.UID) *v1alpha1.ApiPublication {
		return &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Name: string(uid), UID: uid}}
	}
	landed := func(*batchAnswer) {}
	wait := func() {
		select {
		case <-f.events:
		case <-time.After(5 * time.Second):
			t.Fatal("the landing call sent no event")
		}
	}

	f.start(context.Background(), obj("kept"), pub, "RELEASE", "", []string{"a"}, nil, landed)
	if _, busy := f.take("kept"); !busy {
		t.Fatal("a call in flight is not reported busy")
	}
	wait()
	if ans, busy := f.take("kept"); busy || ans == nil || ans.err != nil || ans.publish["a"].Err != nil {
		t.Fatalf("after landing: answer %+v, busy %v", ans, busy)
	}

	f.start(context.Background(), obj("released"), pub, "RELEASE", "", []string{"b"}, nil, landed)
	f.forget("released")
	wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.answers) != 0 || len(f.gone) != 0 || len(f.busy) != 0 {
		t.Errorf("kept after release: %d answers, %d gone, %d busy", len(f.answers), len(f.gone), len(f.busy))
	}
}
