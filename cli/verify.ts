/**
 * `npm run verify -- --namespace N --deployment D [--kubeconfig F] [--json]`: the same check the
 * TcpConnectVerification resource runs during `pulumi up`, outside Pulumi (and for stacks in other
 * languages, which cannot use dynamic providers: pulumi/pulumi#5455).
 * Exit code 0 verified, 1 not verified, 2 bad arguments.
 */
import * as fs from "fs";
import * as os from "os";
import { runCheck } from "../verification/check";
import { createKubernetesTransport } from "../verification/kubernetesTransport";
import { parseVerifyArgs, kubeconfigPathFor, formatResult, VERIFY_USAGE } from "../verification/cliArgs";

async function main(argv: string[]): Promise<number> {
  const parsed = parseVerifyArgs(argv);
  if (parsed.kind === "help") {
    console.log(VERIFY_USAGE);
    return 0;
  }
  if (parsed.kind === "error") {
    console.error(`verify: ${parsed.message}\n\n${VERIFY_USAGE}`);
    return 2;
  }
  const { command } = parsed;
  const file = kubeconfigPathFor(command.kubeconfigPath, process.env, os.homedir());
  let kubeconfig: string;
  try {
    kubeconfig = fs.readFileSync(file, "utf8");
  } catch (err) {
    console.error(
      `verify: --kubeconfig: ${JSON.stringify(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a readable kubeconfig file`,
    );
    return 2;
  }
  let transport;
  try {
    transport = createKubernetesTransport(kubeconfig, command.context ? { context: command.context } : {});
  } catch (err) {
    console.error(`verify: ${(err as Error).message}`);
    return 2;
  }
  let result;
  try {
    result = await runCheck(transport, command.options);
  } catch (err) {
    // Only option validation throws (everything else becomes a classified failure).
    console.error(`verify: ${(err as Error).message}`);
    return 2;
  }
  console.log(command.json ? JSON.stringify(result, null, 2) : formatResult(result));
  return result.verified ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`verify: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  },
);
