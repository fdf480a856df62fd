/** Short commands in the pod over the transport, bounded in time; and reading transport errors. */
import type { ResolvedOptions } from "./checkOptions";
import { VerificationTransport, ExecOutcome, TransportError } from "./transport";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errorStatus(err: unknown): number | undefined {
  const s = (err as TransportError | undefined)?.status;
  return typeof s === "number" ? s : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface ShortRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  lost: boolean;
}

/** Runs a short command to completion (bounded). Exec refusals propagate as thrown errors. */
export async function runShort(
  t: VerificationTransport,
  r: ResolvedOptions,
  pod: string,
  container: string,
  command: string[],
): Promise<ShortRun> {
  let stdout = "";
  let stderr = "";
  const session = await t.exec(r.namespace, pod, container, command, {
    onStdout: (c) => {
      stdout += c;
    },
    onStderr: (c) => {
      stderr += c;
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ExecOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: "lost", detail: `no exit status within ${r.commandTimeoutMs} ms` }),
      r.commandTimeoutMs,
    );
  });
  const outcome = await Promise.race([session.done, timeout]);
  clearTimeout(timer);
  if (outcome.kind === "lost") session.close();
  return {
    exitCode: outcome.kind === "exited" ? outcome.exitCode : null,
    stdout,
    stderr,
    lost: outcome.kind === "lost",
  };
}
