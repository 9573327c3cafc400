import createClient, { type ClientOptions } from "openapi-fetch";
import type { paths } from "./schema";

export type { components, operations, paths, webhooks } from "./schema";

/**
 * A typed Cardbox client: every path, parameter, body and answer as the OpenAPI document states
 * them. `origin` is the deployment (`https://cardbox.example.com`, or `http://127.0.0.1:8787`
 * for `npm start`); paths keep their `/v1` prefix.
 */
export function createCardboxClient(origin: string, apiKey: string, options: Omit<ClientOptions, "baseUrl"> = {}) {
  return createClient<paths>({
    ...options,
    baseUrl: origin,
    headers: { "x-api-key": apiKey, ...(options.headers as Record<string, string>) },
  });
}

export type CardboxClient = ReturnType<typeof createCardboxClient>;
