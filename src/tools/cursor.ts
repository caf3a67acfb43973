import { MembersError } from '../core/errors.js';

/**
 * The listing tools' cursors: opaque to agents, and bound to what they page (a project, a set of
 * users), so that a cursor passed with other arguments is refused rather than misread. A cursor
 * marks the last item shown by its sort key, not a position: items that appear or go between
 * pages never make another item appear twice or not at all (one that appears meanwhile is listed
 * only if it sorts after the cursor).
 */

/** Characters of a name that a cursor keeps (cursors stay short). */
const CURSOR_NAME_CHARS = 40;

/** A name as a cursor keeps it. Cut short, it sorts no later than in full: a page may repeat an item, never skip one. */
export function cursorName(name: string | undefined): string {
  return (name ?? '').slice(0, CURSOR_NAME_CHARS);
}

/** A cursor after the item whose key (ids, and names through cursorName) is `last`. */
export function encodeCursor(scope: string, last: readonly string[]): string {
  return Buffer.from(JSON.stringify({ p: scope, k: last })).toString('base64url');
}

/**
 * The key a cursor holds (`parts` strings); INVALID_ARGUMENT when it is not ours, or belongs to
 * another `scope` (`other` says what to do).
 */
export function decodeCursor(cursor: string, scope: string, parts: number, other: { message: string; hint: string }): string[] {
  let decoded: { p?: unknown; k?: unknown } | undefined;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown; k?: unknown };
  } catch {
    decoded = undefined;
  }
  const key = decoded?.k;
  if (!Array.isArray(key) || key.length !== parts || !key.every((part) => typeof part === 'string')) {
    throw new MembersError('INVALID_ARGUMENT', 'Invalid argument "cursor": not a cursor from this server.', {
      hint: 'Pass nextCursor from the previous page unchanged, or leave cursor out to start at the first page.',
    });
  }
  if (decoded!.p !== scope) throw new MembersError('INVALID_ARGUMENT', `Invalid argument "cursor": ${other.message}`, { hint: other.hint });
  return key as string[];
}

/**
 * Where the page after a cursor starts in `items`, sorted as when it was made: right after the
 * item it marks (`isLast`) if that is still listed, else at the first item that sorts after it.
 */
export function startAfter<T>(items: readonly T[], isLast: (item: T) => boolean, sortsAfter: (item: T) => boolean): number {
  const same = items.findIndex(isLast);
  if (same >= 0) return same + 1;
  const later = items.findIndex(sortsAfter);
  return later === -1 ? items.length : later;
}
