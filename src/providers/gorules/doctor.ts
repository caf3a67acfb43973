import { toMembersError } from '../../core/errors.js';
import { CheckList, type CheckResult, type CheckSetup } from '../checks.js';
import { GoRulesApi, type GoRulesProject } from './api.js';

/** Projects whose member list the check reads; enough to tell a missing permission from a narrow scope. */
const PROBED_PROJECTS = 10;

const TOKEN_FIX =
  'Create a personal access token with the "Project Manage" permission and the projects to manage in its scope (Profile → Personal access token), and set it as GORULES_TOKEN.';

/**
 * GoRules BRMS, read-only: the projects the token sees (GET /api/projects: reachable, credentials),
 * then one member record of each of the first few (GET …/members?perPage=1). Inferred: reading a
 * project's members needs the token's Project Manage permission on it, which membership changes
 * need; the API has no call that tells a token its own permissions.
 */
export async function checkGoRules(setup: CheckSetup): Promise<CheckResult[]> {
  const { signal } = setup;
  const api = new GoRulesApi(setup.http);
  const checks = new CheckList();
  const page = await checks.reach(() => firstProjects(api, signal), { label: 'GoRules BRMS', baseUrl: setup.values.baseUrl!, baseUrlSetting: 'GORULES_BASE_URL' });
  if (!page) return checks.results;
  const { projects, total } = page;
  checks.ok('credentials', `The token is accepted; it sees ${total ?? projects.length} project${(total ?? projects.length) === 1 ? '' : 's'}.`);
  if (projects.length === 0) {
    checks.warn('permissions', 'The token sees no project, so there is no member to manage.', TOKEN_FIX);
    return checks.results;
  }

  const probed = projects.slice(0, PROBED_PROJECTS);
  const refused: GoRulesProject[] = [];
  for (const project of probed) {
    try {
      await api.probeMembers(project.id, signal);
    } catch (error) {
      if (toMembersError(error).code !== 'PERMISSION_DENIED') {
        checks.failure('permissions', error);
        return checks.results;
      }
      refused.push(project);
    }
  }
  const names = (list: GoRulesProject[]) => `${list.slice(0, 5).map((p) => `"${p.name}"`).join(', ')}${list.length > 5 ? ` and ${list.length - 5} more` : ''}`;
  const checked = probed.length < projects.length || (total ?? 0) > projects.length ? ` (the first ${probed.length} checked)` : '';
  if (refused.length === probed.length) {
    checks.fail('permissions', `The token may not read the members of any project it sees${checked}: it lacks the Project Manage permission, or the projects are outside its scope.`, TOKEN_FIX);
  } else if (refused.length > 0) {
    checks.warn('permissions', `Project Manage on ${probed.length - refused.length} of ${probed.length} projects${checked}; not on ${names(refused)}.`, `To manage those too, add them to the token's scope. ${TOKEN_FIX}`);
  } else {
    checks.ok('permissions', `Project Manage on ${probed.length === 1 ? `"${probed[0]!.name}"` : `every project (${probed.length})`}${checked}.`);
  }
  return checks.results;
}

/** Every organisation project for admins and owners (all=true); a token that may not ask so sees its joined ones. */
async function firstProjects(api: GoRulesApi, signal: AbortSignal) {
  try {
    return await api.projectsPage(true, signal);
  } catch (error) {
    const status = toMembersError(error).status;
    if (status !== 400 && status !== 403) throw error;
    return api.projectsPage(false, signal);
  }
}
