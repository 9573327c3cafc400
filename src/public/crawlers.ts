import { isbot } from "isbot";

/**
 * Whether a visit of `/q` or `/p` is not a scan: a bot, a link-preview crawler (a link pasted into
 * a chat would otherwise count as a visit), an HTTP library or a headless browser, as `isbot`
 * recognises them. A request without a user agent is not counted either: every phone browser and
 * in-app browser sends one.
 */
export function isCrawler(userAgent: string | undefined | null): boolean {
  if (!userAgent || userAgent.trim() === "") return true;
  return isbot(userAgent);
}
