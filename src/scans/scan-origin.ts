import { isbot } from "isbot";
import { BoundedCache } from "../lib/bounded-cache";
import { type Device, UNKNOWN_COUNTRY } from "./scans.table";

/** Where a scan, a view or a lead came from, coarsely: never the IP address or the user agent itself. */
export interface ScanOrigin {
  /** ISO 3166-1 alpha-2, or `XX` when unknown. */
  country: string;
  device: Device;
}

export const COUNTRY_CODE = /^[A-Z]{2}$/;

/**
 * The country Cloudflare saw the request come from: its `CF-IPCountry` header, which Cloudflare's
 * edge sets (IP geolocation), else `request.cf.country`. The header first because it is one lookup,
 * where reading `request.cf` builds the whole object of the request's properties (Miniflare's is
 * a few kilobytes: a fifth of a QR redirect's CPU time). Anything that is not two capital letters is
 * unknown (`XX`): no country (a local run), and Cloudflare's `T1` for Tor, which says only that
 * the visitor hid where they are.
 */
export function countryOf(request: Request): string {
  const country = request.headers.get("cf-ipcountry") ?? (request.cf as { country?: unknown } | undefined)?.country;
  return typeof country === "string" && COUNTRY_CODE.test(country) ? country : UNKNOWN_COUNTRY;
}

/** Televisions, set-top boxes and game consoles: a browser, but none of the three classes. */
const TV_OR_CONSOLE = /SMART-?TV|SmartTV|GoogleTV|Android ?TV|\bAFT[A-Z]|BRAVIA|CrKey|Roku|HbbTV|Web0S|PlayStation|Xbox|Nintendo/i;
/** iPads, Android without the `Mobile` token phones send (Chrome and Firefox alike), Kindles. */
const TABLET = /iPad|Tablet|Kindle|Silk\/|PlayBook|Android(?!.*Mobi)/i;
const MOBILE = /Mobi|iPhone|iPod|Android|Windows Phone|IEMobile|BlackBerry|BB10|Opera Mini/i;
const DESKTOP = /Windows NT|Macintosh|X11|Linux|CrOS|BSD/i;

/**
 * Whether a visit of `/q` or `/p` is not a scan: a bot, a link-preview crawler (a link pasted into
 * a chat would otherwise count as a visit), an HTTP library or a headless browser, as `isbot`
 * recognises them. A request without a user agent is not counted either: every phone browser and
 * in-app browser sends one.
 */
export function isCrawler(userAgent: string | null | undefined): userAgent is null | undefined {
  return !userAgent?.trim() || isbot(userAgent);
}

/**
 * The class of device a user agent says it is: `mobile`, `tablet`, `desktop`, or `other` (no user
 * agent, a bot, an HTTP library, a television or a console). From the user agent alone, an iPad
 * whose Safari asks for desktop sites (the default since iPadOS 13) reads as a Mac: `desktop`.
 */
export function deviceOf(userAgent: string | null | undefined): Device {
  return isCrawler(userAgent) ? "other" : browserDevice(userAgent);
}

/** The device class of a browser's user agent (not a crawler's). */
function browserDevice(userAgent: string): Device {
  if (TV_OR_CONSOLE.test(userAgent)) return "other";
  if (TABLET.test(userAgent)) return "tablet";
  if (MOBILE.test(userAgent)) return "mobile";
  if (DESKTOP.test(userAgent)) return "desktop";
  return "other";
}

/** The origin of a public page's request: Cloudflare's country and the user agent's device class. */
export const scanOrigin = (request: Request): ScanOrigin => ({
  country: countryOf(request),
  device: deviceOf(request.headers.get("user-agent")),
});

/**
 * What each user agent seen lately is: a crawler (null) or a browser of a device class. A hall of
 * phones sends a few dozen distinct user agents, and `isbot`'s expression is most of the work of
 * telling them apart.
 */
const visitorKinds = new BoundedCache<string, Device | null>(1_000);
/** Longer user agents are classified each time rather than kept (a real one is a few hundred characters). */
const KEPT_USER_AGENT_LENGTH = 512;

/** The origin of a visit that counts as a scan; nothing for a crawler's. */
export function visitOrigin(request: Request): ScanOrigin | undefined {
  const userAgent = request.headers.get("user-agent");
  if (!userAgent) return undefined;
  let device = visitorKinds.get(userAgent);
  if (device === undefined) {
    device = isCrawler(userAgent) ? null : browserDevice(userAgent);
    if (userAgent.length <= KEPT_USER_AGENT_LENGTH) visitorKinds.set(userAgent, device);
  }
  return device === null ? undefined : { country: countryOf(request), device };
}
