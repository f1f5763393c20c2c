// Package size reads and writes byte counts the way people do: binary
// multiples (KiB, MiB, GiB) when shown, and "700M", "4G" or "1.5GiB" when
// typed.
package size

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Binary multiples.
const (
	KiB int64 = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
)

// Format renders n bytes with one decimal in the largest fitting binary
// unit: "512 B", "1.5 KiB", "3.2 GiB".
func Format(n int64) string {
	if n < 0 {
		return "-" + Format(-n)
	}
	units := []struct {
		div  int64
		name string
	}{{TiB, "TiB"}, {GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}}
	for _, u := range units {
		if n >= u.div {
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.div), u.name)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// Parse reads a size such as "700M", "16MiB", "4G", "1.5GiB" or "1048576".
// Suffixes are binary multiples whether or not the "i" is written.
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	t = strings.TrimSuffix(t, "B")
	t = strings.TrimSuffix(t, "I")
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'K':
			mult = KiB
		case 'M':
			mult = MiB
		case 'G':
			mult = GiB
		case 'T':
			mult = TiB
		}
		if mult != 1 {
			t = strings.TrimSpace(t[:len(t)-1])
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f*float64(mult) > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size: write a positive number with an optional unit, such as 700M, 16MiB or 4G", s)
	}
	n := int64(f * float64(mult))
	if n < 1 {
		return 0, fmt.Errorf("%q is less than one byte: write a positive size such as 700M or 4G", s)
	}
	return n, nil
}
