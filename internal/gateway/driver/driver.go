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

package driver

import (
	"context"
	"slices"
	"time"

	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/observe"
)

// Provider names the kind of gateway a driver speaks to.
type Provider string

// Providers.
const (
	APIG     Provider = "APIG"
	DataArts Provider = "DataArts"
)

// State is the declared state of APIs.
type State string

// States.
const (
	Published State = "Published"
	Offline   State = "Offline"
	Suspended State = "Suspended"
)

// Ref names one declared API by ID or by name, with an optional version pin.
type Ref struct {
	ID   string
	Name string
	Pin  string
}

// Declaration is what an object declares, in the gateway's terms.
type Declaration struct {
	// Environment is a name or an ID (APIG only).
	Environment string
	// KnownEnvironments are the environments the gateway listed at its last probe; an
	// environment not among them is looked up on the gateway.
	KnownEnvironments []gateway.Environment
	// APIs or Group: exactly one is set.
	APIs  []Ref
	Group *gateway.GroupRef
	State State
	// Remark is sent with publish calls.
	Remark string
	// FollowDefinition republishes an API whose definition changed after its live version.
	FollowDefinition bool
	// OfflineAt is when DataArts UNPUBLISH and STOP should take effect; nil: as soon as allowed.
	OfflineAt *time.Time
	// WasPublished are the APIs last seen in the declared Published state: finding them
	// otherwise is drift.
	WasPublished map[string]bool
	// PublishedAt are when the APIs of WasPublished were published, as the gateway answered:
	// a read taken within ReadLag of that may not show them yet, even by a manager that
	// restarted since (APIG).
	PublishedAt map[string]time.Time
	// Created is when the declaration was made. A manager before this one may have published
	// an API of a declaration made before a read's MissesBefore, and the read not show it.
	Created time.Time
}

// ReadLag is how long the gateway may take to show a write in its reads (5 to 10 seconds on
// Huawei Cloud APIG): the observation cache's, which the plan and the requeue after an
// unsure read must agree with.
const ReadLag = observe.DefaultReadLag

// Target is one API a declaration resolved to.
type Target struct {
	ID   string
	Name string
	// Pin is the version the declaration pins, if any.
	Pin string
	// Err is why the API could not be resolved or acted on; it is reported, not acted on.
	Err *gateway.Error
	// Owner is set by the caller when an older object wants something else of this API: it
	// is left alone, and reported as a conflict.
	Owner string
	// Follows is set by the caller when an older object wants the same of this API and acts
	// for both: it is observed, not acted on.
	Follows string
}

// Label is the API's name, or its ID when the name is not known.
func (t Target) Label() string {
	if t.Name != "" {
		return t.Name
	}
	return t.ID
}

// Actionable reports whether plans may act on the target.
func (t Target) Actionable() bool { return t.Err == nil && t.Owner == "" && t.Follows == "" }

// Resolved is a declaration resolved on the gateway.
type Resolved struct {
	// EnvID is the environment's ID (APIG only).
	EnvID   string
	Targets []Target
}

// Observation is what the gateway serves for the targets.
type Observation struct {
	// Snapshot is what the environment serves (APIG).
	Snapshot *gateway.Snapshot
	// Versions are the versions in the environment of each pinned API (APIG).
	Versions map[string][]gateway.Version
	// Status is each API's api_status on the cluster (DataArts); "" when never published.
	Status map[string]string
	// Errs are per-API problems found while observing (a pinned API that is gone).
	Errs map[string]*gateway.Error
}

// Action is what a step does to one API.
type Action string

// Actions. DataArts takes Offline as UNPUBLISH, and Suspend and Recover as STOP and RECOVER.
const (
	ActPublish       Action = "Publish"
	ActOffline       Action = "Offline"
	ActSwitchVersion Action = "SwitchVersion"
	ActSuspend       Action = "Suspend"
	ActRecover       Action = "Recover"
)

// Step is one call a plan makes for one API.
type Step struct {
	API    string
	Action Action
	// Version is the version SwitchVersion makes live.
	Version string
	// At is when a DataArts UNPUBLISH or STOP takes effect.
	At time.Time
	// Drift: the step puts back a change made on the gateway behind the operator's back.
	Drift bool
}

