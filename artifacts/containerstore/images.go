package containerstore

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"ferry/artifacts/bundle"
)

// The big-data keys the containers libraries store an image's documents
// under: its config by digest, each manifest as "manifest-DIGEST", and the
// platform's manifest once more as "manifest" for readers that ask for no
// digest.
const (
	manifestKey    = "manifest"
	manifestPrefix = "manifest-"
)

// Image is one image to record over its layers.
type Image struct {
	// Name is the reference the runtime asks for; see Name.
	Name string
	// TopLayer is the ID of its last layer.
	TopLayer string
	// Config and Manifest are the platform's config and manifest; List,
	// when the image was chosen from an index, that index.
	Config, Manifest, List []byte
	// Created is the config's creation time; zero means now.
	Created time.Time
}

// Name is ref as the containers libraries store it: a Docker Hub
// reference in full (docker.io/library/…), the rest as written.
func Name(ref string) string {
	i := strings.IndexByte(ref, '/')
	if i < 0 || !strings.ContainsAny(ref[:i], ".:") && ref[:i] != "localhost" {
		ref = "docker.io/" + ref
		i = len("docker.io")
	}
	if ref[:i] == "docker.io" && !strings.Contains(ref[i+1:], "/") {
		ref = "docker.io/library/" + ref[i+1:]
	}
	return ref
}

// bigDataFile is the file name a big-data key is stored under: the key
// itself when it is only lower-case letters, digits and dots, else "="
// and the key in standard base64.
func bigDataFile(key string) string {
	for _, c := range key {
		if c != '.' && (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return "=" + base64.StdEncoding.EncodeToString([]byte(key))
		}
	}
	return key
}

func (s *Store) imageDir(id string) string { return filepath.Join(s.root, imagesDir, id) }

// PutImage records im, named, over its layers (which must be in the store).
// Its ID is its config's digest, so an image already recorded (the same
// config under another name) gains the name and the manifests; the name is
// taken from any other image that had it, as the libraries move a tag.
func (s *Store) PutImage(im Image) error {
	if im.TopLayer != "" && !s.HasLayer(im.TopLayer) {
		return fmt.Errorf("the image store lacks layer %s of %s", short(im.TopLayer), im.Name)
	}
	cfgDigest := bundle.Digest(im.Config)
	id := trimAlg(cfgDigest)
	type item struct {
		key  string
		data []byte
	}
	items := []item{{cfgDigest, im.Config}}
	if len(im.List) > 0 {
		items = append(items, item{manifestPrefix + bundle.Digest(im.List), im.List})
	}
	items = append(items, item{manifestPrefix + bundle.Digest(im.Manifest), im.Manifest}, item{manifestKey, im.Manifest})

	rec := imageRecord{ID: id, TopLayer: im.TopLayer, Metadata: "{}", BigDataSizes: map[string]int64{}, BigDataDigests: map[string]string{}, Created: im.Created.UTC()}
	i, exists := s.imgIdx[id]
	if exists {
		if err := decodeImage(s.images[i], &rec); err != nil {
			return err
		}
		if rec.TopLayer != im.TopLayer {
			return fmt.Errorf("the image store holds image %s over other layers than %s has: remove it from the store first", short(id), im.Name)
		}
	}
	if rec.Created.IsZero() {
		rec.Created = s.now().UTC()
	}
	if err := os.MkdirAll(s.imageDir(id), 0o700); err != nil {
		return fmt.Errorf("cannot write the image %s: %w", im.Name, err)
	}
	for _, it := range items {
		if err := writeAtomic(filepath.Join(s.imageDir(id), bigDataFile(it.key)), it.data, 0o600); err != nil {
			return err
		}
		if !slices.Contains(rec.BigDataNames, it.key) {
			rec.BigDataNames = append(rec.BigDataNames, it.key)
		}
		rec.BigDataSizes[it.key] = int64(len(it.data))
		rec.BigDataDigests[it.key] = bundle.Digest(it.data)
		if rec.Digest == "" && strings.HasPrefix(it.key, manifestKey) {
			rec.Digest = bundle.Digest(it.data)
		}
	}
	if im.Name != "" {
		s.takeName(im.Name, id)
		rec.Names = appendNew(rec.Names, im.Name)
		rec.NamesHistory = append([]string{im.Name}, slices.DeleteFunc(rec.NamesHistory, func(n string) bool { return n == im.Name })...)
	}
	raw := map[string]json.RawMessage{}
	if exists {
		raw = s.images[i]
	}
	if err := encodeImage(rec, raw); err != nil {
		return err
	}
	if !exists {
		s.images = append(s.images, raw)
		s.imgIdx[id] = len(s.images) - 1
	}
	if err := writeJSON(filepath.Join(s.root, imagesJSON), s.images); err != nil {
		return err
	}
	s.dirty[imagesLock] = true
	return nil
}

// takeName removes name from every image but id.
func (s *Store) takeName(name, id string) {
	for other, i := range s.imgIdx {
		if other == id {
			continue
		}
		var rec imageRecord
		if decodeImage(s.images[i], &rec) != nil || !slices.Contains(rec.Names, name) {
			continue
		}
		rec.Names = slices.DeleteFunc(rec.Names, func(n string) bool { return n == name })
		_ = encodeImage(rec, s.images[i])
	}
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func decodeImage(raw map[string]json.RawMessage, rec *imageRecord) error {
	data, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(data, rec)
	}
	if err != nil {
		return fmt.Errorf("the image store's %s cannot be read: %w", imagesJSON, err)
	}
	if rec.BigDataSizes == nil {
		rec.BigDataSizes = map[string]int64{}
	}
	if rec.BigDataDigests == nil {
		rec.BigDataDigests = map[string]string{}
	}
	return nil
}

// encodeImage writes rec's fields into raw, leaving any other field there.
func encodeImage(rec imageRecord, raw map[string]json.RawMessage) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	for _, k := range []string{"names", "names-history"} {
		if _, ok := fields[k]; !ok {
			delete(raw, k)
		}
	}
	for k, v := range fields {
		raw[k] = v
	}
	return nil
}

// Lookup is the digest of the manifest the store gives for name, as the
// runtime resolves it — the manifest of that digest for a reference by
// digest, else the image's platform manifest — and whether it is one of
// want. The manifest file is read and checked against its digest.
func (s *Store) Lookup(name string, want map[string]bool) (string, bool) {
	_, dg, hasDigest := strings.Cut(name, "@")
	for _, raw := range s.images {
		var rec imageRecord
		if decodeImage(raw, &rec) != nil || !slices.Contains(rec.Names, name) {
			continue
		}
		key := manifestKey
		if hasDigest {
			key = manifestPrefix + dg
		}
		data, err := os.ReadFile(filepath.Join(s.imageDir(rec.ID), bigDataFile(key)))
		if err != nil || bundle.Digest(data) != rec.BigDataDigests[key] || !s.HasLayer(rec.TopLayer) && rec.TopLayer != "" {
			return "", false
		}
		got := bundle.Digest(data)
		return got, want[got]
	}
	return "", false
}

// Config is the config the store holds under its digest, checked.
func (s *Store) Config(digest string) ([]byte, bool) {
	data, err := os.ReadFile(filepath.Join(s.imageDir(trimAlg(digest)), bigDataFile(digest)))
	if err != nil || bundle.Digest(data) != digest {
		return nil, false
	}
	return data, true
}

func short(id string) string {
	id = trimAlg(id)
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
