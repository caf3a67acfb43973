import { CheckList, type CheckResult, type CheckSetup } from '../checks.js';
import { ProjectManagerApi, type ProjectManagerUserRole } from './api.js';

const KEY_FIX =
  'Use an API key created by a workspace admin (Integrations → API Keys): a key acts as the user who created it, and keys expire after two years.';

/**
 * ProjectManager.com, read-only: the key's user (GET /me: reachable, credentials, the workspace and
 * its state), then their role (GET /users/roles when /me does not say admin). Membership changes
 * need an admin's key, or a user who may edit all projects; anyone else can change members only of
 * projects they manage. One or two requests.
 */
export async function checkProjectManager(setup: CheckSetup): Promise<CheckResult[]> {
  const { signal } = setup;
  const api = new ProjectManagerApi(setup.http);
  const checks = new CheckList();
  const me = await checks.reach(() => api.me(signal), { label: 'ProjectManager.com', baseUrl: setup.values.baseUrl!, baseUrlSetting: 'PROJECTMANAGER_BASE_URL' });
  if (!me) return checks.results;
  const who = `${me.name || me.id}${me.email ? ` <${me.email}>` : ''}`;
  checks.ok('credentials', `The API key belongs to ${who}${me.workspace ? ` in workspace "${me.workspace}"` : ''}.`);
  if (me.workspaceActive === false) {
    checks.fail('permissions', `The workspace is ${me.workspaceStatus ?? 'not active'}: nothing can be changed in it.`, 'Reactivate the workspace\'s subscription, or use a key of an active workspace.');
    return checks.results;
  }

  let admin = me.admin;
  let role: ProjectManagerUserRole | undefined;
  if (!admin && me.roleName) {
    try {
      role = (await api.userRoles(signal)).find((candidate) => candidate.name.toLowerCase() === me.roleName!.toLowerCase());
      admin = role?.isAdmin === true;
    } catch (error) {
      checks.failure('permissions', error);
      return checks.results;
    }
  }
  const roleName = me.roleName ? `role "${me.roleName}"` : 'their role';
  if (admin) {
    checks.ok('permissions', `${who} is a workspace admin (${roleName}): can change any project's members.`);
  } else if (role?.isGuest) {
    checks.fail('permissions', `${who} is a guest (${roleName}), and guests cannot change project members.`, KEY_FIX);
  } else if (me.editAllProjects) {
    checks.ok('permissions', `${who} is not an admin, but ${roleName} may edit all projects: can change any project's members.`);
  } else {
    checks.warn('permissions', `${who} is not an admin (${roleName}): membership changes work only on projects where they are a Manager.`, KEY_FIX);
  }
  return checks.results;
}
