/**
 * Whether the components run inside the component provider (provider/index.ts), for a program in
 * another language. There the dynamic-provider verification cannot run (pulumi/pulumi#5455): the
 * workbench leaves it out and says so; the in-pod self-test verifies eBPF instead.
 */
let componentProvider = false;

/**
 * Called once by the component provider's entry, before it serves any component. `false` undoes it:
 * a test that marks the provider resets it afterwards, so no other test depends on the order.
 */
export function markComponentProvider(inProvider = true): void {
  componentProvider = inProvider;
}

export function isComponentProvider(): boolean {
  return componentProvider;
}

/** Why the workbench has no tcp_connect verification for another language. */
export const CROSS_LANGUAGE_VERIFICATION_NOTE =
  "the tcp_connect verification is a Pulumi dynamic provider, which cannot run for a program in another language (pulumi/pulumi#5455): " +
  "the in-pod self-test (selfTest, the startupProbe) verifies eBPF instead; run `npm run verify` after `pulumi up` for the exec-based check";

/** Why the workbench's sidecar placement does nothing for another language, and what does. */
export const CROSS_LANGUAGE_SIDECAR_NOTE =
  "placement sidecar makes a TypeScript resource transform (sidecarTransform), which cannot reach a program in another language: " +
  "declare each application workload with EbpfSidecarWorkload instead (the same probe, the same settings)";
