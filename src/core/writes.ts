import { setTimeout as sleep } from 'node:timers/promises';
import { forEachConcurrent } from './concurrency.js';
import { cancelledError, MembersError, toMembersError } from './errors.js';
import { newWriteId, type JournalEntry } from './journal.js';
import type { OperationContext } from './context.js';
import { notReachedError, type DirectoryUser, type MemberLedger, type PlannedAction, type ResolvedEntry } from './ledger.js';
import type { EntryError, MemberStatus } from './types.js';

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
  /**
   * A refusal that may mean some keys were already in place: a batch the provider refuses whole
   * because it names an existing member (GoRules answers an invite so with 409). The state is
   * read; keys already in place are left out and the others sent again.
   */
  refusedForExisting?: (error: MembersError) => boolean;
}

/**
 * Sends a write so that it is applied exactly once. Each request is journaled before it is sent
 * (`planned`), then its outcome, one line per key. A failure with a known outcome is thrown at
 * once (the HTTP layer has already retried what the provider said it did not process). A write
 * whose reply was lost or ambiguous (connection reset, timeout after sending, a 5xx) is never
 * repeated blindly: the state is read again (that read retried before giving up) and only the keys
 * it did not reach are written again. Returns the keys found already in place after a refusal
 * `refusedForExisting` recognises, with that refusal (confirmWrites reports them already there).
 */
