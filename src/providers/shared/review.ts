import type { DirectoryUser, UserMatch } from '../../core/ledger.js';
import type { AccessWay, ProjectRef, ReviewedUser, UserMembership } from '../../core/types.js';

/** An access review's input resolved: the user, or the reason it could not be. */
export interface ReviewInput<U extends DirectoryUser> {
  reviewed: ReviewedUser;
  user?: U;
}

/**
 * Resolves an access review's user references like the writing tools do: each input on its own,
 * inputs repeated (trimmed, ignoring case) kept once, and a second input naming the same person
 * dropped (the first stands).
 */
export function resolveReviewInputs<U extends DirectoryUser>(inputs: readonly string[], match: (input: string) => UserMatch<U>): Array<ReviewInput<U>> {
  const seenInputs = new Set<string>();
  const seenUsers = new Set<string>();
  const resolved: Array<ReviewInput<U>> = [];
  for (const raw of inputs) {
    const input = raw.trim();
    if (seenInputs.has(input.toLowerCase())) continue;
    seenInputs.add(input.toLowerCase());
    const found = match(input);
    if ('error' in found) {
      resolved.push({ reviewed: { input, error: found.error } });
      continue;
    }
    if (seenUsers.has(found.user.id)) continue;
    seenUsers.add(found.user.id);
    const reviewed: ReviewedUser = { input, userId: found.user.id };
    if (found.user.name) reviewed.name = found.user.name;
    if (found.user.email) reviewed.email = found.user.email;
    resolved.push({ reviewed, user: found.user });
  }
  return resolved;
}

/** The users an access review looks for, by id. */
export function reviewedUsers<U extends DirectoryUser>(inputs: ReadonlyArray<ReviewInput<U>>): U[] {
  return inputs.flatMap((input) => (input.user ? [input.user] : []));
}

/**
 * Collects one entry per (user, project), merging the ways the access comes: a direct membership
 * and a group can both give it.
 */
export class MembershipCollector {
  private readonly entries = new Map<string, UserMembership>();

  add(userId: string, project: ProjectRef, way: AccessWay, role?: string): void {
    const key = `${userId}\u0000${project.id}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { userId, project: { id: project.id, ...(project.name !== undefined ? { name: project.name } : {}) }, via: [] };
      this.entries.set(key, entry);
    }
    if (!entry.via.some((known) => known.kind === way.kind && known.id === way.id)) entry.via.push(way);
    // A level from a membership wins over none; the first level seen stands.
    if (role !== undefined && entry.role === undefined) entry.role = role;
  }

  list(): UserMembership[] {
    return [...this.entries.values()];
  }
}
