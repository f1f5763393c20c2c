package mirrorconfig

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func fileOf(t *testing.T, r *Result, path string) []byte {
	t.Helper()
	for _, f := range r.Files {
		if f.Path == path {
			return f.Content
		}
	}
	t.Fatalf("no file %s", path)
	return nil
}

func TestOpenShiftCatalogs(t *testing.T) {
	in := Input{Registry: "registry.site:5000", Name: "flow-10-1-0",
		Mirrors: []Mirror{{Source: "registry.example.test/redhat", Target: "registry.site:5000/mirror/redhat"}},
		Catalogs: []Catalog{{Source: "registry.example.test/redhat/redhat-operator-index:v4.17",
			Image:    "registry.site:5000/mirror/redhat/redhat-operator-index@sha256:" + string(bytes.Repeat([]byte("a"), 64)),
			Packages: []CatalogPackage{{Name: "logic-operator", Channel: "alpha", Listed: true}, {Name: "data-index", Channel: "stable"}}}}}
	r, err := Generate("openshift", in, Options{})
	require.NoError(t, err)

	var cs struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string
		Metadata   struct{ Name, Namespace string }
		Spec       struct {
			SourceType string `yaml:"sourceType"`
			Image      string
		}
	}
	require.NoError(t, yaml.Unmarshal(fileOf(t, r, "openshift/catalogsource-flow-10-1-0-redhat-operator-index.yaml"), &cs))
	assert.Equal(t, "operators.coreos.com/v1alpha1", cs.APIVersion)
	assert.Equal(t, "CatalogSource", cs.Kind)
	assert.Equal(t, "flow-10-1-0-redhat-operator-index", cs.Metadata.Name)
	assert.Equal(t, "openshift-marketplace", cs.Metadata.Namespace)
	assert.Equal(t, "grpc", cs.Spec.SourceType)
	assert.Equal(t, in.Catalogs[0].Image, cs.Spec.Image)

	var cc struct {
		Kind string
		Spec struct {
			Source struct {
				Type  string
				Image struct{ Ref string }
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(fileOf(t, r, "openshift/clustercatalog-flow-10-1-0-redhat-operator-index.yaml"), &cc))
	assert.Equal(t, "ClusterCatalog", cc.Kind)
	assert.Equal(t, in.Catalogs[0].Image, cc.Spec.Source.Image.Ref)

	dec := yaml.NewDecoder(bytes.NewReader(fileOf(t, r, "openshift/subscriptions-flow-10-1-0-redhat-operator-index.yaml")))
	var subs []map[string]any
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		subs = append(subs, m)
	}
	require.Len(t, subs, 1, "only the listed package: OLM installs what it requires")
	assert.Equal(t, map[string]any{"name": "logic-operator", "channel": "alpha", "source": "flow-10-1-0-redhat-operator-index", "sourceNamespace": "openshift-marketplace", "installPlanApproval": "Automatic"}, subs[0]["spec"])

	steps := stepsMarkdown(r)
	assert.Contains(t, string(steps), "disableAllDefaultSources")
	assert.Contains(t, string(steps), "The packages they require (data-index) are installed by OLM itself")
}

func TestCatalogNamesAreUnique(t *testing.T) {
	used := map[string]bool{}
	assert.Equal(t, "ferry-index", catalogName("ferry", "a.test/x/index:v1", used))
	assert.Equal(t, "ferry-index-2", catalogName("ferry", "b.test/y/index:v2", used))
	assert.Equal(t, "ferry-my-index", catalogName("ferry", "a.test/x/my_index:v1", used))
}
