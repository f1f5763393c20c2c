// Package catalog holds ferry's product catalog: the targets an engineer can
// carry across the gap (products with their versions, architectures and
// modules) and what each module needs (container images, Maven artifacts,
// plain files, notes for the far side).
//
// Catalogs are YAML files in the format described in docs/catalog.md. The
// built-in catalogs are embedded in the binary; user catalogs are loaded from
// files or folders and override built-in targets of the same name. Every
// validation error names the file, the line and what is wrong.
package catalog
