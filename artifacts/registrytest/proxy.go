package registrytest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FaultProxy stands between a client and a registry on loopback, counts
// the blob bytes it forwards and injects the failures flaky networks and
// registries produce: error statuses (with Retry-After), connections reset
// in the middle of a blob, corrupted content, and slow links.
type FaultProxy struct {
	// Host is the proxy's "127.0.0.1:PORT"; reach it as an insecure host.
	Host string

	target *Registry

	blobBytes   atomic.Int64
	uploadBytes atomic.Int64
	requests    atomic.Int64
	denyPush    atomic.Bool
	upRate      atomic.Int64

	mu         sync.Mutex
	statuses   []fault // served in order to the next blob GETs
	resetAfter int64   // cut blob bodies after this many bytes, once per blob
	resetDone  map[string]bool
	corrupt    map[string]bool // blob digests whose bytes are flipped
	rate       int64           // bytes per second per response; 0: unlimited
	all        *pacer          // all responses together; nil: unlimited
	latency    time.Duration   // added to every request
	ranges     []string        // Range headers of blob GETs, in order
	noRange    bool
	only       map[string]bool // when set, faults hit only these blobs
	cdn        *cdn            // when set, blob GETs are redirected to it
}

type fault struct {
	code       int
	retryAfter string
}

