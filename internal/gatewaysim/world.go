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
	"fmt"
	"slices"
	"strings"
	"time"
)

// buildWorld turns a seed into state under the options' quotas and read lag; the seed's
// mistakes (duplicate names, a published version in an unknown environment, malformed IDs)
// are errors. The seed may exceed the quotas but for the versions kept.
func buildWorld(seed *Seed, now time.Time, opts Options) (*world, error) {
	w := &world{
		tokens: map[string]bool{}, secrets: map[string]string{}, reviewers: map[string]bool{}, readOnly: map[string]bool{},
		projects: map[string]*project{}, tasks: map[string]*task{},
	}
	for _, t := range seed.Tokens {
		w.tokens[t] = true
	}
	for _, k := range seed.AccessKeys {
		w.secrets[k.AccessKey] = k.SecretKey
	}
	for _, r := range seed.Reviewers {
		w.reviewers[r] = true
	}
	for _, r := range seed.ReadOnly {
		w.readOnly[r] = true
	}
	for _, sp := range seed.Projects {
		p := &project{apig: map[string]*instance{}, dataarts: map[string]*cluster{}}
		for _, si := range sp.APIG {
			in, err := buildInstance(si, now, opts.Quotas)
			if err != nil {
				return nil, fmt.Errorf("seed: instance %s: %w", si.InstanceID, err)
			}
			// The seed's publications are old news: only later changes lag.
			in.readLag = opts.ReadLag
			p.apig[si.InstanceID] = in
		}
		for _, sc := range sp.DataArts {
			cl := buildCluster(sc, now)
			cl.readLag = opts.ReadLag
			p.dataarts[sc.ClusterID] = cl
		}
		w.projects[sp.ID] = p
	}
	return w, nil
}

func buildInstance(si SeedInstance, now time.Time, quotas Quotas) (*instance, error) {
	if quotas.VersionsPerAPI == 0 {
		quotas.VersionsPerAPI = maxVersions
	}
	in := &instance{id: si.InstanceID, created: now, versions: map[string]*version{}, quotas: quotas}
	in.envs = append(in.envs, &Environment{ID: ReleaseEnvID, Name: "RELEASE", Remark: "Production environment", CreateTime: now})
	for _, se := range si.Environments {
		if in.env(se.Name) != nil {
			return nil, fmt.Errorf("environment %s is declared twice", se.Name)
		}
		id := se.ID
		if id == "" {
			id = newID()
		}
		in.envs = append(in.envs, &Environment{ID: id, Name: se.Name, Remark: se.Remark, CreateTime: now})
	}
	for _, sg := range si.Groups {
		g := &Group{ID: sg.ID, Name: sg.Name, Remark: sg.Remark, RegisterTime: now, UpdateTime: now}
		if g.ID == "" {
			g.ID = newID()
		}
		g.SLDomain = g.ID + ".apic.cn-north-4.huaweicloudapis.com"
		in.groups = append(in.groups, g)
		for _, sa := range sg.APIs {
			a, err := seedAPI(in, g, sa, now)
			if err != nil {
				return nil, err
			}
			in.apis = append(in.apis, a)
		}
	}
	return in, nil
}

func seedAPI(in *instance, g *Group, sa SeedAPI, now time.Time) (*apiState, error) {
	if in.apiByName(sa.Name) != nil {
		return nil, fmt.Errorf("API name %s is declared twice", sa.Name)
	}
	a := &apiState{API: API{
		ID: sa.ID, Name: sa.Name, GroupID: g.ID, Type: 1,
		ReqProtocol: or(sa.Protocol, "HTTPS"), ReqMethod: or(sa.Method, "GET"), ReqURI: sa.Path,
		AuthType: or(sa.AuthType, "NONE"), MatchMode: "NORMAL", BackendType: "HTTP", Remark: sa.Remark,
		RegisterTime: now, UpdateTime: now,
	}, pubs: map[string]*publication{}}
	if a.ID == "" {
		a.ID = newID()
	}
	a.ReqParams = pathParams(sa.Path)
	backend := or(sa.Backend, "http://backend.internal"+sa.Path)
	scheme, rest, _ := strings.Cut(backend, "://")
	domain, uri, _ := strings.Cut(rest, "/")
	a.Backend = &Backend{URLDomain: domain, ReqProtocol: strings.ToUpper(scheme), ReqMethod: a.ReqMethod,
		ReqURI: "/" + uri, Timeout: 5000}
	for _, sp := range sa.Published {
		env := in.env(sp.Environment)
		if env == nil {
			return nil, fmt.Errorf("API %s: published in unknown environment %s", sa.Name, sp.Environment)
		}
		for i, vid := range sp.Versions {
			if !hexID.MatchString(vid) || in.versions[vid] != nil {
				return nil, fmt.Errorf("API %s: version ID %q is not a new 32-hex ID", sa.Name, vid)
			}
			// Seeded versions are spaced an hour apart, ending an hour ago.
			at := now.Add(-time.Duration(len(sp.Versions)-i) * time.Hour)
			in.publish(nil, a, env.ID, vid, "", at)
		}
	}
	return a, nil
}

// pathParams declares a STRING path parameter for every {name} in a request URI.
func pathParams(uri string) []ReqParam {
	var params []ReqParam
	for rest := uri; ; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			break
		}
		name := strings.TrimSuffix(rest[open+1:open+end], "+")
		params = append(params, ReqParam{Name: name, Location: "PATH", Type: "STRING", Required: true})
		rest = rest[open+end+1:]
	}
	return params
}

