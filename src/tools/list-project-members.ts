import * as z from 'zod';
import { cursorName, decodeCursor, encodeCursor, startAfter } from './cursor.js';
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
    // The last member shown (user id, name): the page goes on after them.
    const [userId, name] = input.cursor === undefined ? [] : decodeCursor(input.cursor, list.project.id, 2, OTHER_PROJECT);
    // By name, then id: the same order on every provider and every page.
    const members = [...list.members].sort(byNameThenId);
    const last: Listed | undefined = userId === undefined ? undefined : { userId, name };
    const start = last ? startAfter(members, (member) => member.userId === last.userId, (member) => byNameThenId(member, last) > 0) : 0;
    const page = members.slice(start, start + input.limit);
    const next = start + page.length;
    const structured: Record<string, unknown> = { ...connectionFacts(connection), project: list.project, members: page };
    if (next < members.length) structured.nextCursor = encodeCursor(list.project.id, [page.at(-1)!.userId, cursorName(page.at(-1)!.name)]);
    const projectName = list.project.name ?? list.project.id;
    let text =
      members.length === 0
        ? `${connection.label} project "${projectName}" has no members.`
        : `${connection.label} project "${projectName}" has ${members.length} member${members.length === 1 ? '' : 's'}; showing ${page.length === 0 ? 'none' : `${start + 1}-${next}`}${structured.nextCursor ? ' (more with nextCursor)' : ''}.`;
    if (list.notes?.length) text += ` ${list.notes.join(' ')}`;
    return { structured, text };
  },
});

type Listed = { userId: string; name?: string | undefined };

function byNameThenId(a: Listed, b: Listed): number {
  return (a.name ?? '').localeCompare(b.name ?? '') || a.userId.localeCompare(b.userId);
}

const OTHER_PROJECT = {
  message: 'it belongs to another project\'s listing.',
  hint: 'Leave cursor out to start at the first page of this project.',
};
