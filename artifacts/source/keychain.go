package source

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// pullSecret is a keychain read from a docker config JSON file
// ({"auths": {"host": {"auth": "base64(user:pass)"}}}).
type pullSecret struct {
	auths map[string]authn.AuthConfig
}

// LoadPullSecret reads a docker config JSON file as a keychain. The error
// names the file but never its content.
func LoadPullSecret(path string) (authn.Keychain, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the pull secret %s: %w", path, err)
	}
	var doc struct {
		Auths map[string]struct {
			Auth          string `json:"auth"`
			Username      string `json:"username"`
			Password      string `json:"password"`
			IdentityToken string `json:"identitytoken"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("the pull secret %s is not docker config JSON ({\"auths\": {...}}): check the file", path)
	}
	ps := &pullSecret{auths: map[string]authn.AuthConfig{}}
	for key, a := range doc.Auths {
		cfg := authn.AuthConfig{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("the pull secret %s has an entry for %s whose auth is not base64: check the file", path, registryKey(key))
			}
			user, pass, ok := strings.Cut(string(raw), ":")
			if !ok {
				return nil, fmt.Errorf("the pull secret %s has an entry for %s whose auth is not user:password: check the file", path, registryKey(key))
			}
			cfg.Username, cfg.Password = user, pass
		}
		ps.auths[registryKey(key)] = cfg
	}
	return ps, nil
}

// registryKey normalises a docker config key ("https://index.docker.io/v1/",
// "docker.io", "quay.io") to a registry host as go-containerregistry names it.
func registryKey(k string) string {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k, _, _ = strings.Cut(k, "/")
	switch k {
	case "docker.io", "registry-1.docker.io":
		return name.DefaultRegistry
	}
	return k
}

// Resolve implements authn.Keychain.
func (p *pullSecret) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if cfg, ok := p.auths[r.RegistryStr()]; ok {
		return authn.FromConfig(cfg), nil
	}
	return authn.Anonymous, nil
}

// ResolveContext implements authn.ContextKeychain.
func (p *pullSecret) ResolveContext(_ context.Context, r authn.Resource) (authn.Authenticator, error) {
	return p.Resolve(r)
}

// Login is a keychain holding one username and password for one registry
// host, for credentials given on the command line or in the environment.
func Login(host, username, password string) authn.Keychain {
	return &login{host: host, cfg: authn.AuthConfig{Username: username, Password: password}}
}

type login struct {
	host string
	cfg  authn.AuthConfig
}

func (l *login) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() == l.host {
		return authn.FromConfig(l.cfg), nil
	}
	return authn.DefaultKeychain.Resolve(r)
}
