/**
 * User agents of bots and link-preview crawlers. Their views are not scans: a link pasted into
 * a chat would otherwise count as a visit. The one list used by `/q` and `/p`.
 */
const CRAWLER_TOKENS = [
  "bot", // Googlebot, bingbot, Twitterbot, LinkedInBot, Discordbot, TelegramBot, Slackbot, Applebot, redditbot…
  "crawler",
  "spider",
  "facebookexternalhit",
  "facebot",
  "slack-imgproxy",
  "whatsapp",
  "skypeuripreview",
  "embedly",
  "iframely",
  "pinterest",
  "vkshare",
  "bitlybot",
  "google-inspectiontool",
  "mastodon",
  "bluesky",
  "cardyb",
  "preview",
  "validator",
];

const pattern = new RegExp(CRAWLER_TOKENS.map((t) => t.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")).join("|"), "i");

export function isCrawler(userAgent: string | undefined | null): boolean {
  if (!userAgent || userAgent.trim() === "") return true;
  return pattern.test(userAgent);
}
