import type * as z from 'zod';
import { secondsUntil } from '../core/budget.js';
import { MembersError } from '../core/errors.js';
import type { ToolDefinition } from '../tools/define.js';
import type { CallToolResult } from './sdk.js';

/** A call that cannot proceed at all: isError, the envelope as structuredContent, and its text twin. */
export function errorResult(error: MembersError): CallToolResult {
  const envelope: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.hint) envelope.hint = error.hint;
  if (error.retryAt !== undefined) {
    envelope.retryAt = new Date(error.retryAt).toISOString();
    envelope.retryAfterSeconds = secondsUntil(error.retryAt);
  }
  if (error.budget) envelope.budget = error.budget;
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}${error.hint ? ` ${error.hint}` : ''}` }],
    structuredContent: { error: envelope },
  };
}

/** One INVALID_ARGUMENT error naming each offending field, the way agents can act on it. */
export function invalidArguments(error: z.ZodError, tool: ToolDefinition): MembersError {
  const problems = error.issues.slice(0, 5).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown argument${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    }
    return `"${formatPath(issue.path)}" ${issue.message}`;
  });
  const unknownKeys = error.issues.some((issue) => issue.code === 'unrecognized_keys');
  const fields = Object.keys(tool.inputSchema.shape);
  return new MembersError(
    'INVALID_ARGUMENT',
    `Invalid argument${problems.length === 1 ? '' : 's'} for ${tool.name}: ${problems.join('; ')}.`,
    {
      hint: unknownKeys
        ? `${tool.name} takes: ${fields.join(', ')}.`
        : 'Fix the named field and call again; nothing was changed.',
    },
  );
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return 'arguments';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}
