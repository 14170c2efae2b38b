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
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
)

// Connections is what the reconcilers need of gateway connections.
type Connections interface {
	// Connect returns the connection of gw, built from its current Secret and CA bundle.
	Connect(ctx context.Context, gw *v1alpha1.ApiGateway) (*driver.Conn, error)
	// ForRef finds the ApiGateway an object names and its connection; a missing or not Ready
	// ApiGateway is a waiting error naming it.
	ForRef(ctx context.Context, r client.Reader, namespace string, ref v1alpha1.GatewayReference) (*v1alpha1.ApiGateway,
		*driver.Conn, error)
	// Forget drops the connection of a deleted ApiGateway (namespace/name).
	Forget(name string)
	// Rebuilt receives an ApiGateway whenever its connection is rebuilt for the same
	// generation. Subscribe before the manager starts.
	Rebuilt() <-chan event.GenericEvent
}

var _ Connections = (*Connector)(nil)

// Defaults of an ApiGateway's optional fields.
const (
	defaultObserveInterval = time.Minute
	defaultQPS             = 10
	defaultBurst           = 20
	defaultCAKey           = "ca.crt"
	kindSecret             = "Secret"
	kindConfigMap          = "ConfigMap"
)

// Connector builds the gateway connection of an ApiGateway from its spec, its credentials
// Secret and its CA bundle, and keeps it in the registry until one of them changes.
type Connector struct {
	// Reader reads Secrets and ConfigMaps directly from the API server: they are not cached,
	// so the manager holds no copy of every Secret in the cluster.
	Reader       client.Reader
	Registry     *driver.Registry
	Metrics      *gateway.Metrics
	BatchWindow  time.Duration
	BatchSpacing time.Duration
	BatchMaxSize int
	// Timeout bounds each gateway call.
	Timeout time.Duration
	// Instance names this manager in the User-Agent of its gateway calls.
	Instance string
	// Endpoints says which hosts may be called; the zero value admits none.
	Endpoints EndpointPolicy
	// ClusterResourceNamespace is where the Secrets and ConfigMaps of ClusterApiGateways are
	// read: the manager's own namespace.
	ClusterResourceNamespace string
	// Shard is the manager's --watch-label-selector, if any: a gateway object outside it is
	// invisible to the cache, and is named as such rather than as missing.
	Shard labels.Selector

	flights singleflight.Group

	startOnce sync.Once
	start     time.Time

	subMu sync.Mutex
	subs  []chan event.GenericEvent
}

// MarkStarted records when this manager began acting on gateways. The first connection marks
// it if nothing did before.
func (c *Connector) MarkStarted(t time.Time) { c.startOnce.Do(func() { c.start = t }) }

// MarkStartedWhenElected marks the start when elected is closed: when the manager is elected
// leader, or starts without leader election (ctrl.Manager.Elected).
func (c *Connector) MarkStartedWhenElected(elected <-chan struct{}) {
	go func() {
		<-elected
		c.MarkStarted(time.Now())
	}()
}

func (c *Connector) started() time.Time {
	c.MarkStarted(time.Now())
	return c.start
}

// Rebuilt returns a channel that receives an ApiGateway whenever its connection is rebuilt for
// the same generation: its Secret or CA bundle changed. Objects that stalled on refused
// credentials are waiting for exactly that. Subscribe before the manager starts.
func (c *Connector) Rebuilt() <-chan event.GenericEvent {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	ch := make(chan event.GenericEvent, 64)
	c.subs = append(c.subs, ch)
	return ch
}

func (c *Connector) notifyRebuilt(gw *v1alpha1.ApiGateway) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	for _, ch := range c.subs {
		go func() { ch <- event.GenericEvent{Object: gw.DeepCopy()} }() // never block a reconcile
	}
}

// configError is a problem with an ApiGateway's inputs that only its owner can fix: it waits
// for the watch on the ApiGateway, its Secret or its CA bundle.
func configError(reason, format string, args ...any) error {
	return waiting(reason, 0, fmt.Errorf(format, args...))
}

