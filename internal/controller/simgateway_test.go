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
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// simGateway is a simulator of its own, served over HTTP, with a Ready ApiGateway in a
// namespace of its own: each spec sees only its own calls.
type simGateway struct {
	sim *gatewaysim.Server
	url string
	ns  string
	gw  *v1alpha1.ApiGateway
}

// newSimGateway starts a simulator with the APIG instance and DataArts cluster of seed, and
// an ApiGateway for it (provider as given), and waits until the ApiGateway is Ready.
func newSimGateway(provider v1alpha1.Provider, instance gatewaysim.SeedInstance, cluster *gatewaysim.SeedCluster,
	tweaks ...func(*gatewaysim.Seed)) *simGateway {
	instance.InstanceID = simInstance
	project := gatewaysim.SeedProject{ID: simProject, APIG: []gatewaysim.SeedInstance{instance}}
	if cluster != nil {
		cluster.ClusterID, cluster.Workspace = simCluster, simWorkspace
		project.DataArts = []gatewaysim.SeedCluster{*cluster}
	}
	seed := &gatewaysim.Seed{
		Tokens: []string{simToken}, AccessKeys: []gatewaysim.SeedAccessKey{{AccessKey: simAK, SecretKey: simSK}},
		Projects: []gatewaysim.SeedProject{project},
	}
	for _, tweak := range tweaks {
		tweak(seed)
	}
	sim, err := gatewaysim.New(seed, gatewaysim.Options{})
	Expect(err).NotTo(HaveOccurred())
	srv := httptest.NewServer(sim)
	DeferCleanup(srv.Close)

	g := &simGateway{sim: sim, url: srv.URL, ns: newNamespace()}
	g.gw = readyGateway(g.ns, "gw", srv.URL, provider)
	return g
}

// readyGateway creates an ApiGateway for the simulator at url, with its credentials Secret, in
// ns, and waits until it is Ready.
func readyGateway(ns, name, url string, provider v1alpha1.Provider) *v1alpha1.ApiGateway {
	GinkgoHelper()
	Expect(k8sClient.Create(ctx, newSecret(ns, "creds", map[string]string{"accessKey": simAK, "secretKey": simSK}))).To(Succeed())
	gw := newGateway(ns, name, "creds", provider)
	gw.Spec.Endpoint = url
	Expect(k8sClient.Create(ctx, gw)).To(Succeed())
	Eventually(func(g Gomega) {
		c := readyOf(g, gw, func() []metav1.Condition { return gw.Status.Conditions })
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
	}).WithTimeout(20 * time.Second).Should(Succeed())
	return gw
}

// call sends a request to the simulator's own API, as a console user would.
func (g *simGateway) call(method, path, body string) (int, string) {
	req, err := http.NewRequest(method, g.url+"/v2/"+simProject+"/apigw/instances/"+simInstance+path, bytes.NewBufferString(body))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("X-Auth-Token", simToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close() //nolint:errcheck
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// live returns an API's live version and publish ID in an environment, per the simulator.
func (g *simGateway) live(apiName, env string) (version, publishID string) {
	for _, a := range g.sim.State().Projects[simProject].APIG[simInstance].APIs {
		if a.Name == apiName {
			p := a.Publications[env]
			return p.LiveVersion, p.PublishID
		}
	}
	Fail("no API named " + apiName)
	return "", ""
}

// liveVersion is an API's live version in an environment, per the simulator ("" when offline).
func (g *simGateway) liveVersion(apiName, env string) string {
	v, _ := g.live(apiName, env)
	return v
}

// writes counts the simulator's successful write calls of an operation.
func (g *simGateway) calls(op, status string) int {
	return g.sim.Stats().Operations[op][status]
}

func (g *simGateway) publication(name string, spec v1alpha1.ApiPublicationSpec) *v1alpha1.ApiPublication {
	spec.GatewayRef = v1alpha1.GatewayReference{Name: g.gw.Name}
	if spec.State == "" {
		spec.State = v1alpha1.StatePublished
	}
	return &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: g.ns, Name: name}, Spec: spec}
}

// ready waits for the publication's Ready condition to have the status and reason.
func ready(pub *v1alpha1.ApiPublication, status metav1.ConditionStatus, reason string, within time.Duration) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		c := readyOf(g, pub, func() []metav1.Condition { return pub.Status.Conditions })
		g.Expect(c.Status).To(Equal(status), c.Message)
		g.Expect(c.Reason).To(Equal(reason), c.Message)
		g.Expect(pub.Status.ObservedGeneration).To(Equal(pub.Generation))
	}).WithTimeout(within).Should(Succeed())
}

func apiSeed(id, name string, published ...gatewaysim.SeedPublication) gatewaysim.SeedAPI {
	return gatewaysim.SeedAPI{ID: id, Name: name, Path: "/" + name, Published: published}
}

func hexID(n int) string { return fmt.Sprintf("%032x", n) }

func conditionTrue(pub *v1alpha1.ApiPublication, typ string) bool {
	return meta.IsStatusConditionTrue(pub.Status.Conditions, typ)
}

var _ client.Object = &v1alpha1.ApiPublication{}

// envTEST points a publication at the TEST environment, which the seeds of these specs do not
// declare: it is created on the simulator first.
func (g *simGateway) envTEST(pub *v1alpha1.ApiPublication) *v1alpha1.ApiPublication {
	GinkgoHelper()
	code, body := g.call("POST", "/envs", `{"name":"TEST"}`)
	Expect(code).To(Equal(201), body)
	pub.Spec.Environment = "TEST"
	return pub
}

func testutilValue(c prometheus.Collector) float64 { return testutil.ToFloat64(c) }

// expectEvent waits for an event with the reason in the namespace.
func expectEvent(ns, reason string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		evs := &eventsv1.EventList{}
		g.Expect(k8sClient.List(ctx, evs, client.InNamespace(ns))).To(Succeed())
		var reasons []string
		for _, e := range evs.Items {
			reasons = append(reasons, e.Reason)
		}
		g.Expect(reasons).To(ContainElement(reason))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}
