import { createHash } from 'node:crypto';
import * as z from 'zod';
import { USER_NOT_FOUND } from '../providers/shared/match.js';
import type { AccessWay, UserMembership } from '../core/types.js';
import { cursorName, decodeCursor, encodeCursor, startAfter } from './cursor.js';
import { defineTool } from './define.js';
import { clip, connectionFacts, TEXT_SHOWN } from './output.js';
import { cursorField, membershipLimitField, providerField, reviewUsersField, userMembershipsSchema, workspaceField } from './schemas.js';

export const listUserMemberships = defineTool({
  name: 'list_user_memberships',
  title: 'List a user\'s project access',
  description:
    'Access review: every project the users can access, with role and how (direct, group, public, role). Paged with cursor.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: z.strictObject({
    provider: providerField,
    workspaceId: workspaceField,
    users: reviewUsersField,
    cursor: cursorField,
    limit: membershipLimitField,
  }),
  outputSchema: userMembershipsSchema,
  async handler(input, { connection, operation }) {
    const review = await connection.provider.listUserMemberships(input, operation);
    // By user in input order, then project name: the same order on every provider and every page.
    const order = new Map(review.users.flatMap((user, index) => (user.userId ? [[user.userId, index] as const] : [])));
    const byUserThenProject = (a: Listed, b: Listed) =>
      (order.get(a.userId) ?? 0) - (order.get(b.userId) ?? 0) ||
      (a.project.name ?? '').localeCompare(b.project.name ?? '') ||
      a.project.id.localeCompare(b.project.id);
    const memberships = [...review.memberships].sort(byUserThenProject);
    const key = reviewKey(review.users.map((user) => user.userId ?? `?${user.input}`));
    // The last membership shown (user id, project id, project name): the page goes on after it.
    const [userId, projectId, projectName] = input.cursor === undefined ? [] : decodeCursor(input.cursor, key, 3, OTHER_USERS);
    const last: Listed | undefined = userId === undefined ? undefined : { userId, project: { id: projectId!, name: projectName } };
    const offset = last
      ? startAfter(memberships, (m) => m.userId === last.userId && m.project.id === last.project.id, (m) => byUserThenProject(m, last) > 0)
      : 0;
    const page = memberships.slice(offset, offset + input.limit);
    const next = offset + page.length;
    const counts = new Map<string, number>();
    for (const membership of memberships) counts.set(membership.userId, (counts.get(membership.userId) ?? 0) + 1);
    const users = review.users.map((user) => (user.userId ? { ...user, projects: counts.get(user.userId) ?? 0 } : user));
    const structured: Record<string, unknown> = { ...connectionFacts(connection), users, memberships: page, unreadable: review.unreadable };
    const end = page.at(-1);
    if (next < memberships.length && end) structured.nextCursor = encodeCursor(key, [end.userId, end.project.id, cursorName(end.project.name)]);

    // The text stays short (docs/contract.md, "Result sizes"): a few people, a few projects each; the structured part has all.
    const described = users.slice(0, TEXT_SHOWN).map((user) => {
      if (user.error) return `"${clip(user.input, 80)}": ${user.error.code} (${clip(user.error.message, 200)})`;
      const theirs = memberships.filter((membership) => membership.userId === user.userId);
      const who = clip(user.name || user.email || user.userId!, 80);
      if (theirs.length === 0) return `${who} has access to no project`;
      const shown = theirs.slice(0, TEXT_SHOWN).map(describeMembership).join('; ');
      return `${who}: ${theirs.length} project${theirs.length === 1 ? '' : 's'} (${shown}${theirs.length > TEXT_SHOWN ? '; …' : ''})`;
    });
    let text = `${connection.label} access review. ${described.join('. ')}${users.length > TEXT_SHOWN ? `. And ${users.length - TEXT_SHOWN} more users` : ''}.`;
    if (memberships.length > 0) text += ` Showing ${page.length === 0 ? 'none' : `${offset + 1}-${next}`} of ${memberships.length}${structured.nextCursor ? ' (more with nextCursor)' : ''}.`;
    if (review.unreadable.length > 0) {
      text += ` ${review.unreadable.length} project${review.unreadable.length === 1 ? '' : 's'} could not be read, so access there is unknown (see unreadable).`;
    }
    if (users.some((user) => user.error?.code === 'NOT_FOUND' && user.error.message.startsWith(USER_NOT_FOUND))) {
      text += ' For users not found, check the spelling, or find them with search_directory (kind "user").';
    }
    if (review.notes?.length) text += ` ${review.notes.slice(0, TEXT_SHOWN).map((note) => clip(note, 300)).join(' ')}`;
    return { structured, text };
  },
});

function describeMembership(membership: UserMembership): string {
  const ways = membership.via.map(describeWay).join(', ');
  return `${clip(membership.project.name ?? membership.project.id, 80)}${membership.role ? ` as ${clip(membership.role, 40)}` : ''}, ${ways}`;
}

function describeWay(way: AccessWay): string {
  if (way.kind === 'group') return `via group "${clip(way.name ?? way.id ?? '', 60)}"`;
  if (way.kind === 'role') return `via role "${clip(way.name ?? way.id ?? '', 60)}"`;
  return way.kind;
}

type Listed = Pick<UserMembership, 'userId' | 'project'>;

/** Cursors belong to the set of users they were made for: a short fingerprint of them. */
function reviewKey(userIds: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(userIds)).digest('base64url').slice(0, 12);
}

const OTHER_USERS = {
  message: 'it belongs to a review of other users.',
  hint: 'Call with the same users as the first page, or leave cursor out to start again.',
};
