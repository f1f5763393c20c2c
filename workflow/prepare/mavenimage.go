package prepare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"ferry/artifacts/imagefs"
	"ferry/artifacts/progress"
)

// extractMaven reads a Maven repository folder out of an image into the
// cache: the image is read once, by the digest the plan listed, and each
// file the plan names must come out with the plan's sha256. Files the
// cache holds already, with that sum, are not read again.
func (p *Preparer) extractMaven(ctx context.Context, w *work, report progress.Sink) error {
	cache := p.Downloader.Cache
	if p.cachedAll(w) {
		return nil
	}
	img, _, err := (&imagefs.Remote{Access: p.Downloader.Access}).Open(ctx, w.ref, "")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cache.Dir, "mavenimage-")
	if err != nil {
		return fmt.Errorf("cannot make a folder in the cache %s: %w", cache.Dir, err)
	}
	defer os.RemoveAll(tmp)
	dest := filepath.Join(tmp, "repo")
	opts := imagefs.Options{Progress: func(e progress.Event) {
		if e.BytesTotal > 0 {
			// Layers are read compressed; show the share of them read.
			report.Send(progress.Event{State: progress.Downloading, ItemBytes: int64(float64(w.size) * float64(e.BytesDone) / float64(e.BytesTotal))})
		}
	}}
	if _, err := imagefs.Extract(ctx, img, w.repo, dest, opts); err != nil {
		return fmt.Errorf("reading %s from %s: %w", w.repo, w.ref, err)
	}
	for _, f := range w.files {
		src := filepath.Join(dest, filepath.FromSlash(f.Path))
		if sum, err := fileSHA256(src); err != nil || sum != f.SHA256 {
			return fmt.Errorf("%s in %s is not the file the plan listed (its content changed, or it is gone): plan again", f.Path, w.ref)
		}
		final := cache.MavenPath(f.Path)
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return err
		}
		if err := os.Rename(src, final); err != nil {
			return fmt.Errorf("cannot move %s into the cache: %w", f.Path, err)
		}
	}
	return nil
}

// cachedAll says whether every file of w is in the cache with its sum.
func (p *Preparer) cachedAll(w *work) bool {
	for _, f := range w.files {
		if sum, err := fileSHA256(p.Downloader.Cache.MavenPath(f.Path)); err != nil || sum != f.SHA256 {
			return false
		}
	}
	return true
}

func fileSHA256(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
