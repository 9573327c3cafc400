import { z } from "@hono/zod-openapi";

/**
 * Path parameters `{id}` of a resource. A non-UUID id is an unknown resource, so the message is
 * the resource's not-found message (see the router's param hook).
 */
export const idParam = <N extends string = "id">(resource: string, name: N = "id" as N) =>
  z.object({
    [name]: z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, `${resource} not found`)
      .transform((s) => s.toLowerCase())
      .openapi({
        param: { name, in: "path" },
        format: "uuid",
        type: "string",
        pattern: "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
        description: `${resource} id; any other value is 404.`,
      }),
  } as { [K in N]: z.ZodPipe<z.ZodString, z.ZodTransform<string, string>> });
