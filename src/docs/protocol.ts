import { ERROR_STATUSES, type ErrorStatus, errorDescription, IDEMPOTENT } from "../lib/openapi";
import { isPublicPage } from "../public/public.index";
import type { Document, Header, Method, Operation, Parameter, Reference, Response } from "./document.types";
import { operationsOf } from "./document.types";

const ref = (kind: "headers" | "parameters", name: string): Reference => ({ $ref: `#/components/${kind}/${name}` });

/** The headers Cardbox sends, declared once and referenced by every answer that carries them. */
const HEADERS: Record<string, Header> = {
  RequestId: {
    description: "This request's id; also in every error body as `request_id`. Quote it when reporting a problem.",
    required: true,
    schema: { type: "string" },
  },
  RateLimitLimit: {
    description: "Requests allowed per window (where the deployment rate-limits).",
    schema: { type: "integer", minimum: 1 },
  },
  RateLimitRemaining: {
    description: "Requests left in the current window, as this server instance counts them (a hint).",
    schema: { type: "integer", minimum: 0 },
  },
  RateLimitReset: { description: "Seconds until the window resets.", schema: { type: "integer", minimum: 1 } },
  RetryAfter: { description: "Seconds to wait before trying again.", required: true, schema: { type: "integer", minimum: 1 } },
  Allow: { description: "The methods the path takes.", required: true, schema: { type: "string" } },
  WWWAuthenticate: {
    description: 'The challenge: `Bearer realm="…"`, with `error="invalid_token"` when a credential was sent but refused.',
    required: true,
    schema: { type: "string" },
  },
  Bookmark: {
    description:
      "The database state this request saw or made (D1 Sessions API). Send it back as `x-cardbox-bookmark` to read at least that state. Sent when the deployment runs requests in D1 sessions (`D1_SESSIONS=on`, for a database with read replicas); without, reads are never behind writes and no bookmark is needed.",
    schema: { type: "string", maxLength: 128 },
  },
  IdempotentReplayed: {
    description: "`true` when this is the kept answer of an earlier request with the same `Idempotency-Key`.",
    schema: { type: "string", enum: ["true"] },
  },
};

const RATE_LIMIT = {
  "RateLimit-Limit": ref("headers", "RateLimitLimit"),
  "RateLimit-Remaining": ref("headers", "RateLimitRemaining"),
  "RateLimit-Reset": ref("headers", "RateLimitReset"),
};

/** The request headers some operations honour. */
const PARAMETERS: Record<string, Parameter> = {
  IdempotencyKey: {
    name: "Idempotency-Key",
    in: "header",
    description:
      "Any 1–255 characters unique to this request. The first answer (but a 5xx or 429) is kept 24 hours for your API key and replayed, with `Idempotent-Replayed: true`, to a retry with the same method, path and body. Secrets in a kept answer are replayed as null.",
    schema: { type: "string", minLength: 1, maxLength: 255 },
  },
  Bookmark: {
    name: "x-cardbox-bookmark",
    in: "header",
    description:
      "A bookmark from an earlier answer: this request reads a database state at least that recent (read-your-writes with read replicas). Not a bookmark → 400.",
    schema: { type: "string", maxLength: 128, pattern: "^[0-9a-fA-F]+(-[0-9a-fA-F]+)*$" },
  },
  IfMatch: {
    name: "If-Match",
    in: "header",
    description: "Change only if the resource still has one of these ETags (or `*`); otherwise 412 and nothing changes.",
    schema: { type: "string" },
  },
  IfNoneMatch: {
    name: "If-None-Match",
    in: "header",
    description: "Answer 304 with no body while the resource still has one of these ETags.",
    schema: { type: "string" },
  },
};

