import type { Connection } from '../connections.js';
import { MembersError } from '../core/errors.js';
import { CallBudget } from '../http/budget.js';
import type { MemberResult, MemberStatus, MembershipChange, Role, Summary } from '../core/types.js';
import type { OperationContext } from '../providers/types.js';
import type { ToolContext, ToolOutput } from './define.js';

/** The adapter's view of a tool call's context, with the call's time budget on the connection's rate limit. */
export function operationContext(connection: Connection, context: ToolContext): OperationContext {
  const operation: OperationContext = {
    signal: context.signal,
    connection: connection.name,
    journal: context.journal,
    logger: context.logger,
    budget: new CallBudget({
      connection: connection.name,
      signal: context.signal,
      startedAt: context.startedAt,
      budgetMs: context.callBudgetMs,
      limiter: connection.limiter,
      onWait: context.onWait,
    }),
  };
  if (context.onDecided) operation.onDecided = context.onDecided;
  return operation;
}

/** Refuses, before any request, what the connection's provider cannot do. */
export function requireCapabilities(
  connection: Connection,
  need: { workspaceId?: string | undefined; role?: Role | undefined; groups?: string[] | undefined; remove?: boolean; team?: boolean },
): void {
  const { capabilities } = connection.provider;
  const label = connection.label;
  if (need.workspaceId !== undefined && !capabilities.workspaces) {
    throw new MembersError('INVALID_ARGUMENT', `Invalid argument "workspaceId": ${label} has no workspaces; leave it out.`);
  }
  if (need.remove && !capabilities.remove) {
    throw new MembersError('UNSUPPORTED', `${label}'s API has no operation to remove a project member, so remove_project_members cannot work on connection "${connection.name}".`, {
      hint: `Remove the member in ${label}'s own interface.`,
    });
  }
  if (need.team && capabilities.teams.mode === 'none') {
    throw new MembersError('UNSUPPORTED', `${label} has no teams, so add_team_to_project cannot work on connection "${connection.name}".`, {
      hint: 'Use add_project_members with the people you want to add.',
    });
  }
  if (need.role !== undefined) {
    const allowed = need.team ? capabilities.teams.roles : (Object.keys(capabilities.roles) as Role[]);
    if (!allowed.includes(need.role)) {
      throw new MembersError('UNSUPPORTED', `${label} cannot grant role "${need.role}"${need.team ? ' to a team' : ''}: supported roles are ${describeRoles(connection, allowed)}.`, {
        hint: capabilities.groups
          ? `${label} expresses finer access through project groups: pass groups instead.`
          : need.team
            ? 'Add the team with a supported role, then use add_project_members for individual roles.'
            : 'Call again with a supported role, or without role for the provider\'s default.',
      });
    }
  }
  if (need.groups !== undefined && !capabilities.groups) {
    throw new MembersError('UNSUPPORTED', `${label} has no project groups; leave "groups" out.`);
  }
}

function describeRoles(connection: Connection, roles: Role[]): string {
  if (roles.length === 0) return 'none';
  return roles.map((role) => `${role} (${connection.provider.capabilities.roles[role] ?? role})`).join(', ');
}

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
export function mutationOutput(connection: Connection, dryRun: boolean, change: MembershipChange, operation?: OperationContext): ToolOutput {
  const results = change.results;
  const budget = dryRun ? operation?.budget?.dryRunReport() : undefined;
  const structured: Record<string, unknown> = {
    ...connectionFacts(connection),
    dryRun,
    project: change.project,
    ...(change.team ? { team: change.team } : {}),
    results,
    summary: summarize(results),
    ...(budget ? { budget } : {}),
  };
  const counts = new Map<MemberStatus, number>();
  for (const result of results) counts.set(result.status, (counts.get(result.status) ?? 0) + 1);
  const parts = PHRASES.filter(([status]) => counts.has(status)).map(([status, one, many]) => {
    const n = counts.get(status)!;
    return `${n} ${n === 1 ? one : many}`;
  });
  const where = `${connection.label} project "${change.project.name ?? change.project.id}"${change.team ? `, team "${change.team.name ?? change.team.id}" (${change.team.mode})` : ''}`;
  let text = `${dryRun ? 'Dry run, nothing changed. ' : ''}${where}: ${parts.length > 0 ? parts.join(', ') : 'no members to process'}.`;
  const failures = results.filter((result) => result.status === 'failed');
  if (failures.length > 0) {
    const shown = failures.slice(0, 3).map((result) => `${result.input} (${result.error?.code ?? 'failed'}: ${result.error?.message ?? ''})`);
    text += ` Failed: ${shown.join('; ')}${failures.length > 3 ? `; and ${failures.length - 3} more` : ''}.`;
  }
  if (change.notes?.length) text += ` ${change.notes.join(' ')}`;
  if (budget) {
    text += ` The real call takes ${budget.requests} request${budget.requests === 1 ? '' : 's'}`;
    if (budget.limit === 'off') text += '.';
    else if (budget.fits) text += `; connection "${connection.name}" (${budget.limit}) has ${budget.available} left, enough now.`;
    else text += `; connection "${connection.name}" (${budget.limit}) has ${budget.available} left: it would fit at ${budget.retryAt} (in ${budget.retryAfterSeconds} s).`;
  }
  return { structured, text };
}
