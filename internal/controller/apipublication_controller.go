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
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
)

// Field indexes of ApiPublications.
const (
	indexPublicationGateway = "spec.gatewayRef.name"
	// indexPublicationClaim has one key per API an object claims: "<gateway>/<api id>", from
	// the IDs in its spec and those its status resolved.
	indexPublicationClaim = "apiClaim"
)

// ApiPublicationReconciler keeps each ApiPublication's APIs in the declared state.
type ApiPublicationReconciler struct {
	client.Client
	Connector *Connector
	Recorder  events.EventRecorder
	// Concurrency is the number of objects reconciled at once; default 10.
	Concurrency int
	// Now is the clock for DataArts schedules; default time.Now.
	Now clock

	inflight *inflight
}

// pubScope carries one pass over one ApiPublication: the object, its copy from before, and
// what was found and done.
type pubScope struct {
	pub    *v1alpha1.ApiPublication
	before *v1alpha1.ApiPublication
	gw     *v1alpha1.ApiGateway
	conn   *gateway.Conn
	envID  string

	suspended bool
	deleting  bool
	released  bool // the finalizer was removed: the object may be gone
	// apis is the new status.apis, set by a pass that reached the gateway.
	apis []v1alpha1.ApiPublicationApiStatus
	// requeue is when to look again after a pass that reached the gateway.
	requeue time.Duration
	// handedOff: the pass handed publish or offline calls to the batcher; the landing call
	// brings the object back, and status is written then, from the gateway's answer.
	handedOff bool
}

// passError is a failure of a whole pass that is not the gateway's: a missing ApiGateway, an
// environment that does not exist, a spec that cannot be acted on.
type passError struct {
	reason string
	msg    string
	class  gateway.Class
	delay  time.Duration
}

func (e *passError) Error() string { return e.msg }

// +kubebuilder:rbac:groups=publishing.apig-operator.dev,resources=apipublications,verbs=get;list;watch;update;patch

// Reconcile makes one ApiPublication's gateway match its spec.
func (r *ApiPublicationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	pub := &v1alpha1.ApiPublication{}
	if err := r.Get(ctx, req.NamespacedName, pub); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s := &pubScope{pub: pub, before: pub.DeepCopy()}
	defer func() { res, err = r.finish(ctx, s, err) }()
	if !pub.DeletionTimestamp.IsZero() {
		s.deleting = true
		return ctrl.Result{}, r.reconcileDelete(ctx, s)
	}
	if pub.Spec.Suspend {
		s.suspended = true
		return ctrl.Result{}, nil
	}
	before, err := ensureFinalizer(ctx, r.Client, pub, s.before)
	s.before = before.(*v1alpha1.ApiPublication)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.reconcileNormal(ctx, s)
}

// connect finds the ApiGateway and its connection.
func (r *ApiPublicationReconciler) connect(ctx context.Context, s *pubScope) error {
	gw, conn, err := r.Connector.ForRef(ctx, r.Client, s.pub.Namespace, s.pub.Spec.GatewayRef.Name)
	s.gw, s.conn = gw, conn
	return err
}

func (r *ApiPublicationReconciler) reconcileNormal(ctx context.Context, s *pubScope) error {
	if err := r.connect(ctx, s); err != nil {
		return err
	}
	if s.conn.DataService != nil {
		return r.reconcileDataArts(ctx, s)
	}
	if s.pub.Spec.State == v1alpha1.StateSuspended {
		return &passError{reason: v1alpha1.ReasonInvalidSpec, class: gateway.Terminal,
			msg: "spec.state Suspended is only possible on a DataArts gateway; use Published or Offline"}
	}
	return r.reconcileAPIG(ctx, s)
}

