/**
 * Offline: the application's Deployment as the transform changes it, as YAML, with the report.
 * No cluster, no Pulumi CLI: `npx tsx examples/platform-sidecar/render.ts` from the repository
 * (or `npx tsx render.ts` here once the package is installed).
 */
import * as yaml from "js-yaml";
import { ebpfSidecarWorkload, type SidecarReport } from "acs-ebpf";
import { PROBE, shopDeployment } from "./app";

export function renderShop(): { object: typeof shopDeployment; report: SidecarReport } {
  const result = ebpfSidecarWorkload(shopDeployment, PROBE);
  if (!result) throw new Error("the shop Deployment does not carry the opt-in label");
  return result;
}

if (require.main === module) {
  const { object, report } = renderShop();
  process.stdout.write(yaml.dump(object, { noRefs: true, lineWidth: -1 }));
  for (const line of [report.billingChange, ...report.namespaceNeeds, ...report.warnings])
    console.error(`note: ${line}`);
}
