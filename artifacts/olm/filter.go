package olm

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Labels a catalog image carries.
const (
	// LabelConfigs names the folder holding the file-based catalog.
	LabelConfigs = "operators.operatorframework.io.index.configs.v1"
	// LabelCache names the folder of the pre-built serve cache.
	LabelCache = "operators.operatorframework.io.index.cache.v1"
)

// epoch stamps every entry of a filtered catalog's layer, so the same
// choice gives the same image.
var epoch = time.Unix(0, 0).UTC()

// Filter writes the file-based catalog that holds only the chosen
// bundles of one catalog: for each package its olm.package blob (its
// default channel moved to a kept one when the default is not kept), each
// kept channel with only the chosen entries (cut as Cut does: no
// replaces left naming a bundle not carried, but on the chain's tail),
// the chosen bundles, as the catalog wrote them, and its olm.deprecations
// blob with only the notices of what is kept. The result maps a file name
// ("PACKAGE/catalog.json") to its content, one JSON stream a package.
func Filter(cat *Catalog, chosen []Chosen) (map[string][]byte, error) {
	type keep struct {
		channels map[string][]string // channel → bundle names
		bundles  []string
	}
	byPkg := map[string]*keep{}
	for _, c := range chosen {
		k := byPkg[c.Package]
		if k == nil {
			k = &keep{channels: map[string][]string{}}
			byPkg[c.Package] = k
		}
		if !slices.Contains(k.channels[c.Channel], c.Bundle.Name) {
			k.channels[c.Channel] = append(k.channels[c.Channel], c.Bundle.Name)
		}
		if !slices.Contains(k.bundles, c.Bundle.Name) {
			k.bundles = append(k.bundles, c.Bundle.Name)
		}
	}
	out := map[string][]byte{}
	for pkgName, k := range byPkg {
		m, ok := cat.Packages[pkgName]
		if !ok {
			return nil, fmt.Errorf("the catalog has no package %q", pkgName)
		}
		var buf bytes.Buffer
		chNames := make([]string, 0, len(k.channels))
		for n := range k.channels {
			chNames = append(chNames, n)
		}
		sort.Strings(chNames)
		pkgBlob := m.Raw
		if _, kept := k.channels[m.DefaultChannel]; !kept {
			var err error
			if pkgBlob, err = setField(m.Raw, "defaultChannel", chNames[0]); err != nil {
				return nil, fmt.Errorf("package %s: %w", pkgName, err)
			}
		}
		buf.Write(pkgBlob)
		buf.WriteByte('\n')
		for _, n := range chNames {
			blob, err := filterChannel(m.Channels[n], k.channels[n])
			if err != nil {
				return nil, fmt.Errorf("channel %s of %s: %w", n, pkgName, err)
			}
			buf.Write(blob)
			buf.WriteByte('\n')
		}
		sort.Strings(k.bundles)
		for _, n := range k.bundles {
			buf.Write(m.Bundles[n].Raw)
			buf.WriteByte('\n')
		}
		if m.Deprecations != nil {
			blob, err := filterDeprecations(m.Deprecations, chNames, k.bundles)
			if err != nil {
				return nil, fmt.Errorf("the deprecations of %s: %w", pkgName, err)
			}
			if blob != nil {
				buf.Write(blob)
				buf.WriteByte('\n')
			}
		}
		out[pkgName+"/catalog.json"] = buf.Bytes()
	}
	return out, nil
}

// filterChannel keeps the entries of ch that name one of keep, each as
// the catalog wrote it but for a replaces Cut drops.
func filterChannel(ch *Channel, keep []string) ([]byte, error) {
	if ch == nil {
		return nil, fmt.Errorf("no such channel")
	}
	_, dropped, err := Cut(ch, keep)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(ch.Raw, &fields); err != nil {
		return nil, err
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(fields["entries"], &entries); err != nil {
		return nil, err
	}
	var kept []json.RawMessage
	for i, e := range ch.Entries {
		if i >= len(entries) || !slices.Contains(keep, e.Name) {
			continue
		}
		entry := entries[i]
		if slices.Contains(dropped, e.Name) {
			if entry, err = dropField(entry, "replaces"); err != nil {
				return nil, err
			}
		}
		kept = append(kept, entry)
	}
	raw, err := json.Marshal(kept)
	if err != nil {
		return nil, err
	}
	fields["entries"] = raw
	return json.Marshal(fields)
}

func dropField(raw json.RawMessage, key string) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	delete(fields, key)
	return json.Marshal(fields)
}