// Connect returns the connection of gw, built from its current Secret and CA bundle; the
// registered one is reused when none of them changed.
func (c *Connector) Connect(ctx context.Context, gw *v1alpha1.ApiGateway) (*driver.Conn, error) {
	// Before the Secret is read: a refused endpoint is told nothing, not even that the Secret
	// exists.
	if err := c.Endpoints.check(gw.Spec.Endpoint); err != nil {
		return nil, err
	}
	creds, credsVersion, err := c.credentials(ctx, gw)
	if err != nil {
		return nil, err
	}
	ca, caVersion, err := c.caBundle(ctx, gw)
	if err != nil {
		return nil, err
	}
	name := gatewayKey(gw)
	fingerprint := fmt.Sprintf("%s/%d/%s/%s", gw.UID, gw.Generation, credsVersion, caVersion)
	if conn, ok := c.Registry.Get(name); ok && conn.Fingerprint == fingerprint {
		return conn, nil
	}
	v, err, _ := c.flights.Do(name+"@"+fingerprint, func() (any, error) {
		conn, err := c.build(gw, name, fingerprint, creds, ca)
		if err != nil {
			return nil, err
		}
		previous, had := c.Registry.Get(name)
		c.Registry.Put(conn)
		if had && previous.Generation == gw.Generation && previous.Fingerprint != fingerprint {
			c.notifyRebuilt(gw)
		}
		return conn, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*driver.Conn), nil
}

// Current returns the registered connection when it was built for gw's current generation,
// without reading the Secret; otherwise it connects. Secret changes reach the registry
// through the ApiGateway controller, which watches Secrets.
func (c *Connector) Current(ctx context.Context, gw *v1alpha1.ApiGateway) (*driver.Conn, error) {
	if conn, ok := c.Registry.Get(gatewayKey(gw)); ok &&
		strings.HasPrefix(conn.Fingerprint, fmt.Sprintf("%s/%d/", gw.UID, gw.Generation)) {
		return conn, nil
	}
	return c.Connect(ctx, gw)
}

func (c *Connector) build(gw *v1alpha1.ApiGateway, name, fingerprint string, creds gateway.Credentials, ca []byte) (*driver.Conn, error) {
	opts := driver.Options{Provider: driver.Provider(gw.Spec.Provider), ObserveInterval: observeInterval(gw),
		QPS: defaultQPS, Burst: defaultBurst, Metrics: c.Metrics,
		BatchWindow: c.BatchWindow, BatchSpacing: c.BatchSpacing, BatchMaxSize: c.BatchMaxSize, Started: c.started()}
	if rl := gw.Spec.RateLimit; rl != nil {
		opts.QPS, opts.Burst = float64(rl.QPS), int(rl.Burst)
	}
	cfg := gateway.Config{
		Endpoint: gw.Spec.Endpoint, ProjectID: gw.Spec.ProjectID, InstanceID: gw.Spec.InstanceID,
		Workspace: gw.Spec.Workspace, Credentials: creds, CABundle: ca, Timeout: c.Timeout, Instance: c.Instance,
	}
	if gw.Spec.TLS != nil {
		cfg.InsecureSkipVerify = gw.Spec.TLS.InsecureSkipVerify
	}
	return driver.Open(name, fingerprint, gw.Generation, cfg, opts)
}

// Forget drops the connection of a deleted ApiGateway.
func (c *Connector) Forget(name string) { c.Registry.Delete(name) }

func observeInterval(gw *v1alpha1.ApiGateway) time.Duration {
	if gw.Spec.ObserveInterval != nil && gw.Spec.ObserveInterval.Duration > 0 {
		return gw.Spec.ObserveInterval.Duration
	}
	return defaultObserveInterval
}

// credentials reads the Secret the ApiGateway names. Its values never leave this function
// except inside gateway.Credentials, which does not print them.
func (c *Connector) credentials(ctx context.Context, gw *v1alpha1.ApiGateway) (gateway.Credentials, string, error) {
	ref := gw.Spec.CredentialsRef.Name
	secret := &corev1.Secret{}
	if err := c.Reader.Get(ctx, types.NamespacedName{Namespace: gw.Namespace, Name: ref}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return gateway.Credentials{}, "", configError(v1alpha1.ReasonSecretNotFound,
				"Secret %s/%s named by spec.credentialsRef does not exist: create it with the keys %s and %s, or %s",
				gw.Namespace, ref, v1alpha1.SecretKeyAccessKey, v1alpha1.SecretKeySecretKey, v1alpha1.SecretKeyToken)
		}
		return gateway.Credentials{}, "", fmt.Errorf("read Secret %s/%s: %w", gw.Namespace, ref, err)
	}
	// Only Secrets made to hold gateway credentials are read as such: a service-account token
	// or another team's registry credentials must never be sent to a gateway.
	if secret.Type != corev1.SecretTypeOpaque && secret.Type != "" && secret.Type != v1alpha1.SecretTypeCredentials {
		return gateway.Credentials{}, "", stalling(v1alpha1.ReasonSecretTypeNotAllowed, fmt.Errorf(
			"the Secret %s/%s named by spec.credentialsRef is of type %s: only Secrets of type Opaque or %s are read as "+
				"gateway credentials, and nothing was sent. Create the credentials in such a Secret",
			gw.Namespace, ref, secret.Type, v1alpha1.SecretTypeCredentials))
	}
	get := func(key string) string { return strings.TrimSpace(string(secret.Data[key])) }
	creds := gateway.Credentials{
		AccessKey: get(v1alpha1.SecretKeyAccessKey), SecretKey: get(v1alpha1.SecretKeySecretKey),
		SecurityToken: get(v1alpha1.SecretKeySecurityToken), Token: get(v1alpha1.SecretKeyToken),
	}
	missing := func(msg string) error {
		return configError(v1alpha1.ReasonSecretKeyMissing, "Secret %s/%s %s", gw.Namespace, ref, msg)
	}
	switch {
	case creds.Token != "":
		return gateway.Credentials{Token: creds.Token}, secret.ResourceVersion, nil
	case creds.AccessKey != "" && creds.SecretKey == "":
		return creds, "", missing("has accessKey but no secretKey: add the key secretKey")
	case creds.AccessKey == "" && creds.SecretKey != "":
		return creds, "", missing("has secretKey but no accessKey: add the key accessKey")
	case creds.AccessKey == "":
		return creds, "", missing("has neither accessKey and secretKey nor token: add accessKey and secretKey, or token")
	}
	return creds, secret.ResourceVersion, nil
}

