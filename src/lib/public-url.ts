/** Where public links point: PUBLIC_BASE_URL when set, else the origin the request came to. */
export function publicBaseUrl(env: Pick<Env, "PUBLIC_BASE_URL">, requestUrl: string): string {
  const configured = env.PUBLIC_BASE_URL?.trim();
  return (configured || new URL(requestUrl).origin).replace(/\/+$/, "");
}
