package fault

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// flagText is a command-line flag inside text: two dashes and a letter,
// not inside a word ("maven--plugin").
var flagText = regexp.MustCompile(`(^|[^\w-])--[a-z]`)

// notFerryFlags are flags in engine text that belong to other programs'
// command lines, which the generated steps tell a technician to run, or
// to a replay line written into a file; none of them is a setting of
// ferry a face could re-word.
var notFerryFlags = []string{
	"oc patch image.config.openshift.io/cluster --type=merge",            // OpenShift steps
	"ctr --namespace k8s.io images pull --hosts-dir",                     // containerd check step
	"gradle --init-script",                                               // Gradle step
	"gradle build --refresh-dependencies",                                // Gradle check step
	"crictl images --digests",                                            // registry-less check step
	"crictl rmi --prune",                                                 // registry-less check step
	"eksctl anywhere create cluster -f cluster.yaml --bundles-override",  // EKS Anywhere step
	"eksctl anywhere upgrade cluster -f cluster.yaml --bundles-override", // EKS Anywhere step
	"--cache-dir",                                   // opm serve's flags, read and set in a catalog image's command
	"--cache-enforce-integrity",                     // opm serve
	"--cache-only",                                  // opm serve
	"oc patch OperatorHub cluster --type json",      // OpenShift operator steps
	"replay with `ferry prepare --answers FILE`",    // answers file header, a file not an error
	"copy --insecure-policy --src-tls-verify=false", // load-node's skopeo command line
	"inspect --raw",                                 // load-node's skopeo command line
	"./ferry load-node NAME.ferry.json --store",     // registry-less step, typed on each node
}

// TestEngineTextNamesNoFlags fails on any string in the engine's Go code
// that names a command-line flag: engine errors name settings (Use), and
// each face words them with its own flags or fields.
func TestEngineTextNamesNoFlags(t *testing.T) {
	var found []string
	for _, root := range []string{"../../artifacts", "../../workflow", "../../targets"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil || !flagText.MatchString(s) {
					return true
				}
				for _, ok := range notFerryFlags {
					if strings.Contains(s, ok) {
						return true
					}
				}
				rel, _ := filepath.Rel("../..", path)
				found = append(found, rel+":"+strconv.Itoa(fset.Position(lit.Pos()).Line)+": "+s)
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(found) > 0 {
		t.Errorf("engine text names command-line flags; name a fault.Setting instead:\n%s", strings.Join(found, "\n"))
	}
}
