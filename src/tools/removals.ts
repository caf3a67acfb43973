import type { CallBudgetView } from '../core/budget.js';
import type { OperationContext } from '../core/context.js';
import { MembersError, toMembersError } from '../core/errors.js';
import type { JournalEntry, WriteJournal } from '../core/journal.js';
import { StaleRead } from '../core/locks.js';
import type { MemberResult, MembershipChange, UserMembership } from '../core/types.js';
import type { RemovalPlan } from '../providers/types.js';
import { confirmationReasons, confirmationValue, confirmRemoval, type ConfirmedBy } from './confirmation.js';
import type { ToolCall, ToolOutput } from './define.js';
import { budgetText, clip, connectionFacts, failuresText, mutationOutput, notesText, statusCounts, summarize, TEXT_SHOWN } from './output.js';

/** remove_project_members' input, once validated. */
export interface RemovalInput {
  workspaceId?: string | undefined;
  project?: string | undefined;
  projects?: string[] | 'all' | undefined;
  users: string[];
  dryRun: boolean;
  confirmation?: string | undefined;
  allowLastManager: boolean;
}

/** One project of the call: its reference and the users to remove from it. */
interface Target {
  ref: string;
  users: string[];
}

/**
 * A removal from one project or several. Every project's removal reads its state and plans;
 * only once all of them have planned (the gate) is the whole change confirmed and its writes
 * budgeted, so that a removal from several projects is refused, declined or let through as one,
 * before its first write. Single-project calls take the same path, and keep their result shape.
 */
export async function runRemoval(input: RemovalInput, call: ToolCall): Promise<ToolOutput> {
  const { connection, operation } = call;
  const single = input.project !== undefined;
  const selection = single ? { targets: [{ ref: input.project!, users: input.users }], notes: [] } : await selectTargets(input, call);
  const { targets } = selection;

  const confirmed: { by?: ConfirmedBy } = {};
  // Every line the call's writes journal says what confirmed them, once something did.
  const journal: WriteJournal = {
    record: (entry: JournalEntry) => operation.journal.record(confirmed.by ? { ...entry, confirmedBy: confirmed.by } : entry),
    close: () => undefined,
  };
  let confirmation: Preview | undefined;
  const gate = new PlanGate(targets.length, async (plans, failedEarly, writes) => {
    const first = [...failedEarly].sort(([a], [b]) => a - b)[0];
    if (first) throw single ? toMembersError(first[1]) : inProject(targets[first[0]]!.ref, first[1]);
    const duplicates = duplicateProjects(plans);
    const kept = [...plans].filter(([index]) => !duplicates.has(index)).sort(([a], [b]) => a - b);
    const requests = kept.reduce((sum, [index]) => sum + (writes.get(index) ?? 0), 0);
    const keptPlans = kept.map(([, plan]) => plan);
    if (input.dryRun) {
      operation.budget?.planWrites(requests, true);
      const reasons = confirmationReasons(keptPlans);
      if (reasons.length > 0) confirmation = { value: confirmationValue(connection, keptPlans), reasons };
      return duplicates;
    }
    const value = confirmationValue(connection, keptPlans);
    let by: ConfirmedBy | undefined;
    if (input.confirmation === undefined && call.personConfirmed === value) {
      by = 'elicitation'; // said yes to this very change in an earlier run of the call
    } else {
      by = await confirmRemoval({ connection, plans: keptPlans, given: input.confirmation, confirm: askWithoutTurns(call) });
      if (by === 'elicitation') {
        call.personConfirmed = value;
        // A person may have taken their time: the waits ahead get the whole budget again.
        call.restartBudget();
      }
    }
    if (by) confirmed.by = by;
    // Every project's turn, all at once and in order, once the change is confirmed (see takenAtTheGate).
    await call.turns.take(keptPlans.map((plan) => plan.project));
    operation.budget?.planWrites(requests, false);
    return duplicates;
  });

  const progress = single ? () => operation.onDecided : progressAcross(targets.length, operation.onDecided, gate);
  const runs = targets.map(async (target, index) => {
    const budget: CallBudgetView = {
      planWrites: (requests) => gate.plannedWrites(index, requests),
      dryRunReport: () => operation.budget!.dryRunReport(),
    };
    // The project's turn is not taken here, as the adapter plans (holdProject), but at the gate, for
    // every project of the call at once.
    const context: OperationContext = { ...operation, journal, budget, exclusive: takenAtTheGate };
    const onDecided = progress(index);
    if (onDecided) context.onDecided = onDecided;
    else delete context.onDecided;
    try {
      const change = await connection.provider.removeMembers(
        {
          workspaceId: input.workspaceId,
          project: target.ref,
          users: target.users,
          dryRun: input.dryRun,
          allowLastManager: input.allowLastManager,
          review: (plan) => gate.arrive(index, plan),
        },
        context,
      );
      gate.settled(index);
      return change;
    } catch (error) {
      gate.settled(index, error);
      throw error;
    }
  });
  const outcomes = await Promise.allSettled(runs);
  await gate.done;
  // A project changed by another call while this one read it: the call runs again (runTool).
  if (gate.failure instanceof StaleRead) throw gate.failure;
  if (gate.failure !== undefined) throw toMembersError(gate.failure);

  if (single) {
    const outcome = outcomes[0]!;
    if (outcome.status === 'rejected') throw toMembersError(outcome.reason);
    const output = mutationOutput(connection, input.dryRun, outcome.value, operation);
    if (confirmation) {
      output.structured.confirmation = confirmation.value;
      output.text += confirmationText(call, confirmation, [outcome.value]);
    }
    return output;
  }

  const changes: MembershipChange[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') changes.push(outcome.value);
    else if (outcome.reason !== DUPLICATE) changes.push(failedProject(targets[index]!, outcome.reason));
  });
  return multiOutput(call, input.dryRun, changes, { confirmation, notes: selection.notes });
}