// resolveEnv finds the environment ID for a name or ID, from the ApiGateway's status first and
// from the gateway when the status does not know it (an environment created since).
func resolveEnv(ctx context.Context, gw *v1alpha1.ApiGateway, conn *gateway.Conn, env string) (string, error) {
	if env == "" {
		return "", &passError{reason: v1alpha1.ReasonInvalidSpec, class: gateway.Terminal,
			msg: "spec.environment is required for an APIG gateway: set it to an environment name, such as RELEASE, or ID"}
	}
	for _, e := range gw.Status.Environments {
		if e.ID == env || e.Name == env {
			return e.ID, nil
		}
	}
	envs, err := conn.Publisher.Environments(ctx)
	if err != nil {
		return "", err
	}
	for _, e := range envs {
		if e.ID == env || e.Name == env {
			return e.ID, nil
		}
	}
	return "", &passError{reason: v1alpha1.ReasonEnvironmentNotFound, class: gateway.Waiting, delay: gateway.NotFoundDelay,
		msg: fmt.Sprintf("environment %s does not exist on the gateway (APIG.3003): create it or fix spec.environment", env)}
}

// sameEnv reports whether two environment references (names or IDs) name the same environment.
func sameEnv(gw *v1alpha1.ApiGateway, a, b string) bool {
	norm := func(x string) string {
		for _, e := range gw.Status.Environments {
			if e.Name == x {
				return e.ID
			}
		}
		return x
	}
	return norm(a) == norm(b)
}

func (r *ApiPublicationReconciler) reconcileAPIG(ctx context.Context, s *pubScope) error {
	pub, conn := s.pub, s.conn
	envID, err := resolveEnv(ctx, s.gw, conn, pub.Spec.Environment)
	if err != nil {
		return err
	}
	s.envID = envID
	answer, busy := r.inflight.take(pub.UID)
	switch {
	case busy:
		s.handedOff = true // calls of the previous pass are still in flight
		return nil
	case answer != nil && answer.err != nil:
		return answer.err
	}
	snap, err := conn.Publisher.Observe(ctx, envID)
	if err != nil {
		return err
	}
	targets, err := r.resolveTargets(ctx, s, snap)
	if err != nil {
		return err
	}
	if err := r.markOwners(ctx, s, targets); err != nil {
		return err
	}
	obs := apigObservation{Snapshot: snap, Versions: map[string][]gateway.Version{}, WasPublished: map[string]bool{}}
	for _, a := range pub.Status.APIs {
		if a.State == string(v1alpha1.StatePublished) && a.Error == nil {
			obs.WasPublished[a.ID] = true
		}
	}
	for i, t := range targets {
		if t.Pin == "" || t.Err != nil || t.Owner != "" {
			continue
		}
		versions, err := conn.Publisher.Versions(ctx, t.ID, envID)
		if gateway.HasCode(err, gateway.CodeAPINotFound) {
			targets[i].Err = asGatewayError(err)
			continue
		}
		if err != nil {
			return err
		}
		obs.Versions[t.ID] = versions
	}

	plan := planAPIG(pub.Spec, targets, obs)
	done, err := r.actAPIG(ctx, s, plan, answer)
	if err != nil || s.handedOff {
		return err
	}
	s.apis = apigStatus(pub, targets, obs, plan, done)
	s.requeue = jitter(conn.ObserveInterval)
	return nil
}

