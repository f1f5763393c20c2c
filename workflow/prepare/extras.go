package prepare

import (
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/afero"

	"ferry/workflow/plan"
	"ferry/workflow/selection"
)

// extras writes what travels beside the bundle: READ-ME-FIRST.txt and the
// answers file through the Preparer's file system, and ferry itself.
func (p *Preparer) extras(pl *plan.Plan, o Options, res *Result) error {
	fs := p.fs()
	res.ReadMe = filepath.Join(o.Output, "READ-ME-FIRST.txt")
	if err := afero.WriteFile(fs, res.ReadMe, []byte(readMe(pl, res.Index, o.Binary != "")), 0o644); err != nil {
		return describeWrite(o.Output, err)
	}
	if o.Answers != nil {
		res.Answers = filepath.Join(o.Output, o.Name+".answers.yaml")
		if err := selection.SaveFS(fs, res.Answers, *o.Answers); err != nil {
			return err
		}
	}
	// The executable is copied with os: whether it already is the copy
	// beside the bundle is only known from the OS's file identity.
	if o.Binary != "" {
		res.Binary = filepath.Join(o.Output, "ferry")
		if err := copyExecutable(o.Binary, res.Binary); err != nil {
			return describeWrite(o.Output, err)
		}
	}
	return nil
}

func copyExecutable(src, dst string) error {
	if same, _ := sameFile(src, dst); same {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
