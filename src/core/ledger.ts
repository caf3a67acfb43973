import { cancelledError, MembersError } from './errors.js';
import type { EntryError, MemberResult, MemberStatus } from './types.js';
import type { OperationContext } from './context.js';

/** What a provider's user directory must offer for results and matching. */
export interface DirectoryUser {
  id: string;
  name?: string | undefined;
  email?: string | undefined;
}

export type UserMatch<U> = { user: U } | { error: EntryError };

export type PlannedAction = 'add' | 'update' | 'remove';

export interface LedgerEntry<U extends DirectoryUser> {
  readonly input: string;
  user: U | undefined;
  /** What the plan says to do; undefined once decided or when nothing is to be done. */
  action: PlannedAction | undefined;
  /** The provider level the plan aims at, reported as `role`. */
  role: string | undefined;
  result: MemberResult | undefined;
}

/** An entry resolved to a user of the provider's directory. */
export type ResolvedEntry<U extends DirectoryUser> = LedgerEntry<U> & { user: U };

const DRY_RUN_STATUS: Record<PlannedAction, MemberStatus> = { add: 'would_add', update: 'would_update', remove: 'would_remove' };

/**
 * The per-member bookkeeping every mutating operation shares: one entry per distinct input in
 * input order, resolution to users (a user named twice is reported once), the plan, each entry
 * decided exactly once, progress (each entry counted once: when its write is answered, or when it
 * is decided; the last step only once all are decided), and the contract's results at the end. In a
 * dry run, the results report each planned entry as its would_* status.
 */
export class MemberLedger<U extends DirectoryUser> {
  entries: Array<LedgerEntry<U>> = [];
  /** Entries counted in the progress so far: decided, or their write answered. */
  private readonly progressed = new Set<LedgerEntry<U>>();
  private decided = 0;
  /** The progress last reported: it only increases. */
  private reported = 0;

  private constructor(
    private readonly context: OperationContext,
    readonly dryRun: boolean,
  ) {}

  /** Entries for the inputs of a call; repeated inputs (trimmed, case-insensitive) are kept once. */
  static fromInputs<U extends DirectoryUser>(inputs: readonly string[], context: OperationContext, dryRun: boolean): MemberLedger<U> {
    const ledger = new MemberLedger<U>(context, dryRun);
    const seen = new Set<string>();
    for (const raw of inputs) {
      const input = raw.trim();
      const key = input.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      ledger.entries.push({ input, user: undefined, action: undefined, role: undefined, result: undefined });
    }
    return ledger;
  }

  /** Entries for users already known (a team's members); each input is the email, else the id. */
  static fromUsers<U extends DirectoryUser>(users: readonly U[], context: OperationContext, dryRun: boolean): MemberLedger<U> {
    const ledger = new MemberLedger<U>(context, dryRun);
    const seen = new Set<string>();
    for (const user of users) {
      if (seen.has(user.id)) continue;
      seen.add(user.id);
      ledger.entries.push({ input: user.email || user.id, user, action: undefined, role: undefined, result: undefined });
    }
    return ledger;
  }

  get total(): number {
    return this.entries.length;
  }

  /** Resolves every unresolved entry; failures are decided, a second input for the same user is dropped. */
  resolve(match: (input: string) => UserMatch<U>): void {
    const failures: Array<[LedgerEntry<U>, EntryError]> = [];
    const byUser = new Set<string>();
    // Drop duplicates before deciding anything, so that progress totals never shrink.
    this.entries = this.entries.filter((entry) => {
      if (entry.result) return true;
      if (!entry.user) {
        const found = match(entry.input);
        if ('error' in found) {
          failures.push([entry, found.error]);
          return true;
        }
        entry.user = found.user;
      }
      if (byUser.has(entry.user.id)) return false;
      byUser.add(entry.user.id);
      return true;
    });
    for (const [entry, error] of failures) this.decide(entry, 'failed', { error });
  }

  /** Entries resolved to a user and not yet decided. */
  open(): Array<ResolvedEntry<U>> {
    return this.entries.filter((entry): entry is ResolvedEntry<U> => !entry.result && entry.user !== undefined);
  }

  /** Open entries planned for an action. */
  planned(action: PlannedAction): Array<ResolvedEntry<U>> {
    return this.open().filter((entry) => entry.action === action);
  }

  plan(entry: LedgerEntry<U>, action: PlannedAction, role?: string): void {
    entry.action = action;
    entry.role = role;
  }

  decide(entry: LedgerEntry<U>, status: MemberStatus, fields: { role?: string | undefined; error?: EntryError } = {}): void {
    if (entry.result) return;
    const result: MemberResult = { input: entry.input, status };
    if (entry.user) {
      result.userId = entry.user.id;
      if (entry.user.name) result.name = entry.user.name;
      if (entry.user.email) result.email = entry.user.email;
    }
    const role = fields.role ?? entry.role;
    if (role !== undefined && status !== 'failed' && status !== 'not_member' && status !== 'removed' && status !== 'would_remove') {
      result.role = role;
    }
    if (fields.error) result.error = { code: fields.error.code, message: fields.error.message };
    entry.result = result;
    entry.action = undefined;
    this.decided += 1;
    this.progress(entry, `${entry.input}: ${status}`);
  }

  /**
   * A member's write has been answered (accepted or refused): the call's progress moves on, while
   * the outcome waits for the read that confirms it (confirmWrites). Each entry counts once.
   */
  answered(userId: string, refused: boolean): void {
    const entry = this.entries.find((candidate) => candidate.user?.id === userId);
    if (entry) this.progress(entry, `${entry.input}: ${refused ? 'refused' : 'written'}`);
  }

  /**
   * Reports the progress: entries answered or decided, but the total only once every entry is
   * decided, so that the read confirming the writes (and any wait for it) is the last step.
   */
  private progress(entry: LedgerEntry<U>, message: string): void {
    this.progressed.add(entry);
    const value = this.decided === this.total ? this.total : Math.min(this.progressed.size, this.total - 1);
    if (value <= this.reported) return;
    this.reported = value;
    this.context.onDecided?.(value, this.total, message);
  }

  fail(entry: LedgerEntry<U>, error: MembersError | EntryError): void {
    this.decide(entry, 'failed', { error: { code: error.code, message: error.message } });
  }

  /** Fails whatever is still undecided with the same error (the call was cancelled, a batch write failed). */
  failOpen(error: MembersError | EntryError): void {
    for (const entry of this.entries) if (!entry.result) this.fail(entry, error);
  }

  /** The contract's results: in a dry run planned entries become would_*, and whatever is still open fails. */
  results(): MemberResult[] {
    if (this.dryRun) {
      for (const entry of this.open()) if (entry.action) this.decide(entry, DRY_RUN_STATUS[entry.action]);
    }
    this.failOpen(this.context.signal.aborted ? cancelledError() : notReachedError());
    return this.entries.map((entry) => entry.result!);
  }
}

/** What an entry the operation ended before reaching is failed with (unless the call was cancelled). */
export function notReachedError(): MembersError {
  return new MembersError('PROVIDER_ERROR', 'Not processed: the operation ended before reaching this member.');
}
