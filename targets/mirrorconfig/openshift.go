package mirrorconfig

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
)

type mirrorEntry struct {
	Source             string   `yaml:"source"`
	Mirrors            []string `yaml:"mirrors"`
	MirrorSourcePolicy string   `yaml:"mirrorSourcePolicy,omitempty"`
}

type objectMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

type object struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   objectMeta        `yaml:"metadata"`
	Spec       any               `yaml:"spec,omitempty"`
	Data       map[string]string `yaml:"data,omitempty"`
	BinaryData map[string]string `yaml:"binaryData,omitempty"`
}

func openshift(r *Result, in Input, opts Options) {
	var never, plain []mirrorEntry
	for _, m := range in.Mirrors {
		never = append(never, mirrorEntry{Source: m.Source, Mirrors: []string{m.Target}, MirrorSourcePolicy: "NeverContactSource"})
		plain = append(plain, mirrorEntry{Source: m.Source, Mirrors: []string{m.Target}})
	}
	r.add("openshift/imagedigestmirrorset.yaml", yamlDoc(object{
		APIVersion: "config.openshift.io/v1", Kind: "ImageDigestMirrorSet", Metadata: objectMeta{Name: in.Name + "-digest"},
		Spec: map[string]any{"imageDigestMirrors": never}}))
	r.add("openshift/imagetagmirrorset.yaml", yamlDoc(object{
		APIVersion: "config.openshift.io/v1", Kind: "ImageTagMirrorSet", Metadata: objectMeta{Name: in.Name + "-tag"},
		Spec: map[string]any{"imageTagMirrors": never}}))
	r.Steps = append(r.Steps,
		"Log in to the cluster as a cluster administrator: `oc login …`.",
		"Apply the digest mirrors: `oc apply -f openshift/imagedigestmirrorset.yaml`.",
		"Apply the tag mirrors: `oc apply -f openshift/imagetagmirrorset.yaml`.")
	if opts.ICSP {
		r.add("openshift/imagecontentsourcepolicy.yaml", yamlDoc(object{
			APIVersion: "operator.openshift.io/v1alpha1", Kind: "ImageContentSourcePolicy", Metadata: objectMeta{Name: in.Name},
			Spec: map[string]any{"repositoryDigestMirrors": plain}}))
		r.Steps = append(r.Steps, "On OpenShift 4.12 and older, which lack the two mirror sets, apply instead: `oc apply -f openshift/imagecontentsourcepolicy.yaml`.")
	}
	if len(in.CAPEM) > 0 {
		cm := in.Name + "-registry-ca"
		// additionalTrustedCA keys are host..port: ':' is not allowed in
		// a ConfigMap key.
		key := strings.ReplaceAll(in.Registry, ":", "..")
		r.add("openshift/user-ca-bundle.yaml", yamlDoc(object{
			APIVersion: "v1", Kind: "ConfigMap", Metadata: objectMeta{Name: cm, Namespace: "openshift-config"},
			Data: map[string]string{key: string(in.CAPEM)}}))
		r.Steps = append(r.Steps,
			"Give the cluster the site's CA for the mirror: `oc apply -f openshift/user-ca-bundle.yaml`.",
			fmt.Sprintf("Make the cluster trust it: `oc patch image.config.openshift.io/cluster --type=merge -p '{\"spec\":{\"additionalTrustedCA\":{\"name\":\"%s\"}}}'`.", cm))
	}
	if in.Insecure {
		r.Steps = append(r.Steps, fmt.Sprintf("Allow the plain-HTTP mirror: `oc patch image.config.openshift.io/cluster --type=merge -p '{\"spec\":{\"registrySources\":{\"insecureRegistries\":[\"%s\"]}}}'` (this replaces the list: first check `oc get image.config.openshift.io/cluster -o yaml` and add any registries already there).", in.Registry))
	}
	releaseSignatures(r, in)
	r.Steps = append(r.Steps, "Wait until every node has the new configuration: `oc get mcp` shows UPDATED True for every pool (nodes may restart one by one).")
	catalogs(r, in)
}

// releaseSignatures writes the ConfigMap from which the cluster-version
// operator reads release signatures when it cannot reach a signature store:
// in openshift-config-managed, labelled
// release.openshift.io/verification-signatures, one binaryData key
// sha256-HEX-N per signature, as oc-mirror writes it.
func releaseSignatures(r *Result, in Input) {
	if len(in.SignaturesUnread) > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("The plan names %d release signature(s) whose content only the bundle holds: configure from the bundle itself to write openshift/release-signatures.yaml, or an upgrade to that release cannot verify it", len(in.SignaturesUnread)))
	}
	if len(in.ReleaseSignatures) == 0 {
		return
	}
	sigs := append([]ReleaseSignature(nil), in.ReleaseSignatures...)
	sort.Slice(sigs, func(i, j int) bool { return sigs[i].Digest < sigs[j].Digest })
	data := map[string]string{}
	for _, s := range sigs {
		data[fmt.Sprintf("sha256-%s-1", strings.TrimPrefix(s.Digest, "sha256:"))] = base64.StdEncoding.EncodeToString(s.Data)
	}
	r.add("openshift/release-signatures.yaml", yamlDoc(object{
		APIVersion: "v1", Kind: "ConfigMap",
		Metadata: objectMeta{Name: in.Name + "-release-signatures", Namespace: "openshift-config-managed",
			Labels: map[string]string{"release.openshift.io/verification-signatures": ""}},
		BinaryData: data}))
	r.Steps = append(r.Steps, "Give the cluster the release signature(s), so that it can verify the mirrored release without reaching a signature store: `oc apply -f openshift/release-signatures.yaml`.")
}
