/**
 * Which kubeconfig the verification uses in `pulumi up`: the one the Kubernetes provider uses.
 * The provider's `kubernetes:kubeconfig` may hold the content or a path; without it the provider
 * falls back to $KUBECONFIG, then ~/.kube/config, and so does this. File access is injected so the
 * choice is testable; the content is a secret and never appears in a reason.
 */
import { kubeconfigPathFor } from "./cliArgs";
export interface KubeconfigSources {
  /** The value of `kubernetes:kubeconfig`, if set. */
  providerKubeconfig?: string;
  /** `$KUBECONFIG` (a list separated by `:`; the first entry is used). */
  kubeconfigEnv?: string;
  home: string;
  /** Reads a file; undefined when it cannot be read. */
  readFile: (path: string) => string | undefined;
}

export type KubeconfigChoice = { kubeconfig: string; origin: string } | { skipReason: string };

/** Content, not a path: YAML or JSON spans lines or opens with a brace. */
function looksLikeContent(value: string): boolean {
  return value.includes("\n") || value.trimStart().startsWith("{");
}

export function chooseKubeconfig(sources: KubeconfigSources): KubeconfigChoice {
  const fromProvider = sources.providerKubeconfig?.trim();
  if (fromProvider) {
    if (looksLikeContent(fromProvider)) return { kubeconfig: fromProvider, origin: "kubernetes:kubeconfig" };
    const content = sources.readFile(fromProvider);
    return content !== undefined
      ? { kubeconfig: content, origin: `kubernetes:kubeconfig (file ${fromProvider})` }
      : { skipReason: `kubernetes:kubeconfig names ${fromProvider}, which cannot be read` };
  }
  // The same fallback as `npm run verify` without --kubeconfig.
  const path = kubeconfigPathFor(undefined, { KUBECONFIG: sources.kubeconfigEnv }, sources.home);
  const content = sources.readFile(path);
  return content !== undefined
    ? { kubeconfig: content, origin: path }
    : {
        skipReason: `no kubeconfig: set kubernetes:kubeconfig (pulumi config set --secret) or KUBECONFIG; ${path} cannot be read`,
      };
}
