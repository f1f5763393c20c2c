package mirrorconfig

import (
	"encoding/base64"
	"fmt"
	"strings"
)

const (
	pinnedConf  = "/etc/crio/crio.conf.d/99-ferry-pinned-images.conf"
	imageStore  = "/var/lib/ferry-images"
	workerLabel = "machineconfiguration.openshift.io/role"
	maxPinned   = 500 // PinnedImageSet's limit
)

type ignitionFile struct {
	Path      string            `yaml:"path"`
	Mode      int               `yaml:"mode"`
	Overwrite bool              `yaml:"overwrite"`
	Contents  map[string]string `yaml:"contents"`
}

// registryLess writes what nodes need to run the carried images with no
// registry at all: a read-only image store seeded from the bundle, and the
// images pinned so the kubelet's garbage collection never removes them.
func registryLess(r *Result, in Input) error {
	if len(in.DigestRefs) == 0 {
		return fmt.Errorf("registry-less needs a bundle or plan with images")
	}
	var b strings.Builder
	b.WriteString("[crio.image]\npinned_images = [\n")
	for _, ref := range in.DigestRefs {
		fmt.Fprintf(&b, "  %s,\n", tomlString(ref))
	}
	b.WriteString("]\n")
	pinned := b.String()
	labels := map[string]string{workerLabel: "worker"}
	r.add("registry-less/99-ferry-pinned-images.conf", []byte(pinned))
	r.add("registry-less/storage-additionalimagestores.conf", []byte("# Lines for /etc/containers/storage.conf: a read-only image store seeded from the bundle.\n[storage.options]\nadditionalimagestores = "+tomlList([]string{imageStore})+"\n"))
	r.add("registry-less/machineconfig.yaml", yamlDoc(object{
		APIVersion: "machineconfiguration.openshift.io/v1", Kind: "MachineConfig",
		Metadata: objectMeta{Name: "99-worker-" + in.Name + "-pinned-images", Labels: labels},
		Spec: map[string]any{"config": map[string]any{
			"ignition": map[string]string{"version": "3.2.0"},
			"storage": map[string]any{"files": []ignitionFile{{
				Path: pinnedConf, Mode: 0o644, Overwrite: true,
				Contents: map[string]string{"source": "data:text/plain;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(pinned))},
			}}},
		}},
	}))
	images := make([]map[string]string, 0, len(in.DigestRefs))
	for _, ref := range in.DigestRefs {
		images = append(images, map[string]string{"name": ref})
	}
	r.add("registry-less/pinnedimageset.yaml", yamlDoc(object{
		APIVersion: "machineconfiguration.openshift.io/v1alpha1", Kind: "PinnedImageSet",
		Metadata: objectMeta{Name: in.Name + "-pinned", Labels: labels},
		Spec:     map[string]any{"pinnedImages": images},
	}))
	if len(in.DigestRefs) > maxPinned {
		r.Warnings = append(r.Warnings, fmt.Sprintf("A PinnedImageSet holds at most %d images and the bundle has %d: split registry-less/pinnedimageset.yaml before applying it.", maxPinned, len(in.DigestRefs)))
	}

	// One command per node: load-node reads the bundle where it is and
	// writes the store through the node's own skopeo; the MachineConfig
	// pins, so load-node writes no pin file of its own.
	r.Steps = append(r.Steps,
		"Copy the bundle's folder (its parts, its .ferry.json and the ferry program beside them) to each worker node, or plug its medium in there.",
		fmt.Sprintf("On each node, as root, load every image into the read-only store with one command: `./ferry load-node NAME.ferry.json --store %s --runroot /run/ferry-images --no-pin`; it skips what is there already and checks each image by its digest.", imageStore),
		"Add the store to /etc/containers/storage.conf on each node: registry-less/storage-additionalimagestores.conf has the lines.",
		"Pin the images: `oc apply -f registry-less/machineconfig.yaml`, then wait until `oc get mcp worker` shows UPDATED True.",
		"If the cluster offers PinnedImageSet (`oc api-resources | grep PinnedImageSet`), also apply `oc apply -f registry-less/pinnedimageset.yaml`.",
		"Check on a node: `crictl images --digests` lists the images, and they stay after `crictl rmi --prune`.")
	return nil
}