// resolveTargets turns spec.apis or spec.group into APIs. Names are looked up in the
// snapshot first (published APIs carry their names), and on the gateway only when absent.
func (r *ApiPublicationReconciler) resolveTargets(ctx context.Context, s *pubScope, snap *gateway.Snapshot) ([]target, error) {
	spec, pub := s.pub.Spec, s.conn.Publisher
	if spec.Group != nil {
		group, err := pub.Group(ctx, gateway.GroupRef{ID: spec.Group.ID, Name: spec.Group.Name})
		if err != nil {
			if gateway.HasCode(err, gateway.CodeGroupNotFound) {
				return nil, &passError{reason: v1alpha1.ReasonGroupNotFound, class: gateway.Waiting, delay: gateway.NotFoundDelay,
					msg: fmt.Sprintf("%v: create the group or fix spec.group", err)}
			}
			return nil, err
		}
		apis, err := pub.GroupAPIs(ctx, group.ID)
		if err != nil {
			return nil, err
		}
		targets := make([]target, 0, len(apis))
		for _, a := range apis {
			targets = append(targets, target{ID: a.ID, Name: a.Name})
		}
		return targets, nil
	}

	// A name two live APIs share resolves on the gateway, which refuses it: picking one would
	// act on an API of another group.
	byName := map[string]string{}
	shared := map[string]bool{}
	for id, p := range snap.APIs {
		if _, dup := byName[p.API.Name]; dup {
			shared[p.API.Name] = true
		}
		byName[p.API.Name] = id
	}
	for name := range shared {
		delete(byName, name)
	}
	targets := make([]target, 0, len(spec.APIs))
	var unresolved []int
	for _, a := range spec.APIs {
		t := target{ID: a.ID, Name: a.Name, Pin: a.VersionID}
		if t.ID == "" {
			if id, ok := byName[a.Name]; ok {
				t.ID = id
			} else {
				unresolved = append(unresolved, len(targets))
			}
		} else if p, ok := snap.APIs[t.ID]; ok {
			t.Name = p.API.Name
		}
		targets = append(targets, t)
	}
	if len(unresolved) > 0 {
		refs := make([]gateway.APIRef, len(unresolved))
		for i, idx := range unresolved {
			refs[i] = gateway.APIRef{Name: targets[idx].Name}
		}
		apis, errs, err := pub.ResolveAPIs(ctx, refs)
		if err != nil {
			return nil, err
		}
		for i, idx := range unresolved {
			if errs[i] != nil {
				targets[idx].Err = asGatewayError(errs[i])
				targets[idx].ID = "name:" + targets[idx].Name // keeps the entry apart in status
				continue
			}
			targets[idx].ID = apis[i].ID
		}
	}
	// One entry per API, whichever way the spec names it.
	seen := map[string]bool{}
	return slices.DeleteFunc(targets, func(t target) bool {
		dup := seen[t.ID]
		seen[t.ID] = true
		return dup
	}), nil
}

// markOwners sets Owner on each target that an older ApiPublication claims in the same
// environment of the same gateway: the older one keeps it, so nothing flaps.
func (r *ApiPublicationReconciler) markOwners(ctx context.Context, s *pubScope, targets []target) error {
	return r.markClaimed(ctx, s, targets, func(other *v1alpha1.ApiPublication) bool {
		return other.DeletionTimestamp.IsZero() && olderThan(other, s.pub)
	})
}

// markClaimed sets Owner on each target that another ApiPublication in the same environment
// of the same gateway claims and that counts (per counts).
func (r *ApiPublicationReconciler) markClaimed(ctx context.Context, s *pubScope, targets []target,
	counts func(other *v1alpha1.ApiPublication) bool) error {
	for i, t := range targets {
		list := &v1alpha1.ApiPublicationList{}
		// Read-only use of the cached objects: no deep copy of each claimer's status.
		if err := r.List(ctx, list, client.InNamespace(s.pub.Namespace), client.UnsafeDisableDeepCopy,
			client.MatchingFields{indexPublicationClaim: s.pub.Spec.GatewayRef.Name + "/" + t.ID}); err != nil {
			return fmt.Errorf("list the ApiPublications claiming API %s: %w", t.ID, err)
		}
		for j := range list.Items {
			other := &list.Items[j]
			if other.UID != s.pub.UID && sameEnv(s.gw, other.Spec.Environment, s.pub.Spec.Environment) && counts(other) {
				targets[i].Owner = other.Name
				break
			}
		}
	}
	return nil
}

// olderThan orders ApiPublications by creation, then by name, so that exactly one wins.
func olderThan(a, b *v1alpha1.ApiPublication) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// apigDone is what the act step did.
type apigDone struct {
	outcomes map[string]gateway.Outcome
	offline  map[string]bool
}

