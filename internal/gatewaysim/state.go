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

// maxVersions is how many versions the gateway keeps per API and environment.
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
	envs     []*Environment
	groups   []*Group
	apis     []*apiState
	versions map[string]*version // every version of every API, by ID
}

// apiState is an API and where it is published.
type apiState struct {
	API
	pubs map[string]*publication // by environment ID
}

// publication is the history of an API in one environment.
type publication struct {
	versions  []*version // oldest first, at most maxVersions
	live      *version   // nil when the API is offline in the environment
	liveSince time.Time  // when live became live (a switch moves it)
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

// publish snapshots the API's current definition as a new live version in env. Publishing an
// already published API is not an error: it creates a new version, as the real gateway does.
func (in *instance) publish(a *apiState, envID, remark string, now time.Time) *version {
	p := a.pubs[envID]
	if p == nil {
		p = &publication{}
		a.pubs[envID] = p
	}
	v := &version{
		id:          newID(),
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
	p.live, p.liveSince = v, now
	// Keep the newest maxVersions; the live one is always the newest here.
	for len(p.versions) > maxVersions {
		delete(in.versions, p.versions[0].id)
		p.versions = p.versions[1:]
	}
	return v
}

// offline removes the API's live version in env.
func (in *instance) offline(a *apiState, envID string) *apiError {
	p := a.pubs[envID]
	if p == nil || p.live == nil {
		return errorf(http.StatusNotFound, "APIG.3015", "The API publication record does not exist")
	}
	p.live = nil
	return nil
}

// switchVersion makes v the live version of its API in its environment.
func (in *instance) switchVersion(v *version, now time.Time) {
	a := in.api(v.apiID)
	p := a.pubs[v.envID]
	p.live, p.liveSince = v, now
}

// runEnvs returns the environments an API is live in, newest publication first, as the
// index-aligned lists the gateway joins with "|".
func (in *instance) runEnvs(a *apiState) (ids, names, publishIDs, times []string) {
	type live struct {
		env   *Environment
		p     *publication
		since time.Time
	}
	var lives []live
	for envID, p := range a.pubs {
		if p.live != nil {
			if e := in.envByID(envID); e != nil {
				lives = append(lives, live{e, p, p.liveSince})
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

	publishID string // empty: never published on this cluster
	status    string
	// effectiveAt is when a WAITING_OFFLINE or WAITING_STOP takes effect.
	effectiveAt time.Time
}

func (c *cluster) api(id string) *dataAPI {
	for _, a := range c.apis {
		if a.id == id {
			return a
		}
	}
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
