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
