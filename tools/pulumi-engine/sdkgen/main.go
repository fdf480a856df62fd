// pulumi-sdkgen: the Python or Go SDK of a Pulumi package schema, with the pkg/codegen
// generator that `pulumi package gen-sdk --language python|go` reaches through the language host
// (sdk/python/cmd/pulumi-language-python, sdk/go/pulumi-language-go), which the module proxy does
// not serve.
//
//	pulumi-sdkgen <schema.json> <out dir> [python|go]
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) < 3 || len(os.Args) > 4 || (len(os.Args) == 4 && os.Args[3] != "python" && os.Args[3] != "go") {
		fmt.Fprintln(os.Stderr, "usage: pulumi-sdkgen <schema.json> <out dir> [python|go]")
		os.Exit(2)
	}
	language := "python"
	if len(os.Args) == 4 {
		language = os.Args[3]
	}
	if err := run(os.Args[1], os.Args[2], language); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out, language string) error {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noDependencies{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	var files map[string][]byte
	if language == "go" {
		files, err = gogen.GeneratePackage("pulumi-sdkgen", pkg, nil)
	} else {
		files, err = python.GeneratePackage("pulumi-sdkgen", pkg, nil, noDependencies{})
	}
	if err != nil {
		return err
	}
	for name, content := range files {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// noDependencies loads no other package: the acs-ebpf schema references none, and any reference
// is an error naming the package rather than a plugin download.
type noDependencies struct{}

func (noDependencies) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q; this generator loads none", pkg)
}

func (l noDependencies) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, d.Version)
}

func (l noDependencies) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	_, err := l.LoadPackage(pkg, v)
	return nil, err
}

func (l noDependencies) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, d.Version)
}
