package session

import (
	"context"

	"ferry/artifacts/olm"
)

// OperatorCatalog reads the file-based catalog of an operator catalog
// image for archs, through the session's source access (mirrors,
// credentials, trust): what the wizard lists packages and channels from.
func (s *Session) OperatorCatalog(ctx context.Context, ref string, archs []string) (*olm.Catalog, error) {
	src, err := (&olm.Reader{Access: s.access}).Read(ctx, ref, archs)
	if err != nil {
		return nil, err
	}
	return src.Catalog, nil
}
