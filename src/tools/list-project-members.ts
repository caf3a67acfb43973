import * as z from 'zod';
import { decodeCursor, encodeCursor } from './cursor.js';
import { defineTool } from './define.js';
import { connectionFacts } from './output.js';
import { cursorField, listLimitField, memberListSchema, projectField, providerField, workspaceField } from './schemas.js';

export const listProjectMembers = defineTool({
  name: 'list_project_members',
  title: 'List project members',
  description: 'List a project\'s members (user id, name, email, provider role), paged with cursor.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: z.strictObject({
    provider: providerField,
    workspaceId: workspaceField,
    project: projectField,
    cursor: cursorField,
    limit: listLimitField,
  }),
  outputSchema: memberListSchema,
  async handler(input, { connection, operation }) {
    const list = await connection.provider.listMembers(input, operation);
    const offset = input.cursor === undefined ? 0 : decodeCursor(input.cursor, list.project.id, OTHER_PROJECT);
    // By name, then id: the same order on every provider and every page.
    const members = [...list.members].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.userId.localeCompare(b.userId));
    const page = members.slice(offset, offset + input.limit);
    const next = offset + page.length;
    const structured: Record<string, unknown> = { ...connectionFacts(connection), project: list.project, members: page };
    if (next < list.members.length) structured.nextCursor = encodeCursor(list.project.id, next);
    const name = list.project.name ?? list.project.id;
    let text =
      list.members.length === 0
        ? `${connection.label} project "${name}" has no members.`
        : `${connection.label} project "${name}" has ${list.members.length} member${list.members.length === 1 ? '' : 's'}; showing ${page.length === 0 ? 'none' : `${offset + 1}-${next}`}${structured.nextCursor ? ' (more with nextCursor)' : ''}.`;
    if (list.notes?.length) text += ` ${list.notes.join(' ')}`;
    return { structured, text };
  },
});

const OTHER_PROJECT = {
  message: 'it belongs to another project\'s listing.',
  hint: 'Leave cursor out to start at the first page of this project.',
};