// actAPIG switches pinned versions, and hands publish and offline calls to the batcher
// unless the previous pass's answer says the gateway just refused them.
func (r *ApiPublicationReconciler) actAPIG(ctx context.Context, s *pubScope, plan apigPlan, answer *batchAnswer) (apigDone, error) {
	log := ctrl.LoggerFrom(ctx)
	pub, conn := s.pub, s.conn
	done := apigDone{outcomes: map[string]gateway.Outcome{}, offline: map[string]bool{}}
	if answer != nil {
		r.collect(done.outcomes, answer.publish)
		r.collect(done.outcomes, answer.offline)
		for id, o := range answer.offline {
			if o.Err == nil {
				done.offline[id] = true
			}
		}
		// What the gateway refused a moment ago is reported, and tried again after a while.
		refused := func(id string) bool { o, ok := done.outcomes[id]; return ok && o.Err != nil }
		plan.Publish = slices.DeleteFunc(plan.Publish, refused)
		plan.Offline = slices.DeleteFunc(plan.Offline, refused)
	}
	for _, id := range sortedKeys(plan.Switch) {
		version := plan.Switch[id]
		log.Info("Switching an API's version", "api", id, "version", version)
		out, err := conn.Publisher.SwitchVersion(ctx, id, version)
		if err != nil && perAPI(err) {
			done.outcomes[id] = gateway.Outcome{APIID: id, Err: asGatewayError(err)}
			continue
		}
		if err != nil {
			return done, err
		}
		done.outcomes[id] = out
		r.event(pub, "VersionSwitched", "Switched API %s to version %s in %s", id, version, pub.Spec.Environment)
	}
	if len(plan.Publish) > 0 || len(plan.Offline) > 0 {
		log.Info("Publishing and taking APIs offline", "environment", pub.Spec.Environment,
			"publish", len(plan.Publish), "offline", len(plan.Offline))
		env := pub.Spec.Environment
		r.inflight.start(ctx, pub, conn.Publisher, s.envID, pub.Spec.Remark, plan.Publish, plan.Offline, func(a *batchAnswer) {
			if len(a.publish) > 0 {
				r.event(pub, "Published", "Published %s in %s", succeeded(a.publish), env)
			}
			if len(a.offline) > 0 {
				r.event(pub, "TakenOffline", "Took %s offline in %s", succeeded(a.offline), env)
			}
		})
		s.handedOff = true
	}
	if len(plan.Drift) > 0 {
		if r.Connector.Metrics != nil {
			r.Connector.Metrics.Drift.WithLabelValues(conn.Name, pub.Spec.Environment).Add(float64(len(plan.Drift)))
		}
		r.event(pub, "DriftCorrected",
			"Put back %d APIs changed on the gateway in %s: %s", len(plan.Drift), pub.Spec.Environment, listIDs(plan.Drift))
	}
	return done, nil
}

func (r *ApiPublicationReconciler) collect(into map[string]gateway.Outcome, res gateway.BatchResult) {
	for id, o := range res {
		into[id] = o
	}
}

// event records a change made on the gateway; reason names the change (Published,
// TakenOffline, VersionSwitched, DriftCorrected).
func (r *ApiPublicationReconciler) event(obj client.Object, reason, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, "Reconcile", note, args...)
	}
}

