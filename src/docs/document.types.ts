/**
 * The parts of an OpenAPI 3.1 document the builder reads and writes: only what it touches, so
 * the one cast from the generator's output (in document.ts) is the only loose step.
 */

export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  enum?: unknown[];
  const?: unknown;
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  description?: string;
  [extension: `x-${string}`]: unknown;
}

export interface Reference {
  $ref: string;
}

export interface MediaType {
  schema?: Schema;
  example?: unknown;
}

export interface Header {
  description?: string;
  required?: boolean;
  schema: Schema;
}

export interface Response {
  $ref?: string;
  description?: string;
  headers?: Record<string, Header | Reference>;
  content?: Record<string, MediaType>;
}

export interface Parameter {
  $ref?: string;
  name?: string;
  in?: "query" | "header" | "path" | "cookie";
  required?: boolean;
  description?: string;
  schema?: Schema;
  example?: unknown;
}

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<string, Response>;
  security?: Record<string, string[]>[];
  [extension: `x-${string}`]: unknown;
}

export const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type Method = (typeof METHODS)[number];

export type PathItem = Partial<Record<Method, Operation>> & { servers?: Server[] };

export interface Server {
  url: string;
  description?: string;
}

export interface Document {
  openapi: string;
  info: Record<string, unknown>;
  servers?: Server[];
  tags?: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  webhooks?: Record<string, PathItem>;
  components: {
    schemas: Record<string, Schema>;
    parameters?: Record<string, Parameter>;
    headers?: Record<string, Header>;
    responses?: Record<string, Response>;
    securitySchemes?: Record<string, unknown>;
  };
}

/** Every operation of the document's paths (and, with `webhooks`, of its webhooks), with where it is. */
export function* operationsOf(doc: Document, { webhooks = false } = {}) {
  const sections = webhooks ? [doc.paths, doc.webhooks ?? {}] : [doc.paths];
  for (const section of sections) {
    for (const [path, item] of Object.entries(section)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (operation) yield { path, method, operation, item };
      }
    }
  }
}
