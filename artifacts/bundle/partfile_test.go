package bundle

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPartsHoldExactlyTheStream writes a stream of several buffers' worth
// in uneven pieces, with pauses that make the writer hand on part-filled
// buffers, and checks that the parts are the stream, byte for byte.
func TestPartsHoldExactlyTheStream(t *testing.T) {
	data := make([]byte, 3*ioBuf+12345)
	_, err := rand.Read(data)
	require.NoError(t, err)
	for _, size := range []int64{0, ioBuf + 4099, 5 << 20} {
		dir := t.TempDir()
		p := &partWriter{dir: dir, name: "s", size: size}
		p.findOld()
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := min(len(rest), 1+mrand.IntN(3<<20))
			_, err := p.Write(rest[:n])
			require.NoError(t, err)
			rest = rest[n:]
			if i%5 == 0 {
				time.Sleep(flushEvery + 10*time.Millisecond)
			}
		}
		require.NoError(t, p.close())
		var got []byte
		for i, part := range p.done {
			b, err := os.ReadFile(filepath.Join(dir, part.Name))
			require.NoError(t, err)
			sum := sha256.Sum256(b)
			assert.Equal(t, hex.EncodeToString(sum[:]), part.SHA256, "part %d", i+1)
			assert.EqualValues(t, len(b), part.Size)
			got = append(got, b...)
		}
		assert.True(t, bytes.Equal(data, got), "part size %d: %d bytes written, %d read back", size, len(data), len(got))
	}
}