func buildCluster(sc SeedCluster, now time.Time) *cluster {
	c := &cluster{id: sc.ClusterID, name: or(sc.Name, "cluster_"+sc.ClusterID[:min(8, len(sc.ClusterID))]), workspace: sc.Workspace}
	for _, sa := range sc.APIs {
		a := &dataAPI{id: sa.ID, name: sa.Name, path: sa.Path, description: sa.Description,
			authorizedApps: dataArtsDefaultAuthorizedApp, createTime: now, dataPublication: dataPublication{status: sa.Status}}
		if a.id == "" {
			a.id = newID()
		}
		if sa.AuthorizedApps != nil {
			a.authorizedApps = *sa.AuthorizedApps
		}
		if a.status != "" {
			a.publishID = newID()
		}
		c.apis = append(c.apis, a)
	}
	return c
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// StateDump is what GET /_sim/state returns: what every instance serves.
type StateDump struct {
	Projects map[string]ProjectDump `json:"projects"`
	Now      time.Time              `json:"now"`
}

// ProjectDump is the state of one project.
type ProjectDump struct {
	APIG     map[string]InstanceDump `json:"apig"`
	DataArts map[string]ClusterDump  `json:"dataarts"`
}

// InstanceDump is the state of one APIG instance.
type InstanceDump struct {
	Environments []Environment `json:"environments"`
	Groups       []Group       `json:"groups"`
	APIs         []APIDump     `json:"apis"`
}

// APIDump is one API and its publications by environment name.
type APIDump struct {
	ID           string                     `json:"id"`
	Name         string                     `json:"name"`
	GroupID      string                     `json:"groupId"`
	UpdateTime   time.Time                  `json:"updateTime"`
	Publications map[string]PublicationDump `json:"publications,omitempty"`
}

// PublicationDump is an API's history in one environment.
type PublicationDump struct {
	LiveVersion string        `json:"liveVersion,omitempty"`
	PublishID   string        `json:"publishId,omitempty"`
	LiveSince   *time.Time    `json:"liveSince,omitempty"`
	Versions    []VersionDump `json:"versions"`
}

// VersionDump is one published version.
type VersionDump struct {
	ID          string    `json:"id"`
	PublishID   string    `json:"publishId"`
	PublishTime time.Time `json:"publishTime"`
	Remark      string    `json:"remark,omitempty"`
}

// ClusterDump is the state of one DataArts cluster.
type ClusterDump struct {
	Workspace string        `json:"workspace"`
	APIs      []DataAPIDump `json:"apis"`
}

// DataAPIDump is one DataArts API and its publication status.
type DataAPIDump struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	PublishID   string     `json:"publishId,omitempty"`
	Status      string     `json:"status,omitempty"`
	EffectiveAt *time.Time `json:"effectiveAt,omitempty"`
}

// State returns a copy of the whole state, with scheduled DataArts actions settled: the true
// state, which the writes act on, not what reads within Options.ReadLag show.
func (s *Server) State() StateDump {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	d := StateDump{Projects: map[string]ProjectDump{}, Now: now}
	for pid, p := range s.world.projects {
		pd := ProjectDump{APIG: map[string]InstanceDump{}, DataArts: map[string]ClusterDump{}}
		for iid, in := range p.apig {
			pd.APIG[iid] = dumpInstance(in)
		}
		for cid, c := range p.dataarts {
			cd := ClusterDump{Workspace: c.workspace}
			for _, a := range c.apis {
				a.settle(now)
				ad := DataAPIDump{ID: a.id, Name: a.name, PublishID: a.publishID, Status: a.status}
				if a.status == dataStatusWaitingOffline || a.status == dataStatusWaitingStop {
					at := a.effectiveAt
					ad.EffectiveAt = &at
				}
				cd.APIs = append(cd.APIs, ad)
			}
			pd.DataArts[cid] = cd
		}
		d.Projects[pid] = pd
	}
	return d
}

func dumpInstance(in *instance) InstanceDump {
	d := InstanceDump{}
	for _, e := range in.envs {
		d.Environments = append(d.Environments, *e)
	}
	for _, g := range in.groups {
		d.Groups = append(d.Groups, *g)
	}
	for _, a := range in.apis {
		ad := APIDump{ID: a.ID, Name: a.Name, GroupID: a.GroupID, UpdateTime: a.UpdateTime,
			Publications: map[string]PublicationDump{}}
		for envID, p := range a.pubs {
			env := in.envByID(envID)
			if env == nil {
				continue
			}
			pd := PublicationDump{}
			if p.live != nil {
				since := p.liveSince
				pd.LiveVersion, pd.PublishID, pd.LiveSince = p.live.id, p.live.publishID, &since
			}
			for _, v := range p.versions {
				pd.Versions = append(pd.Versions, VersionDump{ID: v.id, PublishID: v.publishID, PublishTime: v.publishTime, Remark: v.remark})
			}
			ad.Publications[env.Name] = pd
		}
		d.APIs = append(d.APIs, ad)
	}
	slices.SortFunc(d.APIs, func(x, y APIDump) int { return strings.Compare(x.Name, y.Name) })
	return d
}
