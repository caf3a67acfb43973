import * as z from 'zod';
import { MembersError } from '../core/errors.js';
import { defineTool } from './define.js';
import { connectionFacts } from './output.js';
import { directorySchema, providerField, queryField, searchKindField, searchLimitField, workspaceField } from './schemas.js';

export const searchDirectory = defineTool({
  name: 'search_directory',
  title: 'Search users, teams, projects or workspaces',
  description:
    'Find users, teams, projects or workspaces by case-insensitive substring of name or email, to get exact ids for the other tools.',
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
    if (input.kind === 'workspace' && !connection.provider.capabilities.workspaces) {
      throw new MembersError('UNSUPPORTED', `${connection.label} has no workspaces, so there are none to search.`, {
        hint: 'Search users, teams or projects instead; workspaceId is not needed on this provider.',
      });
    }
    const page = await connection.provider.searchDirectory(input, operation);
    const shown = page.entries
      .slice(0, 5)
      .map((entry) => `${entry.name}${entry.email ? ` <${entry.email}>` : ''} (${entry.id})`)
      .join('; ');
    const kinds = `${input.kind}${page.entries.length === 1 ? '' : 's'}`;
    const text =
      page.entries.length === 0
        ? `No ${input.kind} in ${connection.label}${input.query.trim() ? ` matches "${input.query}"` : ''}.`
        : `${page.entries.length} ${kinds} in ${connection.label}${page.truncated ? ' (more exist: refine the query or raise limit)' : ''}: ${shown}${page.entries.length > 5 ? '; …' : ''}.`;
    return { structured: { ...connectionFacts(connection), kind: input.kind, entries: page.entries, truncated: page.truncated }, text };
  },
});
