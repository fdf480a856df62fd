/**
 * A local stand-in for the Kubernetes API server, loopback only (127.0.0.1), enough for the
 * verification: GET deployment, list pods (label selector), list events (field selector), and pod
 * exec over WebSocket in the remotecommand protocol:
 *   - subprotocol v4.channel.k8s.io or v5.channel.k8s.io (the one configured, if the client offers it);
 *   - every frame is binary, first byte = channel: 0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize;
 *   - one empty frame on the lowest writable channel (stdout here) when the stream opens, as the
 *     kubelet's remotecommand server does to tell the client the streams are ready;
 *   - the exit status as a metav1.Status JSON on channel 3 (Success, or NonZeroExitCode with an
 *     ExitCode cause), then a normal close;
 *   - v5 only: a client frame [255, n] closes the client's stream n (stdin half-close);
 *   - as in a real cluster, a client that disconnects does NOT kill the process.
 * Commands run as local processes, each in its own process group, optionally confined to a
 * capability bounding set with util-linux `setpriv` (what drop ALL + add [...] gives a root container;
 * needs root and the native node of podEnvironment.ts).
 * The server stops itself after `lifetimeMs` and kills every process it started.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { spawn, ChildProcess } from "child_process";
import { WebSocketServer, WebSocket } from "ws";

export type ExecProtocol = "v4.channel.k8s.io" | "v5.channel.k8s.io";

export interface FakePod {
  name: string;
  ready?: boolean;
  /**
   * Becomes Ready this many ms after the first pod list (a rollout in progress when the check first
   * looks; counted from then, not from the server's start, so a slow client start cannot skip it).
   */
  readyAfterMs?: number;
  phase?: string;
  containers?: string[];
  /** Extra container status for pods that are not ready (e.g. ImagePullBackOff). */
  waitingReason?: string;
  waitingMessage?: string;
  events?: { type: string; reason: string; message: string }[];
  /** Environment of every process exec'd in this pod. */
  env?: Record<string, string>;
  /** Capability bounding set (names without CAP_); undefined = whatever the server runs with. */
  capabilities?: string[];
}

export interface ExecRecord {
  pod: string;
  command: string[];
  protocol: string;
  pid?: number;
  exitCode?: number | null;
  signal?: string | null;
  exitedAt?: number;
  dropped?: boolean;
  /** Ended from outside by endExecWhen. */
  ended?: boolean;
  clientClosed?: boolean;
  stderr: string;
}

export interface FakeClusterOptions {
  namespace: string;
  deployment: string;
  matchLabels: Record<string, string>;
  pods: FakePod[];
  protocol: ExecProtocol;
  token?: string;
  forbid?: { exec?: boolean; listPods?: boolean; getDeployment?: boolean };
  /** Drops the TCP connection of an exec abruptly (no status, no close frame) once this is true. */
  dropExecWhen?: (record: ExecRecord) => boolean;
  /**
   * Deletes the exec's pod once this is true (checked on each stderr chunk), as a rollout or a person
   * would: the pod is listed with a deletionTimestamp, and the runtime kills the exec'd process
   * (SIGKILL, exit code 137 on the status channel), as the kubelet did in the cluster scenario.
   */
  deletePodWhen?: (record: ExecRecord) => boolean;
  /**
   * Ends the exec session from outside once this is true, as a kubelet shutting down did on the
   * real node (cluster scenario fault-kubelet-restart): the exec'd processes get SIGTERM and their
   * exit status (0 from a tracer that stops on the signal) goes back on the status channel.
   */
  endExecWhen?: (record: ExecRecord) => boolean;
  /** Base environment of all processes. */
  env?: Record<string, string>;
  lifetimeMs?: number;
  /** Where to listen; default 127.0.0.1 on a free port (kernels/ runs it in a guest, on its NIC). */
  listen?: { host: string; port: number };
}

export interface FakeCluster {
  url: string;
  kubeconfig: string;
  execs: ExecRecord[];
  /** Resolves when every process this server started has exited (or the timeout passes). */
  waitForProcesses(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

function statusBody(code: number, reason: string, message: string, kind?: string) {
  return JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    details: kind ? { kind } : undefined,
    code,
  });
}

function forbidden(verb: string, resource: string, ns: string, sub?: string): string {
  const res = sub ? `${resource}/${sub}` : resource;
  return statusBody(
    403,
    "Forbidden",
    `${res} is forbidden: User "system:serviceaccount:ci:deployer" cannot ${verb} resource "${resource}"${sub ? ` subresource "${sub}"` : ""} in API group "" in the namespace "${ns}"`,
    resource,
  );
}