// NewFaultProxy proxies to the registry until the test ends.
func NewFaultProxy(t testing.TB, target *Registry) *FaultProxy {
	t.Helper()
	u, _ := url.Parse(target.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = target.Transport()
	rp.ErrorLog = nil
	rp.BufferPool = proxyBuffers{}
	p := &FaultProxy{target: target, resetDone: map[string]bool{}, corrupt: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		p.mu.Lock()
		latency := p.latency
		p.mu.Unlock()
		if latency > 0 {
			time.Sleep(latency)
		}
		if r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodPost {
			if p.denyPush.Load() {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`)
				return
			}
			if r.Body != nil {
				r.Body = &countingBody{ReadCloser: r.Body, n: &p.uploadBytes, rate: p.upRate.Load()}
			}
		}
		blob := blobDigest(r)
		if blob != "" && r.Method == http.MethodGet {
			p.mu.Lock()
			if p.noRange {
				r.Header.Del("Range")
			}
			if p.cdn == nil {
				p.ranges = append(p.ranges, r.Header.Get("Range"))
			}
			if len(p.statuses) > 0 && (p.only == nil || p.only[blob]) {
				f := p.statuses[0]
				p.statuses = p.statuses[1:]
				p.mu.Unlock()
				if f.retryAfter != "" {
					w.Header().Set("Retry-After", f.retryAfter)
				}
				http.Error(w, http.StatusText(f.code), f.code)
				return
			}
			c := p.cdn
			p.mu.Unlock()
			if c != nil {
				c.redirect(w, r, strings.TrimPrefix(r.URL.Path[:strings.LastIndex(r.URL.Path, "/blobs/")], "/v2/"), blob)
				return
			}
			w = &countingWriter{ResponseWriter: w, p: p, digest: blob, start: time.Now()}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.Host = strings.TrimPrefix(srv.URL, "http://")
	return p
}

// blobDigest returns the digest of a /v2/<name>/blobs/<digest> request.
func blobDigest(r *http.Request) string {
	i := strings.LastIndex(r.URL.Path, "/blobs/")
	if !strings.HasPrefix(r.URL.Path, "/v2/") || i < 0 {
		return ""
	}
	d := r.URL.Path[i+len("/blobs/"):]
	if strings.HasPrefix(d, "sha256:") {
		return d
	}
	return ""
}

// FailNext answers the next blob GETs with these statuses, in order; a
// retryAfter other than "" is sent as Retry-After.
func (p *FaultProxy) FailNext(code int, retryAfter string, times int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range times {
		p.statuses = append(p.statuses, fault{code, retryAfter})
	}
}

// FaultsOnly limits injected statuses and resets to the blobs with these
// digests (say, the layers, so a plan's config reads pass).
func (p *FaultProxy) FaultsOnly(digests ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.only = map[string]bool{}
	for _, d := range digests {
		p.only[d] = true
	}
}

// ResetAfter cuts the connection of every blob's first response after n
// body bytes.
func (p *FaultProxy) ResetAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetAfter = n
}

// Corrupt flips bytes of the blob with this digest in every response.
func (p *FaultProxy) Corrupt(digest string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.corrupt[digest] = true
}

// Repair serves the blob as it is again.
func (p *FaultProxy) Repair(digest string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.corrupt, digest)
}

// Throttle limits each response to bytesPerSecond (0: no limit), as a CDN
// caps each connection.
func (p *FaultProxy) Throttle(bytesPerSecond int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = bytesPerSecond
}

// ThrottleAll limits all blob responses together to bytesPerSecond (0: no
// limit), as a link does.
func (p *FaultProxy) ThrottleAll(bytesPerSecond int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.all = nil
	if bytesPerSecond > 0 {
		p.all = &pacer{rate: bytesPerSecond}
	}
}

// Latency delays every request by d before it is answered, as a round
// trip to a far registry does.
func (p *FaultProxy) Latency(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = d
}

// Ranges is the Range header of every blob GET so far ("" for none).
func (p *FaultProxy) Ranges() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ranges...)
}

// proxyBuffers are the reverse proxy's copy buffers: larger than its
// default, so a paced response is written in pacedPiece pieces.
type proxyBuffers struct{}

var proxyBufferPool = sync.Pool{New: func() any { return make([]byte, 256<<10) }}

func (proxyBuffers) Get() []byte  { return proxyBufferPool.Get().([]byte) }
func (proxyBuffers) Put(b []byte) { proxyBufferPool.Put(b) }

// pacedPiece is what a paced response sends at once: at 25 MB/s a piece
// every 2.6 ms, fine enough for a cap and cheap enough that the test
// servers' CPU does not set the pace of a client on the same machine.
const pacedPiece = 64 << 10

// pacerCredit is how far behind its schedule the link may fall and still
// catch up: a few milliseconds, so an idle link does not save up a burst.
const pacerCredit = 5 * time.Millisecond

// pacer lets bytes through at a rate, shared by all who wait on it.
type pacer struct {
	mu   sync.Mutex
	rate int64
	next time.Time // when the bytes let through so far are due
}

// wait returns once n more bytes are due.
func (pc *pacer) wait(n int) {
	pc.mu.Lock()
	now := time.Now()
	// A sleep ends late; a link that restarted its schedule at every
	// late wake would lose that lateness each time. It may run behind
	// by up to pacerCredit instead, and catch up.
	if floor := now.Add(-pacerCredit); pc.next.Before(floor) {
		pc.next = floor
	}
	pc.next = pc.next.Add(time.Duration(int64(n) * int64(time.Second) / pc.rate))
	due := pc.next
	pc.mu.Unlock()
	time.Sleep(time.Until(due))
}

// IgnoreRange drops Range headers, as registries that cannot resume do.
func (p *FaultProxy) IgnoreRange() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noRange = true
}

// DenyPush answers every write with 403 DENIED, as a registry does for a
// login without push rights.
func (p *FaultProxy) DenyPush() { p.denyPush.Store(true) }

// UploadBytes is how many request body bytes clients sent (pushes).
func (p *FaultProxy) UploadBytes() int64 { return p.uploadBytes.Load() }

// ThrottleUploads limits each request body to bytesPerSecond (0: none).
func (p *FaultProxy) ThrottleUploads(bytesPerSecond int64) { p.upRate.Store(bytesPerSecond) }

type countingBody struct {
	io.ReadCloser
	n    *atomic.Int64
	rate int64
}

func (c *countingBody) Read(b []byte) (int, error) {
	if c.rate > 0 && len(b) > 32<<10 {
		b = b[:32<<10]
	}
	n, err := c.ReadCloser.Read(b)
	c.n.Add(int64(n))
	if c.rate > 0 && n > 0 {
		time.Sleep(time.Duration(int64(n) * int64(time.Second) / c.rate))
	}
	return n, err
}

// BlobBytes is how many blob body bytes went to clients.
func (p *FaultProxy) BlobBytes() int64 { return p.blobBytes.Load() }

// Requests is how many requests the proxy received.
func (p *FaultProxy) Requests() int64 { return p.requests.Load() }

type countingWriter struct {
	http.ResponseWriter
	p       *FaultProxy
	digest  string
	written int64
	start   time.Time
}

func (c *countingWriter) Write(b []byte) (int, error) {
	c.p.mu.Lock()
	reset := c.p.resetAfter > 0 && !c.p.resetDone[c.digest] && (c.p.only == nil || c.p.only[c.digest])
	limit := c.p.resetAfter
	corrupt := c.p.corrupt[c.digest]
	rate := c.p.rate
	all := c.p.all
	c.p.mu.Unlock()
	if reset && c.written+int64(len(b)) > limit {
		keep := limit - c.written
		if keep > 0 {
			n, _ := c.ResponseWriter.Write(b[:keep])
			c.written += int64(n)
			c.p.blobBytes.Add(int64(n))
		}
		if f, ok := c.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		c.p.mu.Lock()
		c.p.resetDone[c.digest] = true
		c.p.mu.Unlock()
		if hj, ok := c.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // a reset, not a clean close
				}
				conn.Close()
			}
		}
		return len(b), io.ErrUnexpectedEOF
	}
	if corrupt && len(b) > 0 {
		b = append([]byte(nil), b...)
		b[0] ^= 0xff
	}
	if rate == 0 && all == nil {
		n, err := c.ResponseWriter.Write(b)
		c.written += int64(n)
		c.p.blobBytes.Add(int64(n))
		return n, err
	}
	// Paced in pieces, each sent when it is due: the response's own cap
	// first, then the shared one.
	total := 0
	for len(b) > 0 {
		piece := b[:min(len(b), pacedPiece)]
		if rate > 0 {
			time.Sleep(time.Until(c.start.Add(time.Duration((c.written + int64(len(piece))) * int64(time.Second) / rate))))
		}
		if all != nil {
			all.wait(len(piece))
		}
		n, err := c.ResponseWriter.Write(piece)
		c.written += int64(n)
		c.p.blobBytes.Add(int64(n))
		total += n
		if f, ok := c.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		if err != nil {
			return total, err
		}
		b = b[len(piece):]
	}
	return total, nil
}

// Unwrap gives the reverse proxy access to the real writer's extras.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