// API waiting states (DataArts), as status.apis[].state shows them.
const (
	WaitingOffline = "WaitingOffline"
	WaitingStop    = "WaitingStop"
	WaitingReview  = "WaitingForReview"
	Rejected       = "RejectedByReviewer"
)

// Plan is what closes the gap between a declaration and the gateway.
type Plan struct {
	Steps []Step
	// Waits are APIs waiting for the gateway (DataArts: a schedule or a review), by state.
	Waits map[string]string
	// Errs are per-API problems found while observing or planning (a pinned version that
	// does not exist); their APIs get no step.
	Errs map[string]*gateway.Error
	// Remark is sent with publish calls.
	Remark string
	// Unseen are APIs published a moment ago that the read does not show yet (ReadLag): they
	// get no step and count as published.
	Unseen map[string]bool
	// Unsure are APIs a read does not show that a manager before this one may have published
	// (Snapshot.MissesBefore): they get no step until a read that would show it.
	Unsure map[string]bool
}

// Empty reports whether the plan makes no gateway call.
func (p Plan) Empty() bool { return len(p.Steps) == 0 }

// Without returns the plan without the steps for which drop is true.
func (p Plan) Without(drop func(Step) bool) Plan {
	p.Steps = slices.DeleteFunc(slices.Clone(p.Steps), drop)
	return p
}

// IDs are the APIs of the steps with the action.
func (p Plan) IDs(a Action) []string {
	var ids []string
	for _, s := range p.Steps {
		if s.Action == a {
			ids = append(ids, s.API)
		}
	}
	return ids
}

// Result is what the gateway answered to one step.
type Result struct {
	Step
	gateway.Outcome
}

// Results are the answers to a plan's steps, by API ID.
type Results map[string]Result

// Driver is one provider's way of resolving, observing, planning and acting. Implementations
// are safe for concurrent use.
type Driver interface {
	Provider() Provider
	// Probe checks the connection and the credentials; an APIG gateway lists its environments.
	Probe(ctx context.Context) ([]gateway.Environment, error)
	// Resolve turns a declaration into targets. An API that does not exist is a target with
	// Err; an error concerning the whole declaration (its environment or group does not
	// exist, it cannot be acted on) is returned, with what could be resolved.
	Resolve(ctx context.Context, d Declaration) (Resolved, error)
	// Observe reads what the gateway serves for the actionable targets.
	Observe(ctx context.Context, r Resolved) (Observation, error)
	// Plan computes the calls that make the gateway serve the declaration. It is pure.
	Plan(d Declaration, r Resolved, o Observation, now time.Time) Plan
	// PlanRelease computes the calls that take offline what an object lets go of: the APIs it
	// recorded as published (known) whatever the observation says, and the targets the
	// gateway shows live. It is pure.
	PlanRelease(r Resolved, o Observation, known []string, now time.Time) Plan
	// Act carries out the steps and returns an answer per step. A failure that concerns one
	// API is in its Result; one that concerns the gateway is returned, with the results so far.
	Act(ctx context.Context, r Resolved, p Plan) (Results, error)
}

// Exporter is implemented by drivers whose gateway exports definitions (APIG).
type Exporter interface {
	// Environment resolves an environment name or ID.
	Environment(ctx context.Context, env string, known []gateway.Environment) (string, error)
	Group(ctx context.Context, ref gateway.GroupRef) (gateway.Group, error)
	GroupAPIs(ctx context.Context, groupID string) ([]gateway.API, error)
	// Snapshot is what an environment serves.
	Snapshot(ctx context.Context, envID string) (*gateway.Snapshot, error)
	StartExport(ctx context.Context, req gateway.ExportRequest) (string, error)
	ExportTask(ctx context.Context, taskID string) (gateway.ExportTask, error)
}

// Inventory is implemented by drivers that can list what a gateway publishes (APIG): it is
// how apigctl import reads a gateway.
type Inventory interface {
	Exporter
	// Versions lists an API's versions in an environment, newest first.
	Versions(ctx context.Context, apiID, envID string) ([]gateway.Version, error)
}

// InvalidDeclaration is a declaration the provider cannot act on; only a change of spec helps.
type InvalidDeclaration struct{ Message string }

func (e *InvalidDeclaration) Error() string { return e.Message }
