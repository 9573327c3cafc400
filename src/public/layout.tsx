import { raw } from "hono/html";
import type { Child } from "hono/jsx";

/** Page chrome shared by the public pages: no external assets, one nonce'd style block. */
export function Page(props: { title: string; nonce: string; head?: Child; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title}</title>
        {props.head}
        <style nonce={props.nonce}>{raw(STYLE)}</style>
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/**
 * The Content-Security-Policy for a page whose only inline code is the nonce'd style; a page with
 * the lead form may post it to its own origin (and run Turnstile's widget when that is on).
 */
export const pageCsp = (nonce: string, options: { form?: boolean; turnstile?: boolean } = {}) =>
  [
    "default-src 'none'",
    ...(options.turnstile ? [`script-src ${TURNSTILE_ORIGIN}`, `frame-src ${TURNSTILE_ORIGIN}`] : []),
    `style-src 'nonce-${nonce}'`,
    "img-src https: data:",
    "base-uri 'none'",
    options.form ? "form-action 'self'" : "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");

export const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

/** Our own constant, never user input: written as it is, since escaping would break its quoted font names. */
const STYLE = `
:root{--bg:#eef1f6;--card:#fff;--ink:#141a26;--muted:#5b6578;--line:#e3e7ee;--accent:#2457d6;--accent-ink:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#0e1218;--card:#171d27;--ink:#eef2f8;--muted:#9aa6b8;--line:#263041;--accent:#6f9bff;--accent-ink:#0b1020}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink);display:flex;align-items:flex-start;justify-content:center;padding:24px 16px}
main{width:100%;max-width:420px}
.card{background:var(--card);border-radius:24px;box-shadow:0 10px 30px rgba(20,26,38,.12);overflow:hidden;text-align:center}
.banner{height:96px;background:linear-gradient(135deg,var(--accent),#7b4fe0)}
.avatar{width:112px;height:112px;border-radius:50%;margin:-56px auto 0;border:4px solid var(--card);background:#c9d3e6;display:flex;align-items:center;justify-content:center;font-size:40px;font-weight:700;color:#2b3448;overflow:hidden}
.avatar img{width:100%;height:100%;object-fit:cover}
.body{padding:12px 24px 28px}
h1{font-size:26px;line-height:1.2;margin:12px 0 4px}
.role{margin:0;color:var(--muted);font-size:17px}
.place{margin:6px 0 0;color:var(--muted);font-size:15px}
.bio{margin:16px 0 0;font-size:15px}
.save{display:block;margin:24px 0 8px;padding:16px;border-radius:14px;background:var(--accent);color:var(--accent-ink);font-weight:700;font-size:18px;text-decoration:none}
.save:focus-visible,.links a:focus-visible{outline:3px solid #f5a524;outline-offset:2px}
.links{list-style:none;margin:16px 0 0;padding:0;text-align:left;border-top:1px solid var(--line)}
.links li{border-bottom:1px solid var(--line)}
.links a{display:flex;gap:12px;align-items:center;padding:14px 4px;color:var(--ink);text-decoration:none;word-break:break-word}
.links span.k{min-width:64px;color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.04em}
footer{margin:16px 0;text-align:center;color:var(--muted);font-size:13px}
.error{padding:40px 24px}
.lead{margin:24px 0 0;padding:20px 0 0;border-top:1px solid var(--line);text-align:left}
.lead h2{font-size:19px;margin:0 0 12px;text-align:center}
.lead label{display:block;margin:12px 0 4px;font-weight:600;font-size:15px}
.lead input[type=text],.lead input[type=email],.lead input[type=tel],.lead textarea{width:100%;padding:12px;border:1px solid var(--muted);border-radius:10px;background:var(--card);color:var(--ink);font:inherit}
.lead textarea{min-height:88px}
.lead input:focus-visible,.lead textarea:focus-visible,.lead button:focus-visible{outline:3px solid #f5a524;outline-offset:2px}
.lead .consent{display:flex;gap:10px;align-items:flex-start;font-weight:400}
.lead .consent input{width:22px;height:22px;margin:2px 0 0;flex:none}
.lead .err{margin:4px 0 0;color:#b3261e;font-size:14px;font-weight:600}
@media (prefers-color-scheme:dark){.lead .err{color:#ffb4ab}}
.lead .summary{padding:12px;border-radius:10px;border:2px solid #b3261e}
.lead button{display:block;width:100%;margin:20px 0 0;padding:14px;border:0;border-radius:14px;background:var(--accent);color:var(--accent-ink);font:inherit;font-weight:700;font-size:17px;cursor:pointer}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
.thanks{margin:24px 0 0;padding:16px;border-radius:14px;background:var(--bg);font-weight:600}
`;
