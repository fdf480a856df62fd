/** The check's connection target (`host:port`): parsed once here for config, the component and the check. */
import { InputError } from "./errors";

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** A dotted-quad IPv4 address (no leading zeros) as regular-expression source without captures, for patterns that embed it. */
export const IPV4_PATTERN = `${OCTET}(?:\\.${OCTET}){3}`;
const IPV4 = new RegExp(`^${IPV4_PATTERN}$`);
const HOSTNAME = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/;

/** A dotted-quad IPv4 address (the trace program reports IPv4 only). */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** Parses `host:port` (IPv4 literal or host name). */
export function parseTarget(target: string): { host: string; port: number } {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(target.trim());
  const accepted =
    "host:port with an IPv4 address or host name and a port 1-65535 (the trace sees IPv4 only), e.g. 127.0.0.1:8080";
  if (!m) throw new InputError("target", target, accepted);
  const port = Number(m[2]);
  if (port < 1 || port > 65535 || !(isIPv4(m[1]) || HOSTNAME.test(m[1])))
    throw new InputError("target", target, accepted);
  return { host: m[1], port };
}