// succeeded describes the APIs a batch call published or took offline.
func succeeded(res gateway.BatchResult) string {
	var ids []string
	for id, o := range res {
		if o.Err == nil {
			if o.APIName != "" {
				id = o.APIName
			}
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return fmt.Sprintf("%d APIs (%s)", len(ids), listIDs(ids))
}

// listIDs shows up to five names or IDs.
func listIDs(ids []string) string {
	if len(ids) <= 5 {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// perAPI reports whether an error of a call about one API belongs to that API alone: not a
// transient failure, a throttle or refused credentials, which concern the whole gateway.
func perAPI(err error) bool {
	class, _ := gateway.Classify(err)
	return !gateway.IsAuth(err) && !gateway.HasCode(err, gateway.CodeThrottled, gateway.CodeTooManyRequests) &&
		class != gateway.Transient
}

func asGatewayError(err error) *gateway.Error {
	var gerr *gateway.Error
	if errors.As(err, &gerr) {
		return gerr
	}
	return &gateway.Error{Err: err}
}

func (r *ApiPublicationReconciler) reconcileDataArts(ctx context.Context, s *pubScope) error {
	pub, ds := s.pub, s.conn.DataService
	if pub.Spec.Group != nil {
		return &passError{reason: v1alpha1.ReasonInvalidSpec, class: gateway.Terminal,
			msg: "spec.group is only possible on an APIG gateway: list the DataArts APIs in spec.apis"}
	}
	targets := make([]target, 0, len(pub.Spec.APIs))
	status := map[string]string{}
	for _, a := range pub.Spec.APIs {
		api, err := ds.ResolveAPI(ctx, gateway.APIRef{ID: a.ID, Name: a.Name})
		t := target{ID: api.ID, Name: api.Name}
		if err != nil {
			if !perAPI(err) {
				return err
			}
			t = target{ID: a.ID, Name: a.Name, Err: asGatewayError(err)}
			if t.ID == "" {
				t.ID = "name:" + a.Name
			}
			targets = append(targets, t)
			continue
		}
		p, err := ds.Publication(ctx, api.ID)
		if err != nil {
			return err
		}
		status[api.ID] = p.Status
		targets = append(targets, t)
	}
	if err := r.markOwners(ctx, s, targets); err != nil {
		return err
	}
	now := r.Now.now()
	var offlineAt *time.Time
	if pub.Spec.OfflineAt != nil {
		t := pub.Spec.OfflineAt.Time
		offlineAt = &t
	}
	at := offlineTime(offlineAt, now)
	steps, waits := planDataArts(pub.Spec.State, targets, status, at)

	errs := map[string]*gateway.Error{}
	scheduled := map[string]time.Time{}
	for _, step := range steps {
		var err error
		if step.Action == "publish" {
			ctrl.LoggerFrom(ctx).Info("Publishing a DataArts API", "api", step.APIID)
			err = ds.Publish(ctx, step.APIID)
		} else {
			ctrl.LoggerFrom(ctx).Info("Requesting a DataArts action", "api", step.APIID, "action", step.Action, "at", step.At)
			err = ds.Act(ctx, step.APIID, gateway.DataAction(step.Action), step.At)
		}
		if err != nil {
			if !perAPI(err) {
				return err
			}
			errs[step.APIID] = asGatewayError(err)
			continue
		}
		if !step.At.IsZero() {
			scheduled[step.APIID] = step.At
		}
		p, err := ds.Publication(ctx, step.APIID)
		if err != nil {
			return err
		}
		status[step.APIID] = p.Status
		r.event(pub, dataEventAction(step.Action), "%s DataArts API %s", step.Action, step.APIID)
	}
	s.apis = dataArtsStatus(pub, targets, status, waits, errs, scheduled)
	s.requeue = jitter(s.conn.ObserveInterval)
	return nil
}

func dataEventAction(action string) string {
	switch action {
	case "publish", string(gateway.DataRecover):
		return "Published"
	case string(gateway.DataStop):
		return "Suspended"
	default:
		return "TakenOffline"
	}
}

// reconcileDelete carries out the deletion policy, then releases the object. A gateway that is
// gone or refuses keeps the finalizer with the reason; deletionPolicy Retain releases it.
func (r *ApiPublicationReconciler) reconcileDelete(ctx context.Context, s *pubScope) error {
	pub := s.pub
	if !controllerutil.ContainsFinalizer(pub, v1alpha1.Finalizer) {
		return nil
	}
	if !pub.Spec.Suspend && pub.Spec.DeletionPolicy != v1alpha1.DeletionPolicyRetain {
		if r.inflight.inFlight(pub.UID) {
			// A publish of this object is still in flight: deciding now would miss what it
			// publishes. Its landing brings the object back.
			s.handedOff = true
			return nil
		}
		if err := r.takeOffline(ctx, s); err != nil {
			return err
		}
	}
	controllerutil.RemoveFinalizer(pub, v1alpha1.Finalizer)
	if err := r.Patch(ctx, pub, client.MergeFrom(s.before)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	s.released = true
	return nil
}

// takeOffline takes offline the APIs this object published, except those another
// ApiPublication also declares in the same environment. On APIG it asks the gateway rather
// than trusting status alone: a publish that landed just before the manager was killed is not
// in status yet, so every declared API live in the environment is taken offline too.
func (r *ApiPublicationReconciler) takeOffline(ctx context.Context, s *pubScope) error {
	pub := s.pub
	var known []string
	for _, a := range pub.Status.APIs {
		if a.State == string(v1alpha1.StatePublished) || a.State == string(v1alpha1.StateSuspended) {
			known = append(known, a.ID)
		}
	}
	if err := r.connect(ctx, s); err != nil {
		if len(known) == 0 && hasReason(err, v1alpha1.ReasonGatewayNotFound) {
			return nil // nothing published as far as this object knows, and no gateway to ask
		}
		return deletionBlocked(err)
	}
	if s.conn.DataService != nil {
		if len(known) == 0 {
			return nil
		}
		return r.unpublishDataArts(ctx, s, targetsOf(known))
	}
	envID, err := resolveEnv(ctx, s.gw, s.conn, pub.Spec.Environment)
	if hasReason(err, v1alpha1.ReasonEnvironmentNotFound) {
		return nil // an environment that is gone serves nothing
	}
	if err != nil {
		return deletionBlocked(err)
	}
	s.envID = envID
	snap, err := s.conn.Publisher.Observe(ctx, envID)
	if err != nil {
		return deletionBlocked(err)
	}
	declared, err := r.resolveTargets(ctx, s, snap)
	if err != nil && !hasReason(err, v1alpha1.ReasonGroupNotFound) {
		return deletionBlocked(err) // a group that is gone has no APIs left to take offline
	}
	// What status records as published goes offline whatever the snapshot says (it may be
	// older than the publish; the gateway's "not published" answer counts as done); a declared
	// API status does not know of goes offline if the gateway shows it live.
	live := slices.Clone(known)
	for _, t := range declared {
		if _, ok := snap.APIs[t.ID]; ok && t.Err == nil && !slices.Contains(live, t.ID) {
			live = append(live, t.ID)
		}
	}
	if len(live) == 0 {
		return nil
	}
	targets := targetsOf(live)
	if err := r.markSharers(ctx, s, targets); err != nil {
		return err
	}
	var offline []string
	for _, t := range targets {
		if t.Owner == "" {
			offline = append(offline, t.ID)
		}
	}
	if len(offline) == 0 {
		return nil
	}
	ctrl.LoggerFrom(ctx).Info("Taking APIs offline before deletion", "environment", pub.Spec.Environment, "count", len(offline))
	res, err := s.conn.Publisher.Offline(ctx, envID, offline)
	if err != nil {
		return deletionBlocked(err)
	}
	for _, o := range res {
		if o.Err != nil && !gateway.HasCode(o.Err, gateway.CodeAPINotFound) {
			return deletionBlocked(o.Err)
		}
	}
	r.event(pub, "TakenOffline", "Took %s offline in %s before deletion", succeeded(res), pub.Spec.Environment)
	return nil
}

// hasReason reports whether err is a passError with the reason.
func hasReason(err error, reason string) bool {
	var pe *passError
	return errors.As(err, &pe) && pe.reason == reason
}

func targetsOf(ids []string) []target {
	targets := make([]target, len(ids))
	for i, id := range ids {
		targets[i] = target{ID: id}
	}
	return targets
}

// unpublishDataArts schedules UNPUBLISH for each API no other object declares. DLM.4182
// ("illegal action") is accepted only when the API is in fact offline or on its way there: the
// gateway gives the same code for too little notice or a caller who is not the reviewer.
func (r *ApiPublicationReconciler) unpublishDataArts(ctx context.Context, s *pubScope, targets []target) error {
	if err := r.markSharers(ctx, s, targets); err != nil {
		return err
	}
	ds := s.conn.DataService
	for _, t := range targets {
		if t.Owner != "" {
			continue
		}
		err := ds.Act(ctx, t.ID, gateway.DataUnpublish, offlineTime(nil, r.Now.now()))
		switch {
		case err == nil || gateway.HasCode(err, "DLM.4018"):
			continue
		case !gateway.HasCode(err, gateway.CodeDataIllegal):
			return deletionBlocked(err)
		}
		pub, perr := ds.Publication(ctx, t.ID)
		if perr != nil {
			return deletionBlocked(perr)
		}
		switch pub.Status {
		case "", gateway.DataStatusOffline, gateway.DataStatusWaitingOffline:
		default:
			return deletionBlocked(err)
		}
	}
	return nil
}

// markSharers sets Owner on each target another live ApiPublication also declares published
// in the same environment, whatever its age: deleting this object must not take it away.
func (r *ApiPublicationReconciler) markSharers(ctx context.Context, s *pubScope, targets []target) error {
	return r.markClaimed(ctx, s, targets, func(other *v1alpha1.ApiPublication) bool {
		return other.DeletionTimestamp.IsZero() && !other.Spec.Suspend && other.Spec.State != v1alpha1.StateOffline
	})
}

// deletionBlocked explains that the finalizer stays, and how to release it.
// A transient failure is retried with the workqueue's backoff, so one lost call costs a
// moment, not a minute; a refusal is tried again every minute, in case it was lifted.
func deletionBlocked(err error) error {
	class, delay := classifyPass(err)
	var pe *passError
	reason, cause := v1alpha1.ReasonDeleting, err.Error()
	switch {
	case errors.As(err, &pe):
		reason = pe.reason
	case class == gateway.Transient:
		reason, cause = v1alpha1.ReasonGatewayUnreachable, fmt.Sprintf("the gateway cannot be reached (%v)", err)
	}
	retry := fmt.Sprintf("tried again in %s", delay)
	switch class {
	case gateway.Transient:
		retry = fmt.Sprintf("tried again with backoff, at least every %s", retryMaxDelay)
	case gateway.Terminal:
		class, delay = gateway.Waiting, gateway.NotFoundDelay
		retry = fmt.Sprintf("tried again every %s", delay)
	}
	return &passError{reason: reason, class: class, delay: delay,
		msg: fmt.Sprintf("cannot take the APIs offline before deletion: %s. The object is kept until this succeeds, "+
			"%s; set spec.deletionPolicy to Retain to delete it without touching the gateway", cause, retry)}
}

// finish summarizes the pass into status, patches it when it changed, and turns the pass's
// error into the result: each error class has one handling path.
func (r *ApiPublicationReconciler) finish(ctx context.Context, s *pubScope, err error) (ctrl.Result, error) {
	if s.released {
		r.inflight.forget(s.pub.UID)
		return ctrl.Result{}, nil
	}
	if s.handedOff && err == nil {
		return ctrl.Result{}, nil // the landing batch call brings the object back
	}
	summarizePublication(s, err)
	r.recordStall(s)
	if !equality.Semantic.DeepEqual(s.before.Status, s.pub.Status) {
		if perr := r.Status().Patch(ctx, s.pub, client.MergeFrom(s.before)); client.IgnoreNotFound(perr) != nil {
			if err == nil {
				err = fmt.Errorf("patch status: %w", perr)
			}
		}
	}
	if s.suspended {
		return ctrl.Result{}, nil
	}
	return passResult(err, s.requeue)
}

// passResult is the one handling path of each error class, shared by the controllers:
// success comes back after requeue; a terminal error waits for a change; a waiting error comes
// back after its delay; a transient one is returned for the workqueue's backoff.
func passResult(err error, requeue time.Duration) (ctrl.Result, error) {
	if err == nil {
		return ctrl.Result{RequeueAfter: requeue}, nil
	}
	switch class, delay := classifyPass(err); class {
	case gateway.Terminal:
		return ctrl.Result{}, nil
	case gateway.Waiting:
		return ctrl.Result{RequeueAfter: delay}, nil
	default:
		return ctrl.Result{}, err
	}
}

// ensureFinalizer adds the finalizer before any gateway call, so that no API is published
// that a deletion would not take offline. It returns the object as patched, the new "before".
func ensureFinalizer(ctx context.Context, c client.Client, obj client.Object, before client.Object) (client.Object, error) {
	if controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) {
		return before, nil
	}
	controllerutil.AddFinalizer(obj, v1alpha1.Finalizer)
	if err := c.Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return before, fmt.Errorf("add finalizer: %w", err)
	}
	return obj.DeepCopyObject().(client.Object), nil
}

func classifyPass(err error) (gateway.Class, time.Duration) {
	var pe *passError
	if errors.As(err, &pe) {
		return pe.class, pe.delay
	}
	return gateway.Classify(err)
}

// recordStall emits a Warning when the object enters Stalled, and a Normal when it leaves it.
func (r *ApiPublicationReconciler) recordStall(s *pubScope) {
	was := isStalled(s.before.Status.Conditions)
	is := isStalled(s.pub.Status.Conditions)
	if r.Recorder == nil || was == is {
		return
	}
	c := meta.FindStatusCondition(s.pub.Status.Conditions, v1alpha1.ConditionReady)
	if is {
		r.Recorder.Eventf(s.pub, nil, corev1.EventTypeWarning, c.Reason, "Reconcile", "%s", c.Message)
	} else {
		r.Recorder.Eventf(s.pub, nil, corev1.EventTypeNormal, c.Reason, "Reconcile", "%s", c.Message)
	}
}

// SetupWithManager registers the controller: ApiPublications (spec changes, reconcile
// requests, deletions) and the ApiGateways they use (when one becomes Ready or changes).
func (r *ApiPublicationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	ctx := context.Background()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.ApiPublication{}, indexPublicationGateway,
		func(o client.Object) []string { return []string{o.(*v1alpha1.ApiPublication).Spec.GatewayRef.Name} }); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.ApiPublication{}, indexPublicationClaim, claimKeys); err != nil {
		return err
	}
	concurrency := r.Concurrency
	if concurrency <= 0 {
		concurrency = 10
	}
	r.inflight = newInflight()
	return ctrl.NewControllerManagedBy(mgr).
		Named("apipublication").
		For(&v1alpha1.ApiPublication{}, builder.WithPredicates(predicate.Or(specOrRequestChanged(), deletionStarted()))).
		Watches(&v1alpha1.ApiGateway{}, handler.EnqueueRequestsFromMapFunc(r.publicationsOf),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, readyChanged()))).
		WatchesRawSource(source.Channel(r.Connector.Rebuilt(), handler.EnqueueRequestsFromMapFunc(r.publicationsOf))).
		WatchesRawSource(source.Channel(r.inflight.events, &handler.EnqueueRequestForObject{})).
		WithOptions(controllerOptions(concurrency)).
		Complete(r)
}

