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
	"encoding/json"
	"net/http"
	"slices"
)

// Export task states, as task_status reports them.
const (
	taskWaiting    = "waiting"
	taskProcessing = "processing"
	taskSucceed    = "succeed"
	taskFailed     = "failed"
)

// task is an asynchronous export. It moves one state per poll: waiting when created,
// processing at the first poll, and its final state (succeed or failed) from the second on, so
// a client always sees it in flight at least once.
type task struct {
	id       string
	instance *instance
	status   string
	final    string
	result   string // the task_result JSON string, set in the final state
}

// exportRequest is the body of both export calls.
type exportRequest struct {
	EnvID   string   `json:"env_id"`
	GroupID string   `json:"group_id"`
	Define  string   `json:"define"`
	Type    string   `json:"type"`
	Version string   `json:"version"`
	APIs    []string `json:"apis"`
}

// export validates an export call and renders the document from the definitions published
// in the environment (define dev: every API of the group, published or not).
func (s *Server) export(c *call) (doc []byte, format string, err *apiError) {
	oas := c.r.URL.Query().Get("oas_version")
	if oas == "" {
		oas = "2.0"
	}
	if oas != "2.0" && oas != "3.0" {
		return nil, "", errInvalidQuery("oas_version")
	}
	var body exportRequest
	if err := decode(c, &body); err != nil {
		return nil, "", err
	}
	switch {
	case body.EnvID == "":
		return nil, "", errMissing("env_id")
	case body.GroupID == "":
		return nil, "", errMissing("group_id")
	case body.Define != "" && !slices.Contains([]string{"spec", "proxy", "all", "dev"}, body.Define):
		return nil, "", errInvalid("define")
	case body.Type != "" && !slices.Contains([]string{"json", "yaml", "yml"}, body.Type):
		return nil, "", errInvalid("type")
	case len(body.Version) > 64:
		return nil, "", errInvalid("version")
	}
	env := c.inst.envByID(body.EnvID)
	if env == nil {
		return nil, "", errEnvNotFound(body.EnvID)
	}
	g := c.inst.group(body.GroupID)
	if g == nil {
		return nil, "", errGroupNotFound(body.GroupID)
	}
	opts := ExportOptions{OASVersion: oas, Define: or(body.Define, "spec"), Format: or(body.Type, "json"),
		Version: body.Version, Group: *g, Env: *env, Now: c.now}
	var defs []API
	for _, a := range c.inst.apis {
		if a.GroupID != g.ID || len(body.APIs) > 0 && !slices.Contains(body.APIs, a.ID) {
			continue
		}
		switch p := a.pubs[env.ID]; {
		case p != nil && p.live != nil:
			defs = append(defs, p.live.def) // what the environment serves, not the draft
		case opts.Define == "dev":
			defs = append(defs, a.API)
		}
	}
	out, e := Export(defs, opts)
	if e != nil {
		return nil, "", errorf(http.StatusInternalServerError, "APIG.9999", "System error")
	}
	return out, opts.Format, nil
}

func (s *Server) asyncExport(c *call) response {
	doc, format, err := s.export(c)
	if err != nil {
		return fail(err)
	}
	t := &task{id: newID(), instance: c.inst, status: taskWaiting, final: taskSucceed}
	if forcedTaskStatus(c.r.Context()) == taskFailed {
		t.final = taskFailed
		t.result = mustJSON(map[string]string{"error_code": "APIG.9999", "error_msg": "Failed to export the API definitions"})
	} else {
		t.result = mustJSON(map[string]string{"file_type": format, "content": string(doc)})
	}
	c.world.tasks[t.id] = t
	return ok(http.StatusAccepted, map[string]string{"task_id": t.id})
}

func (s *Server) showTask(c *call) response {
	id := c.r.PathValue("task_id")
	t := c.world.tasks[id]
	if t == nil || t.instance != c.inst {
		return fail(errorf(http.StatusNotFound, "APIG.3081", "The task does not exist,id:%s", id))
	}
	switch t.status {
	case taskWaiting:
		t.status = taskProcessing
	case taskProcessing:
		t.status = t.final
	}
	body := map[string]string{"task_id": t.id, "task_status": t.status, "task_type": "export_api"}
	if t.status == t.final {
		body["task_result"] = t.result
	}
	return ok(http.StatusOK, body)
}

func (s *Server) syncExport(c *call) response {
	doc, format, err := s.export(c)
	if err != nil {
		return fail(err)
	}
	ct := "application/json"
	if format != "json" {
		ct = "application/x-yaml"
	}
	return response{status: http.StatusOK, raw: doc, contentType: ct}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with maps of strings
	}
	return string(b)
}
