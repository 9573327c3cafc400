import { html } from "hono/html";

/**
 * Scalar's interactive reference for `/openapi.json`. Its script is a static asset of this Worker
 * (`/docs/scalar.js`, copied by scripts/build-assets.mjs), so the page needs nothing from the
 * internet: no web fonts, no telemetry, no AI agent, no request proxy — "try it" calls go from the
 * browser to this origin, under a policy that allows nothing else.
 */
const CONFIGURATION = {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
  hideClientButton: false,
  persistAuth: false,
  defaultOpenAllTags: false,
  documentDownloadType: "json",
  authentication: { preferredSecurityScheme: "ApiKey" },
};

export const REFERENCE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

export const renderReferencePage = () => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Cardbox API reference</title>
  </head>
  <body>
    <noscript>The interactive reference needs JavaScript; the OpenAPI document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
    <script id="api-reference" data-url="/openapi.json" data-configuration="${JSON.stringify(CONFIGURATION)}"></script>
    <script src="/docs/scalar.js"></script>
  </body>
</html>`;
