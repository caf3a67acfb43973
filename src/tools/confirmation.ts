import { createHash } from 'node:crypto';
import type { Connection } from '../connections.js';
import { MembersError } from '../core/errors.js';
import type { RemovalPlan } from '../providers/types.js';
import type { Confirm } from './define.js';
import { clip } from './output.js';

/**
 * Confirmation of removals that matter (docs/contract.md, "Confirmation"): more than one project,
 * more than ten people, or the connection's own account. Either the person at the client says yes
 * to one question (elicitation), or the call carries the value the dry run of the same change
 * returned. The value is derived from the change alone, so any replica can check it and a state
 * that changed since the preview gives another value.
 */

/** Above this many people, a removal needs confirmation. */
export const CONFIRM_ABOVE_PEOPLE = 10;

/** How a removal was confirmed, as the journal records it. */
export type ConfirmedBy = 'elicitation' | 'value';

/**
 * The confirmation value of a planned change: a hash over the connection and its sorted
 * (project, user, action) plan. Stateless on purpose: nothing is stored between the preview and
 * the call, and the same plan on another replica gives the same value.
 */
export function confirmationValue(connection: Connection, plans: readonly RemovalPlan[]): string {
  const lines = plans.flatMap((plan) => plan.removals.map((user) => `${plan.project.id}\t${user.userId}\tremove`)).sort();
  const digest = createHash('sha256').update(JSON.stringify({ v: 1, connection: connection.name, provider: connection.kind, plan: lines })).digest('base64url');
  return `rm1-${digest.slice(0, 22)}`;
}

/** Why a planned change needs confirmation; empty when it does not. */
export function confirmationReasons(plans: readonly RemovalPlan[]): string[] {
  const touched = plans.filter((plan) => plan.removals.length > 0);
  const people = new Set(touched.flatMap((plan) => plan.removals.map((user) => user.userId)));
  const reasons: string[] = [];
  if (touched.length > 1) reasons.push(`${touched.length} projects`);
  if (people.size > CONFIRM_ABOVE_PEOPLE) reasons.push(`${people.size} people`);
  const own = touched.flatMap((plan) => plan.removals.filter((user) => user.userId === plan.self));
  if (own.length > 0) reasons.push(`the connection's own account (${display(own[0]!)})`);
  else if (touched.some((plan) => plan.self === null)) reasons.push('the connection\'s own account could not be identified, so it may be among them');
  return reasons;
}

/** The one question asked: who, from which projects, with counts, and the connection's own account. */
export function confirmationQuestion(connection: Connection, plans: readonly RemovalPlan[], reasons: readonly string[]): string {
  const touched = plans.filter((plan) => plan.removals.length > 0);
  const people = new Map<string, string>();
  for (const plan of touched) for (const user of plan.removals) people.set(user.userId, display(user));
  const projects = touched.map((plan) => `${clip(plan.project.name ?? plan.project.id, 80)} (${plan.removals.length})`);
  const removals = touched.reduce((sum, plan) => sum + plan.removals.length, 0);
  return [
    `Remove ${count(people.size, 'person', 'people')} from ${count(touched.length, 'project', 'projects')} on ${connection.label} (connection "${connection.name}"${connection.sandbox ? ', sandbox' : ''}): ${count(removals, 'removal', 'removals')} in all?`,
    `People: ${listed([...people.values()])}.`,
    `Projects: ${listed(projects)}.`,
    `Asked because of: ${reasons.join('; ')}.`,
    'Nothing is removed unless you confirm.',
  ].join('\n');
}

/**
 * Decides whether a planned change may go ahead, before its first write: the value the call
 * carries must be the change's own (whether or not confirmation was needed: a value from another
 * preview means the state moved); without one, a change that needs confirmation asks the person
 * when the client can be asked, and is refused otherwise. Returns how it was confirmed, if it was.
 */
export async function confirmRemoval(options: {
  connection: Connection;
  plans: readonly RemovalPlan[];
  given: string | undefined;
  confirm: Confirm | undefined;
}): Promise<ConfirmedBy | undefined> {
  const { connection, plans, given, confirm } = options;
  const value = confirmationValue(connection, plans);
  const reasons = confirmationReasons(plans);
  const preview = 'Call again with dryRun: true, show the preview to the user, and pass its confirmation value once they agree.';
  if (given !== undefined) {
    if (given === value) return 'value';
    throw new MembersError(
      'CONFIRMATION_REQUIRED',
      `The confirmation value does not match this change: the members changed since the preview, or the call differs from the one previewed (${describePlan(plans)} now). Nothing was changed.`,
      { hint: preview },
    );
  }
  if (reasons.length === 0) return undefined;
  const why = `This removal needs confirmation (${reasons.join('; ')}): ${describePlan(plans)}.`;
  if (!confirm) {
    throw new MembersError('CONFIRMATION_REQUIRED', `${why} The client cannot be asked (no elicitation), and the call carries no confirmation value. Nothing was changed.`, { hint: preview });
  }
  let answer: Awaited<ReturnType<Confirm>>;
  try {
    answer = await confirm(confirmationQuestion(connection, plans, reasons));
  } catch (error) {
    if (error instanceof MembersError && error.code === 'CANCELLED') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new MembersError('CONFIRMATION_REQUIRED', `${why} Asking the user failed (${reason}). Nothing was changed.`, { hint: preview });
  }
  if (answer === 'accept') return 'elicitation';
  throw new MembersError(
    'DECLINED',
    `${why} The user ${answer === 'decline' ? 'declined' : 'dismissed the question'}, so nothing was changed.`,
    { hint: 'Do not retry unless the user asks for it; change the call (fewer people or projects) if they want part of it.' },
  );
}

/** "3 removals of 2 people from 2 projects". */
export function describePlan(plans: readonly RemovalPlan[]): string {
  const touched = plans.filter((plan) => plan.removals.length > 0);
  const people = new Set(touched.flatMap((plan) => plan.removals.map((user) => user.userId)));
  const removals = touched.reduce((sum, plan) => sum + plan.removals.length, 0);
  if (removals === 0) return 'no removal';
  return `${count(removals, 'removal', 'removals')} of ${count(people.size, 'person', 'people')} from ${count(touched.length, 'project', 'projects')}`;
}

/** A person as the question names them, cut short: names and emails come from the provider. */
function display(user: { userId: string; name?: string; email?: string }): string {
  const name = clip(user.name || user.email || user.userId, 80);
  return user.email && user.name ? `${name} <${clip(user.email, 80)}>` : name;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** At most ten items, then how many more. */
function listed(items: readonly string[]): string {
  const shown = items.slice(0, 10).join(', ');
  return items.length > 10 ? `${shown} and ${items.length - 10} more` : shown;
}
