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
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Options tune the simulator's behaviour beyond its seed. The zero value is an ideal gateway:
// consistent reads, no write conflicts, no quotas but the 10 versions kept. Realistic turns on
// what the real gateway does instead.
type Options struct {
	// Latency is added to every gateway request.
	Latency time.Duration
	// RateLimit is the number of gateway requests per second accepted; excess requests get
	// 429 APIG.0308 with Retry-After (without it under ThrottleWithoutRetryAfter). Zero means
	// unlimited.
	RateLimit float64
	// FaultRate is the fraction of gateway requests that fail with 500 APIG.9999.
	FaultRate float64
	// Logger receives one line per request; nil logs nothing.
	Logger *slog.Logger

	// ReadLag makes reads of publications stale: a publish, offline or version switch takes
	// effect at once for writes, but the reads (ListApisV2 and ShowDetailsOfApiV2 run
	// environments, the env_id filter, ListApiVersionsV2, ListApiVersionDetailV2, and
	// DataArts' publish info and API status) show each publication as it was ReadLag before
	// the read. The real gateway takes 5 to 10 seconds for a change to show. Zero: none.
	ReadLag time.Duration
	// WriteLatency is the time a write to an APIG instance or DataArts cluster takes to be
	// processed, added after its authentication; it is the window in which a second write
	// to the same instance conflicts under ConflictOnConcurrentWrites.
	WriteLatency time.Duration
	// ConflictOnConcurrentWrites refuses a write to an APIG instance that arrives while
	// another write to the same instance is in flight, with 500 APIG.3500 "Failed to
	// synchronize data to etcd.", as the real gateway may (reference, "Behaviour at scale").
	ConflictOnConcurrentWrites bool
	// ThrottleWithoutRetryAfter leaves the Retry-After header out of every 429, the rate
	// limiter's and an injected fault's alike: the real gateway documents none.
	ThrottleWithoutRetryAfter bool
	// Quotas are the instance quotas enforced on create and listed by
	// GET .../project/configs. The zero value enforces none but the 10 versions kept.
	Quotas Quotas
}

// Quotas are an APIG instance's quotas, with the names ListProjectCofigsV2 gives them. Zero
// means unlimited, except VersionsPerAPI. Exceeding one on create is 403 with the code the
// reference's error table gives that quota; the seed may exceed them.
type Quotas struct {
	// APIsPerInstance is API_NUM_LIMIT (403 APIG.3102): 250, 800, 2,000 or 8,000 by edition.
	APIsPerInstance int
	// APIsPerGroup is API_NUM_LIMIT_PER_GROUP (403 APIG.3125): 1,000 on the real gateway.
	APIsPerGroup int
	// Groups is APIGROUP_NUM_LIMIT (403 APIG.3101): 1,500 on the real gateway.
	Groups int
	// Environments is ENVIRONMENT_NUM_LIMIT (403 APIG.3104), RELEASE included: 10 on the
	// real gateway.
	Environments int
	// VersionsPerAPI is API_VERSION_NUM_LIMIT: the versions kept per API and environment, the
	// oldest dropped by a publish beyond it. Zero means 10, the real gateway's default.
	VersionsPerAPI int
}

// DefaultQuotas are the real gateway's default quotas, those of the Platinum edition for the
// APIs per instance (reference, "Behaviour at scale and limits").
func DefaultQuotas() Quotas {
	return Quotas{APIsPerInstance: 8000, APIsPerGroup: 1000, Groups: 1500, Environments: 10, VersionsPerAPI: maxVersions}
}

// realisticReadLag is the lower end of the 5 to 10 seconds the real gateway takes for a change
// to show: long enough that a reader that trusts a read right after its write is caught every
// time, short enough for a soak. --read-lag=10s tests the upper end.
const realisticReadLag = 5 * time.Second

// realisticWriteLatency is how long a realistic write takes; 100 ms is a fast real publish.
const realisticWriteLatency = 100 * time.Millisecond

// Realistic returns o with every behaviour of the real gateway that o leaves at its zero value
// turned on: a 5-second read lag, 100 ms writes that conflict with APIG.3500 when they
// overlap on an instance, 429 without Retry-After, and the default quotas.
func (o Options) Realistic() Options {
	o.ReadLag = cmp.Or(o.ReadLag, realisticReadLag)
	o.WriteLatency = cmp.Or(o.WriteLatency, realisticWriteLatency)
	o.ConflictOnConcurrentWrites = true
	o.ThrottleWithoutRetryAfter = true
	q, def := &o.Quotas, DefaultQuotas()
	q.APIsPerInstance = cmp.Or(q.APIsPerInstance, def.APIsPerInstance)
	q.APIsPerGroup = cmp.Or(q.APIsPerGroup, def.APIsPerGroup)
	q.Groups = cmp.Or(q.Groups, def.Groups)
	q.Environments = cmp.Or(q.Environments, def.Environments)
	q.VersionsPerAPI = cmp.Or(q.VersionsPerAPI, def.VersionsPerAPI)
	return o
}

