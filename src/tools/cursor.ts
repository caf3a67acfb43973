import { MembersError } from '../core/errors.js';

/**
 * The listing tools' cursors: opaque to agents, a position bound to what it pages (a project, a
 * set of users), so that a cursor passed with other arguments is refused rather than misread.
 */
export function encodeCursor(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ p: scope, o: offset })).toString('base64url');
}

/** The offset a cursor holds; INVALID_ARGUMENT when it is not ours, or belongs to another `scope` (`other` says what to do). */
export function decodeCursor(cursor: string, scope: string, other: { message: string; hint: string }): number {
  let decoded: { p?: unknown; o?: unknown } | undefined;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown; o?: unknown };
  } catch {
    decoded = undefined;
  }
  if (!decoded || typeof decoded.o !== 'number' || !Number.isInteger(decoded.o) || decoded.o < 0) {
    throw new MembersError('INVALID_ARGUMENT', 'Invalid argument "cursor": not a cursor from this server.', {
      hint: 'Pass nextCursor from the previous page unchanged, or leave cursor out to start at the first page.',
    });
  }
  if (decoded.p !== scope) throw new MembersError('INVALID_ARGUMENT', `Invalid argument "cursor": ${other.message}`, { hint: other.hint });
  return decoded.o;
}
