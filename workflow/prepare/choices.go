package prepare

import (
	"fmt"
	"strconv"
	"time"
)

// ParseCopies reads auto, always or never as a Copies.
func ParseCopies(s string) (Copies, error) {
	c, ok := map[string]Copies{"auto": CopiesAuto, "always": CopiesAlways, "never": CopiesNever}[s]
	if !ok {
		return c, fmt.Errorf("must be auto, always or never, not %q", s)
	}
	return c, nil
}

// SourceDate stamps every entry with the time SOURCE_DATE_EPOCH holds
// (seconds since the Unix epoch) and records it as the creation time; an
// empty value leaves o as it is.
func (o *Options) SourceDate(epoch string) error {
	if epoch == "" {
		return nil
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", epoch)
	}
	t := time.Unix(secs, 0).UTC()
	o.ModTime, o.Created = t, &t
	return nil
}
