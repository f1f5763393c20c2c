package farside

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/themes"
)

// signingEngine opens one bundle and says who signed it; the rest of
// Engine is not reached by these tests.
type signingEngine struct {
	Engine
	signedBy string
	refuse   error
}

func (e signingEngine) Open(string) (*bundle.Bundle, error) {
	return &bundle.Bundle{Dir: "/media/usb", Index: bundle.Index{Name: "b", ShortCode: "ABCD-EFGH", Parts: []bundle.Part{{Name: "b.part001"}}}}, nil
}

func (e signingEngine) SignedBy(*bundle.Bundle) (string, error) { return e.signedBy, e.refuse }

func TestCodeStepShowsWhoSignedTheBundle(t *testing.T) {
	f := New(context.Background(), signingEngine{signedBy: "SHA256:abc"}, themes.MonoTheme(), Options{})
	f.SetSize(100, 40)
	f.Update(open(f.eng, "/media/usb"))
	require.Equal(t, stepCode, f.cur)
	assert.Contains(t, f.View(), "signed by SHA256:abc")

	f = New(context.Background(), signingEngine{refuse: errors.New("b is not signed")}, themes.MonoTheme(), Options{})
	f.SetSize(100, 40)
	f.Update(open(f.eng, "/media/usb"))
	assert.Equal(t, stepFind, f.cur, "a refused signature keeps the technician at the bundle")
	assert.Contains(t, f.View(), "b is not signed")
}
