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

package main

import (
	"context"
	"maps"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// tracker follows the ApiPublications through a watch and records when each was first seen
// Ready (the rollout's figure), and whether each is verified now: Ready True for its current
// generation, and since when.
type tracker struct {
	mu         sync.Mutex
	firstReady map[string]time.Time
	verified   map[string]verification
}

// verification is the last state seen of one object.
type verification struct {
	ok    bool      // Ready True and observedGeneration == generation
	gen   int64     // the generation seen
	since time.Time // when ok was first seen for gen
}

func newTracker() *tracker {
	return &tracker{firstReady: map[string]time.Time{}, verified: map[string]verification{}}
}

func (t *tracker) see(p *v1alpha1.ApiPublication) {
	now := time.Now()
	ready := meta.IsStatusConditionTrue(p.Status.Conditions, v1alpha1.ConditionReady)
	ok := ready && p.Status.ObservedGeneration == p.Generation
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, seen := t.firstReady[p.Name]; ready && !seen {
		t.firstReady[p.Name] = now
	}
	v := t.verified[p.Name]
	switch {
	case !ok:
		t.verified[p.Name] = verification{gen: p.Generation}
	case !v.ok || v.gen != p.Generation:
		t.verified[p.Name] = verification{ok: true, gen: p.Generation, since: now}
	}
}

func (t *tracker) readyCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.firstReady)
}

func (t *tracker) readyTimes() map[string]time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.firstReady)
}

// verifiedCount is how many objects are verified for their current generation now.
func (t *tracker) verifiedCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, v := range t.verified {
		if v.ok {
			n++
		}
	}
	return n
}

// verifiedAt returns when name was first seen verified at generation gen or a later one.
func (t *tracker) verifiedAt(name string, gen int64) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.verified[name]
	return v.since, v.ok && v.gen >= gen
}

// follow lists, then watches from the list's version, and when the watch ends (the API server
// closes watches from time to time) watches again from the last version it saw, bookmarks
// included; it lists again only when the server no longer has that version. A failed list or
// watch is tried again a second later: an API server whose watch cache lags refuses requests
// for a while, and at 50,000 objects each list is a hundred megabytes it would serve again.
func (t *tracker) follow(ctx context.Context, c client.WithWatch) {
	retry := func() {
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	version := ""
	for ctx.Err() == nil {
		if version == "" {
			list := &v1alpha1.ApiPublicationList{}
			if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
				retry()
				continue
			}
			for i := range list.Items {
				t.see(&list.Items[i])
			}
			version = list.ResourceVersion
		}
		w, err := c.Watch(ctx, &v1alpha1.ApiPublicationList{}, client.InNamespace(ns),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: version, AllowWatchBookmarks: true}})
		if err != nil {
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
				version = ""
			}
			retry()
			continue
		}
		for ev := range w.ResultChan() {
			switch ev.Type {
			case watch.Added, watch.Modified:
				if p, ok := ev.Object.(*v1alpha1.ApiPublication); ok {
					t.see(p)
					version = p.ResourceVersion
				}
			case watch.Bookmark:
				if p, ok := ev.Object.(*v1alpha1.ApiPublication); ok {
					version = p.ResourceVersion
				}
			case watch.Error:
				// Most often 410 Gone: the version is too old to watch from.
				version = ""
			}
		}
		w.Stop()
	}
}

// pollEvery is how often the benchmark samples what it waits for.
const pollEvery = 50 * time.Millisecond

// waitUntil checks cond every pollEvery until it holds or the deadline passes, and reports
// whether it held.
func waitUntil(deadline time.Time, cond func() bool) bool {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}
