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

package apig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// StartExport starts an asynchronous export (ExportApiDefinitionsAsync) and returns its task ID.
func (c *Client) StartExport(ctx context.Context, req gateway.ExportRequest) (string, error) {
	const op = "start export"
	if req.EnvID == "" || req.GroupID == "" {
		return "", invalid(op, "an export needs an environment ID and a group ID")
	}
	body := &model.ExportOpenApiReq{EnvId: req.EnvID, GroupId: req.GroupID}
	var oas *model.ExportApiDefinitionsAsyncRequestOasVersion
	if req.OASVersion != "" {
		v := model.GetExportApiDefinitionsAsyncRequestOasVersionEnum()
		if oas = enumOf(req.OASVersion, v.E_2_0, v.E_3_0); oas == nil {
			return "", invalid(op, "OpenAPI version %q is neither 2.0 nor 3.0", req.OASVersion)
		}
	}
	if req.Define != "" {
		d := model.GetExportOpenApiReqDefineEnum()
		if body.Define = enumOf(req.Define, d.SPEC, d.PROXY, d.ALL, d.DEV); body.Define == nil {
			return "", invalid(op, "definition scope %q is none of spec, proxy, all, dev", req.Define)
		}
	}
	if req.Format != "" {
		f := model.GetExportOpenApiReqTypeEnum()
		if body.Type = enumOf(req.Format, f.JSON, f.YAML, f.YML); body.Type == nil {
			return "", invalid(op, "format %q is none of json, yaml, yml", req.Format)
		}
	}
	if req.Version != "" {
		body.Version = &req.Version
	}
	if len(req.APIIDs) > 0 {
		body.Apis = ptr(slices.Clone(req.APIIDs))
	}
	var taskID string
	err := c.call(ctx, "ExportApiDefinitionsAsync", op, func() error {
		resp, err := c.sdk.ExportApiDefinitionsAsync(&model.ExportApiDefinitionsAsyncRequest{
			InstanceId: c.instance, OasVersion: oas, Body: body,
		})
		if err != nil {
			return err
		}
		if taskID = val(resp.TaskId); taskID == "" {
			return &gateway.Error{Op: op, HTTPStatus: resp.HttpStatusCode, Err: errors.New("the response has no task_id")}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return taskID, nil
}

// enumOf is the SDK enum value (a struct with an unexported value) whose Value is v; nil
// when none is.
func enumOf[E interface{ Value() string }](v string, values ...E) *E {
	for _, e := range values {
		if e.Value() == v {
			return &e
		}
	}
	return nil
}

// ExportTask reads an export task (ShowAsyncTaskResult). A task in a state this package does
// not know is returned as it is, for the caller to poll again. The answer of a finished task
// holds the whole document, so it is read through its own bound, sdkclient.ExportBody.
func (c *Client) ExportTask(ctx context.Context, taskID string) (gateway.ExportTask, error) {
	const op = "read export task"
	if !pathSafe(taskID) {
		return gateway.ExportTask{}, invalid(op, "task ID %q is not a gateway ID", taskID)
	}
	var resp *model.ShowAsyncTaskResultResponse
	err := c.call(ctx, "ShowAsyncTaskResult", op, func() error {
		var err error
		resp, err = c.export.ShowAsyncTaskResult(&model.ShowAsyncTaskResultRequest{InstanceId: c.instance, TaskId: taskID})
		return err
	})
	if err != nil {
		return gateway.ExportTask{}, err
	}
	if resp.TaskStatus == nil {
		return gateway.ExportTask{}, &gateway.Error{Op: op, HTTPStatus: resp.HttpStatusCode,
			Err: errors.New("the response has no task_status")}
	}
	task := gateway.ExportTask{ID: taskID, Status: resp.TaskStatus.Value()}
	switch task.Status {
	case gateway.TaskSucceeded:
		format, content, err := exportResult(val(resp.TaskResult))
		if err != nil {
			return gateway.ExportTask{}, &gateway.Error{Op: op, HTTPStatus: resp.HttpStatusCode, Err: err}
		}
		task.Format, task.Content = format, content
	case gateway.TaskFailed:
		task.Err = exportFailure("export API definitions", val(resp.TaskResult))
	}
	return task, nil
}

// exportResult reads the task_result of a finished export: a JSON string holding
// {"file_type", "content"}, content being the document as a string.
func exportResult(raw string) (format string, content []byte, err error) {
	var r struct {
		FileType string          `json:"file_type"`
		Content  json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return "", nil, fmt.Errorf("unreadable task_result %q: %w", snippet(raw), err)
	}
	if len(r.Content) == 0 || string(r.Content) == "null" {
		return "", nil, errors.New("the task_result of a finished export has no content")
	}
	var doc string
	if err := json.Unmarshal(r.Content, &doc); err != nil {
		// Not a string: a gateway that embeds a JSON document as an object still gave us
		// the document.
		return r.FileType, []byte(r.Content), nil
	}
	return r.FileType, []byte(doc), nil
}

// exportFailure reads the task_result of a failed export, {"error_code", "error_msg"}, and
// whatever else it holds as the reason.
func exportFailure(op, raw string) *gateway.Error {
	var r struct {
		Code    string `json:"error_code"`
		Message string `json:"error_msg"`
	}
	if err := json.Unmarshal([]byte(raw), &r); err == nil && (r.Code != "" || r.Message != "") {
		return itemError(op, r.Code, r.Message)
	}
	if strings.TrimSpace(raw) == "" {
		return &gateway.Error{Op: op, Err: errors.New("the export failed without a reason")}
	}
	return &gateway.Error{Op: op, Err: fmt.Errorf("the export failed: %s", snippet(raw))}
}
