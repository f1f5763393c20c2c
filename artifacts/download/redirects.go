package download

import (
	"net/http"
	"net/url"
	"sync"
	"time"
)

// A registry that hands its blobs to a CDN answers every blob GET with a
// redirect to a signed URL there. A blob fetched in segments is asked for
// many times; the URL its first answer was redirected to is remembered
// and asked directly for the next segments, which saves each of them a
// round trip and a request to the registry. Signed URLs expire, so one is
// used for at most locationTTL, and an answer that refuses it (expired,
// withdrawn) forgets it and goes through the registry again.

// locationTTL is how long a remembered CDN URL is used. The big
// registries sign theirs for several minutes or more.
const locationTTL = 2 * time.Minute

type cdnURL struct {
	url string
	at  time.Time
}

// cdnURLs are the CDN URLs blob URLs were redirected to.
type cdnURLs struct {
	mu sync.Mutex
	m  map[string]cdnURL
}

// get is where blobURL was last redirected to, if that is recent.
func (l *cdnURLs) get(blobURL string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	loc, ok := l.m[blobURL]
	if !ok || time.Since(loc.at) > locationTTL {
		return ""
	}
	return loc.url
}

// put remembers that blobURL was redirected to final.
func (l *cdnURLs) put(blobURL, final string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]cdnURL{}
	}
	l.m[blobURL] = cdnURL{url: final, at: time.Now()}
}

// forget drops final as blobURL's cdnURL, unless another redirect
// replaced it meanwhile.
func (l *cdnURLs) forget(blobURL, final string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m[blobURL].url == final {
		delete(l.m, blobURL)
	}
}

// refused says whether a status means the remembered URL no longer
// works (a signed URL past its time, or withdrawn), rather than that the
// server is busy or failing: then the registry is asked again.
func refused(code int) bool {
	switch code {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
		return true
	}
	return false
}

// withoutQuery is u without its query: a signed URL's signature stays out
// of messages.
func withoutQuery(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.RawQuery == "" {
		return u
	}
	p.RawQuery = ""
	return p.String()
}
