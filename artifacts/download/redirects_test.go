package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/fault"
	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
)

// A blob fetched in segments from a registry that redirects to a CDN asks
// the registry once; the next segments go to the CDN directly, until the
// CDN refuses the URL (expired), when the registry is asked again.
func TestSegmentsGoStraightToTheCDN(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	pushed := reg.Push(t, registrytest.ImageSpec{Repo: "demo/big", Tag: "1", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "big", Size: 1 << 20}}})
	p := registrytest.NewFaultProxy(t, reg)
	p.RedirectBlobs(t)
	acc, err := source.New(source.Options{InsecureHosts: []string{p.Host, p.CDNHost()}})
	require.NoError(t, err)
	cache, err := OpenCache(t.TempDir())
	require.NoError(t, err)
	d := &Downloader{Cache: cache, Access: acc, Retry: Retry{Attempts: 2, Base: time.Millisecond}}
	var digest string
	var size int64
	for dg, n := range pushed[0].Platforms["linux/amd64"].Layers {
		digest, size = dg, n
	}
	ref := p.Host + "/demo/big:1"
	var got bytes.Buffer
	cut := size / 3
	for _, seg := range [][2]int64{{0, cut}, {cut, 2 * cut}} {
		require.NoError(t, d.StreamRange(context.Background(), ref, digest, seg[0], seg[1], size, &got, nil))
	}
	assert.EqualValues(t, 1, p.Redirects(), "the registry is asked once")
	assert.EqualValues(t, 2, p.CDNRequests())

	p.ExpireCDN()
	require.NoError(t, d.StreamRange(context.Background(), ref, digest, 2*cut, size, size, &got, nil))
	assert.EqualValues(t, 2, p.Redirects(), "an expired URL sends the next request to the registry again")
	assert.EqualValues(t, 4, p.CDNRequests(), "the refused request and the new one")
	sum := sha256.Sum256(got.Bytes())
	assert.Equal(t, digest, "sha256:"+hex.EncodeToString(sum[:]), "the segments make the blob")
	assert.Equal(t, []string{"bytes=0-" + itoa(cut-1), "bytes=" + itoa(cut) + "-" + itoa(2*cut-1), "bytes=" + itoa(2*cut) + "-"}, p.Ranges(), "the ranges the CDN served")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A registry that redirects to a plain-HTTP host not named insecure is
// refused, and the sentence names that host, not the registry.
func TestAPlainHTTPRedirectNamesItsHost(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	pushed := reg.Push(t, registrytest.ImageSpec{Repo: "demo/small", Tag: "1", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "l", Size: 1000}}})
	p := registrytest.NewFaultProxy(t, reg)
	p.RedirectBlobs(t)
	acc, err := source.New(source.Options{InsecureHosts: []string{p.Host}})
	require.NoError(t, err)
	cache, err := OpenCache(t.TempDir())
	require.NoError(t, err)
	d := &Downloader{Cache: cache, Access: acc, Retry: Retry{Attempts: 1, Base: time.Millisecond}}
	for dg, n := range pushed[0].Platforms["linux/amd64"].Layers {
		err = d.Blob(context.Background(), p.Host+"/demo/small:1", dg, n, nil)
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), p.Host+" redirected ferry to "+p.CDNHost()+" over plain HTTP")
	assert.True(t, fault.Names(err, fault.InsecureHost), "the setting to change is named")
	assert.Zero(t, p.CDNRequests(), "nothing went to the plain-HTTP host")
}
