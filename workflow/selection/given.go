package selection

import (
	"reflect"
	"strings"

	"github.com/spf13/afero"
)

// Given is a selection as a command takes it: an answers file to start
// from, settings given besides it that win over the file's, and lists
// whose items are added.
type Given struct {
	// Answers is the answers file to start from ("" for none).
	Answers string
	// Settings hold the settings given; only the fields Keys name count.
	Settings Selection
	// Keys name the fields of Settings that were given, by their
	// answers-file key ("target", "archs", "mavenRepositories"…).
	Keys []string
	// Lists are read, and their items added.
	Lists Lists
}

// Selection is the selection to plan: the answers file with the given
// settings over it, checked (Check), with the lists' items added
// (AddLists) and what is left to defaults completed (Complete) with arch
// and mavenRepo. A choice ferry cannot carry is ErrInvalid.
func (g Given) Selection(fs afero.Fs, arch, mavenRepo string) (Selection, error) {
	var s Selection
	if g.Answers != "" {
		var err error
		if s, err = LoadFS(fs, g.Answers); err != nil {
			return s, err
		}
	}
	s.Overlay(g.Settings, g.Keys...)
	if err := s.Check(fs); err != nil {
		return s, err
	}
	if err := s.AddLists(fs, g.Lists); err != nil {
		return s, err
	}
	s.Complete(arch, mavenRepo)
	return s, nil
}

// Overlay sets each field of s that keys name, by its answers-file key,
// to given's. A key that names no field is a mistake of the caller's, and
// panics.
func (s *Selection) Overlay(given Selection, keys ...string) {
	dst, src := reflect.ValueOf(s).Elem(), reflect.ValueOf(given)
	for _, k := range keys {
		i := fieldOf(dst.Type(), k)
		dst.Field(i).Set(src.Field(i))
	}
}

// fieldOf is the index of the field whose answers-file key is key.
func fieldOf(t reflect.Type, key string) int {
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == key {
			return i
		}
	}
	panic("selection: no field has the answers-file key " + key)
}
