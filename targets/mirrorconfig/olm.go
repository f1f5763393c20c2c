package mirrorconfig

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Where OpenShift's OLM looks for cluster-wide catalogs and installs
// operators that watch every namespace.
const (
	marketplace       = "openshift-marketplace"
	operatorNamespace = "openshift-operators"
)

// catalogs writes, for each filtered catalog, a CatalogSource (OLM v0), a
// ClusterCatalog (OLM v1) and example Subscriptions for the packages the
// engineer listed, with the steps to use them.
func catalogs(r *Result, in Input) {
	if len(in.Catalogs) == 0 {
		return
	}
	r.Steps = append(r.Steps, "The default catalog sources cannot reach the internet: turn them off with `oc patch OperatorHub cluster --type json -p '[{\"op\": \"add\", \"path\": \"/spec/disableAllDefaultSources\", \"value\": true}]'`.")
	used := map[string]bool{}
	for _, c := range in.Catalogs {
		n := catalogName(in.Name, c.Source, used)
		cs := "openshift/catalogsource-" + n + ".yaml"
		cc := "openshift/clustercatalog-" + n + ".yaml"
		sub := "openshift/subscriptions-" + n + ".yaml"
		r.add(cs, yamlDoc(object{
			APIVersion: "operators.coreos.com/v1alpha1", Kind: "CatalogSource",
			Metadata: objectMeta{Name: n, Namespace: marketplace},
			Spec: map[string]any{
				"sourceType":    "grpc",
				"image":         c.Image,
				"displayName":   fmt.Sprintf("%s (filtered: %s)", c.Source, packageNames(c.Packages, false)),
				"publisher":     "ferry",
				"grpcPodConfig": map[string]any{"securityContextConfig": "restricted"},
			}}))
		r.add(cc, yamlDoc(object{
			APIVersion: "olm.operatorframework.io/v1", Kind: "ClusterCatalog",
			Metadata: objectMeta{Name: n},
			Spec:     map[string]any{"source": map[string]any{"type": "Image", "image": map[string]any{"ref": c.Image}}}}))
		var subs []byte
		subscribed := map[string]bool{}
		for _, p := range c.Packages {
			// One Subscription a package: OLM installs a package once.
			if !p.Listed || subscribed[p.Name] {
				continue
			}
			subscribed[p.Name] = true
			subs = append(subs, "---\n"...)
			subs = append(subs, yamlDoc(object{
				APIVersion: "operators.coreos.com/v1alpha1", Kind: "Subscription",
				Metadata: objectMeta{Name: p.Name, Namespace: operatorNamespace},
				Spec:     map[string]any{"name": p.Name, "channel": p.Channel, "source": n, "sourceNamespace": marketplace, "installPlanApproval": "Automatic"}})...)
		}
		r.add(sub, subs)
		r.Steps = append(r.Steps,
			fmt.Sprintf("Create the catalog of the operators carried (%s): `oc apply -f %s`; it is ready when `oc get catalogsource %s -n %s -o jsonpath='{.status.connectionState.lastObservedState}'` prints READY (the first start builds its cache, about a minute).", packageNames(c.Packages, false), cs, n, marketplace),
			fmt.Sprintf("Install the operators with Subscriptions: `oc apply -f %s` installs %s from channel and catalog %s into %s, for operators that watch every namespace; for an operator that supports only its own namespace, change `metadata.namespace` to that namespace and create an OperatorGroup there first (`oc create namespace NS`, then an OperatorGroup naming NS in `spec.targetNamespaces`). The packages they require (%s) are installed by OLM itself. Follow with `oc get csv -n %s` until each shows Succeeded.", sub, packageNames(c.Packages, true), n, operatorNamespace, orNoneList(required(c.Packages)), operatorNamespace),
			fmt.Sprintf("On clusters with OLM v1 (ClusterExtension), use `oc apply -f %s` instead of the CatalogSource, and a ClusterExtension naming the package and `catalog.selector` `olm.operatorframework.io/metadata.name: %s`.", cc, n))
	}
}

// catalogName is a DNS-1123 name for a catalog's resources: the bundle's
// name and the catalog's repository, made unique among used.
func catalogName(prefix, source string, used map[string]bool) string {
	repo := source
	if ref, err := name.ParseReference(source); err == nil {
		repo = ref.Context().RepositoryStr()
	}
	base := nonDNSRun(strings.ToLower(prefix + "-" + path.Base(repo)))
	if len(base) > 55 {
		base = strings.Trim(base[:55], "-")
	}
	n := base
	for i := 2; used[n]; i++ {
		n = fmt.Sprintf("%s-%d", base, i)
	}
	used[n] = true
	return n
}

func nonDNSRun(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range s {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// packageNames lists the packages of a catalog; listed keeps only those
// the engineer asked for.
func packageNames(ps []CatalogPackage, listed bool) string {
	var out []string
	for _, p := range ps {
		if (!listed || p.Listed) && !slices.Contains(out, p.Name) {
			out = append(out, p.Name)
		}
	}
	return strings.Join(out, ", ")
}

func required(ps []CatalogPackage) []string {
	var out []string
	for _, p := range ps {
		if !p.Listed && !slices.Contains(out, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

func orNoneList(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
