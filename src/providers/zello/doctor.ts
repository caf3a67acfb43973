import { CheckList, type CheckResult, type CheckSetup } from '../checks.js';
import { ZelloApi, type ZelloWorkspace } from './api.js';

const LEVELS = ['Guest', 'Member', 'Owner', 'Admin'];

const ACCOUNT_FIX = 'Use the login of an account that is a system Admin and Owner of the workspaces to manage (ZELLO_USERNAME, ZELLO_PASSWORD).';

/**
 * Zello, read-only: the login and the account itself (POST /User/login, GET /User/me: reachable,
 * credentials, its system level), then its level in each workspace (GET /Workspaces). Membership
 * changes need a system Admin (only Admins may list the users that names and emails are resolved
 * against) who is Owner of the project's workspace (Zello lets nobody grant above their own
 * workspace level, and gives Admins no bypass there). Three requests.
 */
export async function checkZello(setup: CheckSetup): Promise<CheckResult[]> {
  const { values, signal } = setup;
  const api = new ZelloApi(setup.http, { username: values.username!, password: values.password! }, setup.redactor);
  const checks = new CheckList();
  const me = await checks.reach(() => api.me(signal), { label: 'Zello', baseUrl: values.baseUrl!, baseUrlSetting: 'ZELLO_BASE_URL' });
  if (!me) return checks.results;
  checks.ok('credentials', `Logged in as "${me.username ?? values.username}"${me.name ? ` (${me.name})` : ''}.`);
  if (me.accessLevel !== 'Admin') {
    checks.fail(
      'permissions',
      `"${me.username ?? values.username}" is not a system Admin (its level is ${me.accessLevel ?? 'not given'}): Zello lets only Admins list users, which is how this server finds people by name or email.`,
      ACCOUNT_FIX,
    );
    return checks.results;
  }

  let workspaces: ZelloWorkspace[];
  try {
    workspaces = await api.workspaces(signal);
  } catch (error) {
    checks.failure('permissions', error);
    return checks.results;
  }
  if (workspaces.length === 0) {
    checks.warn('permissions', 'System Admin, but there is no workspace, so no project to manage.', 'Create a workspace in Zello first.');
    return checks.results;
  }
  const levelIn = (workspace: ZelloWorkspace) => workspace.members.find((member) => member.userId === me.id)?.accessLevel;
  const owned = workspaces.filter((w) => LEVELS.indexOf(levelIn(w) ?? '') >= LEVELS.indexOf('Owner'));
  const outside = workspaces.filter((w) => levelIn(w) === undefined);
  const below = workspaces.filter((w) => !owned.includes(w) && !outside.includes(w));
  const names = (list: ZelloWorkspace[]) => list.map((w) => `"${w.name}"`).join(', ');
  if (owned.length === workspaces.length) {
    checks.ok('permissions', `System Admin, and Owner of ${workspaces.length === 1 ? `workspace ${names(workspaces)}` : `every workspace (${workspaces.length})`}.`);
    return checks.results;
  }
  const gaps = [
    outside.length > 0 ? `not a member of ${names(outside)} (Zello lets only workspace members add project members, Admins included)` : '',
    below.length > 0 ? `below Owner in ${below.map((w) => `"${w.name}" (${levelIn(w)})`).join(', ')} (it can grant at most its own level there)` : '',
  ].filter(Boolean);
  const message = `System Admin, Owner of ${owned.length} of ${workspaces.length} workspaces; ${gaps.join('; ')}.`;
  if (owned.length === 0 && below.length === 0) checks.fail('permissions', message, ACCOUNT_FIX);
  else checks.warn('permissions', message, 'Make the account Owner of every workspace whose projects it should manage.');
  return checks.results;
}
