/**
 * The corpora the reviewer and its peers are timed on, and the variants their verdicts are compared
 * on: Deployments with good and bad security contexts, a correct eBPF probe (BPF and PERFMON, every
 * other capability dropped) and the vendor document's (seven capabilities and debugfs from the host).
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const IMAGE = "registry.example.com/acs/app@sha256:" + "0".repeat(64);

function deployment(name: string, container: string, podExtra = ""): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
  labels: {app: ${name}}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels:
        app: ${name}
        alibabacloud.com/compute-class: general-purpose
        alibabacloud.com/compute-qos: default
    spec:
      automountServiceAccountToken: false
      containers:
        - name: main
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          resources:
            requests: {cpu: "1", memory: 1Gi}
            limits: {cpu: "1", memory: 1Gi}
${container}${podExtra}`;
}

const hardened = (caps: string) => `          securityContext:
            allowPrivilegeEscalation: false
            runAsNonRoot: true
            runAsUser: 10001
            runAsGroup: 10001
            readOnlyRootFilesystem: true
            seccompProfile: {type: RuntimeDefault}
            capabilities:
              drop: [ALL]
${caps}`;

export interface Variant {
  name: string;
  /** What it is, for the verdict table. */
  description: string;
  /** The document for a workload name. */
  document(name: string): string;
}

function vendorDocument(name: string): string {
  const text = fs
    .readFileSync(path.join(ROOT, "policy", "testdata", "vendor-deployment.yaml"), "utf8")
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
  return text.replace(/acs-test-ebpf-demo/g, name);
}

export const VARIANTS: Variant[] = [
  {
    name: "ebpf-probe",
    description:
      "eBPF probe, least privilege: adds BPF and PERFMON, drops ALL, non-root, read-only root, RuntimeDefault seccomp",
    document: (n) => deployment(n, hardened("              add: [BPF, PERFMON]\n")),
  },
  {
    name: "vendor",
    description:
      "the vendor document: adds SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_RESOURCE, SYS_PTRACE, IPC_LOCK, SYSLOG; debugfs from the host",
    document: vendorDocument,
  },
  {
    name: "ebpf-sys-admin",
    description: "eBPF probe the old way: adds SYS_ADMIN (where BPF and PERFMON suffice), otherwise hardened",
    document: (n) => deployment(n, hardened("              add: [SYS_ADMIN]\n")),
  },
  {
    name: "privileged",
    description: "privileged: true, otherwise hardened",
    document: (n) => deployment(n, hardened("").replace("allowPrivilegeEscalation: false", "privileged: true")),
  },
  {
    name: "restricted",
    description:
      "an ordinary app, restricted: drops ALL, adds nothing, non-root, read-only root, RuntimeDefault seccomp",
    document: (n) => deployment(n, hardened("")),
  },
  {
    name: "no-security-context",
    description: "an ordinary app with no securityContext at all (runtime defaults)",
    document: (n) => deployment(n, ""),
  },
];

/** `count` Deployments cycling through the variants, as one multi-document file. */
export function writeCorpus(file: string, count: number): void {
  const fd = fs.openSync(file, "w");
  try {
    for (let i = 0; i < count; i++) {
      const v = VARIANTS[i % VARIANTS.length];
      fs.writeSync(fd, `${i ? "---\n" : ""}${v.document(`${v.name}-${i}`)}`);
    }
  } finally {
    fs.closeSync(fd);
  }
}
