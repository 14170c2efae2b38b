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

package apigctl

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/controller"
)

// Plan is what applying manifests would make the operator do (plan -o json).
type Plan struct {
	Objects []ObjectPlan `json:"objects"`
	// Changes counts the calls the operator would make, and the APIs that would not converge
	// (conflicts, errors).
	Changes int `json:"changes"`
}

// ObjectPlan is the plan of one ApiPublication.
type ObjectPlan struct {
	Namespace        string `json:"namespace"`
	Name             string `json:"name"`
	Gateway          string `json:"gateway"`
	Environment      string `json:"environment,omitempty"`
	ManagementPolicy string `json:"managementPolicy"`
	// New: the object does not exist in the cluster yet.
	New       bool `json:"new,omitempty"`
	Suspended bool `json:"suspended,omitempty"`
	// APIs are the APIs the operator would act on or could not, and pending releases.
	APIs []APIPlan `json:"apis,omitempty"`
	// Ready is the condition the object would report once applied in Observe.
	Ready   string `json:"ready,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Error is what stopped the preview of this object.
	Error string `json:"error,omitempty"`
}

// APIPlan is one API of an object's plan.
type APIPlan struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Action is Publish, Offline, SwitchVersion, Suspend, Recover or Release (a prune).
	Action string `json:"action,omitempty"`
	// TargetVersionID is the version SwitchVersion makes live.
	TargetVersionID string `json:"targetVersionId,omitempty"`
	// Conflict names the ApiPublication that holds the API, as namespace/name.
	Conflict string `json:"conflict,omitempty"`
	// Error is why the API would not converge (code and message).
	Error string `json:"error,omitempty"`
}

type planOptions struct {
	common
	files  multiFlag
	output string
}

// runPlan prints what the operator would do once the manifests are applied.
func runPlan(ctx context.Context, args []string, streams Streams, connect func(*common) (*Session, error)) (int, error) {
	o := &planOptions{}
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(streams.Err)
	o.bind(fs)
	fs.Var(&o.files, "f", "manifest file or directory (repeatable)")
	fs.Var(&o.files, "filename", "manifest file or directory (repeatable)")
	fs.StringVar(&o.output, "o", "text", "output: text or json")
	fs.StringVar(&o.output, "output", "text", "output: text or json")
	if err := fs.Parse(args); err != nil {
		return ExitError, err
	}
	switch {
	case fs.NArg() > 0:
		return ExitError, fmt.Errorf("unexpected arguments %q", fs.Args())
	case len(o.files) == 0:
		return ExitError, errors.New("-f FILE|DIR is required")
	case o.output != "text" && o.output != "json":
		return ExitError, fmt.Errorf("-o %q: want text or json", o.output)
	}
	s, err := connect(&o.common)
	if err != nil {
		return ExitError, err
	}
	pubs, others, err := readPublications(o.files, s.Namespace)
	if err != nil {
		return ExitError, err
	}
	if others > 0 {
		fmt.Fprintf(streams.Err, "apigctl plan: %d objects of other kinds ignored\n", others)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	plan, failed, err := MakePlan(ctx, s, pubs, streams.Err)
	if err != nil {
		return ExitError, err
	}
	if o.output == "json" {
		enc := json.NewEncoder(streams.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(plan); err != nil {
			return ExitError, err
		}
	} else {
		printPlan(streams.Out, plan)
	}
	switch {
	case failed:
		return ExitError, nil
	case plan.Changes > 0:
		return ExitChanges, nil
	}
	return ExitOK, nil
}

// MakePlan previews each publication as the manager's Observe pass would, against the
// objects of the cluster and the live gateway; failed says whether an object could not be
// previewed (its Error says why). warn receives what limits the plan.
func MakePlan(ctx context.Context, s *Session, pubs []*v1alpha1.ApiPublication, warn io.Writer) (plan Plan, failed bool, err error) {
	claimants, err := listClaimants(ctx, s, pubs, warn)
	if err != nil {
		return Plan{}, false, err
	}
	plan.Objects = []ObjectPlan{}
	askServer := true
	for _, pub := range pubs {
		op := ObjectPlan{Namespace: pub.Namespace, Name: pub.Name}
		applied, isNew, err := asApplied(ctx, s, pub, &askServer, warn)
		if err == nil {
			op.New, op.Suspended = isNew, applied.Spec.Suspend
			op.Gateway = applied.Spec.GatewayRef.Kind + "/" + applied.Spec.GatewayRef.Name
			op.Environment, op.ManagementPolicy = applied.Spec.Environment, string(applied.Spec.ManagementPolicy)
		}
		if err == nil && !applied.Spec.Suspend {
			var previewed *v1alpha1.ApiPublication
			previewed, err = controller.Preview(ctx, s.Client, s.Conns, claimants, applied, s.Now())
			if previewed != nil {
				op.APIs = apiPlans(previewed)
				if c := meta.FindStatusCondition(previewed.Status.Conditions, v1alpha1.ConditionReady); c != nil {
					op.Ready, op.Reason, op.Message = string(c.Status), c.Reason, c.Message
				}
			}
		}
		if err != nil {
			op.Error, failed = err.Error(), true
		}
		if op.ManagementPolicy == string(v1alpha1.ManagementPolicyManage) {
			plan.Changes += len(op.APIs)
		}
		plan.Objects = append(plan.Objects, op)
	}
	return plan, failed, nil
}

// asApplied is pub as the API server would store it: its spec with the schema's defaults,
// validated, over the stored object's metadata and status. The server is asked with a
// dry-run, which stores nothing; without permission for that, the defaults are set here and
// the server's validation is skipped (said once on warn).
func asApplied(ctx context.Context, s *Session, pub *v1alpha1.ApiPublication, askServer *bool,
	warn io.Writer) (applied *v1alpha1.ApiPublication, isNew bool, err error) {
	stored := &v1alpha1.ApiPublication{}
	switch err := s.Client.Get(ctx, client.ObjectKeyFromObject(pub), stored); {
	case apierrors.IsNotFound(err):
		isNew = true
		applied = pub.DeepCopy()
	case err != nil:
		return nil, false, fmt.Errorf("read ApiPublication %s/%s: %w", pub.Namespace, pub.Name, err)
	default:
		applied = stored.DeepCopy()
		applied.Spec = pub.Spec
	}
	if *askServer {
		trial := applied.DeepCopy()
		if isNew {
			err = s.Client.Create(ctx, trial, client.DryRunAll)
		} else {
			err = s.Client.Update(ctx, trial, client.DryRunAll)
		}
		switch {
		case apierrors.IsForbidden(err) || apierrors.IsMethodNotSupported(err):
			*askServer = false
			fmt.Fprintf(warn, "apigctl plan: may not dry-run ApiPublications (%v): the schema's defaults are applied "+
				"here, and the API server's validation is skipped\n", err)
		case err != nil:
			return nil, isNew, fmt.Errorf("the API server would refuse ApiPublication %s/%s: %w", pub.Namespace, pub.Name, err)
		default:
			applied.Spec = trial.Spec
		}
	}
	defaults(applied)
	if isNew {
		applied.UID, applied.CreationTimestamp = "", pub.CreationTimestamp // the newest of all
	}
	return applied, isNew, nil
}

// listClaimants lists the ApiPublications claims are checked against: every one in the
// cluster, or, without permission for that, those of the manifests' namespaces.
func listClaimants(ctx context.Context, s *Session, pubs []*v1alpha1.ApiPublication, warn io.Writer) ([]v1alpha1.ApiPublication, error) {
	list := &v1alpha1.ApiPublicationList{}
	err := s.Client.List(ctx, list)
	if err == nil {
		return list.Items, nil
	}
	if !apierrors.IsForbidden(err) {
		return nil, fmt.Errorf("list the ApiPublications of the cluster: %w", err)
	}
	fmt.Fprintf(warn, "apigctl plan: may not list ApiPublications in every namespace: claims held in other namespaces "+
		"are not checked (%v)\n", err)
	var out []v1alpha1.ApiPublication
	seen := map[string]bool{}
	for _, pub := range pubs {
		if seen[pub.Namespace] {
			continue
		}
		seen[pub.Namespace] = true
		if err := s.Client.List(ctx, list, client.InNamespace(pub.Namespace)); err != nil {
			return nil, fmt.Errorf("list the ApiPublications of namespace %s: %w", pub.Namespace, err)
		}
		out = append(out, list.Items...)
	}
	return out, nil
}

// apiPlans are the entries of a previewed status that say something: an action, a conflict or
// an error.
func apiPlans(pub *v1alpha1.ApiPublication) []APIPlan {
	var out []APIPlan
	for _, a := range pub.Status.APIs {
		p := APIPlan{ID: a.ID, Name: a.Name, Action: string(a.Action), TargetVersionID: a.TargetVersionID}
		if a.Error != nil {
			if a.Error.Code == v1alpha1.ReasonConflict {
				p.Conflict = ownerIn(a.Error.Message)
			} else {
				p.Error = strings.TrimSpace(a.Error.Code + " " + a.Error.Message)
			}
		}
		if p.Action != "" || p.Conflict != "" || p.Error != "" {
			out = append(out, p)
		}
	}
	for _, rel := range pub.Status.Releasing {
		p := APIPlan{ID: rel.ID, Name: rel.Name, Action: string(rel.Action)}
		if rel.Error != nil {
			p.Error = strings.TrimSpace(rel.Error.Code + " " + rel.Error.Message)
		}
		if p.Action != "" || p.Error != "" {
			out = append(out, p)
		}
	}
	return out
}

// ownerIn finds the namespace/name in a Conflict message ("ApiPublication NS/NAME, which ...").
func ownerIn(msg string) string {
	rest, ok := strings.CutPrefix(msg, "ApiPublication ")
	if !ok {
		return msg
	}
	owner, _, _ := strings.Cut(rest, ",")
	return owner
}

// printPlan writes the plan for people.
func printPlan(w io.Writer, plan Plan) {
	counts := map[string]int{}
	for _, op := range plan.Objects {
		where := op.Gateway
		if op.Environment != "" {
			where += ", environment " + op.Environment
		}
		status := ""
		if op.New {
			status = " (new)"
		}
		fmt.Fprintf(w, "ApiPublication %s/%s%s (%s):\n", op.Namespace, op.Name, status, where)
		switch {
		case op.Error != "":
			fmt.Fprintf(w, "  ! error: %s\n", op.Error)
			continue
		case op.Suspended:
			fmt.Fprintln(w, "  suspended: no gateway call")
			continue
		case len(op.APIs) == 0:
			fmt.Fprintln(w, "  no changes")
			continue
		case op.ManagementPolicy == string(v1alpha1.ManagementPolicyObserve):
			fmt.Fprintln(w, "  managementPolicy Observe: reported as out of sync, not carried out")
		}
		for _, a := range op.APIs {
			label := a.ID
			if a.Name != "" {
				label = a.Name + " (" + a.ID + ")"
			}
			switch {
			case a.Conflict != "":
				fmt.Fprintf(w, "  ! conflict  %s: held by ApiPublication %s\n", label, a.Conflict)
			case a.Error != "":
				fmt.Fprintf(w, "  ! error     %s: %s\n", label, a.Error)
			default:
				fmt.Fprintf(w, "  %s\n", describeAction(a, label))
			}
			if op.ManagementPolicy == string(v1alpha1.ManagementPolicyManage) {
				counts[kindOf(a)]++
			}
		}
	}
	fmt.Fprintln(w)
	if plan.Changes == 0 {
		fmt.Fprintln(w, "No changes: the gateway is as the manifests declare.")
		return
	}
	var parts []string
	for _, k := range []string{"Publish", "Offline", "SwitchVersion", "Suspend", "Recover", "Release", "conflict", "error"} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], summaryWords[k]))
		}
	}
	fmt.Fprintf(w, "Plan: %s.\n", strings.Join(parts, ", "))
}

var summaryWords = map[string]string{
	"Publish": "to publish", "Offline": "to take offline", "SwitchVersion": "to switch version",
	"Suspend": "to suspend", "Recover": "to recover", "Release": "to release (left the declaration)",
	"conflict": "in conflict", "error": "failing",
}

func kindOf(a APIPlan) string {
	switch {
	case a.Conflict != "":
		return "conflict"
	case a.Error != "":
		return "error"
	}
	return a.Action
}

func describeAction(a APIPlan, label string) string {
	switch v1alpha1.PendingAction(a.Action) {
	case v1alpha1.ActionPublish:
		return "+ publish   " + label
	case v1alpha1.ActionOffline:
		return "- offline   " + label
	case v1alpha1.ActionSwitchVersion:
		return "~ switch    " + label + " to version " + a.TargetVersionID
	case v1alpha1.ActionSuspend:
		return "- suspend   " + label
	case v1alpha1.ActionRecover:
		return "+ recover   " + label
	case v1alpha1.ActionRelease:
		return "- release   " + label + " (left the declaration: taken offline where it was published)"
	}
	return "? " + a.Action + " " + label
}
