import createClient, { type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "../../clients/typescript/schema";

/**
 * The console's one way to the API: openapi-fetch typed by the types openapi-typescript generates
 * from /openapi.json. Requests go to this origin with the session cookie (the browser sends it;
 * no key is ever held here); every write carries the session's CSRF token. Nothing else in the
 * console knows how the client is made.
 */

export type Schemas = components["schemas"];
export type Contact = Schemas["Contact"];
export type Profile = Schemas["Profile"];
export type Webhook = Schemas["Webhook"];
export type WebhookDelivery = Schemas["WebhookDelivery"];
export type ApiKey = Schemas["ApiKey"];
export type ConsoleSession = Schemas["ConsoleSession"];
export type Permission = ApiKey["permissions"][number];
export type ApiErrorBody = Schemas["Error"];
export type ContactListQuery = NonNullable<operations["listContacts"]["parameters"]["query"]>;
/** A day of a card's scans, in all and per source, and of its leads. */
export type ScanDay = Schemas["ProfileStats"]["by_day"][number];

const CSRF_HEADER = "x-cardbox-csrf";
const SESSION_PATH = "/app/session";

let csrfToken: string | null = null;
let onSessionEnded: () => void = () => {};

/** The session's CSRF token (null once signed out), sent with every write. */
export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

/** Called when any answer says the session has ended (401): the key was revoked, or the session idled out. */
export function whenSessionEnds(callback: () => void) {
  onSessionEnded = callback;
}

const session: Middleware = {
  onRequest({ request }) {
    if (csrfToken && request.method !== "GET" && request.method !== "HEAD") request.headers.set(CSRF_HEADER, csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && new URL(request.url).pathname !== SESSION_PATH) onSessionEnded();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin" });
api.use(session);

/** An answer that was not a success: its status and the API's error body (`error`, `code`, `details`). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
  ) {
    super(body?.error ?? `The server answered ${status}`);
    this.name = "ApiFailure";
  }

  /** The message for one field, from `details` (validation and duplicates). */
  fieldError(field: string): string | undefined {
    return this.body?.details?.find((d) => d.field === field)?.message;
  }
}

type Answer<D> = { data?: D; error?: unknown; response: Response };

/** The answer's data, or an `ApiFailure` thrown with its status and error body. */
export async function must<D>(pending: Promise<Answer<D>>): Promise<Exclude<D, undefined>> {
  const { data, error, response } = await pending;
  if (!response.ok) throw new ApiFailure(response.status, error as ApiErrorBody | undefined);
  return data as Exclude<D, undefined>;
}

/** The message to show for anything a call threw. */
export const messageOf = (error: unknown) =>
  error instanceof ApiFailure ? error.message : error instanceof TypeError ? "The server could not be reached" : String(error);
