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

package gateway

import (
	"sync"
	"testing"
)

func TestSnapshotIDByName(t *testing.T) {
	snap := &Snapshot{EnvID: "env", APIs: map[string]Published{
		"id-orders":  {API: API{ID: "id-orders", Name: "orders"}},
		"id-stock-a": {API: API{ID: "id-stock-a", Name: "stock"}},
		"id-stock-b": {API: API{ID: "id-stock-b", Name: "stock"}},
	}}
	cases := []struct {
		name   string
		wantID string
		wantOK bool
	}{
		{"orders", "id-orders", true},
		{"stock", "", false}, // two published APIs share the name: neither is picked
		{"absent", "", false},
	}
	// Every pass over the environment reads the same snapshot at once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, c := range cases {
				if id, ok := snap.IDByName(c.name); id != c.wantID || ok != c.wantOK {
					t.Errorf("IDByName(%q) = %q, %v; want %q, %v", c.name, id, ok, c.wantID, c.wantOK)
				}
			}
		})
	}
	wg.Wait()
}