// caBundle reads the PEM bundle spec.tls.caBundleRef names, if any.
func (c *Connector) caBundle(ctx context.Context, gw *v1alpha1.ApiGateway) ([]byte, string, error) {
	if gw.Spec.TLS == nil || gw.Spec.TLS.CABundleRef == nil {
		return nil, "", nil
	}
	ref := gw.Spec.TLS.CABundleRef
	key := ref.Key
	if key == "" {
		key = defaultCAKey
	}
	kind, obj := kindConfigMap, client.Object(&corev1.ConfigMap{})
	if ref.Kind == kindSecret {
		kind, obj = kindSecret, &corev1.Secret{}
	}
	notFound := configError(v1alpha1.ReasonCABundleNotFound,
		"%s %s/%s named by spec.tls.caBundleRef has no key %s with PEM certificates", kind, gw.Namespace, ref.Name, key)
	if err := c.Reader.Get(ctx, types.NamespacedName{Namespace: gw.Namespace, Name: ref.Name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", notFound
		}
		return nil, "", fmt.Errorf("read %s %s/%s: %w", kind, gw.Namespace, ref.Name, err)
	}
	var pem []byte
	switch o := obj.(type) {
	case *corev1.Secret:
		pem = o.Data[key]
	case *corev1.ConfigMap:
		pem = []byte(o.Data[key])
		if len(pem) == 0 {
			pem = o.BinaryData[key]
		}
	}
	if len(pem) == 0 {
		return nil, "", notFound
	}
	return pem, obj.GetResourceVersion(), nil
}

// ForRef finds the gateway an object names and its connection: an ApiGateway of its
// namespace, or a ClusterApiGateway that admits the namespace, as an ApiGateway view (see
// clusterView). A missing, refused or not Ready gateway is a waiting error naming it: the
// gateway watch brings the object back.
func (c *Connector) ForRef(ctx context.Context, r client.Reader, namespace string,
	ref v1alpha1.GatewayReference) (*v1alpha1.ApiGateway, *driver.Conn, error) {
	gw, err := c.gatewayOf(ctx, r, namespace, ref)
	if err != nil {
		return nil, nil, err
	}
	what := gatewayKind(gw) + " " + gw.Name
	// Only a gateway known to be unusable blocks: a probe that failed transiently or was
	// throttled must not stop every object using the gateway.
	if cond := meta.FindStatusCondition(gw.Status.Conditions, v1alpha1.ConditionReady); cond == nil ||
		(cond.Status == metav1.ConditionFalse && cond.Reason != v1alpha1.ReasonRateLimited &&
			cond.Reason != v1alpha1.ReasonGatewayUnreachable) {
		msg := what + " is not Ready"
		if cond != nil && cond.Message != "" {
			msg += ": " + cond.Message
		}
		return gw, nil, waiting(v1alpha1.ReasonGatewayNotReady, observeInterval(gw), errors.New(msg))
	}
	conn, err := c.Current(ctx, gw)
	if err != nil {
		if isPassError(err) {
			return gw, nil, waiting(v1alpha1.ReasonGatewayNotReady, observeInterval(gw), fmt.Errorf("%s: %w", what, err))
		}
		return gw, nil, err
	}
	return gw, conn, nil
}

