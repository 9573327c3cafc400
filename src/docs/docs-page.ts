import { html, raw } from "hono/html";

type Doc = {
  info: { title: string; description?: string };
  paths?: Record<string, Record<string, Operation | undefined> | undefined>;
};
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; description?: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
  responses?: Record<string, { description?: string }>;
};

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** A readable reference rendered from the OpenAPI document itself, so the two cannot disagree. */
export function renderDocsPage(doc: Doc) {
  const groups = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "Other";
      groups.set(tag, [...(groups.get(tag) ?? []), { method, path, op }]);
    }
  }
  const sections = [...groups].map(
    ([tag, ops]) => html`<section>
      <h2 id="${tag.toLowerCase().replace(/\W+/g, "-")}">${tag}</h2>
      ${ops.map(({ method, path, op }) => {
        const body = Object.values(op.requestBody?.content ?? {})[0]
          ?.schema?.$ref?.split("/")
          .pop();
        return html`<article>
          <h3><span class="m m-${method}">${method.toUpperCase()}</span> <code>${path}</code></h3>
          <p>${op.summary ?? ""}</p>
          ${op.description ? html`<p class="d">${op.description}</p>` : ""}
          ${
            op.parameters?.length
              ? html`<ul>${op.parameters.map((p) => html`<li><code>${p.name}</code> <small>${p.in}${p.required ? ", required" : ""}</small> ${p.description ?? ""}</li>`)}</ul>`
              : ""
          }
          ${body ? html`<p><small>Body: <code>${body}</code> (see <a href="/openapi.json">openapi.json</a>)</small></p>` : ""}
          <p><small>Answers: ${Object.entries(op.responses ?? {}).map(([s, r]) => html`<span title="${r.description ?? ""}">${s}</span> `)}</small></p>
        </article>`;
      })}
    </section>`,
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title} reference</title>
<style>${raw(STYLE)}</style></head>
<body><main>
<h1>${doc.info.title}</h1>
<p>${doc.info.description ?? ""}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are JSON: <code>{"error", "code", "details"?, "request_id"}</code>.</p>
<nav>${[...groups.keys()].map((t) => html`<a href="#${t.toLowerCase().replace(/\W+/g, "-")}">${t}</a> `)}</nav>
${sections}
</main></body></html>`;
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
main{max-width:960px;margin:0 auto;padding:24px}
h2{margin-top:40px;border-bottom:1px solid #dde1e8}
article{background:#fff;border:1px solid #e3e6ec;border-radius:8px;padding:8px 16px;margin:12px 0}
h3{font-size:15px;margin:8px 0}
.m{display:inline-block;min-width:56px;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px}
.m-get{background:#2f6fdb}.m-post{background:#1f9d55}.m-put{background:#b7791f}.m-patch{background:#805ad5}.m-delete{background:#c53030}
.d{color:#4a5568}nav a{margin-right:12px}code{background:#eef1f5;padding:1px 4px;border-radius:3px}
`;
