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

package gatewaysim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ReleaseEnvID is the ID of the built-in RELEASE environment of every APIG instance.
const ReleaseEnvID = "DEFAULT_ENVIRONMENT_RELEASE_ID"

// maxVersions is how many versions the gateway keeps per API and environment by default
// (API_VERSION_NUM_LIMIT; Quotas.VersionsPerAPI changes it).
const maxVersions = 10

// apiError is a gateway error response: the HTTP status and the body's error_code and error_msg.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func errMissing(param string) *apiError {
	return errorf(http.StatusBadRequest, "APIG.2001",
		"The request parameters must be specified,parameterName:%s. Please refer to the support documentation", param)
}

func errInvalid(param string) *apiError {
	return errorf(http.StatusBadRequest, "APIG.2011",
		"Invalid parameter value,parameterName:%s. Please refer to the support documentation", param)
}

func errInvalidQuery(param string) *apiError {
	return errorf(http.StatusBadRequest, "APIG.2012",
		"Invalid parameter value,parameterName:%s. Please refer to the support documentation", param)
}

func errAPINotFound(id string) *apiError {
	return errorf(http.StatusNotFound, "APIG.3002", "API %s does not exist", id)
}

func errGroupNotFound(id string) *apiError {
	return errorf(http.StatusNotFound, "APIG.3001", "API group %s does not exist", id)
}

func errEnvNotFound(id string) *apiError {
	return errorf(http.StatusNotFound, "APIG.3003", "Environment %s does not exist", id)
}

func errVersionNotFound(id string) *apiError {
	return errorf(http.StatusNotFound, "APIG.3022", "The API version does not exist,id:%s", id)
}

// newID returns a 32-character lower-case hexadecimal ID, the shape of every gateway ID.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var (
	hexID       = regexp.MustCompile(`^[0-9a-f]{32}$`)
	envNameRule = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,63}$`)
	apiNameRule = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}\-_./()（）:：、]{2,254}$`)
)

// instance is one APIG gateway.
type instance struct {
	id       string
	created  time.Time
	envs     []*Environment
	groups   []*Group
	apis     []*apiState
	versions map[string]*version // every version of every API, by ID
	quotas   Quotas              // VersionsPerAPI is never zero here
	// readLag is Options.ReadLag: how old the publications reads show are.
	readLag time.Duration
}

// apiState is an API and where it is published.
type apiState struct {
	API
	pubs map[string]*publication // by environment ID
}

// publication is the history of an API in one environment.
type publication struct {
	versions  []*version // oldest first, at most the instance's VersionsPerAPI
	live      *version   // nil when the API is offline in the environment
	liveSince time.Time  // when live became live (a switch moves it)
	// past are the states the publication left within the read lag, oldest first, each with
	// the time it was left: what a lagging read may still show. Empty without a read lag, and
	// for a publication that has not changed for longer than it: a few entries at most, so
	// that 50,000 APIs cost nothing more than their changes of the last seconds.
	past []pubView
}

// pubView is a publication as a read sees it: its kept versions and the live one.
type pubView struct {
	versions  []*version
	live      *version
	liveSince time.Time
	until     time.Time // when the state was left; zero for the current one
}

// version is a snapshot of an API definition published in one environment.
type version struct {
	id          string
	no          string
	apiID       string
	envID       string
	remark      string
	publishID   string
	publishTime time.Time
	def         API
}

func (in *instance) env(idOrName string) *Environment {
	for _, e := range in.envs {
		if e.ID == idOrName || e.Name == idOrName {
			return e
		}
	}
	return nil
}

