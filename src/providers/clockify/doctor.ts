import { CheckList, type CheckResult, type CheckSetup } from '../checks.js';
import { ClockifyApi, type ClockifyWorkspace } from './api.js';

/** New free-plan workspaces may make 30 requests an hour (docs/providers/clockify.md, "Limits"). */
const FREE_PLAN_PER_HOUR = 30;

/**
 * Clockify, read-only: the key's user (GET /v1/user: reachable, credentials), its workspaces and the
 * configured one (settings), and whether it is admin or owner there (GET /v1/workspaces filtered by
 * role): membership changes need one of them, or the project's manager role. Three requests.
 */
export async function checkClockify(setup: CheckSetup): Promise<CheckResult[]> {
  const { values, signal } = setup;
  const api = new ClockifyApi(setup.http);
  const checks = new CheckList();
  const user = await checks.reach(() => api.currentUser(signal), { label: 'Clockify', baseUrl: values.baseUrl!, baseUrlSetting: 'CLOCKIFY_BASE_URL' });
  if (!user) return checks.results;
  checks.ok('credentials', `The API key belongs to ${user.name || user.id}${user.email ? ` <${user.email}>` : ''}.`);

  let workspaces: ClockifyWorkspace[];
  let managed: ClockifyWorkspace[];
  try {
    workspaces = await api.workspaces(signal);
    managed = await api.workspacesWithRole(['WORKSPACE_ADMIN', 'OWNER'], signal);
  } catch (error) {
    checks.failure('permissions', error);
    return checks.results;
  }
  const named = (w: ClockifyWorkspace) => `"${w.name}" (${w.id})`;
  if (workspaces.length === 0) {
    checks.fail('permissions', 'The key sees no workspace.', 'Use the API key of a user who belongs to the workspace to manage.');
    return checks.results;
  }

  let targets = workspaces;
  const configured = values.workspaceId;
  if (configured !== undefined) {
    const found = workspaces.find((w) => w.id === configured);
    if (!found) {
      checks.fail('settings', `CLOCKIFY_WORKSPACE_ID ${configured} is not one of this key's workspaces: ${workspaces.map(named).join(', ')}.`, 'Set CLOCKIFY_WORKSPACE_ID to one of them, or use the key of a user of that workspace (a regional workspace also needs its CLOCKIFY_BASE_URL).');
      return checks.results;
    }
    targets = [found];
    checks.ok('settings', `Default workspace ${named(found)}.`);
  } else if (workspaces.length > 1) {
    checks.warn('settings', `The key sees ${workspaces.length} workspaces (${workspaces.map(named).join(', ')}) and none is the default, so every call must pass workspaceId.`, 'Set CLOCKIFY_WORKSPACE_ID to the workspace you manage most.');
  } else {
    checks.ok('settings', `The key's only workspace, ${named(workspaces[0]!)}, is the default.`);
  }

  const limit = setup.rateLimit;
  const perHour = limit ? (limit.requests * 3_600_000) / limit.intervalMs : Infinity;
  const free = targets.filter((w) => /^free/i.test(w.plan ?? ''));
  if (free.length > 0 && perHour > FREE_PLAN_PER_HOUR) {
    checks.warn(
      'settings',
      `Workspace ${free.map(named).join(', ')} is on the free plan, and Clockify allows new free-plan workspaces ${FREE_PLAN_PER_HOUR} requests an hour, while this connection's limit is ${limit ? `${limit.requests} per ${limit.intervalMs / 1000} s` : 'off'}.`,
      'Set CLOCKIFY_RATE_LIMIT=30/h, so that calls past the budget answer RATE_LIMITED at once instead of being refused by Clockify.',
    );
  }

  const notManaged = targets.filter((w) => !managed.some((m) => m.id === w.id));
  if (notManaged.length === 0) {
    checks.ok('permissions', `Admin or owner of ${targets.length === 1 ? `workspace ${named(targets[0]!)}` : `every workspace (${targets.length})`}: can change any project's members.`);
  } else {
    checks.warn(
      'permissions',
      `Not an admin or owner of ${notManaged.map(named).join(', ')}: membership changes there work only on projects this user manages (project manager role).`,
      'Use the API key of a workspace admin or owner to manage every project.',
    );
  }
  return checks.results;
}
