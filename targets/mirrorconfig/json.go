package mirrorconfig

import (
	"encoding/json"
	"io"
)

// jsonEncoder writes indented JSON with a final newline.
func jsonEncoder(w io.Writer) func(any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode
}
