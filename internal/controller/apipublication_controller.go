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
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// ApiPublicationReconciler keeps each ApiPublication's APIs in the declared state.
type ApiPublicationReconciler struct {
	client.Client
	Connections Connections
	Recorder    events.EventRecorder
	// Metrics counts drift corrections; nil: not counted.
	Metrics *gateway.Metrics
	// Concurrency is the number of objects reconciled at once; default 10.
	Concurrency int
	// Now is the clock for DataArts schedules; default time.Now.
	Now clock

	inflight *inflight
	// claims, when set, are the claimants by claim key, in place of the field index: a
	// preview outside the manager has no cache.
	claims    map[string][]v1alpha1.ApiPublication
	outOfSync *outOfSyncGauge
	// finalizers are the finalizers this controller added that its cache does not show yet.
	finalizers finalizerWrites
	// statuses are the statuses this controller wrote that its cache does not show yet.
	statuses statusWrites[v1alpha1.ApiPublicationStatus]
}

// pubScope carries one pass over one ApiPublication: the object, its copy from before, and
// what was found and done.
type pubScope struct {
	pub    *v1alpha1.ApiPublication
	before *v1alpha1.ApiPublication
	// cached is the resourceVersion of the cached copy the pass started from.
	cached string
	// older are the versions of the object from before the status this pass started from.
	older []string
	gw    *v1alpha1.ApiGateway
	conn  *driver.Conn

	suspended bool
	deleting  bool
	released  bool // the finalizer was removed: the object may be gone
	// apis is the new status.apis, set by a pass that reached a verdict on the gateway.
	apis []v1alpha1.ApiPublicationApiStatus
	// requeue is when to look again after a pass that reached the gateway.
	requeue time.Duration
	// unsure counts the APIs the manager before a restart may have published, which the read
	// cannot show yet (driver.Plan.Unsure).
	unsure int
	// inFlight counts the APIs whose calls were handed off and have not landed; their
	// answer brings the object back.
	inFlight int
	// location is where the targets of this pass are.
	location location
	// releasing is the new status.releasing, set when releasing was set.
	releasing    []v1alpha1.ApiRelease
	releasingSet bool
	// follows names, per API, the older object that acts for this one.
	follows map[string]string
}

// +kubebuilder:rbac:groups=publishing.apig-operator.dev,resources=apipublications,verbs=get;list;watch;patch

