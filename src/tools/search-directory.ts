import * as z from 'zod';
import { defineTool } from './define.js';
import { connectionFacts } from './output.js';
import { directorySchema, providerField, queryField, searchKindField, searchLimitField, workspaceField } from './schemas.js';

export const searchDirectory = defineTool({
  name: 'search_directory',
  title: 'Search users, teams or projects',
  description:
    'Find users, teams or projects by case-insensitive substring of name or email, to get exact ids for the other tools.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: z.strictObject({
    provider: providerField,
    workspaceId: workspaceField,
    kind: searchKindField,
    query: queryField,
    limit: searchLimitField,
  }),
  outputSchema: directorySchema,
  async handler(input, { connection, operation }) {
    const page = await connection.provider.searchDirectory(input, operation);
    const shown = page.entries
      .slice(0, 5)
      .map((entry) => `${entry.name}${entry.email ? ` <${entry.email}>` : ''} (${entry.id})`)
      .join('; ');
    const kinds = `${input.kind}${page.entries.length === 1 ? '' : 's'}`;
    const text =
      page.entries.length === 0
        ? `No ${input.kind} in ${connection.label} matches "${input.query}".`
        : `${page.entries.length} ${kinds} in ${connection.label}${page.truncated ? ' (more exist: refine the query or raise limit)' : ''}: ${shown}${page.entries.length > 5 ? '; …' : ''}.`;
    return { structured: { ...connectionFacts(connection), kind: input.kind, entries: page.entries, truncated: page.truncated }, text };
  },
});
