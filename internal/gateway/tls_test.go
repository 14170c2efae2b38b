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
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestIsTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()

	_, untrusted := http.Get(srv.URL) //nolint:noctx // a test request
	if untrusted == nil || !IsTLSVerification(Transport("probe", untrusted)) {
		t.Errorf("an untrusted certificate: IsTLSVerification(%v) = false", untrusted)
	}
	resp, err := srv.Client().Get(srv.URL) //nolint:noctx // a test request
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	srv.Close()
	_, refused := srv.Client().Get(srv.URL) //nolint:noctx // a test request
	if refused == nil || IsTLSVerification(Transport("probe", refused)) {
		t.Errorf("a refused connection: IsTLSVerification(%v) = true", refused)
	}
}
