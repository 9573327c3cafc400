import { describe, expect, it } from "vitest";
import { countryOf, deviceOf, scanOrigin } from "../src/scans/scan-origin";
import type { Device } from "../src/scans/scans.table";

/** Real user agents, as browsers, apps and tools send them. */
const USER_AGENTS: [string, string, Device][] = [
  // Phones
  [
    "iPhone Safari",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    "mobile",
  ],
  [
    "iPhone Chrome",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
    "mobile",
  ],
  [
    "iPhone camera's QR scan (SFSafariViewController)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "mobile",
  ],
  [
    "Instagram's in-app browser on iPhone",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111 (iPhone14,5; iOS 17_1; en_US; en; scale=3.00; 1170x2532; 532277534)",
    "mobile",
  ],
  [
    "Android phone Chrome (reduced UA)",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "mobile",
  ],
  [
    "Samsung Internet on a Galaxy phone",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "mobile",
  ],
  ["Firefox on an Android phone", "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0", "mobile"],
  [
    "LinkedIn's in-app browser on Android",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.193 Mobile Safari/537.36 [LinkedInApp]/9.29.5826",
    "mobile",
  ],
  ["Opera Mini", "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54", "mobile"],
  [
    "Windows Phone",
    "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.14977",
    "mobile",
  ],
  // Tablets
  [
    "iPad Safari (mobile site)",
    "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "tablet",
  ],
  [
    "iPad Chrome",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
    "tablet",
  ],
  [
    "Android tablet Chrome (reduced UA, no Mobile)",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "tablet",
  ],
  [
    "Galaxy Tab Samsung Internet",
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36",
    "tablet",
  ],
  ["Firefox on an Android tablet", "Mozilla/5.0 (Android 14; Tablet; rv:128.0) Gecko/128.0 Firefox/128.0", "tablet"],
  [
    "Kindle Fire Silk",
    "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/126.3.1 like Chrome/126.0.6478.153 Safari/537.36",
    "tablet",
  ],
  // Desktops
  [
    "Windows Chrome",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "desktop",
  ],
  [
    "Windows Edge",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68",
    "desktop",
  ],
  ["Windows Firefox", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "desktop"],
  [
    "Mac Safari",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "desktop",
  ],
  [
    "Mac Chrome",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "desktop",
  ],
  ["Linux Firefox", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "desktop"],
  ["Ubuntu Chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "desktop"],
  ["ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "desktop"],
  // An iPad asking for desktop sites (iPadOS 13 and later, by default) says it is a Mac.
  [
    "iPad Safari (desktop site)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15",
    "desktop",
  ],
  // Other: bots, scripts, TVs, consoles, nothing
  ["curl", "curl/8.5.0", "other"],
  ["Wget", "Wget/1.21.4", "other"],
  ["python-requests", "python-requests/2.32.3", "other"],
  [
    "Googlebot (smartphone)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "other",
  ],
  ["bingbot", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "other"],
  ["Slack's link preview", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "other"],
  ["facebookexternalhit", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "other"],
  [
    "Headless Chrome",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
    "other",
  ],
  [
    "Samsung smart TV",
    "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36",
    "other",
  ],
  [
    "Android TV (Sony Bravia)",
    "Mozilla/5.0 (Linux; Android 9; BRAVIA 4K UR2 Build/PTT1.190515.001.S104) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "other",
  ],
  [
    "Xbox",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edge/44.18363.8131",
    "other",
  ],
  [
    "PlayStation 5",
    "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
    "other",
  ],
  ["a made-up client", "MyScanner/1.0", "other"],
  ["spaces only", "   ", "other"],
  ["empty", "", "other"],
];

describe("deviceOf", () => {
  it.each(USER_AGENTS)("%s → %s", (_name, userAgent, device) => {
    expect(deviceOf(userAgent)).toBe(device);
  });

  it("reads no user agent at all as other", () => {
    expect([deviceOf(undefined), deviceOf(null)]).toEqual(["other", "other"]);
  });
});

describe("countryOf", () => {
  const request = (cf?: unknown, headers: Record<string, string> = {}) =>
    new Request("https://cardbox.test/q/ada", { headers, cf: cf as IncomingRequestCfProperties | undefined });
  it.each([
    ["a country Cloudflare saw", { country: "DE" }, "DE"],
    ["Cloudflare's own unknown", { country: "XX" }, "XX"],
    ["Tor (T1 is no ISO 3166-1 code)", { country: "T1" }, "XX"],
    ["lower case", { country: "de" }, "XX"],
    ["three letters", { country: "DEU" }, "XX"],
    ["not a string", { country: 49 }, "XX"],
    ["no country", {}, "XX"],
    ["no cf at all (a local run)", undefined, "XX"],
  ])("cf: %s → %s", (_name, cf, country) => {
    expect(countryOf(request(cf))).toBe(country);
  });

  it.each([
    ["a country", "JP", "JP"],
    ["Tor", "T1", "XX"],
    ["Cloudflare's own unknown", "XX", "XX"],
    ["lower case", "jp", "XX"],
    ["empty", "", "XX"],
  ])("CF-IPCountry: %s → %s, before cf", (_name, header, country) => {
    expect(countryOf(request({ country: "DE" }, { "cf-ipcountry": header }))).toBe(country);
  });
});

describe("scanOrigin", () => {
  it("takes the country from the request's cf and the device from its user agent, and nothing else", () => {
    const request = new Request("https://cardbox.test/q/ada", {
      headers: { "user-agent": USER_AGENTS[0]![1], "cf-connecting-ip": "203.0.113.9" },
      cf: { country: "FR", city: "Paris" },
    });
    expect(scanOrigin(request)).toEqual({ country: "FR", device: "mobile" });
    expect(scanOrigin(new Request("https://cardbox.test/q/ada"))).toEqual({ country: "XX", device: "other" });
    expect(scanOrigin(new Request("https://cardbox.test/q/ada", { headers: { "cf-ipcountry": "NL" }, cf: { country: "FR" } }))).toEqual({
      country: "NL",
      device: "other",
    });
  });
});
