import { isbot } from "isbot";
import { type Device, UNKNOWN_COUNTRY } from "./scans.table";

/** Where a scan, a view or a lead came from, coarsely: never the IP address or the user agent itself. */
export interface ScanOrigin {
  /** ISO 3166-1 alpha-2, or `XX` when unknown. */
  country: string;
  device: Device;
}

export const COUNTRY_CODE = /^[A-Z]{2}$/;

/**
 * The country Cloudflare saw the request come from. Anything that is not two capital letters is
 * unknown (`XX`): no `cf` (a local run), and Cloudflare's `T1` for Tor, which says only that the
 * visitor hid where they are.
 */
export function countryOf(cf: unknown): string {
  const country = (cf as { country?: unknown } | undefined)?.country;
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
  country: countryOf(request.cf),
  device: deviceOf(request.headers.get("user-agent")),
});

/** The origin of a visit that counts as a scan; nothing for a crawler's (the user agent is read once). */
export function visitOrigin(request: Request): ScanOrigin | undefined {
  const userAgent = request.headers.get("user-agent");
  if (isCrawler(userAgent)) return undefined;
  return { country: countryOf(request.cf), device: browserDevice(userAgent) };
}
