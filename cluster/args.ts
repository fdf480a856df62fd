/**
 * `npm run cluster` arguments. Pure module.
 *
 *   --kernel 6.12|5.10   the node's kernel (default 6.12); repeatable with --all for both
 *   --all                every kernel of NODE_KERNELS, one after the other
 *   --keep               leave the cluster running and print the admin kubeconfig's path
 *   --stop               end a cluster left running by --keep, and nothing else
 *   --json               the report as JSON on stdout (progress goes to stderr)
 *   --scenario NAME      run only the named scenarios (repeatable)
 */

export interface ClusterArgs {
  kernels: string[];
  keep: boolean;
  stop: boolean;
  json: boolean;
  scenarios: string[];
}

export function parseClusterArgs(
  argv: readonly string[],
  knownKernels: readonly string[],
  knownScenarios: readonly string[],
): ClusterArgs {
  const out: ClusterArgs = { kernels: [], keep: false, stop: false, json: false, scenarios: [] };
  let all = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${flag}: expected a value`);
      return v;
    };
    switch (flag) {
      case "--kernel": {
        const k = value();
        if (!knownKernels.includes(k)) throw new Error(`--kernel ${k}: expected one of ${knownKernels.join(", ")}`);
        out.kernels.push(k);
        break;
      }
      case "--scenario": {
        const s = value();
        if (!knownScenarios.includes(s))
          throw new Error(`--scenario ${s}: expected one of ${knownScenarios.join(", ")}`);
        out.scenarios.push(s);
        break;
      }
      case "--all":
        all = true;
        break;
      case "--keep":
      case "--stop":
      case "--json":
        if (inline !== undefined) throw new Error(`${flag} takes no value (got ${JSON.stringify(inline)})`);
        out[flag.slice(2) as "keep" | "stop" | "json"] = true;
        break;
      default:
        throw new Error(
          `unknown argument ${JSON.stringify(argv[i])}; expected --kernel 6.12|5.10, --all, --keep, --stop, --json or --scenario NAME`,
        );
    }
  }
  if (all) out.kernels = [...knownKernels];
  if (out.kernels.length === 0) out.kernels = [knownKernels[0]];
  if (out.stop && (out.keep || out.scenarios.length > 0))
    throw new Error("--stop ends a kept cluster and runs nothing: use it alone");
  if (out.keep && out.kernels.length > 1) throw new Error("--keep leaves one cluster running: name one --kernel");
  return out;
}
