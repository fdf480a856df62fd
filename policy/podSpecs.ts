/**
 * Pure extraction of pod templates from Kubernetes objects, for every pod-bearing kind:
 *   Pod                                         spec
 *   Deployment, ReplicaSet, StatefulSet,
 *   DaemonSet, Job, ReplicationController       spec.template.spec
 *   CronJob                                     spec.jobTemplate.spec.template.spec
 *   PodTemplate                                 template.spec
 * and `List` objects (kind `List` or `<Kind>List` with `items`), flattened recursively.
 * Every container list counts: containers, initContainers and ephemeralContainers.
 */
import { POD_TEMPLATE_PATHS } from "../core/podTemplates";
import { fieldPath } from "./shared";
import type { ContainerRef, KubeObject, PodTemplate } from "./types";

const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Looks like a Kubernetes object: a mapping with string apiVersion and kind. */
export function isKubeObject(value: unknown): value is KubeObject {
  return isRecord(value) && typeof value.kind === "string" && typeof value.apiVersion === "string";
}

export function isList(obj: KubeObject): boolean {
  return (obj.kind === "List" || String(obj.kind).endsWith("List")) && Array.isArray(obj.items);
}

/** A List's items (recursively) or the object itself. Items that are not objects are dropped. */
export function expandLists(obj: KubeObject): KubeObject[] {
  if (!isList(obj)) return [obj];
  return (obj.items as unknown[]).flatMap((item) => (isRecord(item) ? expandLists(item as KubeObject) : []));
}

export function resourceName(obj: KubeObject): string {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name =
    typeof meta.name === "string"
      ? meta.name
      : typeof meta.generateName === "string"
        ? `${meta.generateName}*`
        : "(unnamed)";
  return `${String(obj.kind)}/${name}`;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  // Labels and annotations as YAML writes them are strings already: read them in place.
  let inPlace = Object.getPrototypeOf(value) === Object.prototype;
  for (const k in value) {
    if (!inPlace) break;
    inPlace = typeof value[k] === "string";
  }
  if (inPlace) return value as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

// The template's spec and metadata paths per kind, built once.
const templatePaths = new Map<string, { spec: string; metadata: string }>();

function pathsOf(kind: string, segments: readonly string[]): { spec: string; metadata: string } {
  let paths = templatePaths.get(kind);
  if (paths === undefined)
    templatePaths.set(
      kind,
      (paths = { spec: fieldPath("", ...segments, "spec"), metadata: fieldPath("", ...segments, "metadata") }),
    );
  return paths;
}

/** The pod template of a pod-bearing object, or undefined for any other kind (or a template with no spec). */
export function podTemplateOf(obj: KubeObject): PodTemplate | undefined {
  const segments = POD_TEMPLATE_PATHS[String(obj.kind)];
  if (!segments) return undefined;
  let template: unknown = obj;
  for (const s of segments) template = isRecord(template) ? template[s] : undefined;
  if (!isRecord(template) || !isRecord(template.spec)) return undefined;
  const spec = template.spec;
  const meta = isRecord(template.metadata) ? template.metadata : {};
  const objectMeta = isRecord(obj.metadata) ? obj.metadata : {};
  const paths = pathsOf(String(obj.kind), segments);
  const specPath = paths.spec;
  const containers: ContainerRef[] = [];
  for (const list of CONTAINER_LISTS) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((c, index) => {
      if (!isRecord(c)) return;
      containers.push({
        list,
        index,
        name: typeof c.name === "string" ? c.name : `${list}[${index}]`,
        path: fieldPath(specPath, list, index),
        container: c,
      });
    });
  }
  return {
    resource: resourceName(obj),
    kind: String(obj.kind),
    namespace: typeof objectMeta.namespace === "string" ? objectMeta.namespace : undefined,
    object: obj,
    metadata: { labels: stringMap(meta.labels), annotations: stringMap(meta.annotations) },
    metadataPath: paths.metadata,
    spec,
    specPath,
    containers,
  };
}

/** Reads a nested field; undefined when any step is missing. */
export function field(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const p of path) v = isRecord(v) ? v[p] : undefined;
  return v;
}

/** True when the image matches an exemption: exact, or a prefix ending in `*`. */
export function imageExempt(image: unknown, exemptImages: readonly string[] | undefined): boolean {
  // Exemptions first: a Pulumi preview may not know the image yet (reading it would throw).
  if (!exemptImages?.length || typeof image !== "string") return false;
  return exemptImages.some((e) => (e.endsWith("*") ? image.startsWith(e.slice(0, -1)) : image === e));
}

/** The containers a container-level rule checks: all but exempt images. */
export function checkedContainers(pod: PodTemplate, exemptImages: readonly string[] | undefined): ContainerRef[] {
  // Without exemptions the image is not read: a Pulumi preview may not know it yet.
  if (!exemptImages?.length) return pod.containers;
  return pod.containers.filter((c) => !imageExempt(c.container.image, exemptImages));
}