export async function guardedWrite<K>(context: OperationContext, write: GuardedWrite<K>): Promise<Map<K, MembersError>> {
  const journal = (keys: K[], id: string, outcome: JournalEntry['outcome'], error?: MembersError) => {
    for (const key of keys) {
      const entry: JournalEntry = {
        connection: context.connection,
        provider: write.journal.provider,
        project: write.journal.project,
        operation: write.journal.operation,
        write: id,
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

  const existing = new Map<K, MembersError>();
  let pending = write.keys;
  const attempts = write.attempts ?? 5;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (context.signal.aborted) throw cancelledError();
    const id = newWriteId();
    journal(pending, id, 'planned');
    try {
      await write.write(pending);
      journal(pending, id, 'applied');
      return existing;
    } catch (thrown) {
      const error = toMembersError(thrown);
      const forExisting = !error.outcomeUnknown && (write.refusedForExisting?.(error) ?? false);
      journal(pending, id, error.outcomeUnknown ? 'unknown' : 'failed', error);
      if (!error.outcomeUnknown && !forExisting) throw error;
      // Cancelled mid-flight: the call is over, so nothing more is sent, not even a read.
      if (context.signal.aborted) throw error;
      let missing: K[];
      try {
        missing = await readPatiently(context, () => write.remaining(pending));
      } catch {
        throw error; // cannot tell what happened: report the reply, never guess
      }
      const reached = pending.filter((key) => !missing.includes(key));
      // A refusal for existing members that no key explains is a refusal like any other.
      if (forExisting && reached.length === 0) throw error;
      journal(reached, id, 'confirmed');
      journal(missing, id, 'not_applied');
      if (forExisting) for (const key of reached) existing.set(key, error);
      context.logger.info(
        forExisting
          ? `${context.connection}: a ${write.journal.operation} was refused for members already there; a re-read shows ${reached.length} in place, ${missing.length} to send again`
          : `${context.connection}: a ${write.journal.operation} reply was lost or ambiguous; a re-read shows ${reached.length} applied, ${missing.length} to send again`,
      );
      if (missing.length > 0 && attempt >= attempts) throw error;
      pending = missing;
    }
  }
  return existing;
}

/** Waits before the second and third try of a read that decides a write's outcome. */
const REREAD_WAITS_MS = [250, 1_000];

/**
 * A read that decides what a write did, tried again (after the HTTP layer's own retries) when it
 * fails for a reason that may pass: an entry is decided from a read, not from a read's failure.
 * Cancellation, our own rate limit and refusals (credentials, permissions) end it at once.
 */
export async function readPatiently<T>(context: OperationContext, read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (thrown) {
      const error = toMembersError(thrown);
      const wait = REREAD_WAITS_MS[attempt];
      const passing = error.code === 'PROVIDER_ERROR' || error.code === 'TIMEOUT';
      if (wait === undefined || !passing || context.signal.aborted) throw error;
      context.logger.debug(`${context.connection}: the read that decides a write failed (${error.message}); trying again in ${wait} ms`);
      await sleep(wait, undefined, { signal: context.signal }).catch(() => undefined);
      if (context.signal.aborted) throw error;
    }
  }
}

/**
 * Before a real call plans its writes: takes the project's turn, so that calls of this process that
 * change the same project take turns (each member is then reported added once, by the call that
 * added it). Called after the reads the plan is made from; if another call changed the project
 * meanwhile, the call is run again from its reads, keeping its turn. The turn is released when the
 * call answers; a call waiting for it answers TIMEOUT at its time budget, having changed nothing.
 * A removal takes its turns later, for all its projects at once, once confirmed (src/tools/removals.ts).
 */
export async function holdProject(context: OperationContext, project: { id: string; name?: string | undefined }, dryRun: boolean): Promise<void> {
  if (!dryRun) await context.exclusive?.(project);
}

/**
 * Plan before spending: called once the call knows its writes and before the first one, with the
 * number of write requests it plans (a batch request counts one; re-reads after a lost reply are
 * not planned) and the requests of the read that confirms them afterwards (confirmWrites), which
 * is part of the call whenever it writes. A real call that the connection's rate limit cannot fit
 * before the call's deadline is refused here with RATE_LIMITED, so that it never stops halfway for
 * the limit, nor writes what it then cannot confirm; a dry run records the count for its `budget`
 * report.
 */
export function planWrites(context: OperationContext, plan: { writes: number; confirmingReads: number }, dryRun: boolean): void {
  context.budget?.planWrites(plan.writes > 0 ? plan.writes + plan.confirmingReads : 0, dryRun);
}

/**
 * What the provider answered to each member's writes, by user id: undefined when it accepted them.
 * A member's first answer moves the call's progress on; its outcome waits for confirmWrites.
 */
export class Replies extends Map<string, MembersError | undefined> {
  constructor(private readonly ledger: Pick<MemberLedger<DirectoryUser>, 'answered'>) {
    super();
  }

  override set(userId: string, reply: MembersError | undefined): this {
    super.set(userId, reply);
    this.ledger.answered(userId, reply !== undefined);
    return this;
  }
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
}

/**
 * Writes each member concurrently within the cap, each through guardedWrite (applied once,
 * journaled), and records what the provider answered in `replies`. Nothing is decided here:
 * confirmWrites decides every entry from a read of the provider's state. Members whose write a
 * cancellation kept from starting get no reply (confirmWrites reports them as cancelled).
 */
export async function writeEach<U extends DirectoryUser>(
  context: OperationContext,
  entries: Array<ResolvedEntry<U>>,
  options: EachMemberWrite<U>,
  replies: Replies,
): Promise<void> {
  await forEachConcurrent(entries, options.concurrency, context.signal, async (entry) => {
    try {
      const existing = await guardedWrite(context, {
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
      replies.set(entry.user.id, existing.get(entry.user.id));
    } catch (error) {
      replies.set(entry.user.id, toMembersError(error));
    }
  });
}

/** What a read of the provider's state shows for one member. */
export interface Observed {
  member: boolean;
  /** Their level, in the provider's own words, when they are a member. */
  role?: string | undefined;
}

export interface Confirmation<U extends DirectoryUser> {
  /** The provider's name, for messages. */
  label: string;
  /** One read of the provider's state after the writes; returns what it shows for each entry. */
  reread: () => Promise<(entry: ResolvedEntry<U>) => Observed>;
  /**
   * Whether the state shows the entry's goal. By default: an add or update reaches membership
   * with the planned level (any level when none was planned); a removal reaches absence.
   */
  reached?: (entry: ResolvedEntry<U>, observed: Observed) => boolean;
  /** A message of the provider's own for an entry whose goal was not reached, where the generic one says less. */
  explain?: (entry: ResolvedEntry<U>, reply: MembersError | undefined, observed: Observed) => EntryError | undefined;
}

const DONE: Record<PlannedAction, MemberStatus> = { add: 'added', update: 'updated', remove: 'removed' };
/** The goal holds although our write was refused: someone else made it so meanwhile. */
const ALREADY: Record<PlannedAction, MemberStatus> = { add: 'already_member', update: 'already_member', remove: 'not_member' };
const WRITE_NAME: Record<PlannedAction, string> = { add: 'addition', update: 'change of level', remove: 'removal' };

/**
 * Decides every written entry from the provider's state read once after all writes: an entry is
 * `added`, `updated` or `removed` only when the state shows it, and `failed` otherwise, saying what
 * the provider answered and what the state shows. An ambiguous reply (lost, a 5xx) is decided by
 * the state alone; a refused write whose goal holds anyway is `already_member` or `not_member`. A
 * cancelled call sends nothing more, not even this read: its entries are decided from the replies
 * they got. The read is tried again before giving up; if it still fails, nothing is claimed:
 * accepted writes are `failed` as unconfirmed, with the read's code.
 */
export async function confirmWrites<U extends DirectoryUser>(
  context: OperationContext,
  ledger: MemberLedger<U>,
  entries: Array<ResolvedEntry<U>>,
  replies: Replies,
  confirmation: Confirmation<U>,
): Promise<void> {
  const pending = entries.filter((entry) => !entry.result && entry.action);
  if (pending.length === 0) return;
  const sent = pending.filter((entry) => replies.has(entry.user.id));
  for (const entry of pending) if (!replies.has(entry.user.id)) ledger.fail(entry, context.signal.aborted ? cancelledError() : notReachedError());
  if (sent.length === 0) return;

  if (context.signal.aborted) {
    for (const entry of sent) {
      const reply = replies.get(entry.user.id);
      if (reply) ledger.fail(entry, reply);
      else ledger.decide(entry, DONE[entry.action!]);
    }
    return;
  }

  let view: (entry: ResolvedEntry<U>) => Observed;
  try {
    view = await readPatiently(context, confirmation.reread);
  } catch (thrown) {
    const failure = toMembersError(thrown);
    for (const entry of sent) {
      const reply = replies.get(entry.user.id);
      ledger.fail(entry, reply ?? { code: failure.code, message: `${confirmation.label} accepted the ${WRITE_NAME[entry.action!]}, but it could not be confirmed: ${failure.message}` });
    }
    return;
  }

  const reached = confirmation.reached ?? defaultReached;
  for (const entry of sent) {
    const action = entry.action!;
    const reply = replies.get(entry.user.id);
    const observed = view(entry);
    if (reached(entry, observed)) {
      // Our write did it unless the provider refused it outright: then someone else did.
      const refused = reply !== undefined && !reply.outcomeUnknown;
      ledger.decide(entry, refused ? ALREADY[action] : DONE[action], { role: observed.member ? (observed.role ?? entry.role) : undefined });
      continue;
    }
    const explained = confirmation.explain?.(entry, reply, observed);
    if (explained) ledger.fail(entry, explained);
    else if (reply) ledger.fail(entry, { code: reply.code, message: `${withoutPeriod(reply.message)}; ${shows(observed)}.` });
    else ledger.fail(entry, { code: 'PROVIDER_ERROR', message: `${confirmation.label} accepted the ${WRITE_NAME[action]}, but ${shows(observed)}.` });
  }
}

function defaultReached(entry: { action?: PlannedAction | undefined; role?: string | undefined }, observed: Observed): boolean {
  if (entry.action === 'remove') return !observed.member;
  return observed.member && (entry.role === undefined || observed.role === entry.role);
}

/** "a re-read shows them in the project as Guest", for failure messages. */
export function shows(observed: Observed): string {
  if (!observed.member) return 'a re-read shows they are not in the project';
  return `a re-read shows them in the project${observed.role ? ` as ${observed.role}` : ''}`;
}

function withoutPeriod(text: string): string {
  return text.replace(/[.\s]+$/, '');
}
