/**
 * The real transport: @kubernetes/client-node `Exec` (WebSocket, v5/v4.channel.k8s.io) and the
 * CoreV1/AppsV1 APIs, from kubeconfig *content* (a secret: it is never logged, returned or stored).
 *
 * @kubernetes/client-node 1.x is ESM-only: it is `require()`d inside the function (Node >= 20.19
 * loads ESM through require), so this module can be imported (and serialized into the dynamic
 * provider) without loading it.
 */
import type * as K8s from "@kubernetes/client-node";
import type { Writable as WritableType } from "stream";
import { ExecOutcome, ExecSession, PodSummary, VerificationTransport, transportError } from "./transport";

export interface KubernetesTransportOptions {
  /** kubeconfig context to use; default the kubeconfig's current-context. */
  context?: string;
}

interface StatusLike {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Exit code from the exec status (channel 3): Success → 0; NonZeroExitCode → the ExitCode cause. */
export function exitCodeFromStatus(status: StatusLike | undefined): { exitCode: number; message?: string } {
  if (!status) return { exitCode: -1, message: "no status" };
  if (status.status === "Success") return { exitCode: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = cause?.message !== undefined ? Number(cause.message) : NaN;
  return { exitCode: Number.isInteger(code) ? code : -1, message: status.message };
}

function apiError(err: unknown): Error {
  const e = err as { code?: unknown; body?: unknown; message?: string };
  const status = typeof e?.code === "number" ? e.code : undefined;
  let detail = e?.message ?? String(err);
  if (e?.body !== undefined) {
    try {
      const body = typeof e.body === "string" ? JSON.parse(e.body) : e.body;
      if (body && typeof body.message === "string") detail = body.message;
    } catch {
      // keep the message
    }
  }
  return transportError(detail, status);
}

/** The HTTP status of a refused WebSocket upgrade (`Unexpected server response: 403`). */
export function upgradeStatus(message: string): number | undefined {
  const m = /Unexpected server response: (\d{3})/.exec(message);
  return m ? Number(m[1]) : undefined;
}

export function createKubernetesTransport(
  kubeconfig: string,
  options: KubernetesTransportOptions = {},
): VerificationTransport {
  const k8s: typeof K8s = require("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(kubeconfig);
  } catch (err) {
    // Never echo the content: it is a secret.
    throw new Error(
      `kubeconfig: the content could not be parsed as a kubeconfig (${(err as Error).name}); expected kubeconfig YAML or JSON`,
    );
  }
  if (options.context) kc.setCurrentContext(options.context);
  if (!kc.getCurrentCluster()) {
    throw new Error(
      "kubeconfig: no current cluster; expected a kubeconfig with a current-context (or a context option) that names a cluster",
    );
  }
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const execApi = new k8s.Exec(kc);

  return {
    endpoint: kc.getCurrentCluster()?.server,
    async deploymentSelector(namespace, name) {
      let d: K8s.V1Deployment;
      try {
        d = await apps.readNamespacedDeployment({ namespace, name });
      } catch (err) {
        throw apiError(err);
      }
      const labels = d.spec?.selector?.matchLabels ?? {};
      const parts = Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`);
      for (const e of d.spec?.selector?.matchExpressions ?? []) {
        const values = (e.values ?? []).join(",");
        if (e.operator === "In") parts.push(`${e.key} in (${values})`);
        else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
        else if (e.operator === "Exists") parts.push(e.key);
        else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
      }
      if (parts.length === 0) throw transportError(`deployment ${namespace}/${name} has an empty selector`);
      return parts.join(",");
    },

    async listPods(namespace, labelSelector) {
      let list: K8s.V1PodList;
      try {
        list = await core.listNamespacedPod({ namespace, labelSelector });
      } catch (err) {
        throw apiError(err);
      }
      return list.items.map((p): PodSummary => {
        const status: string[] = [];
        for (const c of p.status?.containerStatuses ?? []) {
          if (c.state?.waiting)
            status.push(
              `container ${c.name} waiting: ${c.state.waiting.reason ?? ""}${c.state.waiting.message ? ` (${c.state.waiting.message})` : ""}`,
            );
          if (c.state?.terminated)
            status.push(
              `container ${c.name} terminated: ${c.state.terminated.reason ?? ""} exit ${c.state.terminated.exitCode}`,
            );
          if (c.restartCount) status.push(`container ${c.name} restarts: ${c.restartCount}`);
        }
        for (const cond of p.status?.conditions ?? []) {
          if (cond.status !== "True" && (cond.reason || cond.message))
            status.push(`${cond.type} ${cond.status}: ${cond.reason ?? ""} ${cond.message ?? ""}`.trim());
        }
        if (p.status?.reason) status.push(`${p.status.reason}: ${p.status.message ?? ""}`);
        const ready = (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
        return {
          name: p.metadata?.name ?? "",
          phase: p.status?.phase ?? "Unknown",
          ready,
          containers: (p.spec?.containers ?? []).map((c) => c.name),
          status,
          templateHash: p.metadata?.labels?.["pod-template-hash"],
          deleting: p.metadata?.deletionTimestamp !== undefined && p.metadata?.deletionTimestamp !== null,
        };
      });
    },

    async podEvents(namespace, pod) {
      let list: K8s.CoreV1EventList;
      try {
        list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod}` });
      } catch (err) {
        throw apiError(err);
      }
      return list.items.map((e) => `${e.type ?? ""} ${e.reason ?? ""}: ${e.message ?? ""}`.trim());
    },

