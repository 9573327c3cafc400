/**
 * The direction of Cardbox's layers (docs/architecture.md), checked by `npm run lint`.
 * Plumbing (src/lib, src/middleware) is below the features; a feature's data layer (tables, field
 * descriptors, data functions, the list planner) is below its HTTP layer.
 */
const FEATURES = "^src/(?!lib/|middleware/)[^/]+/";
const DATA_LAYER = "(\\.(data|table|fields|columns|search)\\.ts$)|^src/lib/db/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "No module depends on itself, however indirectly.",
      from: {},
      to: { circular: true },
    },
    {
      name: "plumbing-imports-no-feature",
      severity: "error",
      comment: "src/lib and src/middleware are shared by every feature; they know none of them.",
      from: { path: "^src/(lib|middleware)/" },
      to: { path: FEATURES },
    },
    {
      name: "data-layer-imports-no-http",
      severity: "error",
      comment:
        "Tables, field descriptors, data functions and the planner never see a request: no Hono, no routes, handlers, routers or middleware.",
      from: { path: DATA_LAYER },
      to: {
        path: [
          "^node_modules/hono/",
          "\\.(routes|handlers|index)\\.tsx?$",
          "^src/middleware/",
          "^src/app\\.ts$",
          "^src/keys/(auth|app-env)\\.ts$",
        ],
      },
    },
    {
      name: "nothing-imports-the-entry-points",
      severity: "error",
      comment: "index.ts and app.ts compose everything; nothing calls up into them (tests aside).",
      from: { path: "^src/", pathNot: ["^src/index\\.ts$", "\\.d\\.ts$"] },
      to: { path: "^src/(index|app)\\.ts$" },
    },
    {
      name: "no-orphans",
      severity: "error",
      comment: "Every module is used by something.",
      from: { orphan: true, pathNot: ["\\.d\\.ts$", "^src/index\\.ts$"] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
