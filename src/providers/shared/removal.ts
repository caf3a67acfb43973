import type { OperationContext } from '../../core/context.js';
import { toMembersError } from '../../core/errors.js';
import type { DirectoryUser, MemberLedger } from '../../core/ledger.js';
import type { ProjectRef } from '../../core/types.js';
import type { RemoveMembersRequest } from '../types.js';

/**
 * The guards every removal shares: the last people who can manage a project stay unless the call
 * says otherwise, and the tool layer sees the plan (with the connection's own account) before any
 * write. Adapters call these between planning and planWrites, and after planWrites.
 */

/**
 * Fails the planned removals that would leave the project with nobody at the managing level
 * (`level`: GoRules' owner, ProjectManager.com's Manager), unless the call allows it. All of them
 * are failed, not all but one: which of them should stay is the caller's choice. Known before any
 * write, so the dry run says it too.
 */
export function guardLastManagers<U extends DirectoryUser>(
  ledger: MemberLedger<U>,
  guard: { managers: Iterable<string>; level: string; project: ProjectRef; allow: boolean | undefined },
): void {
  if (guard.allow) return;
  const managers = new Set(guard.managers);
  if (managers.size === 0) return;
  const leaving = ledger.planned('remove').filter((entry) => managers.has(entry.user.id));
  if (leaving.length < managers.size) return;
  const project = `project "${guard.project.name ?? guard.project.id}"`;
  for (const entry of leaving) {
    const who = entry.user.name || entry.user.email || entry.user.id;
    const others = leaving.filter((other) => other !== entry).map((other) => other.user.name || other.user.id);
    const which = leaving.length === 1 ? `the last ${guard.level}` : `one of the last ${guard.level}s (with ${others.join(', ')}, also removed by this call)`;
    ledger.fail(entry, {
      code: 'LAST_MANAGER',
      message: `${who} is ${which} of ${project}: removing them would leave nobody who can manage its members, so nothing was changed for them. Make someone else ${guard.level} first, or call again with allowLastManager: true.`,
    });
  }
}

/**
 * Hands the planned removals to the tool layer's review (confirmation and the budget across
 * projects) before the first write. The connection's own account is read only when something is
 * to be removed.
 */
export async function reviewRemoval<U extends DirectoryUser>(
  request: RemoveMembersRequest,
  project: ProjectRef,
  ledger: MemberLedger<U>,
  self: () => Promise<string | null>,
): Promise<void> {
  if (!request.review) return;
  const removals = ledger.planned('remove').map((entry) => {
    const user: { userId: string; name?: string; email?: string } = { userId: entry.user.id };
    if (entry.user.name) user.name = entry.user.name;
    if (entry.user.email) user.email = entry.user.email;
    return user;
  });
  await request.review({ project, removals, self: removals.length > 0 ? await self() : undefined });
}

/**
 * The connection's own user id, read once per connection (the credentials' user does not change):
 * `read` returns null when the provider does not say. A failed read is not kept, so the next call
 * asks again.
 */
export class OwnAccount {
  private known: Promise<string | null> | undefined;

  constructor(private readonly read: (context: OperationContext) => Promise<string | null>) {}

  id(context: OperationContext): Promise<string | null> {
    this.known ??= this.read(context).catch((error: unknown) => {
      this.known = undefined;
      throw toMembersError(error);
    });
    return this.known;
  }
}
