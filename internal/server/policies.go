package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/api"
	"github.com/adit-project/adit/internal/policy"
	"github.com/adit-project/adit/internal/sigv4"
)

// policies is the API's Authorizer: the users and IAM policies of the
// policy file, re-read on Reload and when the file changes. Without a
// policy file every key may do everything, as before policies existed.
type policies struct {
	path      string
	partition string
	account   string
	keys      sigv4.StaticKeys // names keys that no user lists
	log       *slog.Logger
	file      atomic.Pointer[policy.File]
	mu        sync.Mutex // serializes reloads
	seen      fileStamp
}

// fileStamp identifies a version of a file by size and modification time.
type fileStamp struct {
	size  int64
	mtime time.Time
}

// newPolicies loads the policy file, if any; a bad file fails the start.
func newPolicies(cfg *Config, keys sigv4.StaticKeys, log *slog.Logger) (*policies, error) {
	p := &policies{path: cfg.PolicyFile, partition: cfg.Partition, account: cfg.AccountID, keys: keys, log: log}
	if p.path == "" {
		return p, nil
	}
	if err := p.Reload(); err != nil {
		return nil, err
	}
	f := p.file.Load()
	log.Info("policy file loaded", "path", p.path, "users", len(f.Users))
	return p, nil
}

// Reload re-reads the policy file. A file that does not parse is refused
// with the field at fault and the policies in force stay.
func (p *policies) Reload() error {
	if p.path == "" {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := os.Stat(p.path)
	if err != nil {
		return fmt.Errorf("policy file: %w", err)
	}
	data, err := os.ReadFile(p.path)
	if err != nil {
		return fmt.Errorf("policy file: %w", err)
	}
	f, err := policy.ParseFile(data)
	if err != nil {
		return fmt.Errorf("policy file %s: %w", p.path, err)
	}
	p.file.Store(f)
	p.seen = fileStamp{st.Size(), st.ModTime()}
	return nil
}

// watch reloads the file when its size or modification time changes,
// checking every interval until ctx ends.
func (p *policies) watch(ctx context.Context, interval time.Duration) {
	if p.path == "" {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.reloadIfChanged()
		}
	}
}

func (p *policies) reloadIfChanged() {
	st, err := os.Stat(p.path)
	p.mu.Lock()
	changed := err == nil && (fileStamp{st.Size(), st.ModTime()}) != p.seen
	p.mu.Unlock()
	if !changed {
		return
	}
	if err := p.Reload(); err != nil {
		p.log.Error("policy file not reloaded; the previous policies stay in force", "err", err)
		p.mu.Lock()
		p.seen = fileStamp{st.Size(), st.ModTime()} // report a bad version once
		p.mu.Unlock()
		return
	}
	p.log.Info("policy file reloaded", "path", p.path, "users", len(p.file.Load().Users))
}

// Identify implements api.Authorizer: the user listing the key, or else
// the key's credentials-file section name (or the key id itself).
func (p *policies) Identify(accessKeyID string) api.Identity {
	name := accessKeyID
	if k, ok := p.keys[accessKeyID]; ok && k.Name != "" {
		name = k.Name
	}
	if f := p.file.Load(); f != nil {
		if u, ok := f.UserByAccessKey(accessKeyID); ok {
			name = u.Name
		}
	}
	return api.Identity{AccessKeyID: accessKeyID, UserName: name,
		ARN: "arn:" + p.partition + ":iam::" + p.account + ":user/" + name}
}

// Decide implements api.Authorizer. Without a policy file everything is
// allowed; with one, a key that no user lists may do nothing.
func (p *policies) Decide(id api.Identity, q api.Query) api.Decision {
	f := p.file.Load()
	if f == nil {
		return api.Allow
	}
	u, ok := f.UserByAccessKey(id.AccessKeyID)
	if !ok {
		return api.ImplicitDeny
	}
	ctx := policy.Context(q.Context)
	ctx["aws:username"] = []string{u.Name}
	ctx["aws:userid"] = []string{u.Name}
	ctx["aws:principalarn"] = []string{id.ARN}
	switch policy.Evaluate(u.Policies, &policy.Request{Action: q.Action, Resource: q.Resource, Context: ctx}) {
	case policy.Allow:
		return api.Allow
	case policy.ExplicitDeny:
		return api.ExplicitDeny
	}
	return api.ImplicitDeny
}

// MayAllow implements api.Authorizer.
func (p *policies) MayAllow(id api.Identity, action string) bool {
	f := p.file.Load()
	if f == nil {
		return true
	}
	u, ok := f.UserByAccessKey(id.AccessKeyID)
	return ok && policy.MayAllow(u.Policies, action)
}

// Enforcing implements api.Authorizer: policies apply when tunneld was
// started with a policy file.
func (p *policies) Enforcing() bool { return p.path != "" }
