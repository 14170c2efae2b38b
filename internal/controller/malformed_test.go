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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// malformedCase is a gateway answer no gateway should send, and the Ready condition it must
// give a publication while the gateway keeps sending it.
type malformedCase struct {
	fault   gatewaysim.Fault
	ready   metav1.ConditionStatus
	reason  string
	message string // the Ready message has it
}

const (
	opListAPIs = "ListApisV2"
	opBatch    = "BatchPublishOrOfflineApiV2"
	errorPage  = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
)

// An answer that cannot be read while observing is retried as a gateway failure (Ready False,
// GatewayUnreachable, as for any 5xx); one that leaves an API unaccounted for in a publish answer
// is that API's failure (Ready False, PartialFailure). Either way no write is made on what could
// not be read, the message says what was wrong, and the object converges once the gateway
// answers properly again.
var _ = Describe("ApiPublication against malformed gateway answers", func() {
	DescribeTable("reports the answer in Ready, and converges once the gateway answers properly",
		func(tc malformedCase) {
			g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
				APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
			Expect(g.sim.AddFault(tc.fault)).To(Succeed())
			pub := g.publication("malformed", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
				APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
			Expect(k8sClient.Create(ctx, pub)).To(Succeed())

			ready(pub, tc.ready, tc.reason, 20*time.Second)
			Expect(findReady(pub).Message).To(ContainSubstring(tc.message))
			Expect(g.liveVersion("get_user", "RELEASE")).To(BeEmpty(), "the fault kept the API from being published")
			if tc.fault.Operation == opListAPIs {
				Expect(g.calls(opBatch, "200")).To(BeZero(), "a write was made on an answer that could not be read")
			}

			By("answering properly again")
			g.sim.ClearFaults()
			ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
			Expect(g.liveVersion("get_user", "RELEASE")).NotTo(BeEmpty())
		},
		Entry("truncated JSON", malformedCase{
			fault: gatewaysim.Fault{Operation: opListAPIs, Body: `{"total":1,"size":1,"apis":[{"id":"5f91`},
			ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayUnreachable,
			message: "observe environment: malformed response body: the JSON ends early, as if cut off (HTTP 200"}),
		Entry("wrong JSON types", malformedCase{
			fault: gatewaysim.Fault{Operation: opListAPIs, Body: `{"total":"many","size":0,"apis":{}}`},
			ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayUnreachable,
			message: "malformed response body: field total is not a number (HTTP 200"}),
		Entry("a listing without its list", malformedCase{
			fault: gatewaysim.Fault{Operation: opListAPIs, Body: `{"total":0,"size":0}`},
			ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayUnreachable,
			message: `malformed response body: no "apis" list (HTTP 200)`}),
		Entry("an empty body with 200", malformedCase{
			fault: gatewaysim.Fault{Operation: opListAPIs, Body: " "},
			ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayUnreachable,
			message: "malformed response body: the body is empty (HTTP 200"}),
		Entry("an HTML page with 200", malformedCase{
			fault: gatewaysim.Fault{Operation: opListAPIs, Body: errorPage, ContentType: "text/html"},
			ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayUnreachable,
			message: "malformed response body: not JSON (text/html): 502 Bad Gateway 502 Bad Gateway nginx (HTTP 200"}),
		Entry("an HTML page with 502", malformedCase{
			fault: gatewaysim.Fault{Operation: opListAPIs, Status: 502, Body: errorPage, ContentType: "text/html"},
			ready: metav1.ConditionFalse, reason: v1alpha1.ReasonGatewayUnreachable,
			message: "unreadable error response (text/html): 502 Bad Gateway 502 Bad Gateway nginx (HTTP 502"}),
		Entry("a publish answer without publish_id", malformedCase{
			fault: gatewaysim.Fault{Operation: opBatch,
				Body: `{"success":[{"api_id":"` + getUserID + `","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}],"failure":[]}`},
			ready: metav1.ConditionFalse, reason: v1alpha1.ReasonPartialFailure,
			message: "1 of 1 APIs failed: publish APIs: malformed response body: API " + getUserID +
				" is reported published without a publish_id"}),
		Entry("a publish answer without the API", malformedCase{
			fault: gatewaysim.Fault{Operation: opBatch, Body: `{"success":[{"publish_id":"p1"}],"failure":[]}`},
			ready: metav1.ConditionFalse, reason: v1alpha1.ReasonPartialFailure,
			message: "1 of 1 APIs failed: publish APIs: the gateway did not report API " + getUserID + " in its batch result"}),
	)
})
