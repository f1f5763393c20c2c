package bundleregistry

import (
	"bytes"
	"encoding/json"
	"ferry/artifacts/progress"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// regError is the distribution spec's error body.
func regError(w http.ResponseWriter, status int, code, msg string, detail any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.Header().Del("Docker-Content-Digest")
	w.Header().Del("Cache-Control")
	w.WriteHeader(status)
	e := map[string]any{"code": code, "message": msg}
	if detail != nil {
		e["detail"] = detail
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{e}})
}

// refuse answers a request for an item that is damaged or cannot be read.
func (r *Registry) refuse(w http.ResponseWriter, err error) {
	r.report(err)
	regError(w, http.StatusInternalServerError, "UNKNOWN", err.Error(), nil)
}

// ServeHTTP implements the pull side of the distribution spec.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	p := req.URL.Path
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		regError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "this registry is read-only: it serves a ferry bundle", nil)
		return
	}
	if p == "/v2" || p == "/v2/" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "2")
		w.WriteHeader(http.StatusOK)
		if req.Method == http.MethodGet {
			_, _ = w.Write([]byte("{}"))
		}
		return
	}
	if p == "/v2/_catalog" {
		r.catalog(w, req)
		return
	}
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		unknownPath(w, p)
		return
	}
	if name, ok := strings.CutSuffix(rest, "/tags/list"); ok && name != "" {
		if rp := r.repository(w, name); rp != nil {
			r.tagList(w, req, name, rp)
		}
		return
	}
	i := strings.LastIndex(rest, "/")
	if i < 0 {
		unknownPath(w, p)
		return
	}
	head, ref := rest[:i], rest[i+1:]
	for _, kind := range []string{"/manifests", "/blobs", "/referrers"} {
		name, ok := strings.CutSuffix(head, kind)
		if !ok || name == "" || ref == "" {
			continue
		}
		if kind == "/referrers" {
			r.referrers(w, req, r.repos[name], ref)
			return
		}
		rp := r.repository(w, name)
		if rp == nil {
			return
		}
		if kind == "/manifests" {
			r.manifest(w, req, name, rp, ref)
		} else {
			r.serveBlob(w, req, rp, ref)
		}
		return
	}
	unknownPath(w, p)
}

func unknownPath(w http.ResponseWriter, p string) {
	regError(w, http.StatusNotFound, "UNSUPPORTED", "no such endpoint in this read-only registry", map[string]string{"path": p})
}

// repository finds a repository served, or answers NAME_UNKNOWN.
func (r *Registry) repository(w http.ResponseWriter, name string) *repository {
	rp, ok := r.repos[name]
	if !ok {
		regError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry", map[string]string{"name": name})
	}
	return rp
}

var (
	algorithmPattern = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$`)
	hexPattern       = regexp.MustCompile(`^[a-f0-9]+$`)
)

// validDigest says whether s is a digest the spec's clients may send:
// sha256 or sha512, lower-case hex of the right length.
func validDigest(s string) bool {
	alg, enc, ok := strings.Cut(s, ":")
	if !ok || !algorithmPattern.MatchString(alg) || !hexPattern.MatchString(enc) {
		return false
	}
	switch alg {
	case "sha256":
		return len(enc) == 64
	case "sha512":
		return len(enc) == 128
	}
	return false
}

func digestInvalid(w http.ResponseWriter, d string) {
	regError(w, http.StatusBadRequest, "DIGEST_INVALID", "invalid digest: sha256 followed by 64 lower-case hex digits was expected", map[string]string{"digest": d})
}

// accepts says whether a client's Accept header lets it have a manifest
// of media type mt, as the distribution registry decides: OCI manifests and
// indexes only for a client that lists them, a Docker manifest list by tag
// only for one that lists it (the distribution registry would rewrite it
// for an older client, which a bundle cannot), a Docker schema 2 manifest
// always. Unlike the distribution registry, no Accept header at all, or
// */*, accepts everything, as the OCI spec's own registries do.
func accepts(req *http.Request, mt types.MediaType, byTag bool) bool {
	vals := req.Header.Values("Accept")
	if len(vals) == 0 {
		return true
	}
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			m, _, err := mime.ParseMediaType(s)
			if err != nil {
				continue
			}
			if m == "*/*" || m == string(mt) {
				return true
			}
		}
	}
	switch mt {
	case types.DockerManifestSchema2:
		return true
	case types.DockerManifestList:
		return !byTag
	}
	return false
}

func (r *Registry) manifest(w http.ResponseWriter, req *http.Request, name string, rp *repository, ref string) {
	digest := ref
	byTag := !strings.Contains(ref, ":")
	if byTag {
		d, ok := rp.tags[ref]
		if !ok {
			regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown to registry", map[string]string{"tag": ref})
			return
		}
		digest = d.Digest.String()
	} else if !validDigest(ref) {
		digestInvalid(w, ref)
		return
	}
	mt := r.media[digest]
	sr, present := r.entry(digest)
	if !rp.uses[digest] || !present {
		regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown to registry", map[string]string{"digest": digest})
		return
	}
	if !accepts(req, mt, byTag) {
		regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", fmt.Sprintf("%s found, but the Accept header does not list it", mt), map[string]string{"digest": digest})
		return
	}
	raw, err := r.readManifest(digest, sr)
	if err != nil {
		r.refuse(w, err)
		return
	}
	w.Header().Set("Content-Type", string(mt))
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(raw)
	// Pulls are served in parallel; the sink takes one at a time, and the
	// count is taken under the same lock so it never goes back.
	r.pullsMu.Lock()
	defer r.pullsMu.Unlock()
	n := r.pulls.Add(1)
	if r.Progress != nil {
		item := name + ":" + ref
		r.Progress(progress.Event{Stage: progress.StageServe, Item: item, State: progress.Pulled,
			Label: fmt.Sprintf("%s pulled %s (%s)", req.RemoteAddr, item, digest), ItemsDone: int(n)})
	}
}

func (r *Registry) tagList(w http.ResponseWriter, req *http.Request, name string, rp *repository) {
	all := make([]string, 0, len(rp.tags))
	for t := range rp.tags {
		all = append(all, t)
	}
	sort.Strings(all)
	q := req.URL.Query()
	if last := q.Get("last"); last != "" {
		i := sort.SearchStrings(all, last)
		if i < len(all) && all[i] == last {
			i++
		}
		all = all[i:]
	}
	if ns := q.Get("n"); ns != "" {
		n, err := strconv.Atoi(ns)
		if err != nil || n < 0 {
			regError(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", "invalid number of results requested", map[string]string{"n": ns})
			return
		}
		if n < len(all) {
			all = all[:n]
			if n > 0 {
				next := url.Values{"n": {ns}, "last": {all[len(all)-1]}}
				w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?%s>; rel="next"`, name, next.Encode()))
			}
		}
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(map[string]any{"name": name, "tags": all})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodGet {
		_, _ = w.Write(buf.Bytes())
	}
}

func (r *Registry) catalog(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"repositories": r.Repositories()})
}
