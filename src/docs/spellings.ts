import { REQUIRE_ANY, SAME_AS, SPELLINGS, spellingsOf } from "../lib/validation";
import { type Document, operationsOf, type Parameter, type Schema } from "./document.types";

const READ_ONLY = "Read-only: accepted and ignored, so a representation read from the API can be sent back as it is.";

/**
 * Turns what `withAliases` and `requireAny` recorded on a body schema into schema: every other
 * spelling the server reads becomes a property of its own (so a generated client accepts the
 * camelCase or CRM-style body that the server does), read-only fields it ignores become
 * properties that take anything, and each required field — or group of which one is required —
 * becomes an `anyOf` over its spellings.
 */
export function spellOutBodies(doc: Document) {
  for (const schema of Object.values(doc.components.schemas)) {
    const recorded = schema[SPELLINGS] as { aliases: Record<string, string>; ignored: readonly string[] } | undefined;
    const requireAny = schema[REQUIRE_ANY] as readonly string[] | undefined;
    delete schema[SPELLINGS];
    delete schema[REQUIRE_ANY];
    if (!recorded || !schema.properties) continue;
    const properties = schema.properties;
    const canonical = Object.keys(properties);
    const others = spellingsOf(canonical, recorded.aliases);
    for (const [name, field] of Object.entries(others)) {
      properties[name] = { ...structuredClone(properties[field]), description: `The same as \`${field}\` (send one spelling only).` };
    }
    const ignoredNames = spellingsOf([...recorded.ignored], {});
    for (const field of [...recorded.ignored, ...Object.keys(ignoredNames)]) properties[field] ??= { description: READ_ONLY };
    requireSpellings(schema, others, requireAny);
  }
}

/** `required` and a required group, restated so that any spelling of a field satisfies them. */
function requireSpellings(schema: Schema, others: Record<string, string>, requireAny: readonly string[] | undefined) {
  const spellings = (field: string) => [field, ...Object.keys(others).filter((name) => others[name] === field)];
  const groups = [...(schema.required ?? []).map((field) => [field]), ...(requireAny ? [[...requireAny]] : [])];
  const plain: string[] = [];
  const alternatives: Schema[] = [];
  for (const group of groups) {
    const names = group.flatMap(spellings);
    if (names.length === 1) plain.push(names[0]!);
    else alternatives.push({ anyOf: names.map((name) => ({ required: [name], properties: { [name]: { not: { type: "null" } } } })) });
  }
  if (plain.length > 0) schema.required = plain;
  else delete schema.required;
  if (alternatives.length === 1) schema.anyOf = alternatives[0]!.anyOf;
  else if (alternatives.length > 1) schema.allOf = alternatives;
}

/**
 * Gives each other spelling of a query parameter (marked `SAME_AS`) the schema of the parameter it
 * stands for; a spelling of a parameter the operation does not take (an export's `per_page`) goes.
 */
export function spellOutQueries(doc: Document) {
  for (const { operation } of operationsOf(doc)) {
    const parameters = operation.parameters ?? [];
    const canonicalOf = (p: Parameter) => p.schema?.[SAME_AS] as string | undefined;
    const taken = (name: string) => parameters.find((p) => p.in === "query" && p.name === name && canonicalOf(p) === undefined);
    operation.parameters = parameters.flatMap((parameter) => {
      const canonical = canonicalOf(parameter);
      if (canonical === undefined) return [parameter];
      const original = taken(canonical);
      return original?.schema ? [{ ...parameter, schema: structuredClone(original.schema) }] : [];
    });
    if (operation.parameters.length === 0) delete operation.parameters;
  }
}
