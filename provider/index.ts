/**
 * The acs-ebpf component provider: serves the components to every Pulumi language. The schema is
 * inferred by @pulumi/pulumi's provider/experimental analyzer from the component classes and their
 * `…Args` interfaces (doc comments become descriptions); nothing is hand-written. Run by
 * PulumiPlugin.yaml (a CLI with the Node.js language host) or by the `pulumi-resource-acs-ebpf`
 * launcher (tools/pulumi-engine/plugins), which starts this file with tsx.
 */
import * as fs from "fs";
import * as path from "path";
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { markComponentProvider } from "../components/crossLanguage";
import { EbpfWorkbench } from "../components/ebpfWorkbench";
import { EbpfSidecarWorkload } from "../components/ebpfSidecarWorkload";

export { EbpfWorkbench, EbpfSidecarWorkload };

/** The package name in every type token (`acs-ebpf:index:EbpfWorkbench`) and the plugin's name. */
export const PACKAGE_NAME = "acs-ebpf";
/** The components this provider exposes. */
export const COMPONENTS = [EbpfWorkbench, EbpfSidecarWorkload];

/** The library's version: one source, the repository's package.json. */
export function packageVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).version;
}

if (require.main === module) {
  // Tells the components they run for another language (no dynamic provider: pulumi/pulumi#5455).
  markComponentProvider();
  // `version` is read by the host (the typings leave it out): the schema carries the library's version.
  const options = { dirname: __dirname, name: PACKAGE_NAME, version: packageVersion(), components: COMPONENTS };
  componentProviderHost(options).catch((err: Error) => {
    console.error(`acs-ebpf component provider: ${err.message}`);
    process.exit(1);
  });
}