/** Which error statuses an operation can answer, from what it is: the rules the server follows. */
function errorStatuses(path: string, method: Method, operation: Operation, doc: Document): Set<ErrorStatus> {
  const statuses = new Set<ErrorStatus>(ERROR_STATUSES.filter((s) => String(s) in operation.responses));
  const secured = (operation.security?.length ?? 0) > 0;
  const takesBody = method !== "get" && method !== "head";
  // Every request: a malformed URL or query (unknown parameters are refused), a failure, an outage.
  for (const status of [400, 500] as const) statuses.add(status);
  if (secured) statuses.add(401).add(429).add(503);
  if (takesBody) statuses.add(413).add(415);
  if (path.includes("{") || operation.requestBody) statuses.add(404);
  if (operation[IDEMPOTENT]) statuses.add(409).add(422);
  if (answersMethodNotAllowed(path, method, doc)) statuses.add(405);
  return statuses;
}

/**
 * A templated path answers 405 when it also matches a literal path that lacks the method: the
 * request names that resource (`DELETE /v1/contacts/limits`), which does not take it.
 */
function answersMethodNotAllowed(path: string, method: Method, doc: Document) {
  if (!path.includes("{")) return false;
  const template = new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
  return Object.entries(doc.paths).some(([other, item]) => other !== path && !other.includes("{") && template.test(other) && !item[method]);
}

function errorResponse(status: ErrorStatus, idempotent: boolean): Response {
  const headers: Record<string, Header | Reference> = {
    "x-request-id": ref("headers", "RequestId"),
    "x-cardbox-bookmark": ref("headers", "Bookmark"),
  };
  if (status === 401) headers["WWW-Authenticate"] = ref("headers", "WWWAuthenticate");
  if (status === 405) headers.Allow = ref("headers", "Allow");
  if (status === 429) Object.assign(headers, RATE_LIMIT, { "Retry-After": ref("headers", "RetryAfter") });
  if (status === 503) headers["Retry-After"] = ref("headers", "RetryAfter");
  if (status === 409 && idempotent) {
    headers["Retry-After"] = {
      description: "Only with `idempotency_in_flight`: seconds to wait before trying again.",
      schema: { type: "integer", minimum: 1 },
    };
  }
  if (idempotent && status < 500 && status !== 429 && status !== 401) headers["Idempotent-Replayed"] = ref("headers", "IdempotentReplayed");
  return {
    description: errorDescription(status),
    headers,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
}

/**
 * Declares what the HTTP layer adds to every route: the request headers an operation honours,
 * the headers of every answer, and every error status each operation can answer.
 */
export function declareProtocol(doc: Document) {
  doc.components.headers = HEADERS;
  doc.components.parameters = { ...doc.components.parameters, ...PARAMETERS };
  for (const { path, method, operation } of operationsOf(doc)) {
    // Everything but the public pages answers errors as JSON.
    const api = !isPublicPage(path);
    const idempotent = operation[IDEMPOTENT] === true;
    delete operation[IDEMPOTENT];
    const parameters = operation.parameters ?? [];
    parameters.push(ref("parameters", "Bookmark"));
    if (idempotent) parameters.push(ref("parameters", "IdempotencyKey"));
    if ("412" in operation.responses) parameters.push(ref("parameters", "IfMatch"));
    if ("304" in operation.responses) parameters.push(ref("parameters", "IfNoneMatch"));
    if (parameters.length > 0) operation.parameters = parameters;
    if (api) {
      for (const status of errorStatuses(path, method, operation, doc)) {
        const declared = operation.responses[status];
        const shared = errorResponse(status, idempotent);
        // An answer the route describes itself keeps its body; it gets the shared headers.
        operation.responses[status] = declared && !answersError(declared) ? { ...declared, headers: shared.headers } : shared;
      }
    }
    const rateLimited = (operation.security?.length ?? 0) > 0 || isPublicPage(path);
    for (const [status, response] of Object.entries(operation.responses)) {
      if (Number(status) >= 400 && api) continue;
      response.headers = {
        "x-request-id": ref("headers", "RequestId"),
        "x-cardbox-bookmark": ref("headers", "Bookmark"),
        ...response.headers,
      };
      if (rateLimited && Number(status) < 400) Object.assign(response.headers, RATE_LIMIT);
      if (idempotent && Number(status) < 300) response.headers["Idempotent-Replayed"] = ref("headers", "IdempotentReplayed");
    }
  }
}

const answersError = (response: Response) => response.content?.["application/json"]?.schema?.$ref === "#/components/schemas/Error";