// filterDeprecations keeps the notices of an olm.deprecations blob that
// name what the filtered catalog holds: the package, the kept channels,
// the kept bundles. It returns nil when none is left.
func filterDeprecations(raw json.RawMessage, channels, bundles []string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(fields["entries"], &entries); err != nil {
		return nil, fmt.Errorf("its entries cannot be read: %w", err)
	}
	var kept []json.RawMessage
	for _, e := range entries {
		var ref struct {
			Reference struct {
				Schema string `json:"schema"`
				Name   string `json:"name"`
			} `json:"reference"`
		}
		if err := json.Unmarshal(e, &ref); err != nil {
			return nil, fmt.Errorf("an entry cannot be read: %w", err)
		}
		switch r := ref.Reference; r.Schema {
		case SchemaPackage:
		case SchemaChannel:
			if !slices.Contains(channels, r.Name) {
				continue
			}
		case SchemaBundle:
			if !slices.Contains(bundles, r.Name) {
				continue
			}
		default:
			continue
		}
		kept = append(kept, e)
	}
	if len(kept) == 0 {
		return nil, nil
	}
	out, err := json.Marshal(kept)
	if err != nil {
		return nil, err
	}
	fields["entries"] = out
	return json.Marshal(fields)
}

func setField(raw json.RawMessage, key, value string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	v, _ := json.Marshal(value)
	fields[key] = v
	return json.Marshal(fields)
}

// Layer builds the layer that replaces a catalog image's configs folder
// with files (relative to it): an opaque whiteout hides the folder's old
// content, and cacheDir, when set, is removed with a whiteout so `opm
// serve` does not trust a cache built for the whole catalog. Entries are
// sorted and stamped with the epoch, owned by root.
func Layer(configsDir, cacheDir string, files map[string][]byte, mt types.MediaType) (v1.Layer, error) {
	configs := strings.Trim(path.Clean("/"+configsDir), "/")
	if configs == "" {
		return nil, fmt.Errorf("the configs folder %q cannot be the image's root", configsDir)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := func(name string, typ byte, mode int64, size int64) *tar.Header {
		return &tar.Header{Name: name, Typeflag: typ, Mode: mode, Size: size, ModTime: epoch, Format: tar.FormatPAX}
	}
	if cacheDir != "" {
		cache := strings.Trim(path.Clean("/"+cacheDir), "/")
		if cache != "" && cache != configs && !strings.HasPrefix(cache, configs+"/") {
			if err := tw.WriteHeader(hdr(path.Join(path.Dir(cache), ".wh."+path.Base(cache)), tar.TypeReg, 0o644, 0)); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.WriteHeader(hdr(configs+"/", tar.TypeDir, 0o755, 0)); err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(hdr(configs+"/.wh..wh..opq", tar.TypeReg, 0o644, 0)); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		clean := strings.Trim(path.Clean("/"+n), "/")
		if clean == "" || clean != n {
			return nil, fmt.Errorf("the catalog file name %q is not a clean relative path", n)
		}
		if d := path.Dir(clean); d != "." && !dirs[d] {
			// One level is all Filter writes; deeper names get each parent.
			parts := strings.Split(d, "/")
			for i := range parts {
				p := strings.Join(parts[:i+1], "/")
				if !dirs[p] {
					dirs[p] = true
					if err := tw.WriteHeader(hdr(configs+"/"+p+"/", tar.TypeDir, 0o755, 0)); err != nil {
						return nil, err
					}
				}
			}
		}
		data := files[n]
		if err := tw.WriteHeader(hdr(configs+"/"+clean, tar.TypeReg, 0o644, int64(len(data)))); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(mt))
}

// Rebuild makes the filtered catalog image out of base: base's layers and
// config (labels kept) with layer on top, and, when the cache was removed
// and base serves with --cache-dir, --cache-enforce-integrity=false added
// to its command so `opm serve` builds the cache at start instead of
// refusing to start without one.
func Rebuild(base v1.Image, layer v1.Layer, cacheRemoved bool) (v1.Image, error) {
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, History: v1.History{
		Created: v1.Time{Time: epoch}, CreatedBy: "ferry: the configs folder holds only the chosen packages", Comment: "filtered catalog"}})
	if err != nil {
		return nil, err
	}
	cf, err := base.ConfigFile()
	if err != nil {
		return nil, err
	}
	if cacheRemoved {
		cfg := cf.Config
		var cmd, ep bool
		cfg.Cmd, cmd = noIntegrity(cfg.Cmd)
		cfg.Entrypoint, ep = noIntegrity(cfg.Entrypoint)
		if cmd || ep {
			if img, err = mutate.Config(img, cfg); err != nil {
				return nil, err
			}
		}
	}
	return img, nil
}

// noIntegrity adds --cache-enforce-integrity=false to an opm command that
// names --cache-dir without saying whether to enforce the cache.
func noIntegrity(args []string) ([]string, bool) {
	hasDir := slices.ContainsFunc(args, func(a string) bool { return a == "--cache-dir" || strings.HasPrefix(a, "--cache-dir=") })
	said := slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--cache-enforce-integrity") || a == "--cache-only" })
	if !hasDir || said {
		return args, false
	}
	return append(slices.Clone(args), "--cache-enforce-integrity=false"), true
}
