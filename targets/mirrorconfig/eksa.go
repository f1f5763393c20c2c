package mirrorconfig

import (
	"fmt"
	"strings"

	"ferry/artifacts/bundle"
	eksafiles "ferry/artifacts/eksa"
)

type eksaMirror struct {
	Endpoint           string         `yaml:"endpoint"`
	Port               string         `yaml:"port"`
	OCINamespaces      []ociNamespace `yaml:"ociNamespaces,omitempty"`
	CACertContent      string         `yaml:"caCertContent,omitempty"`
	InsecureSkipVerify bool           `yaml:"insecureSkipVerify,omitempty"`
	Authenticate       bool           `yaml:"authenticate"`
}

type ociNamespace struct {
	Registry  string `yaml:"registry"`
	Namespace string `yaml:"namespace"`
}

// eksa writes the Cluster spec's registryMirrorConfiguration. Like
// containerd, which it configures, it maps whole registries.
func eksa(r *Result, in Input) {
	host, port := in.Registry, "443"
	if i := strings.LastIndex(in.Registry, ":"); i > 0 && !strings.HasSuffix(in.Registry, "]") {
		host, port = in.Registry[:i], in.Registry[i+1:]
	}
	conf := eksaMirror{Endpoint: host, Port: port, CACertContent: string(in.CAPEM), InsecureSkipVerify: in.Insecure}
	chosen := map[string]string{}
	for _, m := range in.Mirrors {
		reg := hostOf(m.Source)
		ns, ok := namespace(m)
		if !ok {
			r.Warnings = append(r.Warnings, fmt.Sprintf("EKS Anywhere can only put a prefix in front of repository names, so %s cannot be mirrored at %s.", m.Source, m.Target))
			continue
		}
		if prev, seen := chosen[reg]; seen {
			if prev != ns {
				r.Warnings = append(r.Warnings, fmt.Sprintf("EKS Anywhere takes one namespace per registry: %s uses %q, so %s (at %s) will not be found.", reg, prev, m.Source, m.Target))
			}
			continue
		}
		chosen[reg] = ns
		conf.OCINamespaces = append(conf.OCINamespaces, ociNamespace{Registry: reg, Namespace: ns})
	}
	if in.Insecure {
		r.Warnings = append(r.Warnings, "EKS Anywhere reaches the mirror over HTTPS: insecureSkipVerify only skips the certificate check, so a plain-HTTP mirror will not work.")
	}
	r.add("eks-anywhere/registry-mirror.yaml", yamlDoc(map[string]any{"registryMirrorConfiguration": conf}))
	r.Steps = append(r.Steps,
		"Merge eks-anywhere/registry-mirror.yaml under spec: of the Cluster in your cluster definition (cluster.yaml).",
		"The mirror must also hold EKS Anywhere's own images (from public.ecr.aws), as the EKS Anywhere air-gapped guide describes; a bundle of ferry's eks-anywhere target carries them with the EKS-D images of each Kubernetes version, and `ferry import` has loaded them.",
		"Take the EKS Anywhere manifests out of the bundle: in the folder that holds its parts, run `cat BUNDLE.part* | tar -xf - "+bundledManifests+"` (BUNDLE is the name the parts start with). The Bundles manifest is "+bundledManifests+"/HOST/releases/bundles/NUMBER/manifest.yaml and every manifest it names is beside it, laid out by URL.",
		"Point the Bundles manifest at those files instead of the internet: `sed \"s#https://#$PWD/"+bundledManifests+"/#g\" "+bundledManifests+"/*/releases/bundles/*/manifest.yaml > bundles-local.yaml` (in the same folder; keep the folder where it is, since bundles-local.yaml names its absolute path).",
		"If the registry needs a login, set authenticate: true and export REGISTRY_USERNAME and REGISTRY_PASSWORD before running eksctl anywhere.",
		"Create or upgrade the cluster with that manifest: `eksctl anywhere create cluster -f cluster.yaml --bundles-override bundles-local.yaml` (or `eksctl anywhere upgrade cluster -f cluster.yaml --bundles-override bundles-local.yaml`).")
}

// bundledManifests is where a bundle of the eks-anywhere target carries the
// manifests eksctl reads (package eksa's FilesDir under the bundle's files/),
// mirrored by URL so one substitution makes the Bundles manifest local.
const bundledManifests = bundle.FilesDir + "/" + eksafiles.FilesDir