// gatewayOf reads the gateway object ref names, checking that a ClusterApiGateway admits the
// namespace.
func (c *Connector) gatewayOf(ctx context.Context, r client.Reader, namespace string,
	ref v1alpha1.GatewayReference) (*v1alpha1.ApiGateway, error) {
	if ref.Kind != v1alpha1.KindClusterApiGateway {
		gw := &v1alpha1.ApiGateway{}
		if err := r.Get(ctx, types.NamespacedName{Namespace: namespace, Name: ref.Name}, gw); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, c.notFound(ctx, gw, types.NamespacedName{Namespace: namespace, Name: ref.Name})
			}
			return nil, err
		}
		return gw, nil
	}
	cgw := &v1alpha1.ClusterApiGateway{}
	if err := r.Get(ctx, types.NamespacedName{Name: ref.Name}, cgw); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, waiting(v1alpha1.ReasonGatewayNotFound, gateway.NotFoundDelay,
				fmt.Errorf("ClusterApiGateway %s does not exist", ref.Name))
		}
		return nil, err
	}
	ns := &corev1.Namespace{}
	if err := r.Get(ctx, types.NamespacedName{Name: namespace}, ns); err != nil {
		return nil, fmt.Errorf("read namespace %s: %w", namespace, err)
	}
	if !admits(cgw, ns) {
		return nil, waiting(v1alpha1.ReasonNamespaceNotAllowed, gateway.NotFoundDelay, fmt.Errorf(
			"ClusterApiGateway %s does not admit namespace %s: its spec.namespaceSelector does not select it, and nothing "+
				"is called for this object. Ask the platform team to label the namespace or widen the selector", cgw.Name, namespace))
	}
	return c.clusterView(cgw), nil
}

// notFound says that a gateway object does not exist, or, when the manager watches one shard,
// that it exists outside the shard: every object that uses a gateway belongs in its shard.
func (c *Connector) notFound(ctx context.Context, obj client.Object, key types.NamespacedName) error {
	kind := v1alpha1.KindApiGateway
	if _, ok := obj.(*v1alpha1.ClusterApiGateway); ok {
		kind = v1alpha1.KindClusterApiGateway
	}
	if c.Shard != nil && !c.Shard.Empty() && c.Reader != nil && c.Reader.Get(ctx, key, obj) == nil {
		return waiting(v1alpha1.ReasonGatewayNotFound, gateway.NotFoundDelay, fmt.Errorf(
			"%s %s is not in this manager's shard (--watch-label-selector %s), so no manager of the shard acts for "+
				"it: move this object to the gateway's shard (its labels), or the gateway together with every object "+
				"that uses its instance to this one", kind, key.Name, c.Shard))
	}
	return waiting(v1alpha1.ReasonGatewayNotFound, gateway.NotFoundDelay, fmt.Errorf("%s %s does not exist", kind, key.Name))
}

// admits reports whether a ClusterApiGateway's namespaceSelector selects ns; none selects no
// namespace.
func admits(cgw *v1alpha1.ClusterApiGateway, ns *corev1.Namespace) bool {
	if cgw.Spec.NamespaceSelector == nil {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(cgw.Spec.NamespaceSelector)
	return err == nil && sel.Matches(labels.Set(ns.Labels))
}

// clusterView is a ClusterApiGateway as the ApiGateway the rest of the package works with:
// its spec and status, in the manager's namespace, where its Secrets are read. Its Kind tells
// it apart (gatewayKey, gatewayKind).
func (c *Connector) clusterView(cgw *v1alpha1.ClusterApiGateway) *v1alpha1.ApiGateway {
	view := &v1alpha1.ApiGateway{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.KindClusterApiGateway},
		ObjectMeta: *cgw.ObjectMeta.DeepCopy(),
		Spec:       *cgw.Spec.ApiGatewaySpec.DeepCopy(),
		Status:     *cgw.Status.DeepCopy(),
	}
	view.Namespace = c.ClusterResourceNamespace
	return view
}

// gatewayKind is ApiGateway, or ClusterApiGateway for a view of one.
func gatewayKind(gw *v1alpha1.ApiGateway) string {
	if gw.Kind == v1alpha1.KindClusterApiGateway {
		return v1alpha1.KindClusterApiGateway
	}
	return v1alpha1.KindApiGateway
}

// gatewayKey names a gateway's connection, in the registry and in metrics: namespace/name,
// or ClusterApiGateway/name.
func gatewayKey(gw *v1alpha1.ApiGateway) string {
	return gatewayKeyOf(gw.Namespace, v1alpha1.GatewayReference{Kind: gw.Kind, Name: gw.Name})
}

// gatewayKeyOf is the gatewayKey of the gateway an object of namespace names.
func gatewayKeyOf(namespace string, ref v1alpha1.GatewayReference) string {
	if ref.Kind == v1alpha1.KindClusterApiGateway {
		return v1alpha1.KindClusterApiGateway + "/" + ref.Name
	}
	return namespace + "/" + ref.Name
}