function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return labels[k.trim()] === (v ?? "").trim();
  });
}

function podJson(ns: string, pod: FakePod, labels: Record<string, string>, firstListAt: number, deleted: boolean) {
  const ready = (pod.ready ?? true) && Date.now() - firstListAt >= (pod.readyAfterMs ?? 0);
  const containers = pod.containers ?? ["workbench"];
  return {
    metadata: {
      name: pod.name,
      namespace: ns,
      labels: { ...labels, "pod-template-hash": "5d9c7b8f6" },
      ...(deleted ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: {
      containers: containers.map((name) => ({
        name,
        image: "registry.example/ebpf-workbench@sha256:" + "0".repeat(64),
      })),
    },
    status: {
      phase: pod.phase ?? (ready ? "Running" : "Pending"),
      conditions: [
        { type: "PodScheduled", status: "True" },
        {
          type: "Ready",
          status: ready ? "True" : "False",
          reason: ready ? undefined : "ContainersNotReady",
          message: ready ? undefined : `containers with unready status: [${containers.join(" ")}]`,
        },
      ],
      containerStatuses: containers.map((name) => ({
        name,
        ready,
        restartCount: 0,
        image: "x",
        imageID: "",
        state: ready
          ? { running: { startedAt: "2026-01-01T00:00:00Z" } }
          : { waiting: { reason: pod.waitingReason ?? "ContainerCreating", message: pod.waitingMessage } },
      })),
    },
  };
}

export async function startFakeCluster(options: FakeClusterOptions): Promise<FakeCluster> {
  for (const pod of options.pods) {
    if (pod.capabilities && pod.env?.FAKE_TRACER_CAPEFF !== undefined) {
      // The stand-in tracer would obey the declared set, not the setpriv confinement.
      throw new Error(`fake pod ${pod.name}: capabilities need the native node of podEnvironment.ts`);
    }
  }
  const token = options.token ?? "test-token";
  let firstListAt: number | undefined;
  const ns = options.namespace;
  const execs: ExecRecord[] = [];
  const deleted = new Set<string>();
  const children = new Set<ChildProcess>();
  const sockets = new Set<WebSocket>();

  const send = (res: http.ServerResponse, code: number, body: string) => {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(res, 401, statusBody(401, "Unauthorized", "Unauthorized"));
    const path = url.pathname;
    if (path === `/apis/apps/v1/namespaces/${ns}/deployments/${options.deployment}`) {
      if (options.forbid?.getDeployment) return send(res, 403, forbidden("get", "deployments", ns));
      return send(
        res,
        200,
        JSON.stringify({
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: options.deployment, namespace: ns },
          spec: {
            replicas: 1,
            selector: { matchLabels: options.matchLabels },
            template: { metadata: { labels: options.matchLabels }, spec: { containers: [] } },
          },
        }),
      );
    }
    if (path.startsWith(`/apis/apps/v1/namespaces/${ns}/deployments/`)) {
      return send(res, 404, statusBody(404, "NotFound", `deployments.apps "${path.split("/").pop()}" not found`));
    }
    if (path === `/api/v1/namespaces/${ns}/pods`) {
      if (options.forbid?.listPods) return send(res, 403, forbidden("list", "pods", ns));
      const selector = url.searchParams.get("labelSelector") ?? "";
      const items = options.pods
        .map((p) => podJson(ns, p, options.matchLabels, (firstListAt ??= Date.now()), deleted.has(p.name)))
        .filter((p) => matchesSelector(p.metadata.labels, selector));
      return send(res, 200, JSON.stringify({ apiVersion: "v1", kind: "PodList", metadata: {}, items }));
    }
    if (path === `/api/v1/namespaces/${ns}/events`) {
      const field = url.searchParams.get("fieldSelector") ?? "";
      const name = field.replace(/^involvedObject\.name=/, "");
      const pod = options.pods.find((p) => p.name === name);
      const items = (pod?.events ?? []).map((e, i) => ({
        metadata: { name: `${name}.${i}`, namespace: ns },
        involvedObject: { kind: "Pod", name, namespace: ns },
        type: e.type,
        reason: e.reason,
        message: e.message,
      }));
      return send(res, 200, JSON.stringify({ apiVersion: "v1", kind: "EventList", metadata: {}, items }));
    }
    return send(res, 404, statusBody(404, "NotFound", `the server could not find the requested resource (${path})`));
  });

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(options.protocol) ? options.protocol : false),
  });

  const reject = (socket: import("stream").Duplex, code: number, text: string, body: string) => {
    socket.write(
      `HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.destroy();
  };

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = new RegExp(`^/api/v1/namespaces/${ns}/pods/([^/]+)/exec$`).exec(url.pathname);
    if (req.headers.authorization !== `Bearer ${token}`)
      return reject(socket, 401, "Unauthorized", statusBody(401, "Unauthorized", "Unauthorized"));
    if (!m) return reject(socket, 404, "Not Found", statusBody(404, "NotFound", "not found"));
    if (options.forbid?.exec) return reject(socket, 403, "Forbidden", forbidden("create", "pods", ns, "exec"));
    const pod = options.pods.find((p) => p.name === m[1]);
    if (!pod) return reject(socket, 404, "Not Found", statusBody(404, "NotFound", `pods "${m[1]}" not found`));
    const command = url.searchParams.getAll("command");
    wss.handleUpgrade(req, socket, head, (ws) => runExec(ws, pod, command));
  });

  function runExec(ws: WebSocket, pod: FakePod, command: string[]) {
    sockets.add(ws);
    const record: ExecRecord = { pod: pod.name, command, protocol: ws.protocol, stderr: "" };
    execs.push(record);
    const frame = (channel: number, data: Buffer) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
    };
    // The streams are ready: an empty frame on the lowest writable channel.
    frame(1, Buffer.alloc(0));

    const caps = pod.capabilities;
    const argv = caps
      ? [
          "setpriv",
          "--inh-caps",
          "-all",
          "--bounding-set",
          ["-all", ...caps.map((c) => `+${c.toLowerCase()}`)].join(","),
          "--",
          ...command,
        ]
      : command;
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...(options.env ?? {}), ...(pod.env ?? {}) },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    record.pid = child.pid;
    child.stdout!.on("data", (d: Buffer) => frame(1, d));
    child.stderr!.on("data", (d: Buffer) => {
      record.stderr += d.toString("utf8");
      frame(2, d);
      if (options.dropExecWhen && !record.dropped && options.dropExecWhen(record)) {
        record.dropped = true;
        // Abrupt loss: no status, no close frame.
        (ws as unknown as { _socket?: { destroy(): void } })._socket?.destroy();
        ws.terminate();
      }
      if (options.endExecWhen && !record.ended && options.endExecWhen(record)) {
        record.ended = true;
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          // already gone
        }
      }
      if (options.deletePodWhen && !deleted.has(pod.name) && options.deletePodWhen(record)) {
        deleted.add(pod.name);
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
    });
    child.on("error", (err) => {
      frame(
        3,
        Buffer.from(
          JSON.stringify({
            metadata: {},
            status: "Failure",
            message: `exec failed: ${err.message}`,
            reason: "InternalError",
          }),
        ),
      );
      ws.close(1000);
    });
    child.on("close", (code, signal) => {
      children.delete(child);
      record.exitCode = code;
      record.signal = signal;
      record.exitedAt = Date.now();
      const exitCode = code ?? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGINT" ? 2 : 15);
      const status =
        exitCode === 0
          ? { metadata: {}, status: "Success" }
          : {
              metadata: {},
              status: "Failure",
              message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${exitCode}`,
              reason: "NonZeroExitCode",
              details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
            };
      frame(3, Buffer.from(JSON.stringify(status)));
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    });
    ws.on("message", (data: Buffer) => {
      if (!Buffer.isBuffer(data) || data.length === 0) return;
      // v5: [255, channel] closes that client stream; we never give the process a stdin anyway.
      if (data[0] === 255 && ws.protocol !== "v5.channel.k8s.io")
        ws.close(1002, "CLOSE signal needs v5.channel.k8s.io");
    });
    ws.on("close", () => {
      sockets.delete(ws);
      // A real cluster does not kill the process when the client goes away.
      if (record.exitedAt === undefined) record.clientClosed = true;
    });
  }

  const host = options.listen?.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(options.listen?.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  const kubeconfig = JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "fake", cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: "deployer", user: { token } }],
    contexts: [{ name: "fake", context: { cluster: "fake", user: "deployer", namespace: ns } }],
    "current-context": "fake",
  });

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    for (const c of children) {
      try {
        process.kill(-c.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }
    for (const s of sockets) s.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 60_000);
  lifetime.unref();

  return {
    url,
    kubeconfig,
    execs,
    async waitForProcesses(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return children.size === 0;
    },
    close,
  };
}