/**
 * Turns on projects (src/core/locks.ts) and a removal from several projects. Each project's
 * removal reads and plans without a turn and waits at the gate for the others; the gate then
 * confirms the whole change and only then takes the turns of all its projects, in ascending id
 * order, before the first write. So a call waiting at its gate, or for a person's answer, holds no
 * turn that another call waits for; calls that need several turns take them in one order, so none
 * waits for another in a circle; and a call never waits for a turn of its own (one project named
 * twice is one turn). A project changed by another call meanwhile is read again (StaleRead, with
 * the turns kept), and the same change is not asked about twice.
 */
const takenAtTheGate = async (): Promise<void> => undefined;

/**
 * The call's question to the person, asked holding no turn: turns kept from an earlier run of the
 * call (it read again after another call's change) are given back first, since an answer may take
 * minutes and other calls on these projects would wait for it. They are taken again after the answer.
 */
function askWithoutTurns(call: ToolCall): ToolCall['confirm'] {
  const { confirm } = call;
  if (!confirm) return undefined;
  return (question) => {
    call.turns.giveBack();
    return confirm(question);
  };
}

/** The projects of a call with `projects`: as listed, or every project where the users have access this tool can take away. */
async function selectTargets(input: RemovalInput, call: ToolCall): Promise<{ targets: Target[]; notes: string[] }> {
  if (input.projects !== 'all') {
    // The same reference twice (ignoring case) is one project; references naming one project are merged at the gate.
    const seen = new Set<string>();
    const refs = (input.projects ?? []).map((ref) => ref.trim()).filter((ref) => !seen.has(ref.toLowerCase()) && seen.add(ref.toLowerCase()));
    return { targets: refs.map((ref) => ({ ref, users: input.users })), notes: [] };
  }
  const review = await call.connection.provider.listUserMemberships({ workspaceId: input.workspaceId, users: input.users }, call.operation);
  const unresolved = review.users.filter((user) => user.error);
  if (unresolved.length > 0) {
    const shown = unresolved.slice(0, TEXT_SHOWN).map((user) => `"${clip(user.input, 80)}": ${clip(user.error!.message, 200)}`).join(' ');
    throw new MembersError(unresolved[0]!.error!.code, `projects "all" removes people from every project they are in, so every user must be found; ${unresolved.length} could not be: ${shown} Nothing was changed.`, {
      hint: 'Fix or leave out those users (search_directory finds exact ids), or name the projects with projects: [...].',
    });
  }
  const inputOf = new Map(review.users.map((user) => [user.userId!, user.input]));
  const byProject = new Map<string, { name: string; users: string[] }>();
  const kept: UserMembership[] = [];
  for (const membership of review.memberships) {
    // A membership or a group grant is what this tool can take away (a group grant as a failed entry naming the group).
    if (!membership.via.some((way) => way.kind === 'direct' || way.kind === 'group')) {
      kept.push(membership);
      continue;
    }
    const target = byProject.get(membership.project.id) ?? { name: membership.project.name ?? membership.project.id, users: [] };
    target.users.push(inputOf.get(membership.userId)!);
    byProject.set(membership.project.id, target);
  }
  const notes: string[] = [];
  if (kept.length > 0) {
    const shown = kept.slice(0, TEXT_SHOWN).map((m) => `${clip(inputOf.get(m.userId)!, 80)} to "${clip(m.project.name ?? m.project.id, 80)}" (${m.via.map(describeWay).join(', ')})`);
    notes.push(`Access this tool does not remove, kept: ${shown.join('; ')}${kept.length > TEXT_SHOWN ? `; and ${kept.length - TEXT_SHOWN} more` : ''}.`);
  }
  if (review.unreadable.length > 0) {
    const shown = review.unreadable.slice(0, TEXT_SHOWN).map((u) => `"${clip(u.project.name ?? u.project.id, 80)}"`);
    notes.push(`${review.unreadable.length} project${review.unreadable.length === 1 ? '' : 's'} could not be read, so access there is unknown: ${shown.join(', ')}${review.unreadable.length > TEXT_SHOWN ? ' and more' : ''}.`);
  }
  const targets = [...byProject]
    .sort(([idA, a], [idB, b]) => a.name.localeCompare(b.name) || idA.localeCompare(idB))
    .map(([id, target]) => ({ ref: id, users: target.users }));
  return { targets, notes };
}