// Reconcile makes one ApiPublication's gateway match its spec.
func (r *ApiPublicationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	pub := &v1alpha1.ApiPublication{}
	if err := r.Get(ctx, req.NamespacedName, pub); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.ForgetReady(v1alpha1.KindApiPublication, req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s := &pubScope{pub: pub, cached: pub.ResourceVersion, older: []string{pub.ResourceVersion}}
	if written, older := r.statuses.restore(pub.UID, s.cached); written != nil {
		written.DeepCopyInto(&pub.Status) // the cache lags behind this controller's last write
		s.older = older
	}
	s.before = pub.DeepCopy()
	defer func() { res, err = r.finish(ctx, s, err) }()
	// The deadline bounds the pass, not finish: its status write must happen either way.
	passCtx, cancel := context.WithTimeout(ctx, passDeadline)
	defer cancel()
	if !pub.DeletionTimestamp.IsZero() {
		s.deleting = true
		return ctrl.Result{}, r.reconcileDelete(passCtx, s)
	}
	if pub.Spec.Suspend {
		s.suspended = true
		return ctrl.Result{}, nil
	}
	if s.before, err = ensureFinalizer(passCtx, r.Client, &r.finalizers, s.cached, pub, s.before); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.reconcileNormal(passCtx, s)
}

// connect finds the ApiGateway and its connection.
func (r *ApiPublicationReconciler) connect(ctx context.Context, s *pubScope) error {
	gw, conn, err := r.Connections.ForRef(ctx, r.Client, s.pub.Namespace, s.pub.Spec.GatewayRef)
	s.gw, s.conn = gw, conn
	return err
}

// reconcileNormal resolves, observes and plans; under managementPolicy Manage it hands the
// plan's calls off, and the pass that their answer brings reports what the gateway then
// serves; under Observe it reports the plan and calls nothing.
func (r *ApiPublicationReconciler) reconcileNormal(ctx context.Context, s *pubScope) error {
	if err := r.connect(ctx, s); err != nil {
		return err
	}
	var answer *answer
	if r.inflight != nil {
		var pending int
		answer, pending = r.inflight.take(s.pub.UID)
		switch {
		case pending > 0:
			s.inFlight = pending // calls of an earlier pass are still in flight
			return nil
		case answer != nil && answer.err != nil:
			return answer.err
		}
	}
	p, err := r.prepare(ctx, s)
	if err != nil {
		return err
	}
	if !observing(s.pub) {
		if s.releasing, err = r.actReleases(ctx, s, p.pending, p.batches, p.blocked); err != nil {
			return err
		}
	}
	d := s.conn.Driver
	obs, err := d.Observe(ctx, p.resolved)
	if err != nil {
		return err
	}
	plan := d.Plan(p.decl, p.resolved, obs, r.Now.now())
	var landed driver.Results
	if answer != nil {
		landed = answer.results
	}
	if observing(s.pub) {
		s.releasing = pendingReleases(p.batches, p.blocked)
		s.apis = withActions(publicationStatus(s.pub, d.Provider(), p.resolved.Targets, obs, plan, landed), plan)
		s.requeue = jitter(s.conn.ObserveInterval)
		return nil
	}
	// What the gateway refused a moment ago is reported, and tried again after a while.
	plan = plan.Without(func(st driver.Step) bool { res, ok := landed[st.API]; return ok && res.Err != nil })
	if !plan.Empty() {
		r.handOff(ctx, s, p.resolved, plan)
		return nil
	}
	s.apis = publicationStatus(s.pub, d.Provider(), p.resolved.Targets, obs, plan, landed)
	s.requeue = jitter(s.conn.ObserveInterval)
	if s.unsure = len(plan.Unsure); s.unsure > 0 {
		s.requeue = driver.ReadLag // by then a read misses nothing from before the start
	}
	return nil
}

// prepared is what a pass resolved before observing: the targets with their claims, and how
// the releases would be carried out.
type prepared struct {
	decl     driver.Declaration
	resolved driver.Resolved
	// pending is status.releasing before any release is carried out.
	pending []v1alpha1.ApiRelease
	batches []releaseBatch
	blocked []v1alpha1.ApiRelease
}

// prepare resolves the declaration, marks the targets other objects act for or hold, and
// plans the releases of what left the declaration; it reads, and writes nothing.
func (r *ApiPublicationReconciler) prepare(ctx context.Context, s *pubScope) (*prepared, error) {
	p := &prepared{decl: declarationOf(s.pub, s.gw)}
	var err error
	if p.resolved, err = s.conn.Driver.Resolve(ctx, p.decl); err != nil {
		return nil, err
	}
	s.location = location{instance: instanceKey(s.gw), gateway: refKey(s.pub.Spec.GatewayRef), envID: p.resolved.EnvID}
	if err := r.markOwners(ctx, s, s.location, p.resolved.Targets); err != nil {
		return nil, err
	}
	s.follows = map[string]string{}
	for _, t := range p.resolved.Targets {
		if t.Follows != "" {
			s.follows[t.ID] = t.Follows
		}
	}
	p.pending = moveReleases(s.pub, s.location, p.resolved.Targets)
	// What status says was published counts only where the targets are now.
	p.decl.WasPublished, p.decl.PublishedAt = publishedIn(s.pub.Status.APIs)
	s.releasing, s.releasingSet = p.pending, true
	if p.batches, p.blocked, err = r.planReleases(ctx, s, p.pending); err != nil {
		return nil, err
	}
	return p, nil
}

// observing reports whether an object only observes: managementPolicy Observe.
func observing(pub *v1alpha1.ApiPublication) bool {
	return pub.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve
}

// declarationOf is what an ApiPublication declares, in the driver's terms.
func declarationOf(pub *v1alpha1.ApiPublication, gw *v1alpha1.ApiGateway) driver.Declaration {
	spec := pub.Spec
	d := driver.Declaration{
		Environment: spec.Environment, KnownEnvironments: knownEnvironments(gw), State: driver.State(spec.State),
		Remark: spec.Remark, FollowDefinition: spec.Versioning == v1alpha1.VersioningFollowDefinition,
		Created: pub.CreationTimestamp.Time,
	}
	if spec.Group != nil {
		d.Group = &gateway.GroupRef{ID: spec.Group.ID, Name: spec.Group.Name}
	}
	for _, a := range spec.APIs {
		d.APIs = append(d.APIs, driver.Ref{ID: a.ID, Name: a.Name, Pin: a.VersionID})
	}
	if spec.OfflineAt != nil {
		t := spec.OfflineAt.Time
		d.OfflineAt = &t
	}
	return d
}

// publishedIn are the APIs a status records as published, and when they were.
func publishedIn(apis []v1alpha1.ApiPublicationApiStatus) (was map[string]bool, at map[string]time.Time) {
	was, at = map[string]bool{}, map[string]time.Time{}
	for _, a := range apis {
		if a.State == string(v1alpha1.StatePublished) && a.Error == nil {
			was[a.ID] = true
			if a.PublishTime != nil {
				at[a.ID] = a.PublishTime.Time
			}
		}
	}
	return was, at
}

// knownEnvironments are the environments the ApiGateway's last probe listed.
func knownEnvironments(gw *v1alpha1.ApiGateway) []gateway.Environment {
	if gw == nil {
		return nil
	}
	envs := make([]gateway.Environment, len(gw.Status.Environments))
	for i, e := range gw.Status.Environments {
		envs[i] = gateway.Environment{ID: e.ID, Name: e.Name}
	}
	return envs
}

// finish summarizes the pass into status, patches it when it changed, and turns the pass's
// outcome into the result.
func (r *ApiPublicationReconciler) finish(ctx context.Context, s *pubScope, err error) (ctrl.Result, error) {
	if s.released {
		r.inflight.forget(s.pub.UID)
		r.finalizers.forget(s.pub.UID)
		r.statuses.forget(s.pub.UID)
		r.trackOutOfSync(s)
		r.Metrics.ForgetReady(v1alpha1.KindApiPublication, s.pub.Namespace, s.pub.Name)
		return ctrl.Result{}, nil
	}
	summarizePublication(s, err)
	r.trackOutOfSync(s)
	recordReady(r.Metrics, v1alpha1.KindApiPublication, s.pub.Namespace, s.pub.Name, s.pub.Status.Conditions)
	recordStallChange(r.Recorder, s.pub, s.before.Status.Conditions, s.pub.Status.Conditions)
	over, changed := s.pub.ResourceVersion, !equality.Semantic.DeepEqual(s.before.Status, s.pub.Status)
	if perr := patchStatus(ctx, r.Client, s.pub, s.before, s.pub.Status, s.before.Status); perr != nil && err == nil {
		err = perr
	} else if perr == nil && changed {
		// Over the cached version, and the finalizer's patch if this pass made one. A copy of
		// the status alone: a pointer into the object would keep all of it while the cache lags.
		r.statuses.record(s.pub.UID, append(s.older, over), s.pub.ResourceVersion, s.pub.Status.DeepCopy())
	}
	if s.suspended || (s.inFlight > 0 && err == nil) {
		return ctrl.Result{}, nil // a change of spec, or the landing call, brings the object back
	}
	return outcomeOf(err).result(s.requeue)
}

// SetupWithManager registers the controller: ApiPublications (spec changes, reconcile
// requests, deletions), the ApiGateways they use (when one becomes Ready or changes), rebuilt
// connections, and the answers of calls in flight.
func (r *ApiPublicationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	ctx := context.Background()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.ApiPublication{}, indexPublicationGateway,
		func(o client.Object) []string { return []string{refKey(o.(*v1alpha1.ApiPublication).Spec.GatewayRef)} }); err != nil {
		return err
	}
	inf, err := mgr.GetCache().GetInformer(ctx, &v1alpha1.ApiPublication{})
	if err != nil {
		return err
	}
	if err := inf.AddIndexers(toolscache.Indexers{fieldIndexName(indexPublicationClaim): clusterWide(claimKeys)}); err != nil {
		return err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{UpdateFunc: func(_, obj any) {
		if pub, ok := obj.(*v1alpha1.ApiPublication); ok {
			r.statuses.seen(pub.UID, pub.ResourceVersion)
		}
	}}); err != nil {
		return err
	}
	concurrency := r.Concurrency
	if concurrency <= 0 {
		concurrency = 10
	}
	r.inflight = newInflight()
	if r.Metrics != nil {
		r.outOfSync = newOutOfSyncGauge(r.Metrics.OutOfSync)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("apipublication").
		For(&v1alpha1.ApiPublication{}, builder.WithPredicates(predicate.Or(specOrRequestChanged(), deletionStarted()))).
		Watches(&v1alpha1.ApiGateway{}, handler.EnqueueRequestsFromMapFunc(r.publicationsOf()),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, readyChanged()))).
		Watches(&v1alpha1.ClusterApiGateway{}, handler.EnqueueRequestsFromMapFunc(r.publicationsOf()),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, readyChanged()))).
		WatchesRawSource(source.Channel(r.Connections.Rebuilt(), handler.EnqueueRequestsFromMapFunc(r.publicationsOf()))).
		WatchesRawSource(source.Channel(r.inflight.events, &handler.EnqueueRequestForObject{})).
		WithOptions(controllerOptions(concurrency)).
		Complete(r)
}

func (r *ApiPublicationReconciler) publicationsOf() handler.MapFunc {
	return referrersOf(r.Client, func() client.ObjectList { return &v1alpha1.ApiPublicationList{} }, indexPublicationGateway)
}
