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
	"net/http"
	"strings"
	"time"
)

// DataArts DataService errors are HTTP 400 with DLM codes.

func errDataAPINotFound(id string) *apiError {
	return errorf(http.StatusBadRequest, "DLM.4018", "The API does not exist,id:%s", id)
}

func errIllegal(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "DLM.4182", "This action is illegal: "+format, args...)
}

type publishMessageJSON struct {
	ID           string `json:"id"`
	APIID        string `json:"api_id"`
	InstanceID   string `json:"instance_id"`
	InstanceName string `json:"instance_name"`
	APIStatus    string `json:"api_status"`
	APIDebug     string `json:"api_debug"`
}

// dataCluster finds the cluster of the path in the caller's workspace.
func (s *Server) dataCluster(c *call) (*cluster, *apiError) {
	id := c.r.PathValue("instance_id")
	cl := c.project.dataarts[id]
	if cl == nil || cl.workspace != c.workspace {
		return nil, errorf(http.StatusBadRequest, "DLM.4292", "The cluster instance does not exist,id:%s", id)
	}
	return cl, nil
}

// seenAPI finds an API of the caller's workspace and the cluster it belongs to, for a read:
// the API is as the read sees it, within the read lag.
func (s *Server) seenAPI(c *call) (*cluster, *dataAPI, *apiError) {
	id := c.r.PathValue("api_id")
	for _, cl := range c.project.dataarts {
		if cl.workspace != c.workspace {
			continue
		}
		if a := cl.api(id); a != nil {
			return cl, cl.seen(a, c.now), nil
		}
	}
	return nil, nil, errDataAPINotFound(id)
}

// isReviewer says whether the caller may review DataArts actions: with no reviewers in the
// seed, everyone may.
func isReviewer(c *call) bool {
	return len(c.world.reviewers) == 0 || c.world.reviewers[c.caller]
}

func (s *Server) dataPublish(c *call) response {
	cl, err := s.dataCluster(c)
	if err != nil {
		return fail(err)
	}
	a := cl.api(c.r.PathValue("api_id"))
	if a == nil {
		return fail(errDataAPINotFound(c.r.PathValue("api_id")))
	}
	// The status comes first: a publish of a published API is refused whatever its body.
	if err := cl.publishable(a, c.now); err != nil {
		return fail(err)
	}
	if len(c.body) > 0 {
		var body struct {
			ApigType string `json:"apig_type"`
		}
		if err := decode(c, &body); err != nil {
			return fail(err)
		}
	}
	if err := cl.publish(&c.acted, a, isReviewer(c), c.now); err != nil {
		return fail(err)
	}
	return response{status: http.StatusNoContent}
}

// dataAction runs UNPUBLISH, STOP or RECOVER. UNPUBLISH and STOP need a time, on the whole hour,
// at least 48 hours ahead; they take effect then, or at once when no app is authorised.
func (s *Server) dataAction(c *call) response {
	cl, err := s.dataCluster(c)
	if err != nil {
		return fail(err)
	}
	a := cl.api(c.r.PathValue("api_id"))
	if a == nil {
		return fail(errDataAPINotFound(c.r.PathValue("api_id")))
	}
	var body struct {
		Action string `json:"action"`
		Time   string `json:"time"`
	}
	if err := decode(c, &body); err != nil {
		return fail(err)
	}
	switch body.Action {
	case actUnpublish, actStop:
		at, perr := time.Parse(time.RFC3339, body.Time)
		switch {
		case body.Time == "":
			return fail(errIllegal("time is required for %s", body.Action))
		case perr != nil:
			return fail(errIllegal("time %q is not an ISO 8601 UTC time", body.Time))
		case at.Truncate(time.Hour) != at:
			return fail(errIllegal("time %s is not on the hour", body.Time))
		case at.Before(c.now.Add(dataArtsNoticeHours * time.Hour)):
			return fail(errIllegal("time %s is less than %d hours ahead", body.Time, dataArtsNoticeHours))
		case !isReviewer(c):
			return fail(errIllegal("only the API reviewer may %s it", body.Action))
		}
		if err := cl.schedule(&c.acted, a, body.Action, at, c.now); err != nil {
			return fail(err)
		}
	case actRecover:
		if err := cl.resume(&c.acted, a, isReviewer(c), c.now); err != nil {
			return fail(err)
		}
	case "":
		return fail(errIllegal("action is required"))
	default:
		return fail(errIllegal("unknown action %q", body.Action))
	}
	return response{status: http.StatusNoContent}
}

func publishMessages(cl *cluster, a *dataAPI) []publishMessageJSON {
	if a.publishID == "" {
		return []publishMessageJSON{}
	}
	return []publishMessageJSON{{ID: a.publishID, APIID: a.id, InstanceID: cl.id, InstanceName: cl.name,
		APIStatus: a.status, APIDebug: dataDebugSuccess}}
}

func (s *Server) dataPublishInfo(c *call) response {
	offset, limit, perr := page(c)
	if perr != nil {
		return fail(perr)
	}
	cl, a, err := s.seenAPI(c)
	if err != nil {
		return fail(err)
	}
	msgs := publishMessages(cl, a)
	lo, hi := window(len(msgs), offset, limit)
	return ok(http.StatusOK, map[string]any{"total": len(msgs), "publish_messages": msgs[lo:hi]})
}

func (s *Server) dataShowAPI(c *call) response {
	cl, a, err := s.seenAPI(c)
	if err != nil {
		return fail(err)
	}
	return ok(http.StatusOK, dataAPIJSON(cl, a, true))
}

// dataAPIJSON is an API as show (detail) and list (overview) return it.
func dataAPIJSON(cl *cluster, a *dataAPI, detail bool) map[string]any {
	status := a.status
	if status == "" {
		status = "API_STATUS_CREATED"
	}
	j := map[string]any{
		"id": a.id, "name": a.name, "description": a.description, "type": "API_SPECIFIC_TYPE_CONFIGURATION",
		"create_time": a.createTime.UnixMilli(), "status": status, "debug_status": dataDebugSuccess,
		"publish_messages": publishMessages(cl, a),
	}
	if detail {
		j["path"], j["protocol"], j["request_type"] = a.path, "PROTOCOL_TYPE_HTTPS", "REQUEST_TYPE_GET"
		j["publish_type"], j["update_time"] = "APP", a.createTime.UnixMilli()
	}
	return j
}

// dataListAPIs lists the workspace's APIs; name filters by substring.
func (s *Server) dataListAPIs(c *call) response {
	offset, limit, perr := page(c)
	if perr != nil {
		return fail(perr)
	}
	name := c.r.URL.Query().Get("name")
	var records []map[string]any
	for _, cl := range c.project.dataarts {
		if cl.workspace != c.workspace {
			continue
		}
		for _, a := range cl.apis {
			if name == "" || strings.Contains(a.name, name) {
				records = append(records, dataAPIJSON(cl, cl.seen(a, c.now), false))
			}
		}
	}
	lo, hi := window(len(records), offset, limit)
	return ok(http.StatusOK, map[string]any{"total": len(records), "records": nonNil(records[lo:hi])})
}
