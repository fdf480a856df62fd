/** Kubernetes object name forms (DNS-1123), shared by every check of a name. */

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS-1123 label (namespaces, most names): lowercase alphanumerics and '-', at most 63. */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === "string" && value.length <= 63 && LABEL.test(value);
}

/** A DNS-1123 subdomain (Deployments, Secrets): labels joined by '.', at most 253. */
export function isDnsSubdomain(value: unknown): value is string {
  return typeof value === "string" && value.length <= 253 && SUBDOMAIN.test(value);
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
export function isLabelKey(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const slash = value.lastIndexOf("/");
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  return (slash < 0 || isDnsSubdomain(value.slice(0, slash))) && name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 alphanumerics, '-', '_' and '.', starting and ending alphanumeric. */
export function isLabelValue(value: unknown): value is string {
  return typeof value === "string" && (value === "" || (value.length <= 63 && LABEL_NAME.test(value)));
}
