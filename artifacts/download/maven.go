package download

import (
	"context"
	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
	"ferry/artifacts/progress"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MavenFiles fetches one artifact's files (as the plan lists them, main
// files with their checksum sidecars) from repo, and checks each main file
// against every sidecar the repository has. A file already cached is
// checked again against the sidecars just fetched.
func (d *Downloader) MavenFiles(ctx context.Context, repo string, files []maven.File, sink progress.Sink) error {
	have := map[string]bool{}
	for _, f := range files {
		have[f.Path] = true
	}
	sidecar := func(p string) bool {
		for _, ext := range maven.Sidecars {
			if strings.HasSuffix(p, ext) && have[strings.TrimSuffix(p, ext)] {
				return true
			}
		}
		return false
	}
	// Sidecars first: they are what the main files are checked against.
	sums := map[string]string{}
	for _, f := range files {
		if !sidecar(f.Path) {
			continue
		}
		data, err := d.smallGet(ctx, strings.TrimSuffix(repo, "/")+"/"+f.Path)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(d.Cache.MavenPath(f.Path), data); err != nil {
			return err
		}
		sums[f.Path] = strings.ToLower(strings.Fields(string(data) + " x")[0])
		if sink != nil {
			reportTo(sink, f.Path)(int64(len(data)), 0, nil)
		}
	}
	for _, f := range files {
		if sidecar(f.Path) {
			continue
		}
		var algos []string
		for _, ext := range maven.Sidecars {
			if _, ok := sums[f.Path+ext]; ok {
				algos = append(algos, ext[1:])
			}
		}
		check := func(hs *hashState) error {
			for _, a := range algos {
				if got := hs.sum(a); got != sums[f.Path+"."+a] {
					return fault.New(ErrDigestMismatch, "the Maven file %s from %s does not match its .%s checksum: the repository or a proxy corrupted it; it was not kept", f.Path, maven.RedactURL(repo), a)
				}
			}
			return nil
		}
		final := d.Cache.MavenPath(f.Path)
		var pr reporter
		if sink != nil {
			pr = reportTo(sink, f.Path)
		}
		if st, err := os.Stat(final); err == nil && st.Size() == f.Size {
			if err := recheck(final, algos, check); err == nil {
				if pr != nil {
					pr(f.Size, 0, nil)
				}
				continue
			}
		}
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return err
		}
		url := strings.TrimSuffix(repo, "/") + "/" + f.Path
		open := func(ctx context.Context, offset, _ int64) (io.ReadCloser, int64, error) {
			return d.httpGet(ctx, url, offset)
		}
		if err := fetch(ctx, final+".partial", final, f.Size, algos, open, check, d.Retry, pr); err != nil {
			return explainFetch(maven.RedactURL(url), "", err)
		}
	}
	return nil
}
