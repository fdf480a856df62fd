/**
 * The acs-ebpf component provider: serves the components to every Pulumi language. The schema is
 * inferred by @pulumi/pulumi's provider/experimental analyzer from the component classes and their
 * `…Args` interfaces (doc comments become descriptions); nothing is hand-written.
 *
 * Two ways in, one result: a CLI with the Node.js language host runs PulumiPlugin.yaml, whose
 * run-plugin requires this module and hosts the component classes it exports, named and versioned
 * by ./package.json; the `pulumi-resource-acs-ebpf` launcher (tools/pulumi-engine/plugins) runs this
 * file with tsx, and the block at the end hosts the same classes with the same name and version.
 */
import * as path from "path";
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { markComponentProvider } from "../components/crossLanguage";
import { EbpfWorkbench } from "../components/ebpfWorkbench";
import { EbpfSidecarWorkload } from "../components/ebpfSidecarWorkload";

// Loaded as the provider (either way in): the components run for another language, so the
// workbench leaves out the dynamic-provider verification (pulumi/pulumi#5455) and says why.
markComponentProvider();

export { EbpfWorkbench, EbpfSidecarWorkload };

// The manifest the Node.js host names and versions the provider by: one source for both ways in.
const manifest: { name: string; version: string } = require("./package.json");

/** The package name in every type token (`acs-ebpf:index:EbpfWorkbench`) and the plugin's name. */
export const PACKAGE_NAME = manifest.name;
/** The components this provider exposes. */
export const COMPONENTS = [EbpfWorkbench, EbpfSidecarWorkload];

if (require.main === module) {
  componentProviderHost({ dirname: path.resolve(__dirname), name: PACKAGE_NAME, components: COMPONENTS }).catch(
    (err: Error) => {
      console.error(`acs-ebpf component provider: ${err.message}`);
      process.exit(1);
    },
  );
}
