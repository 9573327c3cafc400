import { beforeAll, describe, expect, it } from "vitest";
import { call, newWorkspace, scansSettled, type Tenant, visit } from "./helpers";

/** Clients whose visit is not a scan: HTTP libraries, headless browsers, link previewers. */
const NOT_COUNTED: [client: string, userAgent: string | null][] = [
  ["no user agent", null],
  ["an empty user agent", ""],
  ["curl", "curl/8.5.0"],
  ["python-requests", "python-requests/2.32.3"],
  ["Go's net/http", "Go-http-client/2.0"],
  ["axios", "axios/1.7.9"],
  ["node-fetch", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)"],
  ["Wget", "Wget/1.21.4"],
  ["headless Chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"],
  ["Slackbot", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"],
  ["Slack's image proxy", "Slack-ImgProxy (+https://api.slack.com/robots)"],
  ["facebookexternalhit", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"],
  ["Twitterbot", "Twitterbot/1.0"],
  ["LinkedInBot", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"],
  ["WhatsApp", "WhatsApp/2.23.20.0 A"],
  ["Discordbot", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"],
  ["TelegramBot", "TelegramBot (like TwitterBot)"],
  [
    "Applebot",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
  ],
  ["Iframely", "Iframely/1.3.1 (+https://iframely.com/docs/about)"],
  ["Embedly", "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)"],
  ["Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"],
];

/** People: phone browsers and the in-app browsers of the apps a card's link is opened from. */
const COUNTED: [client: string, userAgent: string][] = [
  [
    "Safari on iOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  ],
  ["Chrome on Android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"],
  [
    "Samsung Internet",
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
  ],
  ["Firefox on Android", "Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0"],
  [
    "Instagram's browser on iOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 339.0.3.12.91 (iPhone15,3; iOS 17_5; en_US; en; scale=3.00; 1290x2796; 619393468)",
  ],
  [
    "Instagram's browser on Android",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Instagram 343.0.0.33.101 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8; shiba; shiba; en_US; 628308394)",
  ],
  [
    "Facebook's browser on iOS (FBAN)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.36.106;FBBV/614386043;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.5.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/616146447]",
  ],
  [
    "Facebook's browser on Android (FBAV)",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.134 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/472.0.0.50.109;]",
  ],
  [
    "the LinkedIn app",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.9000",
  ],
  [
    "TikTok (ByteLocale)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_35.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US ByteFullLocale/en RevealType/Dialog isDarkMode/0 WKWebView/1 BytedanceWebview/d8a21c6 FalconTag/",
  ],
  [
    "WeChat (MicroMessenger)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN",
  ],
  [
    "WeChat on Android",
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
  ],
  [
    "LINE",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122 Mobile Safari/537.36 Line/14.11.1/IAB",
  ],
];

let owner: Tenant;
let seq = 0;

beforeAll(async () => {
  owner = await newWorkspace("business");
});

/** Opens a new profile's card as `userAgent` and answers the scans its owner reads back. */
async function visitCard(userAgent: string | null) {
  const profile = await call("POST", "/v1/profiles", {
    key: owner.key,
    body: { handle: `crawl-${Date.now() % 100000}-${++seq}`, name: "Ada Lovelace" },
  });
  expect(profile.status).toBe(201);
  const page = await visit(`/p/${profile.body.handle}`, userAgent === null ? {} : { "user-agent": userAgent });
  expect(page.status).toBe(200);
  expect(page.text).toContain("Save contact");
  await scansSettled(profile.body.id);
  const scans = await call("GET", `/v1/contacts/scans?profile_id=${profile.body.id}`, { key: owner.key });
  expect(scans.status).toBe(200);
  return scans.body.data.map((s: { source: string }) => s.source);
}

describe("/p/{handle}: which visits are scans", () => {
  it.each(NOT_COUNTED)("shows the card to %s without counting a scan", async (_client, userAgent) => {
    expect(await visitCard(userAgent)).toEqual([]);
  });

  it.each(COUNTED)("counts a web scan from %s", async (_client, userAgent) => {
    expect(await visitCard(userAgent)).toEqual(["web"]);
  });
});
