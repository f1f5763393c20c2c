package plan

// UsableFraction is the share of a medium's marketed capacity counted as
// usable: marketed sizes are decimal and a file system takes its own room.
const UsableFraction = 0.93

// media are the common removable media, by marketed (decimal) capacity.
var media = []struct {
	name     string
	capacity int64
}{
	{"DVD", 4_700_000_000},
	{"8 GB stick", 8_000_000_000},
	{"DVD DL", 8_500_000_000},
	{"16 GB stick", 16_000_000_000},
	{"32 GB stick", 32_000_000_000},
	{"64 GB stick", 64_000_000_000},
	{"128 GB stick", 128_000_000_000},
}

// FitMedia says, for each common medium, whether size bytes fit on it.
func FitMedia(size int64) []Medium {
	out := make([]Medium, 0, len(media))
	for _, m := range media {
		usable := int64(float64(m.capacity) * UsableFraction)
		out = append(out, Medium{Name: m.name, Capacity: m.capacity, Usable: usable, Fits: size <= usable})
	}
	return out
}

// SmallestFit returns the name of the smallest stick or disc that holds the
// plan, or "" when none does.
func (p *Plan) SmallestFit() string {
	best := ""
	var bestUsable int64
	for _, m := range p.Media {
		if m.Fits && (best == "" || m.Usable < bestUsable) {
			best, bestUsable = m.Name, m.Usable
		}
	}
	return best
}
