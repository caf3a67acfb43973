import * as z from 'zod';
import { TOOLS } from '../tools/catalog.js';
import { BRIEF_IN_LISTING, errorEnvelopeSchema } from '../tools/schemas.js';
import type { Tool } from './sdk.js';

/** tools/list, computed once: input schemas as given, output schemas admitting the error envelope. */
export const LISTED_TOOLS: Tool[] = TOOLS.map((tool) => ({
  name: tool.name,
  title: tool.title,
  description: tool.description,
  inputSchema: jsonSchema(tool.inputSchema, 'input') as Tool['inputSchema'],
  outputSchema: withErrorEnvelope(jsonSchema(tool.outputSchema, 'output')),
  annotations: { ...tool.annotations },
}));

/**
 * The SDK client validates structuredContent of error results too, so every output schema also
 * admits the error envelope: the result's fields and `error` side by side, with anyOf saying
 * which set is required.
 */
function withErrorEnvelope(success: Record<string, unknown>): Tool['outputSchema'] {
  const envelope = jsonSchema(errorEnvelopeSchema, 'output');
  return {
    type: 'object',
    properties: { ...(success.properties as Record<string, object>), ...(envelope.properties as Record<string, object>) },
    anyOf: [{ required: success.required as string[] }, { required: ['error'] }],
  };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    io,
    target: 'draft-7',
    override: ({ zodSchema, jsonSchema: generated }) => {
      if (io !== 'output' || !BRIEF_IN_LISTING.has(zodSchema as unknown as z.ZodType)) return;
      for (const key of Object.keys(generated)) delete (generated as Record<string, unknown>)[key];
      generated.type = 'object';
    },
  }) as Record<string, unknown>;
  delete json.$schema;
  return compact(json, io, true) as Record<string, unknown>;
}

/**
 * Keeps tools/list small, since every client sends it to the model (each tool within 2 KB, see
 * test/mcp/listing.test.ts). It drops the safe-integer bounds zod puts on every integer, and
 * `additionalProperties: false` (unknown input keys are still refused, with INVALID_ARGUMENT
 * listing the known ones, and a field added to a result later must not break a client holding an
 * older listing). Input string lengths are enforced but not listed. Output schemas keep
 * `required` only where it tells results from errors, and on the per-member entries. Tests hold
 * results to the strict zod shapes.
 */
function compact(value: unknown, io: 'input' | 'output', keepRequired: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => compact(item, io, keepRequired));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'maximum' && child === Number.MAX_SAFE_INTEGER) || (key === 'minimum' && child === Number.MIN_SAFE_INTEGER)) continue;
    if (io === 'input' && (key === 'minLength' || key === 'maxLength')) continue;
    if (key === 'additionalProperties' && child === false) continue;
    if (io === 'output' && key === 'required' && !keepRequired) continue;
    if (key === 'type' && (Array.isArray((value as { enum?: unknown }).enum) || 'const' in value)) continue; // the enum or const says it
    if (key === 'properties' && child && typeof child === 'object') {
      out[key] = Object.fromEntries(Object.entries(child).map(([name, schema]) => [name, compact(schema, io, io === 'input')]));
    } else {
      out[key] = compact(child, io, key === 'items' || key === 'anyOf' || keepRequired);
    }
  }
  return out;
}