function describeWay(way: { kind: string; name?: string }): string {
  return way.name ? `${way.kind} "${clip(way.name, 60)}"` : way.kind;
}

/** Released instead of a go-ahead to the second removal of a project named twice: its result is dropped. */
const DUPLICATE = new MembersError('INVALID_ARGUMENT', 'This project is named twice in the call.');

/** Indices of plans whose project an earlier plan already covers. */
function duplicateProjects(plans: ReadonlyMap<number, RemovalPlan>): Set<number> {
  const seen = new Set<string>();
  const duplicates = new Set<number>();
  for (const [index, plan] of [...plans].sort(([a], [b]) => a - b)) {
    if (seen.has(plan.project.id)) duplicates.add(index);
    seen.add(plan.project.id);
  }
  return duplicates;
}

/** A project's error as the whole call's, naming the project. */
function inProject(ref: string, error: unknown): MembersError {
  const failure = toMembersError(error);
  return new MembersError(failure.code, `Project "${ref}": ${failure.message} Nothing was changed in any project.`, {
    ...(failure.hint ? { hint: failure.hint } : {}),
    ...(failure.retryAt !== undefined ? { retryAt: failure.retryAt } : {}),
    ...(failure.budget ? { budget: failure.budget } : {}),
  });
}

/** A project whose removal stopped with an error after the go-ahead: every member of it failed, with that error. */
function failedProject(target: Target, error: unknown): MembershipChange {
  const failure = toMembersError(error);
  const results: MemberResult[] = target.users.map((input) => ({ input, status: 'failed', error: { code: failure.code, message: `${failure.message} What was applied here is unknown: list the project's members to see.` } }));
  return { project: { id: target.ref }, results };
}

/**
 * The result of a removal from several projects: per project, then the summary over all. The
 * text counts over all projects, quotes failures with their project, and says what still needs
 * a confirmation.
 */
function multiOutput(call: ToolCall, dryRun: boolean, changes: MembershipChange[], extra: { confirmation: Preview | undefined; notes: string[] }): ToolOutput {
  const { connection, operation } = call;
  const all = changes.flatMap((change) => change.results);
  const budget = dryRun ? operation.budget?.dryRunReport() : undefined;
  const structured: Record<string, unknown> = {
    ...connectionFacts(connection),
    dryRun,
    projects: changes.map((change) => ({ project: change.project, results: change.results, summary: summarize(change.results) })),
    summary: summarize(all),
    ...(budget ? { budget } : {}),
    ...(extra.confirmation ? { confirmation: extra.confirmation.value } : {}),
  };
  const where = `${connection.label} (connection "${connection.name}"), ${changes.length} project${changes.length === 1 ? '' : 's'}`;
  let text = `${dryRun ? 'Dry run, nothing changed. ' : ''}${where}: ${changes.length === 0 ? 'none of these users is in a project' : statusCounts(all)}.`;
  text += failuresText(changes.flatMap((change) => change.results.map((result) => ({ result, project: change.project.name ?? change.project.id }))));
  text += notesText(changes.flatMap((change) => (change.notes ?? []).map((note) => `"${change.project.name ?? change.project.id}": ${note}`)));
  if (extra.notes.length > 0) text += ` ${extra.notes.join(' ')}`;
  if (budget) text += budgetText(connection, budget);
  if (extra.confirmation) text += confirmationText(call, extra.confirmation, changes);
  return { structured, text };
}

