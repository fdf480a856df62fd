/**
 * What the check needs from a cluster, as plain function types: the orchestrator runs over this
 * interface, the real implementation is `kubernetesTransport.ts` (@kubernetes/client-node), and
 * unit tests can inject anything.
 */

export interface PodSummary {
  name: string;
  /** Pending, Running, Succeeded, Failed, Unknown. */
  phase: string;
  /** The Ready condition is True. */
  ready: boolean;
  /** Container names in spec order. */
  containers: string[];
  /** Human-readable status: waiting/terminated reasons, condition messages. */
  status: string[];
  /** metadata.labels["pod-template-hash"], when present. */
  templateHash?: string;
  deleting?: boolean;
}

export type ExecOutcome =
  /** The command ended; the exit code comes from the status channel. */
  | { kind: "exited"; exitCode: number; message?: string }
  /** The connection ended without a status: the API server (or the network) went away. */
  | { kind: "lost"; detail: string };

export interface ExecSession {
  /** Resolves once, when the command's status arrives or the connection ends. Never rejects. */
  done: Promise<ExecOutcome>;
  /** Closes the connection (the process in the pod keeps running: that is what `timeout` is for). */
  close(): void;
}

interface ExecHandlers {
  onStdout?(chunk: string): void;
  onStderr?(chunk: string): void;
}

/**
 * Errors thrown by a transport carry `status` (HTTP status, when the server answered) so the
 * check can tell RBAC (403) from a lost connection (no status).
 */
export interface TransportError extends Error {
  status?: number;
}

export interface VerificationTransport {
  /** The API server URL, for messages (never credentials). */
  endpoint?: string;
  /** The Deployment's `spec.selector.matchLabels` as a label selector string (`a=b,c=d`). */
  deploymentSelector(namespace: string, name: string): Promise<string>;
  listPods(namespace: string, labelSelector: string): Promise<PodSummary[]>;
  /** Recent events of a pod, one line each (`Warning FailedCreate: ...`). */
  podEvents(namespace: string, pod: string): Promise<string[]>;
  /** Starts a command; rejects (with `status`) when the exec is refused. */
  exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
    handlers: ExecHandlers,
  ): Promise<ExecSession>;
}

export function transportError(message: string, status?: number): TransportError {
  const err = new Error(message) as TransportError;
  if (status !== undefined) err.status = status;
  return err;
}
