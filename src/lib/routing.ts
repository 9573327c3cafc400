const UUID_SEGMENT = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/** Thrown when a path matched a route's shape but not its parameter rules (a non-UUID id). */
export class RouteNotMatched extends Error {
  constructor(readonly resourceMessage = "Not found") {
    super(resourceMessage);
  }
}

export interface RouteEntry {
  method: string;
  path: string;
}

/**
 * Answers which methods a path allows, treating every `:…id` parameter as a UUID so that
 * `/v1/contacts/upsert` is its own route and never a contact id.
 */
export function createMethodResolver(routes: () => RouteEntry[]) {
  let table: { pattern: RegExp; methods: Set<string> }[] | undefined;
  return function allowedMethods(path: string): string[] {
    table ??= buildTable(routes());
    const allowed = new Set<string>();
    for (const { pattern, methods } of table) {
      if (pattern.test(path)) for (const m of methods) allowed.add(m);
    }
    return [...allowed];
  };
}

function buildTable(routes: RouteEntry[]) {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of routes) {
    if (method === "ALL" || path.includes("*")) continue;
    const methods = byPath.get(path) ?? new Set<string>();
    methods.add(method);
    if (method === "GET") methods.add("HEAD");
    byPath.set(path, methods);
  }
  return [...byPath].map(([path, methods]) => {
    const source = path
      .split("/")
      .map((segment) => {
        const param = /^:(\w+)(?:\{.*\})?$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        return /id$/i.test(param[1]!) ? UUID_SEGMENT : "[^/]+";
      })
      .join("/");
    return { pattern: new RegExp(`^${source}/?$`), methods };
  });
}