func (in *instance) envByID(id string) *Environment {
	for _, e := range in.envs {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func (in *instance) group(id string) *Group {
	for _, g := range in.groups {
		if g.ID == id {
			return g
		}
	}
	return nil
}

func (in *instance) api(id string) *apiState {
	for _, a := range in.apis {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (in *instance) apiByName(name string) *apiState {
	for _, a := range in.apis {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// acted is what one call changed, for its entry in the call log: the action and the APIs it
// acted on, never those it refused. The seed changes state through a nil *acted.
type acted struct {
	action      string
	apis        []string
	republished []Republish
}

// Actions in the call log: APIG's online and offline, switch for a version switch, and the
// DataArts action names.
const (
	actOnline      = "online"
	actOffline     = "offline"
	actSwitch      = "switch"
	actDataPublish = "PUBLISH"
	actUnpublish   = "UNPUBLISH"
	actStop        = "STOP"
	actRecover     = "RECOVER"
)

func (x *acted) note(action, apiID string) {
	if x == nil {
		return
	}
	x.action = action
	x.apis = append(x.apis, apiID)
}

// republish notes a publish of an API that was already live, for Stats.Republished.
func (x *acted) republish(r Republish) {
	if x == nil {
		return
	}
	x.republished = append(x.republished, r)
}

// What an APIG instance publishes changes only through publish, offline, switchVersion,
// offlineVersion and deleteAPI, and each change is noted in the call log, so the gateway's
// rules hold by construction: in.versions holds every kept version and nothing else, at most
// VersionsPerAPI are kept per API and environment, and at most one of them is live. Each
// change but deleteAPI remembers the state it leaves, for reads within the read lag.

// publish snapshots the API's current definition as a new live version in env, with ID id
// (the seed's, or a new one). Publishing an already published API is not an error: it creates
// a new version, as the real gateway does, and the call log notes it as a republish.
func (in *instance) publish(log *acted, a *apiState, envID, id, remark string, now time.Time) *version {
	p := a.pubs[envID]
	if p == nil {
		p = &publication{}
		a.pubs[envID] = p
	}
	in.remember(p, now)
	replaced := p.live
	v := &version{
		id:          id,
		no:          now.UTC().Format("20060102150405"),
		apiID:       a.ID,
		envID:       envID,
		remark:      remark,
		publishID:   newID(),
		publishTime: now,
		def:         a.API,
	}
	v.def.Tags = slices.Clone(a.Tags)
	v.def.ReqParams = slices.Clone(a.ReqParams)
	in.versions[v.id] = v
	p.versions = append(p.versions, v)
	p.setLive(v, now)
	// Keep the newest VersionsPerAPI; the live one is always the newest here.
	for len(p.versions) > in.quotas.VersionsPerAPI {
		delete(in.versions, p.versions[0].id)
		p.versions = p.versions[1:]
	}
	log.note(actOnline, a.ID)
	if replaced != nil {
		env := in.envByID(envID)
		log.republish(Republish{APIID: a.ID, APIName: a.Name, EnvID: envID, EnvName: env.Name, Version: v.id, Replaced: replaced.id})
	}
	return v
}

// offline takes the API offline in env; its versions are kept.
func (in *instance) offline(log *acted, a *apiState, envID string, now time.Time) *apiError {
	p := a.pubs[envID]
	if p == nil || p.live == nil {
		return errorf(http.StatusNotFound, "APIG.3015", "The API publication record does not exist")
	}
	in.remember(p, now)
	p.setLive(nil, time.Time{})
	log.note(actOffline, a.ID)
	return nil
}

// switchVersion makes v, a kept version, the live version of its API in its environment.
func (in *instance) switchVersion(log *acted, v *version, now time.Time) {
	p := in.api(v.apiID).pubs[v.envID]
	in.remember(p, now)
	p.setLive(v, now)
	log.note(actSwitch, v.apiID)
}

// offlineVersion takes the API offline in v's environment when v is the live version there;
// taking an inactive version offline changes nothing.
func (in *instance) offlineVersion(log *acted, v *version, now time.Time) {
	p := in.api(v.apiID).pubs[v.envID]
	if p.live != v {
		return
	}
	in.remember(p, now)
	p.setLive(nil, time.Time{})
	log.note(actOffline, v.apiID)
}

// remember keeps the state p is about to leave at now, for the reads within the read lag, and
// forgets those no read can see any more.
func (in *instance) remember(p *publication, now time.Time) {
	if in.readLag <= 0 {
		return
	}
	p.past = append(p.pastFrom(now.Add(-in.readLag)),
		pubView{versions: slices.Clone(p.versions), live: p.live, liveSince: p.liveSince, until: now})
}

// pastFrom is the states of p a read at cut+lag may still show: those left after cut.
func (p *publication) pastFrom(cut time.Time) []pubView {
	i := 0
	for i < len(p.past) && !p.past[i].until.After(cut) {
		i++
	}
	if i == len(p.past) {
		return nil
	}
	return p.past[i:]
}

// view is p as a read at now sees it: as it was the read lag before now. A nil p is a
// publication that never was.
func (in *instance) view(p *publication, now time.Time) pubView {
	if p == nil {
		return pubView{}
	}
	if len(p.past) > 0 {
		// The oldest state left after the cut is the one that held at the cut.
		if p.past = p.pastFrom(now.Add(-in.readLag)); len(p.past) > 0 {
			return p.past[0]
		}
	}
	return pubView{versions: p.versions, live: p.live, liveSince: p.liveSince}
}

// has says whether v is one of the versions the view keeps.
func (pv pubView) has(v *version) bool { return slices.Contains(pv.versions, v) }

// deleteAPI removes the API with every version of it.
func (in *instance) deleteAPI(a *apiState) {
	for _, p := range a.pubs {
		for _, v := range p.versions {
			delete(in.versions, v.id)
		}
	}
	in.apis = slices.DeleteFunc(in.apis, func(x *apiState) bool { return x == a })
}

// setLive makes v, one of p's versions or nil for none, the live version since now.
func (p *publication) setLive(v *version, now time.Time) {
	p.live, p.liveSince = v, now
}

// runEnvs returns the environments an API is live in as a read at now sees them, newest
// publication first, as the index-aligned lists the gateway joins with "|".
func (in *instance) runEnvs(a *apiState, now time.Time) (ids, names, publishIDs, times []string) {
	type live struct {
		env   *Environment
		p     pubView
		since time.Time
	}
	var lives []live
	for envID, p := range a.pubs {
		if pv := in.view(p, now); pv.live != nil {
			if e := in.envByID(envID); e != nil {
				lives = append(lives, live{e, pv, pv.liveSince})
			}
		}
	}
	slices.SortFunc(lives, func(x, y live) int {
		if c := y.since.Compare(x.since); c != 0 {
			return c
		}
		return strings.Compare(x.env.ID, y.env.ID)
	})
	for _, l := range lives {
		ids = append(ids, l.env.ID)
		names = append(names, l.env.Name)
		publishIDs = append(publishIDs, l.p.live.publishID)
		times = append(times, formatReadTime(l.since))
	}
	return ids, names, publishIDs, times
}

// Timestamps: write responses carry fractional seconds, reads whole seconds (DOC21 examples).
func formatWriteTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
func formatReadTime(t time.Time) string  { return t.UTC().Format(time.RFC3339) }

// Cluster is a DataArts DataService exclusive cluster.
type cluster struct {
	id        string
	name      string
	workspace string
	apis      []*dataAPI
	readLag   time.Duration // Options.ReadLag
}

// DataArts publication states (api_status).
const (
	dataStatusPublished          = "API_STATUS_PUBLISHED"
	dataStatusWaitingOffline     = "API_STATUS_WAITING_OFFLINE"
	dataStatusOffline            = "API_STATUS_OFFLINE"
	dataStatusWaitingStop        = "API_STATUS_WAITING_STOP"
	dataStatusStopped            = "API_STATUS_STOPPED"
	dataStatusRecoverWaitReview  = "API_STATUS_RECOVER_WAIT_REVIEW"
	dataStatusPublishWaitReview  = "API_STATUS_PUBLISH_WAIT_REVIEW"
	dataDebugSuccess             = "API_DEBUG_SUCCESS"
	dataArtsNoticeHours          = 48
	dataArtsDefaultAuthorizedApp = 1
)

// dataAPI is a DataArts API and its publication on the cluster.
type dataAPI struct {
	id             string
	name           string
	path           string
	description    string
	authorizedApps int
	createTime     time.Time

	dataPublication
	// past are the publications the API left within the read lag, oldest first, as for APIG.
	past []dataView
}

// dataPublication is the publication of a DataArts API on its cluster.
type dataPublication struct {
	publishID string // empty: never published on this cluster
	status    string
	// effectiveAt is when a WAITING_OFFLINE or WAITING_STOP takes effect.
	effectiveAt time.Time
}

// dataView is a publication a DataArts API left at until.
type dataView struct {
	dataPublication
	until time.Time
}

// remember keeps the publication a is about to leave at now, for the reads within the read
// lag, and forgets those no read can see any more.
func (c *cluster) remember(a *dataAPI, now time.Time) {
	if c.readLag <= 0 {
		return
	}
	a.past = append(a.pastFrom(now.Add(-c.readLag)), dataView{dataPublication: a.dataPublication, until: now})
}

func (a *dataAPI) pastFrom(cut time.Time) []dataView {
	i := 0
	for i < len(a.past) && !a.past[i].until.After(cut) {
		i++
	}
	if i == len(a.past) {
		return nil
	}
	return a.past[i:]
}

// seen is a copy of a as a read at now sees it: with the publication of the read lag before
// now, its scheduled action settled at now.
func (c *cluster) seen(a *dataAPI, now time.Time) *dataAPI {
	a.settle(now)
	if len(a.past) == 0 {
		return a
	}
	if a.past = a.pastFrom(now.Add(-c.readLag)); len(a.past) == 0 {
		return a
	}
	old := *a
	old.dataPublication, old.past = a.past[0].dataPublication, nil
	old.settle(now)
	return &old
}

func (c *cluster) api(id string) *dataAPI {
	for _, a := range c.apis {
		if a.id == id {
			return a
		}
	}
	return nil
}

// A DataArts API's publication changes only through publish, schedule and resume, which note
// the change in the call log, and settle, which completes a scheduled action when its time
// comes. Each settles first, so it acts on the status as of now.

// publishable says whether the API may be published on the cluster: never published, or offline.
func (c *cluster) publishable(a *dataAPI, now time.Time) *apiError {
	a.settle(now)
	switch a.status {
	case "", dataStatusOffline:
		return nil
	}
	return errIllegal("the API is %s on cluster %s", a.status, c.id)
}

// publish publishes the API on the cluster under a new publish ID; a publish by a caller who is
// not a reviewer waits for review.
func (c *cluster) publish(log *acted, a *dataAPI, reviewer bool, now time.Time) *apiError {
	if err := c.publishable(a, now); err != nil {
		return err
	}
	c.remember(a, now)
	a.publishID = newID()
	a.status = dataStatusPublished
	if !reviewer {
		a.status = dataStatusPublishWaitReview
	}
	log.note(actDataPublish, a.id)
	return nil
}

// schedule runs UNPUBLISH (of a published or stopped API) or STOP (of a published one) at the
// time at: the API waits in WAITING_OFFLINE or WAITING_STOP until then, or goes offline or
// stops at once when no app is authorised to call it.
func (c *cluster) schedule(log *acted, a *dataAPI, action string, at, now time.Time) *apiError {
	a.settle(now)
	next, final := dataStatusWaitingOffline, dataStatusOffline
	if action == actStop {
		next, final = dataStatusWaitingStop, dataStatusStopped
		if a.status != dataStatusPublished {
			return errIllegal("the API is %s", or(a.status, "not published"))
		}
	} else if a.status != dataStatusPublished && a.status != dataStatusStopped {
		return errIllegal("the API is %s", or(a.status, "not published"))
	}
	c.remember(a, now)
	a.status, a.effectiveAt = next, at
	if a.authorizedApps == 0 {
		a.status = final
	}
	log.note(action, a.id)
	return nil
}

// resume runs RECOVER: it republishes a stopped API; a recovery by a caller who is not a
// reviewer waits for review.
func (c *cluster) resume(log *acted, a *dataAPI, reviewer bool, now time.Time) *apiError {
	a.settle(now)
	if a.status != dataStatusStopped {
		return errIllegal("the API is %s, not stopped", or(a.status, "not published"))
	}
	c.remember(a, now)
	a.status = dataStatusPublished
	if !reviewer {
		a.status = dataStatusRecoverWaitReview
	}
	log.note(actRecover, a.id)
	return nil
}

// settle applies a scheduled UNPUBLISH or STOP whose time has come.
func (a *dataAPI) settle(now time.Time) {
	if now.Before(a.effectiveAt) {
		return
	}
	switch a.status {
	case dataStatusWaitingOffline:
		a.status = dataStatusOffline
	case dataStatusWaitingStop:
		a.status = dataStatusStopped
	}
}
