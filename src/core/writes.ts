import { forEachConcurrent } from './concurrency.js';
import { cancelledError, toMembersError, type MembersError } from './errors.js';
import type { JournalEntry } from './journal.js';
import type { DirectoryUser, MemberLedger, ResolvedEntry } from './ledger.js';
import type { MemberStatus } from './types.js';
import type { OperationContext } from './context.js';

export interface GuardedWrite<K> {
  /** The members (or other keys) this write is about. */
  keys: K[];
  /** Journal facts shared by every line of this write. */
  journal: { provider: string; project: string; operation: string; user: (key: K) => string | undefined };
  /** Sends the write for these keys. */
  write: (keys: K[]) => Promise<void>;
  /** Reads the provider's state and returns which of these keys the write has not reached. */
  remaining: (keys: K[]) => Promise<K[]>;
  /** Rounds of "send, and if the reply was lost, re-read" before giving up; default 5. */
  attempts?: number;
}

/**
 * Sends a write so that it is applied exactly once. A failure with a known outcome is thrown at
 * once (the HTTP layer has already retried what the provider said it did not process). A write
 * whose reply was lost (connection reset, timeout after sending) is never repeated blindly: the
 * state is read again and only the keys it did not reach are written again. Every outcome is
 * journaled, one line per key.
 */
export async function guardedWrite<K>(context: OperationContext, write: GuardedWrite<K>): Promise<void> {
  const journal = (keys: K[], outcome: JournalEntry['outcome'], error?: MembersError) => {
    for (const key of keys) {
      const entry: JournalEntry = {
        connection: context.connection,
        provider: write.journal.provider,
        project: write.journal.project,
        operation: write.journal.operation,
        outcome,
      };
      const user = write.journal.user(key);
      if (user !== undefined) entry.user = user;
      if (error) {
        entry.code = error.code;
        entry.message = error.message;
      }
      context.journal.record(entry);
    }
  };

  let pending = write.keys;
  const attempts = write.attempts ?? 5;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (context.signal.aborted) throw cancelledError();
    try {
      await write.write(pending);
      journal(pending, 'applied');
      return;
    } catch (thrown) {
      const error = toMembersError(thrown);
      if (!error.outcomeUnknown) {
        journal(pending, 'failed', error);
        throw error;
      }
      journal(pending, 'unknown', error);
      // Cancelled mid-flight: the call is over, so nothing more is sent, not even a read.
      if (context.signal.aborted) throw error;
      let missing: K[];
      try {
        missing = await write.remaining(pending);
      } catch {
        throw error; // cannot tell what happened: report the lost reply, never guess
      }
      const reached = pending.filter((key) => !missing.includes(key));
      journal(reached, 'confirmed');
      journal(missing, 'not_applied');
      context.logger.info(
        `${context.connection}: a ${write.journal.operation} reply was lost; a re-read shows ${reached.length} applied, ${missing.length} to send again`,
      );
      if (missing.length > 0 && attempt >= attempts) throw error;
      pending = missing;
    }
  }
}

/**
 * Plan before spending: called once the call knows its writes and before the first one, with the
 * number of write requests it plans (a batch request counts one; re-reads after a lost reply are
 * not planned). A real call that the connection's rate limit cannot fit before the call's
 * deadline is refused here with RATE_LIMITED, so that it never stops halfway for the limit; a dry
 * run records the count for its `budget` report.
 */
export function planWrites(context: OperationContext, requests: number, dryRun: boolean): void {
  context.budget?.planWrites(requests, dryRun);
}

/** One write per member, as the per-member APIs need it. */
export interface EachMemberWrite<U extends DirectoryUser> {
  provider: string;
  project: string;
  /** What the journal calls the write, per member where it differs (an upsert adds or changes a role). */
  operation: string | ((entry: ResolvedEntry<U>) => string);
  /** Members handled at once (the connection's cap). */
  concurrency: number;
  write: (entry: ResolvedEntry<U>) => Promise<void>;
  /** Re-reads the provider: has this member's write taken effect? (used only when a reply was lost) */
  hasTakenEffect: (entry: ResolvedEntry<U>) => Promise<boolean>;
  /** The status of a member whose write went through. */
  done: (entry: ResolvedEntry<U>) => { status: MemberStatus; role?: string | undefined };
  /** A refusal that means the goal already holds (a 404 on removal), and the status to report then. */
  alreadyDone?: (failure: MembersError) => MemberStatus | undefined;
  /** The failed entry's message where the failure needs context (what an earlier write already did); default the failure's own. */
  failureMessage?: (entry: ResolvedEntry<U>, failure: MembersError) => string;
}

/**
 * Writes each member concurrently within the cap, each through guardedWrite (applied once,
 * journaled), and decides each entry: done, already so, or failed with the contract's code. When
 * the call is cancelled, entries whose write never started are decided as cancelled.
 */
export async function writeEach<U extends DirectoryUser>(
  context: OperationContext,
  ledger: MemberLedger<U>,
  entries: Array<ResolvedEntry<U>>,
  options: EachMemberWrite<U>,
): Promise<void> {
  await forEachConcurrent(entries, options.concurrency, context.signal, async (entry) => {
    try {
      await guardedWrite(context, {
        keys: [entry.user.id],
        journal: {
          provider: options.provider,
          project: options.project,
          operation: typeof options.operation === 'string' ? options.operation : options.operation(entry),
          user: (id) => id,
        },
        write: async () => options.write(entry),
        remaining: async (ids) => ((await options.hasTakenEffect(entry)) ? [] : ids),
      });
      const { status, role } = options.done(entry);
      ledger.decide(entry, status, { role });
    } catch (error) {
      const failure = toMembersError(error);
      const already = options.alreadyDone?.(failure);
      if (!already) return ledger.fail(entry, { code: failure.code, message: options.failureMessage?.(entry, failure) ?? failure.message });
      entry.role = undefined; // the planned level is not necessarily what they have
      ledger.decide(entry, already);
    }
  });
  if (context.signal.aborted) for (const entry of entries) if (!entry.result) ledger.fail(entry, cancelledError());
}
