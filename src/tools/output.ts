import type { Connection } from '../connections.js';
import type { DryRunBudget } from '../core/budget.js';
import type { OperationContext } from '../core/context.js';
import type { MemberResult, MemberStatus, MembershipChange, Summary } from '../core/types.js';
import { USER_NOT_FOUND } from '../providers/shared/match.js';
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

/** Failures and notes the text shows; the structured results always have every entry. */
export const TEXT_SHOWN = 3;

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

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
  text += notesText(change.notes ?? []);
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

/** " Failed: …" quoting the first failures with their codes (and projects, where given); empty without failures. */
export function failuresText(entries: ReadonlyArray<{ result: MemberResult; project?: string }>): string {
  const failures = entries.filter(({ result }) => result.status === 'failed');
  if (failures.length === 0) return '';
  const shown = failures
    .slice(0, TEXT_SHOWN)
    .map(({ result, project }) => `${clip(result.input, 80)}${project ? ` in "${clip(project, 80)}"` : ''} (${result.error?.code ?? 'failed'}: ${clip(result.error?.message ?? '', 200)})`);
  let text = ` Failed: ${shown.join('; ')}${failures.length > TEXT_SHOWN ? `; and ${failures.length - TEXT_SHOWN} more (see results)` : ''}.`;
  if (failures.some(({ result }) => result.error?.code === 'NOT_FOUND' && result.error.message.startsWith(USER_NOT_FOUND))) {
    text += ' For users not found, check the spelling, or find them with search_directory (kind "user").';
  }
  return text;
}

/** Notes can be one per member (a guest added as such): the text keeps the first few. */
export function notesText(all: readonly string[]): string {
  const notes = [...new Set(all)];
  if (notes.length === 0) return '';
  return ` ${notes.slice(0, TEXT_SHOWN).map((note) => clip(note, 300)).join(' ')}${notes.length > TEXT_SHOWN ? ` (${notes.length - TEXT_SHOWN} more notes like these.)` : ''}`;
}

/** What a dry run's budget says, as a sentence. */
export function budgetText(connection: Connection, budget: DryRunBudget): string {
  let text = ` The real call takes ${budget.requests} request${budget.requests === 1 ? '' : 's'}`;
  if (budget.limit === 'off') text += '.';
  else if (budget.fits) text += `; connection "${connection.name}" (${budget.limit}) has ${budget.available} left, enough now.`;
  else text += `; connection "${connection.name}" (${budget.limit}) has ${budget.available} left: it would fit at ${budget.retryAt} (in ${budget.retryAfterSeconds} s).`;
  return text;
}