// maxBodyBytes bounds request bodies; the signed-request limit of the real gateway is 12 MB.
const maxBodyBytes = 12 << 20

// maxCallLog bounds the call log kept for /_sim/calls.
const maxCallLog = 100_000

// Server is the simulator: an http.Handler serving the APIG v2 and DataArts paths and the
// /_sim/ admin endpoints. It is safe for concurrent use.
type Server struct {
	opts    Options
	seed    *Seed
	mux     *http.ServeMux
	limiter *rate.Limiter

	mu          sync.Mutex
	world       *world
	clockOffset time.Duration
	faults      []*Fault
	stats       map[string]map[int]int
	calls       []Call
	republished []Republish
	republishes int
	conflicts   int
	// writing counts the writes in flight per APIG instance, for ConflictOnConcurrentWrites.
	// A reset keeps it: the writes in flight end after it.
	writing map[string]int
}

// world is the state the seed builds and the gateway calls change.
type world struct {
	tokens    map[string]bool
	secrets   map[string]string
	reviewers map[string]bool
	readOnly  map[string]bool
	projects  map[string]*project
	tasks     map[string]*task
}

type project struct {
	apig     map[string]*instance
	dataarts map[string]*cluster
}

// New builds a simulator from a seed.
func New(seed *Seed, opts Options) (*Server, error) {
	if seed == nil {
		seed = &Seed{}
	}
	if opts.Quotas.VersionsPerAPI < 0 || opts.Quotas.APIsPerInstance < 0 || opts.Quotas.APIsPerGroup < 0 ||
		opts.Quotas.Groups < 0 || opts.Quotas.Environments < 0 || opts.ReadLag < 0 || opts.WriteLatency < 0 {
		return nil, errors.New("options: quotas, read lag and write latency cannot be negative")
	}
	w, err := buildWorld(seed, time.Now(), opts)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, seed: seed, world: w, stats: map[string]map[int]int{}, writing: map[string]int{}}
	if opts.RateLimit > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), max(1, int(math.Ceil(opts.RateLimit))))
	}
	s.routes()
	return s, nil
}

// Now is the simulator's clock: the wall clock moved forward by /_sim/clock.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) now() time.Time { return time.Now().Add(s.clockOffset) }

// AdvanceClock moves the simulator's clock forward, for DataArts' 48-hour rule.
func (s *Server) AdvanceClock(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clockOffset += d
}

