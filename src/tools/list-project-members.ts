import * as z from 'zod';
import { MembersError } from '../core/errors.js';
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
    const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, list.project.id);
    // By name, then id: the same order on every provider and every page.
    const members = [...list.members].sort(byNameThenId);
    const start = after === undefined ? 0 : startAfter(members, after);
    const page = members.slice(start, start + input.limit);
    const next = start + page.length;
    const structured: Record<string, unknown> = { ...connectionFacts(connection), project: list.project, members: page };
    if (next < members.length) structured.nextCursor = encodeCursor(list.project.id, page.at(-1)!);
    const name = list.project.name ?? list.project.id;
    let text =
      members.length === 0
        ? `${connection.label} project "${name}" has no members.`
        : `${connection.label} project "${name}" has ${members.length} member${members.length === 1 ? '' : 's'}; showing ${page.length === 0 ? 'none' : `${start + 1}-${next}`}${structured.nextCursor ? ' (more with nextCursor)' : ''}.`;
    if (list.notes?.length) text += ` ${list.notes.join(' ')}`;
    return { structured, text };
  },
});

type Listed = { userId: string; name?: string | undefined };

function byNameThenId(a: Listed, b: Listed): number {
  return (a.name ?? '').localeCompare(b.name ?? '') || a.userId.localeCompare(b.userId);
}

/** Characters of the last name shown that a cursor keeps (cursors stay short). */
const CURSOR_NAME_CHARS = 40;

/**
 * Where the page after `after` starts: right after that member if still listed, else after where
 * they would be. A cursor names the last member shown, not a position, so that members who join or
 * leave between pages never make another member appear twice or not at all.
 */
function startAfter(members: Listed[], after: Listed): number {
  const same = members.findIndex((member) => member.userId === after.userId);
  if (same >= 0) return same + 1;
  const later = members.findIndex((member) => byNameThenId(member, after) > 0);
  return later === -1 ? members.length : later;
}

/** Cursors are opaque to agents: the last member shown, bound to the project it was made for. */
function encodeCursor(projectId: string, last: Listed): string {
  return Buffer.from(JSON.stringify({ p: projectId, u: last.userId, n: (last.name ?? '').slice(0, CURSOR_NAME_CHARS) })).toString('base64url');
}

function decodeCursor(cursor: string, projectId: string): Listed {
  let decoded: { p?: unknown; u?: unknown; n?: unknown } | undefined;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown; u?: unknown; n?: unknown };
  } catch {
    decoded = undefined;
  }
  if (!decoded || typeof decoded.u !== 'string' || typeof decoded.n !== 'string') {
    throw new MembersError('INVALID_ARGUMENT', 'Invalid argument "cursor": not a cursor from this server.', {
      hint: 'Pass nextCursor from the previous page unchanged, or leave cursor out to start at the first page.',
    });
  }
  if (decoded.p !== projectId) {
    throw new MembersError('INVALID_ARGUMENT', 'Invalid argument "cursor": it belongs to another project\'s listing.', {
      hint: 'Leave cursor out to start at the first page of this project.',
    });
  }
  return { userId: decoded.u, name: decoded.n };
}
