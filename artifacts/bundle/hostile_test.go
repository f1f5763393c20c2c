package bundle_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/bundle/bundletest"
	"ferry/artifacts/progress"
)

const jar = bundletest.HostileJar

func mavenEntries() []bundletest.Entry { return bundletest.MavenEntries() }

// oneSentence asserts err is one line that names what to do.
func oneSentence(t *testing.T, err error, want string, is error) {
	t.Helper()
	require.Error(t, err)
	assert.Contains(t, err.Error(), want)
	assert.ErrorIs(t, err, is)
	assert.NotContains(t, err.Error(), "\n")
	assert.NotContains(t, err.Error(), "unexpected EOF")
}

func TestEveryReaderRefusesAHostileBundleInOneSentence(t *testing.T) {
	for _, h := range bundletest.HostileBundles() {
		t.Run(h.Name, func(t *testing.T) {
			f := bundletest.Write(t, t.TempDir(), h.Spec())
			b, err := bundle.Open(f.Dir)
			require.NoError(t, err)
			_, err = b.Verify(t.Context(), false, nil)
			oneSentence(t, err, h.Want, h.Is)
			if h.Graph {
				return
			}
			c, err := b.Scan(t.Context())
			if c != nil {
				c.Close()
			}
			oneSentence(t, err, h.Want, h.Is)
		})
	}
}

func TestAnOversizedManifestIsRefusedBeforeItIsRead(t *testing.T) {
	f := bundletest.Write(t, t.TempDir(), bundletest.Spec{Plan: []byte(`{"pad":"` + strings.Repeat("x", 33<<20) + `"}`)})
	b, err := bundle.Open(f.Dir)
	require.NoError(t, err)
	_, err = b.ReadManifest(t.Context())
	oneSentence(t, err, "ferry-bundle.json is 33.0 MiB, more than the 32 MiB a bundle manifest may be", bundle.ErrNotABundle)
}

func TestAnIndexBombIsWalkedOnceAndQuickly(t *testing.T) {
	// Six levels of forty: 40^6 paths through a few kilobytes of indexes.
	f := bundletest.Write(t, t.TempDir(), bundletest.NestedIndexes(6, 40))
	require.Less(t, f.Index.Size, int64(64<<10))
	b, err := bundle.Open(f.Dir)
	require.NoError(t, err)
	start := time.Now()
	rep, err := b.Verify(t.Context(), false, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Images)
	assert.Less(t, time.Since(start), 30*time.Second, "generous: it takes milliseconds")
}

func TestAGraphVisitsEachDigestOnce(t *testing.T) {
	// Level i names level i+1 forty times, six levels deep: the children
	// of each are asked for once, 6 indexes and 1 manifest.
	at := func(level int) v1.Descriptor {
		return v1.Descriptor{Digest: v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%064x", level)}, Size: int64(level)}
	}
	var g bundle.Graph
	calls, after := 0, 0
	g.After = func(v1.Descriptor) error { after++; return nil }
	err := g.Walk(t.Context(), "chain", at(0), func(d v1.Descriptor) ([]v1.Descriptor, error) {
		calls++
		if d.Size == 6 {
			return nil, nil
		}
		kids := make([]v1.Descriptor, 40)
		for i := range kids {
			kids[i] = at(int(d.Size) + 1)
		}
		return kids, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 7, calls)
	assert.Equal(t, 7, after)

	// Nine levels below the top are too many.
	var deep bundle.Graph
	err = deep.Walk(t.Context(), "chain", at(0), func(d v1.Descriptor) ([]v1.Descriptor, error) {
		return []v1.Descriptor{at(int(d.Size) + 1)}, nil
	})
	oneSentence(t, err, "the image chain nests image indexes more than 8 deep", bundle.ErrTooDeep)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = (&bundle.Graph{}).Walk(ctx, "chain", at(0), func(v1.Descriptor) ([]v1.Descriptor, error) { return nil, nil })
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAPartThatIsAFIFOIsRefusedBeforeItIsOpened(t *testing.T) {
	f := bundletest.Write(t, t.TempDir(), bundletest.Spec{PartSize: 4096, Entries: mavenEntries()})
	part := filepath.Join(f.Dir, f.Index.Parts[1].Name)
	require.NoError(t, os.Remove(part))
	require.NoError(t, syscall.Mkfifo(part, 0o644))
	done := make(chan error, 1)
	go func() {
		_, err := bundle.Open(f.Dir)
		done <- err
	}()
	select {
	case err := <-done:
		var pe *bundle.PartError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 2, pe.N)
		assert.Contains(t, err.Error(), "part 2 of 4 (forged.part002) is a FIFO, not a regular file: copy it again from the original media")
	case <-time.After(30 * time.Second):
		t.Fatal("opening a bundle with a FIFO for a part hangs")
	}
}

func TestAnIndexThatIsAFIFOIsRefused(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "b.ferry.json"), 0o644))
	_, err := bundle.Open(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a regular file")
}

