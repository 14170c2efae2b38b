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
	"context"
	"sync"
	"time"
)

// ReleaseEnvID is the ID of the built-in RELEASE environment of every APIG instance.
const ReleaseEnvID = "DEFAULT_ENVIRONMENT_RELEASE_ID"

// Environment is an APIG environment.
type Environment struct {
	ID   string
	Name string
}

// APIRef selects an API by ID or by name; exactly one is set.
type APIRef struct {
	ID   string
	Name string
}

// GroupRef selects an API group by ID or by name; exactly one is set.
type GroupRef struct {
	ID   string
	Name string
}

// Group is an APIG API group.
type Group struct {
	ID   string
	Name string
}

// API is an API definition as the gateway lists it.
type API struct {
	ID      string
	Name    string
	GroupID string
	// UpdateTime is when the definition last changed; a live version published before it
	// is older than the definition.
	UpdateTime time.Time
}

// Published is what an environment serves for one API.
type Published struct {
	API         API
	PublishID   string
	PublishTime time.Time
}

// Snapshot is what one environment serves: the APIs published in it, by API ID. A snapshot
// is shared between callers and must not be modified.
type Snapshot struct {
	EnvID string
	// Taken is when the gateway was read.
	Taken time.Time
	APIs  map[string]Published
	// MissesBefore is set on a read taken within the read lag of the reader's start, to that
	// start: what another process wrote before it (the manager before a restart) may not show
	// yet. The reader's own writes are overlaid.
	MissesBefore time.Time

	names     sync.Once
	idsByName map[string]string
}

// IDByName returns the ID of the published API called name, unless two published APIs share
// the name: picking one would act on an API of another group. The index is built once per
// snapshot, by the first caller, and shared by every pass that reads the snapshot.
func (s *Snapshot) IDByName(name string) (string, bool) {
	s.names.Do(func() {
		s.idsByName = make(map[string]string, len(s.APIs))
		shared := map[string]bool{}
		for id, p := range s.APIs {
			if _, dup := s.idsByName[p.API.Name]; dup {
				shared[p.API.Name] = true
			}
			s.idsByName[p.API.Name] = id
		}
		for n := range shared {
			delete(s.idsByName, n)
		}
	})
	id, ok := s.idsByName[name]
	return id, ok
}

// Version is one published version of an API in an environment.
type Version struct {
	ID          string
	EnvID       string
	Remark      string
	PublishTime time.Time
	// Live is true for the version the environment serves.
	Live bool
}

// Outcome is the result of a publish, offline or version switch for one API.
type Outcome struct {
	APIID       string
	APIName     string
	PublishID   string
	VersionID   string
	PublishTime time.Time
	// Err is the gateway's error for this API; nil on success.
	Err *Error
}

// BatchResult has one outcome per requested API ID.
type BatchResult map[string]Outcome

// Action is a batch action.
type Action string

// Batch actions.
const (
	ActionOnline  Action = "online"
	ActionOffline Action = "offline"
)

// ExportRequest asks for an export of a group's definitions in an environment.
type ExportRequest struct {
	EnvID      string
	GroupID    string
	APIIDs     []string // empty: the whole group
	OASVersion string   // "2.0" | "3.0"
	Define     string   // spec | proxy | all | dev
	Format     string   // json | yaml
	Version    string   // empty: the gateway uses the export time
}

// Export task states.
const (
	TaskWaiting    = "waiting"
	TaskProcessing = "processing"
	TaskSucceeded  = "succeed"
	TaskFailed     = "failed"
)

// ExportTask is the state of an asynchronous export.
type ExportTask struct {
	ID     string
	Status string // one of the Task* constants
	// Format and Content are set when the task succeeded.
	Format  string
	Content []byte
	// Err describes why the task failed.
	Err *Error
}

