package bundleregistry

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// referrerOf reads a manifest's subject: the digest it is about and the
// manifest described as the referrers API lists it (media type, digest,
// size, artifact type or else its config's media type, annotations).
// A manifest without a subject gives "".
func referrerOf(raw []byte, digest string, mt types.MediaType) (string, v1.Descriptor) {
	var m struct {
		MediaType    types.MediaType   `json:"mediaType"`
		ArtifactType string            `json:"artifactType"`
		Config       *v1.Descriptor    `json:"config"`
		Subject      *v1.Descriptor    `json:"subject"`
		Annotations  map[string]string `json:"annotations"`
	}
	if json.Unmarshal(raw, &m) != nil || m.Subject == nil {
		return "", v1.Descriptor{}
	}
	h, err := v1.NewHash(digest)
	if err != nil {
		return "", v1.Descriptor{}
	}
	d := v1.Descriptor{MediaType: mt, Digest: h, Size: int64(len(raw)), ArtifactType: m.ArtifactType, Annotations: m.Annotations}
	if d.MediaType == "" {
		d.MediaType = m.MediaType
	}
	if d.ArtifactType == "" && m.Config != nil {
		d.ArtifactType = string(m.Config.MediaType)
	}
	return m.Subject.Digest.String(), d
}

// addReferrer lists d among the referrers of subject, once.
func (rp *repository) addReferrer(subject string, d v1.Descriptor) {
	list := rp.referrers[subject]
	if slices.ContainsFunc(list, func(o v1.Descriptor) bool { return o.Digest == d.Digest }) {
		return
	}
	list = append(list, d)
	slices.SortFunc(list, func(a, b v1.Descriptor) int { return strings.Compare(a.Digest.String(), b.Digest.String()) })
	rp.referrers[subject] = list
}

// referrers answers the referrers API from the bundle: the manifests rp
// carries whose subject is ref, filtered by artifactType when asked. A
// subject nothing refers to, or a repository the bundle does not carry,
// is an empty index (the spec forbids a 404 here: it would tell the client
// that the API is missing).
func (r *Registry) referrers(w http.ResponseWriter, req *http.Request, rp *repository, ref string) {
	if !validDigest(ref) {
		digestInvalid(w, ref)
		return
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}
	if rp != nil {
		idx.Manifests = append(idx.Manifests, rp.referrers[ref]...)
	}
	if at := req.URL.Query().Get("artifactType"); at != "" {
		idx.Manifests = slices.DeleteFunc(idx.Manifests, func(d v1.Descriptor) bool { return d.ArtifactType != at })
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	body, err := json.Marshal(idx)
	if err != nil {
		regError(w, http.StatusInternalServerError, "UNKNOWN", err.Error(), nil)
		return
	}
	w.Header().Set("Content-Type", string(types.OCIImageIndex))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}