func TestFullVerifyNamesTheDamagedPartFirst(t *testing.T) {
	blob := bundletest.Blob(make([]byte, 20000))
	f := bundletest.Write(t, t.TempDir(), bundletest.Spec{PartSize: 4096, Entries: append(mavenEntries(), blob)})
	n := f.FlipByte(t, blob.Name, 10000)
	b, err := bundle.Open(f.Dir)
	require.NoError(t, err)
	_, err = b.Verify(t.Context(), false, nil)
	var pe *bundle.PartError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, n, pe.N)
	assert.Contains(t, err.Error(), "copy it again from the original media")
	assert.NotContains(t, err.Error(), "make the bundle again")

	// Damage in a tar header is named by its part too, by every reader.
	f = bundletest.Write(t, t.TempDir(), bundletest.Spec{PartSize: 4096, Entries: mavenEntries()})
	n = bundletest.FlipStreamByte(t, f.Dir, f.Index, f.Offset(t, "maven/org/x/x/1/x-1.pom")-512+100)
	b, err = bundle.Open(f.Dir)
	require.NoError(t, err)
	_, err = b.Verify(t.Context(), false, nil)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, n, pe.N)
	_, err = b.Scan(t.Context())
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, n, pe.N)
}

func TestABlobMadeWrongIsNamedAsTheBundle(t *testing.T) {
	blob := bundletest.Blob(make([]byte, 20000))
	blob.Data = append([]byte(nil), blob.Data...)
	blob.Data[5] = 1 // the name stays the sha256 of the original
	f := bundletest.Write(t, t.TempDir(), bundletest.Spec{PartSize: 4096, Entries: append(mavenEntries(), blob)})
	b, err := bundle.Open(f.Dir)
	require.NoError(t, err)
	_, err = b.Verify(t.Context(), false, nil)
	require.ErrorIs(t, err, bundle.ErrDigest)
	var pe *bundle.PartError
	assert.False(t, errors.As(err, &pe))
	assert.Contains(t, err.Error(), "make the bundle again")
}

// Full verify keeps no blob in memory: 96 MiB of 256 KiB blobs (each of
// which the old verifier kept) are checked in far less.
func TestFullVerifyMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 96 MiB")
	}
	var entries []bundletest.Entry
	for i := range 384 {
		data := make([]byte, 256<<10)
		data[0], data[1] = byte(i), byte(i>>8)
		entries = append(entries, bundletest.Blob(data))
	}
	f := bundletest.Write(t, t.TempDir(), bundletest.Spec{PartSize: 32 << 20, Entries: entries})
	entries = nil
	b, err := bundle.Open(f.Dir)
	require.NoError(t, err)
	peak := heapPeak(t, func(sample func()) {
		var last int64
		_, err := b.Verify(t.Context(), false, func(e progress.Event) {
			if n := e.BytesDone; n-last >= 4<<20 {
				last = n
				sample()
			}
		})
		require.NoError(t, err)
	})
	t.Logf("heap above the start while verifying 96 MiB of small blobs: %d MiB", peak>>20)
	assert.Less(t, peak, uint64(64<<20))
}

// heapPeak runs fn, which calls sample now and then, and returns the most
// the live heap grew above where it started.
func heapPeak(t *testing.T, fn func(sample func())) uint64 {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	fn(func() {
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
			peak = ms.HeapAlloc - base
		}
	})
	return peak
}