// Reset restores the seed's state and clears faults, statistics and the clock offset.
func (s *Server) Reset() error {
	w, err := buildWorld(s.seed, time.Now(), s.opts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.world, s.clockOffset, s.faults = w, 0, nil
	s.stats, s.calls = map[string]map[int]int{}, nil
	s.republished, s.republishes, s.conflicts = nil, 0, 0
	return nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// call is one gateway request on its way through the middleware to a handler.
type call struct {
	r         *http.Request
	op        string
	requestID string
	body      []byte
	caller    string
	// world and now are the state and the time the call sees, both taken under s.mu when the
	// call is authenticated, so that a Reset while the call is in flight cannot split it
	// between two worlds. The call reads and changes world only under s.mu.
	world     *world
	now       time.Time
	project   *project
	inst      *instance // APIG operations
	workspace string    // DataArts operations
	// acted is what the call changed, for its entry in the call log; only the state's
	// publication methods write it.
	acted acted
}

// response is what a handler returns: a JSON body, a raw body, or an error.
type response struct {
	status      int
	body        any
	raw         []byte
	contentType string
	err         *apiError
}

func ok(status int, body any) response { return response{status: status, body: body} }
func fail(err *apiError) response      { return response{err: err} }

type handler func(s *Server, c *call) response

// scope says which part of the world an operation's path addresses.
type scope int

const (
	scopeAPIG scope = iota
	scopeDataArts
)

// handle registers a gateway operation: the pattern, the SDK's operation name (used in
// statistics and fault injection) and the handler.
func (s *Server) handle(pattern, op string, sc scope, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, op, sc, h)
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, op string, sc scope, h handler) {
	start := time.Now()
	c := &call{r: r, op: op, requestID: newID()}
	w.Header().Set("X-Request-Id", c.requestID)
	status := s.run(w, c, sc, h)
	if s.opts.Logger != nil {
		s.opts.Logger.Info("request", "op", op, "method", r.Method, "path", r.URL.Path,
			"status", status, "duration", time.Since(start).Round(time.Microsecond).String())
	}
}

// run takes a request through latency, body limit, authentication, rate limit, faults and the
// handler, writes the response and returns its status.
func (s *Server) run(w http.ResponseWriter, c *call, sc scope, h handler) int {
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, c.r.Body, maxBodyBytes))
	if err != nil {
		return s.finish(w, c, fail(errorf(http.StatusBadRequest, "APIG.2000",
			"Parameter error: the request body exceeds %d bytes", maxBodyBytes)))
	}
	c.body = body

	// Everything the checks below need from shared state is taken here, under s.mu: a Reset
	// replaces s.world at any time, and a fault's count changes under other calls.
	s.mu.Lock()
	c.world, c.now = s.world, s.now()
	caller, authErr := s.authenticate(c)
	readOnly := c.world.readOnly[caller]
	fault := s.matchFault(c.op)
	s.mu.Unlock()

	if authErr != nil {
		return s.finish(w, c, fail(authErr))
	}
	c.caller = caller
	if writeOps[c.op] && readOnly {
		return s.finish(w, c, fail(errorf(http.StatusForbidden, "APIG.1005", "No permissions to request this method")))
	}
	if s.limiter != nil && !s.limiter.Allow() {
		return s.throttled(w, c)
	}
	if s.opts.FaultRate > 0 && rand.Float64() < s.opts.FaultRate {
		return s.finish(w, c, fail(errorf(http.StatusInternalServerError, "APIG.9999", "System error")))
	}
	if fault != nil {
		if status, done := s.applyFault(w, c, fault); done {
			return status
		}
	}
	if writeOps[c.op] {
		if sc == scopeAPIG && s.opts.ConflictOnConcurrentWrites {
			entered, release := s.enterWrite(c)
			if !entered {
				return s.finish(w, c, fail(errConflict()))
			}
			defer release()
		}
		if s.opts.WriteLatency > 0 {
			time.Sleep(s.opts.WriteLatency)
		}
	}

	s.mu.Lock()
	resp := s.resolve(c, sc)
	if resp.err == nil {
		if fault != nil && fault.TaskStatus != "" {
			c.r = c.r.WithContext(withTaskStatus(c.r.Context(), fault.TaskStatus))
		}
		resp = h(s, c)
	}
	s.mu.Unlock()
	return s.finish(w, c, resp)
}

// authenticate accepts a seed token in X-Auth-Token or a valid SDK-HMAC-SHA256 signature, under
// s.mu. It returns who called: the access key, or the token.
func (s *Server) authenticate(c *call) (string, *apiError) {
	if token := c.r.Header.Get("X-Auth-Token"); token != "" {
		if !c.world.tokens[token] {
			return "", errorf(http.StatusUnauthorized, "APIG.1002", "Incorrect token or token resolution failed")
		}
		return token, nil
	}
	if c.r.Header.Get("Authorization") != "" {
		ak, err := verifySignature(c.r, c.body, func(ak string) (string, bool) {
			sk, ok := c.world.secrets[ak]
			return sk, ok
		}, time.Now()) // the client's clock is real: /_sim/clock moves only the gateway's rules
		if err != nil {
			return "", errorf(http.StatusUnauthorized, "APIGW.0301",
				"Incorrect IAM authentication information: verify aksk signature fail, %v", err)
		}
		return ak, nil
	}
	return "", errorf(http.StatusUnauthorized, "APIG.1000", "The token must be specified")
}

// enterWrite counts c as a write in flight on its instance, unless another one is: then the
// real gateway fails to synchronise the second to etcd. release ends the write.
func (s *Server) enterWrite(c *call) (entered bool, release func()) {
	key := c.r.PathValue("project_id") + "/" + c.r.PathValue("instance_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writing[key] > 0 {
		s.conflicts++
		return false, nil
	}
	s.writing[key]++
	return true, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.writing[key]--; s.writing[key] == 0 {
			delete(s.writing, key)
		}
	}
}

// errConflict is the gateway's answer to a write that overlaps another on the same instance.
// The status, code and message are the reference's error table (gateway-api.md §2).
func errConflict() *apiError {
	return errorf(http.StatusInternalServerError, "APIG.3500", "Failed to synchronize data to etcd.")
}

func (s *Server) throttled(w http.ResponseWriter, c *call) int {
	if !s.opts.ThrottleWithoutRetryAfter {
		rsv := s.limiter.Reserve()
		wait := rsv.Delay()
		rsv.Cancel()
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	}
	return s.finish(w, c, fail(errorf(http.StatusTooManyRequests, "APIG.0308",
		"The throttling threshold has been reached: policy user over ratelimit,limit:%g,time:1 second",
		s.opts.RateLimit)))
}