    async exec(namespace, pod, container, command, handlers) {
      let status: StatusLike | undefined;
      let ws: {
        on(event: string, fn: (...args: unknown[]) => void): void;
        close(): void;
        terminate?: () => void;
        readyState: number;
      };
      try {
        ws = (await execApi.exec(
          namespace,
          pod,
          container,
          command,
          textSink(handlers.onStdout),
          textSink(handlers.onStderr),
          null,
          false,
          (s) => {
            status = s as StatusLike;
          },
        )) as unknown as typeof ws;
      } catch (err) {
        const message = (err as { message?: string })?.message ?? String(err);
        throw transportError(message, upgradeStatus(message));
      }
      let resolveDone: (o: ExecOutcome) => void = () => undefined;
      const done = new Promise<ExecOutcome>((resolve) => {
        resolveDone = resolve;
      });
      let lastError = "";
      ws.on("error", (err) => {
        lastError = (err as Error)?.message ?? String(err);
      });
      ws.on("close", (code) => {
        if (status) {
          const { exitCode, message } = exitCodeFromStatus(status);
          resolveDone({ kind: "exited", exitCode, message });
        } else {
          resolveDone({
            kind: "lost",
            detail: `connection closed (WebSocket code ${String(code)}) before the exit status arrived${lastError ? `: ${lastError}` : ""}`,
          });
        }
      });
      const session: ExecSession = {
        done,
        close() {
          try {
            if (ws.terminate) ws.terminate();
            else ws.close();
          } catch {
            // already closed
          }
        },
      };
      return session;
    },
  };
}

/**
 * A Writable for one exec channel that hands `fn` text. WebSocket frames split the stream anywhere,
 * also inside a multi-byte UTF-8 character (a comm or a message in another script): a decoder keeps
 * the partial character for the next frame instead of turning each half into U+FFFD.
 */
export function textSink(fn?: (chunk: string) => void): WritableType {
  const { Writable } = require("stream") as { Writable: typeof WritableType };
  const { StringDecoder } = require("string_decoder") as typeof import("string_decoder");
  const decoder = new StringDecoder("utf8");
  const emit = (text: string) => {
    if (fn && text !== "") fn(text);
  };
  return new Writable({
    write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
      emit(decoder.write(chunk));
      cb();
    },
    final(cb: () => void) {
      emit(decoder.end());
      cb();
    },
  });
}
