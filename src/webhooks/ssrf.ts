import ipaddr from "ipaddr.js";
import { URL_UNSAFE } from "../lib/validation";

/** Names that only mean something inside a network: never a webhook's target. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/;

/**
 * Whether an IP address may receive webhooks: only addresses in ipaddr.js's `unicast` range (every
 * special-purpose IPv4 and IPv6 range is named otherwise: private, loopback, link-local, CGNAT,
 * benchmarking, documentation, multicast, NAT64, 6to4, Teredo, site-local…). An IPv4-mapped
 * (`::ffff:a.b.c.d`) or IPv4-compatible (`::a.b.c.d`, which URLs write `::7f00:1`) IPv6 address is
 * judged as the IPv4 address it carries.
 */
function isPublicAddress(host: string): boolean {
  let address = ipaddr.parse(host);
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6;
    const ipv4Compatible = v6.parts.slice(0, 6).every((part) => part === 0);
    if (v6.isIPv4MappedAddress() || ipv4Compatible) address = ipaddr.fromByteArray(v6.toByteArray().slice(12));
  }
  return address.range() === "unicast";
}

/**
 * Where webhooks may be sent: https only, no credentials in the URL, and no private, loopback,
 * link-local, metadata or local-name targets — unless private targets are allowed (local
 * development), which also allows plain http. Names are checked as written (trailing dots and case
 * ignored); the Workers runtime itself refuses to connect to private addresses, which covers names
 * that resolve to them.
 */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be a valid URL";
  }
  if (URL_UNSAFE.test(raw)) return "must not contain spaces or control characters";
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) return "must use https";
  if (url.username || url.password) return "must not contain credentials";
  if (allowPrivate) return null;
  const host = url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.+$/, "");
  if (ipaddr.isValid(host)) return isPublicAddress(host) ? null : "must not target a private, loopback or link-local address";
  if (host === "" || !host.includes(".") || LOCAL_NAMES.test(host)) return "must not target a local or internal host";
  return null;
}