// resolve finds the instance or cluster the path names, under s.mu.
func (s *Server) resolve(c *call, sc scope) response {
	pid := c.r.PathValue("project_id")
	p := c.world.projects[pid]
	switch sc {
	case scopeAPIG:
		iid := c.r.PathValue("instance_id")
		if p == nil || p.apig[iid] == nil {
			return fail(errorf(http.StatusNotFound, "APIG.3030", "The instance does not exist;id:%s", iid))
		}
		c.project, c.inst = p, p.apig[iid]
	case scopeDataArts:
		c.workspace = c.r.Header.Get("workspace")
		if p == nil || c.workspace == "" || !p.hasWorkspace(c.workspace) {
			return fail(errorf(http.StatusBadRequest, "DLM.4001",
				"The workspace does not exist: set the workspace header to a workspace ID of the project"))
		}
		c.project = p
	}
	return response{}
}

func (p *project) hasWorkspace(ws string) bool {
	for _, cl := range p.dataarts {
		if cl.workspace == ws {
			return true
		}
	}
	return false
}

// finish writes the response, records the call and returns the status written.
func (s *Server) finish(w http.ResponseWriter, c *call, resp response) int {
	status := resp.status
	switch {
	case resp.err != nil:
		status = resp.err.status
		writeJSON(w, status, map[string]string{
			"error_code": resp.err.code, "error_msg": resp.err.msg, "request_id": c.requestID,
		})
	case resp.raw != nil:
		w.Header().Set("Content-Type", resp.contentType)
		w.WriteHeader(status)
		_, _ = w.Write(resp.raw)
	case resp.body != nil:
		writeJSON(w, status, resp.body)
	default:
		w.WriteHeader(status)
	}
	s.record(c, status)
	return status
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error_code":"APIG.9999","error_msg":"System error"}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// Call is one entry of the call log.
type Call struct {
	Time      time.Time `json:"time"`
	Operation string    `json:"operation"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	UserAgent string    `json:"userAgent,omitempty"`
	// Action and APIs are what a call changed in what the gateway publishes: the APIs it acted
	// on, not those it refused. Action is online or offline (a version taken offline is
	// offline) or switch for APIG, PUBLISH, UNPUBLISH, STOP or RECOVER for DataArts. Calls
	// that changed no publication have neither.
	Action string   `json:"action,omitempty"`
	APIs   []string `json:"apis,omitempty"`
}

func (s *Server) record(c *call, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byStatus := s.stats[c.op]
	if byStatus == nil {
		byStatus = map[int]int{}
		s.stats[c.op] = byStatus
	}
	byStatus[status]++
	if len(s.calls) >= maxCallLog {
		s.calls = s.calls[1:]
	}
	s.calls = append(s.calls, Call{Time: time.Now(), Operation: c.op, Method: c.r.Method,
		Path: c.r.URL.Path, Status: status, UserAgent: c.r.UserAgent(), Action: c.acted.action, APIs: c.acted.apis})
	for _, r := range c.acted.republished {
		s.republishes++
		if len(s.republished) >= maxCallLog {
			s.republished = s.republished[1:]
		}
		r.Operation, r.Time = c.op, c.now
		s.republished = append(s.republished, r)
	}
}

// decode unmarshals a JSON request body; a malformed body is the gateway's APIG.2000.
func decode(c *call, v any) *apiError {
	if err := json.Unmarshal(c.body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return errInvalid(typeErr.Field)
		}
		return errorf(http.StatusBadRequest, "APIG.2000", "Parameter error: Serialization error: %v", err)
	}
	return nil
}

// page reads offset and limit as the gateway does: offset below 0 is 0; limit 0 or less is 20,
// more than 500 is 500.
func page(c *call) (offset, limit int, err *apiError) {
	q := c.r.URL.Query()
	offset, limit = 0, 20
	if v := q.Get("offset"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil {
			return 0, 0, errInvalidQuery("offset")
		}
		offset = max(0, n)
	}
	if v := q.Get("limit"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil {
			return 0, 0, errInvalidQuery("limit")
		}
		switch {
		case n <= 0:
			limit = 20
		case n > 500:
			limit = 500
		default:
			limit = n
		}
	}
	return offset, limit, nil
}

// window returns the page [offset, offset+limit) of n items.
func window(n, offset, limit int) (lo, hi int) {
	lo = min(offset, n)
	hi = min(lo+limit, n)
	return lo, hi
}

// notFound answers paths the simulator does not serve, as the gateway's entrance does.
func notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-Id", newID())
	writeJSON(w, http.StatusNotFound, map[string]string{
		"error_code": "APIG.0101",
		"error_msg":  fmt.Sprintf("The API does not exist or has not been published in the environment: %s %s", r.Method, r.URL.Path),
	})
}

// queryFlag reports whether a comma-separated query value lists name.
func queryFlag(value, name string) bool {
	for _, v := range strings.Split(value, ",") {
		if strings.TrimSpace(v) == name {
			return true
		}
	}
	return false
}