// Publisher is what the controllers need from an APIG gateway. Implementations are safe for
// concurrent use. Every call is idempotent from the caller's point of view: Publish of an
// already published API publishes a new version (callers only publish what they observed as
// not published or out of date), and Offline of an API that is not published is a success.
type Publisher interface {
	// Environments lists the instance's environments; it is also the connection probe.
	Environments(ctx context.Context) ([]Environment, error)
	// Group resolves a group by ID or name.
	Group(ctx context.Context, ref GroupRef) (Group, error)
	// GroupAPIs lists the APIs of a group.
	GroupAPIs(ctx context.Context, groupID string) ([]API, error)
	// ResolveAPIs finds APIs by ID or name. The result has one entry per ref, in order; an
	// API that does not exist is an *Error with code APIG.3002 in errs at its index.
	ResolveAPIs(ctx context.Context, refs []APIRef) (apis []API, errs []error, err error)
	// APIs lists every API of the instance.
	APIs(ctx context.Context) ([]API, error)
	// Observe reads what an environment serves.
	Observe(ctx context.Context, envID string) (*Snapshot, error)
	// Publish publishes each API in the environment, a new version each.
	Publish(ctx context.Context, envID string, apiIDs []string, remark string) (BatchResult, error)
	// Offline takes each API offline in the environment.
	Offline(ctx context.Context, envID string, apiIDs []string) (BatchResult, error)
	// SwitchVersion makes a version the live one in its environment.
	SwitchVersion(ctx context.Context, apiID, versionID string) (Outcome, error)
	// Versions lists an API's versions in an environment, newest first.
	Versions(ctx context.Context, apiID, envID string) ([]Version, error)
	// StartExport starts an asynchronous export and returns its task ID.
	StartExport(ctx context.Context, req ExportRequest) (string, error)
	// ExportTask reads an export task.
	ExportTask(ctx context.Context, taskID string) (ExportTask, error)
}

// DataArts publication states (api_status).
const (
	DataStatusCreated           = "API_STATUS_CREATED"
	DataStatusPublishWaitReview = "API_STATUS_PUBLISH_WAIT_REVIEW"
	DataStatusPublishReject     = "API_STATUS_PUBLISH_REJECT"
	DataStatusPublished         = "API_STATUS_PUBLISHED"
	DataStatusWaitingStop       = "API_STATUS_WAITING_STOP"
	DataStatusStopped           = "API_STATUS_STOPPED"
	DataStatusRecoverWaitReview = "API_STATUS_RECOVER_WAIT_REVIEW"
	DataStatusWaitingOffline    = "API_STATUS_WAITING_OFFLINE"
	DataStatusOffline           = "API_STATUS_OFFLINE"
)

// DataAction is a DataArts action on a published API.
type DataAction string

// DataArts actions.
const (
	DataUnpublish DataAction = "UNPUBLISH"
	DataStop      DataAction = "STOP"
	DataRecover   DataAction = "RECOVER"
)

// DataAPI is a DataArts DataService API.
type DataAPI struct {
	ID   string
	Name string
}

// DataPublication is the publication of a DataArts API on the cluster.
type DataPublication struct {
	// PublishID is empty when the API was never published on the cluster.
	PublishID string
	Status    string // one of the DataStatus* constants; empty when never published
}

// DataService is what the controllers need from a DataArts DataService cluster. Implementations
// are safe for concurrent use.
type DataService interface {
	// Probe checks the connection and the credentials.
	Probe(ctx context.Context) error
	// ResolveAPI finds an API by ID or name.
	ResolveAPI(ctx context.Context, ref APIRef) (DataAPI, error)
	// Publication reads an API's publication on the cluster.
	Publication(ctx context.Context, apiID string) (DataPublication, error)
	// Publish publishes an API on the cluster.
	Publish(ctx context.Context, apiID string) error
	// Act requests UNPUBLISH or STOP taking effect at a whole hour at least 48 hours ahead,
	// or RECOVER (at is ignored).
	Act(ctx context.Context, apiID string, action DataAction, at time.Time) error
}
