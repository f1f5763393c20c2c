package size

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB",
		5 * MiB: "5.0 MiB", 4*GiB - 1: "4.0 GiB", 3 * TiB: "3.0 TiB", -2048: "-2.0 KiB",
	} {
		assert.Equal(t, want, Format(n), "Format(%d)", n)
	}
}

func TestParse(t *testing.T) {
	good := map[string]int64{
		"700M": 700 * MiB, "16MiB": 16 * MiB, "4G": 4 * GiB, "1.5GiB": 3 * GiB / 2,
		"1048576": MiB, " 2k ": 2 * KiB, "1T": TiB, "10mb": 10 * MiB,
	}
	for in, want := range good {
		got, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "M", "-1G", "0", "lots", "1X", "NaN", "1e300G", "0.1"} {
		_, err := Parse(in)
		assert.Error(t, err, in)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"700M", "4G", "1.5GiB", "12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err == nil && n < 1 {
			t.Fatalf("Parse(%q) = %d without an error", s, n)
		}
	})
}