/** A dry run's confirmation: the value the real call must carry, and why it is needed. */
interface Preview {
  value: string;
  reasons: string[];
}

/** What a dry run says about the confirmation the real call needs. */
function confirmationText(call: ToolCall, preview: Preview, changes: MembershipChange[]): string {
  const removals = changes.reduce((sum, change) => sum + change.results.filter((result) => result.status === 'would_remove').length, 0);
  const ask = call.confirm ? 'the real call asks the user to confirm; or' : 'show the user this preview and, once they agree,';
  return ` Confirmation needed for these ${removals} removal${removals === 1 ? '' : 's'} (${preview.reasons.join('; ')}): ${ask} call again without dryRun and with confirmation: "${preview.value}".`;
}

/**
 * Progress over several projects' removals: the sums of what each has decided and of their
 * totals (a project counts once it has reported; one dropped as a duplicate stops counting).
 */
function progressAcross(count: number, onDecided: OperationContext['onDecided'], gate: PlanGate) {
  const state = Array.from({ length: count }, () => ({ decided: 0, total: 0 }));
  return (index: number): OperationContext['onDecided'] => {
    if (!onDecided) return undefined;
    return (decided, total, message) => {
      if (gate.isDuplicate(index)) return;
      state[index] = { decided, total };
      onDecided(
        state.reduce((sum, s, i) => sum + (gate.isDuplicate(i) ? 0 : s.decided), 0),
        state.reduce((sum, s, i) => sum + (gate.isDuplicate(i) ? 0 : s.total), 0),
        message,
      );
    };
  };
}

type Decide = (plans: ReadonlyMap<number, RemovalPlan>, failedEarly: ReadonlyMap<number, unknown>, writes: ReadonlyMap<number, number>) => Promise<Set<number>>;

/**
 * Where every project's removal waits once planned, until all have planned or failed; then the
 * change is decided once (`decide`: confirmation, budget, duplicates) and each waiting removal is
 * let through or stopped with the decision's error. Nothing is written before that.
 */
class PlanGate {
  private readonly plans = new Map<number, RemovalPlan>();
  private readonly waiting = new Map<number, { go: () => void; stop: (error: unknown) => void }>();
  private readonly failedEarly = new Map<number, unknown>();
  private readonly writes = new Map<number, number>();
  private duplicates = new Set<number>();
  private decided = false;
  /** The decision's error, when it stopped the call. */
  failure: unknown;
  /** Settles once the change has been decided (at once when there is nothing to decide). */
  readonly done: Promise<void>;
  private markDone!: () => void;

  constructor(
    private readonly size: number,
    private readonly decide: Decide,
  ) {
    this.done = new Promise<void>((resolve) => (this.markDone = resolve));
    if (size === 0) this.markDone();
  }

  plannedWrites(index: number, requests: number): void {
    this.writes.set(index, requests);
  }

  arrive(index: number, plan: RemovalPlan): Promise<void> {
    return new Promise<void>((go, stop) => {
      this.plans.set(index, plan);
      this.waiting.set(index, { go, stop });
      this.tryDecide();
    });
  }

  /** A removal has ended: before planning (with its error, or none if it never asked), or after. */
  settled(index: number, error?: unknown): void {
    if (this.plans.has(index) || this.failedEarly.has(index)) return;
    this.failedEarly.set(index, error ?? new MembersError('PROVIDER_ERROR', 'The removal ended without planning.'));
    this.tryDecide();
  }

  isDuplicate(index: number): boolean {
    return this.duplicates.has(index);
  }

  private tryDecide(): void {
    if (this.decided || this.plans.size + this.failedEarly.size < this.size) return;
    this.decided = true;
    this.decide(this.plans, this.failedEarly, this.writes).then(
      (duplicates) => {
        this.duplicates = duplicates;
        for (const [index, { go, stop }] of this.waiting) {
          if (duplicates.has(index)) stop(DUPLICATE);
          else go();
        }
        this.markDone();
      },
      (error: unknown) => {
        this.failure = error;
        for (const { stop } of this.waiting.values()) stop(error);
        this.markDone();
      },
    );
  }
}
