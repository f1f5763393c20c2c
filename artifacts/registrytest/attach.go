package registrytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of what Sign attaches.
const (
	// SimpleSigningType is the layer of a cosign signature.
	SimpleSigningType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// DSSEType is the layer of a cosign attestation.
	DSSEType = "application/vnd.dsse.envelope.v1+json"
	// SPDXType is the artifact type of the referrer Sign attaches.
	SPDXType = "application/spdx+json"
	// EmptyConfigType is the OCI 1.1 empty config of an artifact.
	EmptyConfigType = "application/vnd.oci.empty.v1+json"
)

// Attached records what Sign attached to one manifest.
type Attached struct {
	// Subject is the digest signed.
	Subject string
	// SignatureTag and AttestationTag are the cosign tags
	// (repo:sha256-<hex>.sig, .att) without the registry host, and
	// Signature and Attestation the digests of the manifests there.
	SignatureTag, AttestationTag string
	Signature, Attestation       string
	// Referrer is the digest of the OCI 1.1 artifact whose subject is
	// Subject, of artifact type SPDXType.
	Referrer string
	// Size is every byte of the three: manifests, configs and layers, each
	// blob counted once.
	Size int64
}

// Sign attaches to the manifest subject of repo what a signed image
// carries: a cosign signature (a simple-signing manifest tagged
// sha256-<hex>.sig), a cosign attestation (a DSSE envelope tagged .att)
// and an OCI 1.1 referrer (an SPDX artifact whose subject is the
// manifest). The signatures are shaped like cosign's; nothing checks them
// cryptographically here.
func (r *Registry) Sign(t testing.TB, repo, subject string) Attached {
	t.Helper()
	opts := []remote.Option{remote.WithTransport(r.Transport()), remote.WithAuth(r.Auth())}
	parse := func(s string) name.Reference {
		ref, err := name.ParseReference(r.Host+"/"+repo+s, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		return ref
	}
	subj, err := remote.Head(parse("@"+subject), opts...)
	if err != nil {
		t.Fatalf("sign %s@%s: %v", repo, subject, err)
	}
	tagOf := func(suffix string) string { return strings.Replace(subject, ":", "-", 1) + suffix }
	a := Attached{Subject: subject, SignatureTag: repo + ":" + tagOf(".sig"), AttestationTag: repo + ":" + tagOf(".att")}

	// A cosign signature: the simple-signing payload as the layer, its
	// signature in the layer's annotation, an image config without a
	// platform.
	payload, _ := json.Marshal(map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": r.Host + "/" + repo},
			"image":    map[string]string{"docker-manifest-digest": subject},
			"type":     "cosign container image signature",
		},
		"optional": nil,
	})
	sig := cosignImage(t, static.NewLayer(payload, SimpleSigningType),
		map[string]string{"dev.cosignproject.cosign/signature": base64.StdEncoding.EncodeToString([]byte("signature of " + subject))})
	a.Signature, a.Size = writeImage(t, parse(":"+tagOf(".sig")), sig, opts)

	// A cosign attestation: an in-toto statement in a DSSE envelope.
	statement, _ := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v0.1",
		"predicateType": "https://slsa.dev/provenance/v0.2",
		"subject":       []map[string]any{{"name": r.Host + "/" + repo, "digest": map[string]string{"sha256": strings.TrimPrefix(subject, "sha256:")}}},
		"predicate":     map[string]string{"builder": "test"},
	})
	envelope, _ := json.Marshal(map[string]any{
		"payloadType": "application/vnd.in-toto+json",
		"payload":     base64.StdEncoding.EncodeToString(statement),
		"signatures":  []map[string]string{{"keyid": "", "sig": base64.StdEncoding.EncodeToString([]byte("dsse of " + subject))}},
	})
	att := cosignImage(t, static.NewLayer(envelope, DSSEType), map[string]string{"predicateType": "https://slsa.dev/provenance/v0.2"})
	var n int64
	a.Attestation, n = writeImage(t, parse(":"+tagOf(".att")), att, opts)
	a.Size += n

	// An OCI 1.1 referrer: an SPDX document with the empty config.
	emptyCfg := static.NewLayer([]byte("{}"), EmptyConfigType)
	sbom := static.NewLayer([]byte(`{"spdxVersion":"SPDX-2.3","name":"`+repo+`"}`), SPDXType)
	for _, l := range []v1.Layer{emptyCfg, sbom} {
		if err := remote.WriteLayer(parse("").Context(), l, opts...); err != nil {
			t.Fatalf("push a blob of the referrer: %v", err)
		}
	}
	manifest := map[string]any{
		"schemaVersion": 2,
		"mediaType":     types.OCIManifestSchema1,
		"artifactType":  SPDXType,
		"config":        descriptor(t, emptyCfg),
		"layers":        []v1.Descriptor{descriptor(t, sbom)},
		"subject":       v1.Descriptor{MediaType: subj.MediaType, Digest: subj.Digest, Size: subj.Size},
		"annotations":   map[string]string{"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
	}
	raw, _ := json.Marshal(manifest)
	h, size, _ := v1.SHA256(strings.NewReader(string(raw)))
	a.Referrer = h.String()
	if err := remote.Put(parse("@"+a.Referrer), rawManifest{raw, types.OCIManifestSchema1}, opts...); err != nil {
		t.Fatalf("push the referrer of %s: %v", subject, err)
	}
	a.Size += size + 2 + descriptor(t, sbom).Size
	return a
}

// cosignImage is an image of one layer with annotations and a config
// without a platform, as cosign writes its signatures.
func cosignImage(t testing.TB, l v1.Layer, annotations map[string]string) v1.Image {
	t.Helper()
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: l, Annotations: annotations, MediaType: mustMediaType(t, l)})
	if err != nil {
		t.Fatal(err)
	}
	return mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
}

func mustMediaType(t testing.TB, l v1.Layer) types.MediaType {
	mt, err := l.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	return mt
}

// writeImage pushes img under ref and returns its digest and the bytes of
// its manifest, config and layers.
func writeImage(t testing.TB, ref name.Reference, img v1.Image, opts []remote.Option) (string, int64) {
	t.Helper()
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, _ := img.Digest()
	raw, _ := img.RawManifest()
	m, _ := img.Manifest()
	n := int64(len(raw)) + m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return d.String(), n
}

func descriptor(t testing.TB, l v1.Layer) v1.Descriptor {
	t.Helper()
	d, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := l.Size()
	return v1.Descriptor{MediaType: mustMediaType(t, l), Digest: d, Size: n}
}

// rawManifest is a manifest pushed as it is written.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// String names what was attached, for test messages.
func (a Attached) String() string {
	return fmt.Sprintf("%s: signature %s, attestation %s, referrer %s", a.Subject, a.Signature, a.Attestation, a.Referrer)
}