// claimKeys indexes an ApiPublication by the APIs it claims: IDs in its spec and in its status.
func claimKeys(o client.Object) []string {
	pub := o.(*v1alpha1.ApiPublication)
	gw := pub.Spec.GatewayRef.Name
	var keys []string
	for _, a := range pub.Spec.APIs {
		if a.ID != "" {
			keys = append(keys, gw+"/"+a.ID)
		}
	}
	for _, a := range pub.Status.APIs {
		keys = append(keys, gw+"/"+a.ID)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func (r *ApiPublicationReconciler) publicationsOf(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsByIndex(ctx, r.Client, &v1alpha1.ApiPublicationList{}, o.GetNamespace(), indexPublicationGateway, o.GetName())
}

// deletionStarted passes the update that sets deletionTimestamp.
func deletionStarted() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetDeletionTimestamp().IsZero() && !e.ObjectNew.GetDeletionTimestamp().IsZero()
	}}
}

// readyChanged passes ApiGateway updates whose Ready condition changed status.
func readyChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		ready := func(o client.Object) metav1.ConditionStatus {
			gw, ok := o.(*v1alpha1.ApiGateway)
			if !ok {
				return ""
			}
			if c := meta.FindStatusCondition(gw.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				return c.Status
			}
			return ""
		}
		return ready(e.ObjectOld) != ready(e.ObjectNew)
	}}
}
