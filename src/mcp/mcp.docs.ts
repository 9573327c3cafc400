import { z } from "@hono/zod-openapi";
import { ErrorSchema, type OpenApiRegistry, SECURITY } from "../lib/openapi";

const JsonRpcMessage = z
  .object({
    jsonrpc: z.literal("2.0"),
    id: z.union([z.string(), z.number()]).optional(),
    method: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    result: z.record(z.string(), z.unknown()).optional(),
    error: z.object({ code: z.number().int(), message: z.string() }).optional(),
  })
  .openapi("JsonRpcMessage", { description: "A JSON-RPC 2.0 message of the Model Context Protocol." });

/** The MCP endpoint in the OpenAPI document: one POST taking JSON-RPC, stateless. */
export function documentMcp(registry: OpenApiRegistry) {
  registry.registerPath({
    method: "post",
    path: "/mcp",
    operationId: "callMcp",
    tags: ["MCP"],
    security: SECURITY,
    summary: "Model Context Protocol (Streamable HTTP, stateless)",
    description:
      "JSON-RPC over HTTP for AI assistants: `initialize`, `tools/list`, `tools/call`. Each tool does what its HTTP route does, with the same permissions; results carry `structuredContent` matching the tool's `outputSchema`. `GET` and `DELETE` answer 405 (no server-sent stream, no sessions).",
    request: {
      headers: z.object({
        accept: z.string().openapi({
          description: "Must list both `application/json` and `text/event-stream`.",
          example: "application/json, text/event-stream",
        }),
      }),
      body: {
        required: true,
        content: {
          "application/json": {
            schema: JsonRpcMessage.or(z.array(JsonRpcMessage)),
            example: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search_contacts", arguments: { q: "ada" } } },
          },
        },
      },
    },
    responses: {
      200: {
        description: "The JSON-RPC answer, as JSON or as one server-sent event.",
        content: { "application/json": { schema: JsonRpcMessage }, "text/event-stream": { schema: z.string() } },
      },
      202: { description: "A notification or answer was accepted (no body)." },
      400: {
        description: "Not JSON-RPC (a JSON-RPC error), or a malformed URL or body (the API's error).",
        content: { "application/json": { schema: z.union([ErrorSchema, JsonRpcMessage]) } },
      },
      406: { description: "`Accept` does not list both types.", content: { "application/json": { schema: JsonRpcMessage } } },
    },
  });
}
