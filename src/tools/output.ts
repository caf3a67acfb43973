import type { Connection } from '../connections.js';
import type { DryRunBudget } from '../core/budget.js';
import type { OperationContext } from '../core/context.js';
import type { MemberResult, MemberStatus, MembershipChange, Summary } from '../core/types.js';
import type { ToolOutput } from './define.js';

/** The fields every result starts with: which connection answered. */
export function connectionFacts(connection: Connection): { connection: string; provider: string; sandbox: boolean } {
  return { connection: connection.name, provider: connection.kind, sandbox: connection.sandbox };
}

const CHANGED: ReadonlySet<MemberStatus> = new Set(['added', 'updated', 'removed', 'would_add', 'would_update', 'would_remove']);
const UNCHANGED: ReadonlySet<MemberStatus> = new Set(['already_member', 'not_member', 'skipped']);

/** Counts that always add up: requested = changed + unchanged + failed. Dry-run would_* count as changed. */
export function summarize(results: readonly MemberResult[]): Summary {
  const summary: Summary = { requested: results.length, changed: 0, unchanged: 0, failed: 0 };
  for (const result of results) {
    if (CHANGED.has(result.status)) summary.changed += 1;
    else if (UNCHANGED.has(result.status)) summary.unchanged += 1;
    else summary.failed += 1;
  }
  return summary;
}

const PHRASES: Array<[MemberStatus, string, string]> = [
  ['added', 'added', 'added'],
  ['updated', 'role changed', 'roles changed'],
  ['removed', 'removed', 'removed'],
  ['would_add', 'would be added', 'would be added'],
  ['would_update', 'would get a new role', 'would get a new role'],
  ['would_remove', 'would be removed', 'would be removed'],
  ['already_member', 'already a member', 'already members'],
  ['not_member', 'not a member', 'not members'],
  ['skipped', 'skipped', 'skipped'],
  ['failed', 'failed', 'failed'],
];

/** The structured result and its one- or two-sentence text twin; a dry run adds its `budget`. */
export function mutationOutput(connection: Connection, dryRun: boolean, change: MembershipChange, operation: OperationContext): ToolOutput {
  const results = change.results;
  const budget = dryRun ? operation.budget?.dryRunReport() : undefined;
  const structured: Record<string, unknown> = {
    ...connectionFacts(connection),
    dryRun,
    project: change.project,
    ...(change.team ? { team: change.team } : {}),
    results,
    summary: summarize(results),
    ...(budget ? { budget } : {}),
  };
  const where = `${connection.label} project "${change.project.name ?? change.project.id}"${change.team ? `, team "${change.team.name ?? change.team.id}" (${change.team.mode})` : ''}`;
  let text = `${dryRun ? 'Dry run, nothing changed. ' : ''}${where}: ${statusCounts(results)}.${failuresText(results.map((result) => ({ result })))}`;
  if (change.notes?.length) text += ` ${change.notes.join(' ')}`;
  if (budget) text += budgetText(connection, budget);
  return { structured, text };
}

/** "2 removed, 1 not a member": each status present, counted. */
export function statusCounts(results: readonly MemberResult[]): string {
  const counts = new Map<MemberStatus, number>();
  for (const result of results) counts.set(result.status, (counts.get(result.status) ?? 0) + 1);
  const parts = PHRASES.filter(([status]) => counts.has(status)).map(([status, one, many]) => {
    const n = counts.get(status)!;
    return `${n} ${n === 1 ? one : many}`;
  });
  return parts.length > 0 ? parts.join(', ') : 'no members to process';
}

/** " Failed: …" quoting up to three failures with their codes (and projects, where given); empty without failures. */
export function failuresText(entries: ReadonlyArray<{ result: MemberResult; project?: string }>): string {
  const failures = entries.filter(({ result }) => result.status === 'failed');
  if (failures.length === 0) return '';
  const shown = failures
    .slice(0, 3)
    .map(({ result, project }) => `${result.input}${project ? ` in "${project}"` : ''} (${result.error?.code ?? 'failed'}: ${result.error?.message ?? ''})`);
  return ` Failed: ${shown.join('; ')}${failures.length > 3 ? `; and ${failures.length - 3} more` : ''}.`;
}

/** What a dry run's budget says, as a sentence. */
export function budgetText(connection: Connection, budget: DryRunBudget): string {
  let text = ` The real call takes ${budget.requests} request${budget.requests === 1 ? '' : 's'}`;
  if (budget.limit === 'off') text += '.';
  else if (budget.fits) text += `; connection "${connection.name}" (${budget.limit}) has ${budget.available} left, enough now.`;
  else text += `; connection "${connection.name}" (${budget.limit}) has ${budget.available} left: it would fit at ${budget.retryAt} (in ${budget.retryAfterSeconds} s).`;
  return text;
}
