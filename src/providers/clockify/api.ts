import { MembersError } from '../../core/errors.js';
import type { ErrorDescription, ErrorReply, HttpClient } from '../../http/client.js';
import { buildPath, HEX24 } from '../../http/path.js';
import { collectPages } from '../shared/paging.js';
import { asRecord, asRecords, bool, requiredStr, str, strings, type Json } from '../shared/json.js';

/** Clockify ids are 24 hex characters (ObjectId shape); anything else never reaches a path. */
export const CLOCKIFY_ID = HEX24;
const IDS = { ws: CLOCKIFY_ID, projectId: CLOCKIFY_ID, userId: CLOCKIFY_ID };

/** Page size for full listings: the largest the API allows (docs/providers/clockify.md, "Lists and paging"). */
const PAGE_SIZE = 5000;
/** An email lookup matches by substring: usually one user, so a small page. */
const LOOKUP_PAGE_SIZE = 50;

export interface ClockifyWorkspace {
  id: string;
  name: string;
  /** The subscription plan as the API names it (featureSubscriptionType), when it says. */
  plan?: string;
}

export interface ClockifyMembership {
  /** A user id, or a user-group id when a group is assigned to the project (docs/providers/clockify.md, "Members"). */
  userId: string;
  membershipType: string;
  membershipStatus: string;
}

export interface ClockifyProject {
  id: string;
  name: string;
  public: boolean;
  archived: boolean;
  memberships: ClockifyMembership[];
  /** The reply carried a memberships list (an absent one is read as empty, but proves nothing). */
  membershipsListed: boolean;
}

export interface ClockifyUser {
  id: string;
  name: string;
  email: string;
  /** Workspace membership state (ACTIVE, PENDING, INACTIVE, DECLINED); undefined when not embedded. */
  workspaceStatus: string | undefined;
}

export interface ClockifyGroup {
  id: string;
  name: string;
  userIds: string[];
}

/** Clockify's `{message, code}` errors mapped to the contract (docs/providers/clockify.md, "Errors"). */
export function describeClockifyError(reply: ErrorReply): ErrorDescription | undefined {
  const body = reply.json && typeof reply.json === 'object' ? (reply.json as Json) : {};
  const message = typeof body.message === 'string' && body.message !== '' ? body.message : undefined;
  if (reply.status === 401) {
    return {
      code: 'AUTH_FAILED',
      hint: 'Check CLOCKIFY_API_KEY. A workspace on a regional server (EU, UK, AU, USA) needs CLOCKIFY_BASE_URL of that region, e.g. https://euc1.clockify.me/api.',
    };
  }
  if (reply.status === 403) {
    return {
      code: 'PERMISSION_DENIED',
      message: message ?? 'Access Denied',
      hint: 'The API key must belong to a workspace admin or the project\'s manager, and the workspace id must be one this key can access.',
    };
  }
  // An id from another workspace (or none) is a 400 with code 501, not a 404.
  if (reply.status === 400 && /doesn'?t belong to workspace/i.test(message ?? '')) {
    return { code: 'NOT_FOUND', message: message! };
  }
  if (reply.status === 429) {
    return {
      code: 'RATE_LIMITED',
      message: message ?? 'Too many requests',
      hint: 'Clockify allows 50 requests per second, and new free-plan workspaces only 30 requests per hour; wait and call again.',
    };
  }
  return message ? { message } : undefined;
}

/** Typed calls to the Clockify API v1; paths built from validated, encoded ids. */
export class ClockifyApi {
  constructor(private readonly http: HttpClient) {}

  async workspaces(signal: AbortSignal): Promise<ClockifyWorkspace[]> {
    const response = await this.http.request({ method: 'GET', path: '/v1/workspaces', signal });
    return asRecords(response.json, 'workspaces').map(parseWorkspace);
  }

  async project(ws: string, projectId: string, signal: AbortSignal): Promise<ClockifyProject> {
    const path = buildPath('/v1/workspaces/{ws}/projects/{projectId}', { ws, projectId }, IDS);
    const response = await this.http.request({ method: 'GET', path, signal });
    return parseProject(response.json);
  }

  /** Projects whose name contains `name` (Clockify filters by substring); all pages. */
  async projectsNamed(ws: string, name: string, signal: AbortSignal): Promise<ClockifyProject[]> {
    return collectPages((page) => this.projectsPage(ws, { name, page, pageSize: PAGE_SIZE }, signal));
  }

  async projectsPage(
    ws: string,
    query: { name?: string; page: number; pageSize: number },
    signal: AbortSignal,
  ): Promise<{ items: ClockifyProject[]; last: boolean }> {
    const path = buildPath('/v1/workspaces/{ws}/projects', { ws }, IDS);
    const response = await this.http.request({
      method: 'GET',
      path,
      query: { name: query.name || undefined, page: query.page, 'page-size': query.pageSize },
      signal,
    });
    const items = asRecords(response.json, 'projects').map(parseProject);
    return { items, last: isLastPage(response.headers, items.length, query.pageSize) };
  }

  /** Every workspace user with their workspace status, whatever it is (all pages). */
  async users(ws: string, signal: AbortSignal): Promise<ClockifyUser[]> {
    return collectPages((page) => this.usersPage(ws, { page, pageSize: PAGE_SIZE }, signal));
  }

  /** Users whose email contains `email` (Clockify's filter is a substring match: callers compare exactly); all pages. */
  async usersWithEmail(ws: string, email: string, signal: AbortSignal): Promise<ClockifyUser[]> {
    return collectPages((page) => this.usersPage(ws, { email, page, pageSize: LOOKUP_PAGE_SIZE }, signal));
  }

  async usersPage(
    ws: string,
    query: { name?: string; email?: string; page: number; pageSize: number },
    signal: AbortSignal,
  ): Promise<{ items: ClockifyUser[]; last: boolean }> {
    const path = buildPath('/v1/workspaces/{ws}/users', { ws }, IDS);
    const response = await this.http.request({
      method: 'GET',
      path,
      query: {
        name: query.name,
        email: query.email,
        status: 'ALL',
        memberships: 'WORKSPACE',
        'include-roles': 'false',
        page: query.page,
        'page-size': query.pageSize,
      },
      signal,
    });
    const items = asRecords(response.json, 'users').map((user) => parseUser(user, ws));
    return { items, last: isLastPage(response.headers, items.length, query.pageSize) };
  }

  async groups(ws: string, signal: AbortSignal): Promise<ClockifyGroup[]> {
    const path = buildPath('/v1/workspaces/{ws}/user-groups', { ws }, IDS);
    return collectPages(async (page) => {
      const response = await this.http.request({ method: 'GET', path, query: { page, 'page-size': PAGE_SIZE }, signal });
      const items = asRecords(response.json, 'user groups').map((g) => ({
        id: requiredStr(g, 'id', 'user group'),
        name: str(g, 'name') ?? '',
        userIds: strings(g, 'userIds'),
      }));
      return { items, last: isLastPage(response.headers, items.length, PAGE_SIZE) };
    });
  }

  /**
   * Every project manager of the workspace, with the projects each manages. The spec's filters on
   * POST /users/info are independent (`roles` selects holders of the role on any project;
   * `projectId`, users with access to a project), so no filter can say whose role is on which
   * project. `includeRoles` adds each user's manager roles with their projects, and the decision is
   * taken from those. Inferred (docs/providers/clockify.md, "Inferred"): the shape of that field,
   * read leniently; a manager whose projects cannot be read maps to undefined.
   */
  async managers(ws: string, signal: AbortSignal): Promise<Map<string, Set<string> | undefined>> {
    const path = buildPath('/v1/workspaces/{ws}/users/info', { ws }, IDS);
    const users = await collectPages(async (page) => {
      const response = await this.http.request({
        method: 'POST',
        path,
        body: { roles: ['PROJECT_MANAGER'], includeRoles: true, status: 'ALL', memberships: 'NONE', page, pageSize: PAGE_SIZE },
        signal,
        idempotent: true, // a search sent with POST: a read, safe to repeat
      });
      const items = asRecords(response.json, 'users');
      return { items, last: isLastPage(response.headers, items.length, PAGE_SIZE) };
    });
    return new Map(users.map((user) => [requiredStr(user, 'id', 'user'), managedProjects(user)]));
  }

  /**
   * POST memberships: adds (or with remove, takes off) only the listed users and groups; the
   * replace-style PATCH is never sent. Answers with the project (docs/providers/clockify.md, "Members").
   */
  async changeMemberships(
    ws: string,
    projectId: string,
    change: { userIds?: string[]; groupIds?: string[]; remove: boolean },
    signal: AbortSignal,
  ): Promise<ClockifyProject> {
    const path = buildPath('/v1/workspaces/{ws}/projects/{projectId}/memberships', { ws, projectId }, IDS);
    for (const id of [...(change.userIds ?? []), ...(change.groupIds ?? [])]) checkId(id);
    const body: Json = { userIds: change.userIds ?? [], remove: change.remove };
    // The documented filter-style object; only this combination is meaningful for a grant.
    if (change.groupIds?.length) body.userGroups = { ids: change.groupIds, contains: 'CONTAINS', status: 'ALL' };
    const response = await this.http.request({ method: 'POST', path, body, signal });
    return parseProject(response.json);
  }

  /** Grants or revokes PROJECT_MANAGER on one project. */
  async setManager(ws: string, userId: string, projectId: string, manager: boolean, signal: AbortSignal): Promise<void> {
    const path = buildPath('/v1/workspaces/{ws}/users/{userId}/roles', { ws, userId }, IDS);
    checkId(projectId);
    await this.http.request({
      method: manager ? 'POST' : 'DELETE',
      path,
      body: { entityId: projectId, role: 'PROJECT_MANAGER' },
      signal,
    });
  }

  /** The key's own user (GET /v1/user). */
  async currentUser(signal: AbortSignal): Promise<{ id: string; name: string; email: string }> {
    const user = asRecord((await this.http.request({ method: 'GET', path: '/v1/user', signal })).json, 'user');
    return { id: requiredStr(user, 'id', 'user'), name: str(user, 'name') ?? '', email: str(user, 'email') ?? '' };
  }

  /** The key's workspaces where its user holds one of `roles` (GET /v1/workspaces filtered by roles; owners are not counted as admins). */
  async workspacesWithRole(roles: readonly string[], signal: AbortSignal): Promise<ClockifyWorkspace[]> {
    const response = await this.http.request({ method: 'GET', path: '/v1/workspaces', query: { roles }, signal });
    return asRecords(response.json, 'workspaces').map(parseWorkspace);
  }
}

function checkId(id: string): void {
  if (!CLOCKIFY_ID.test(id)) throw new MembersError('INVALID_ARGUMENT', `"${id}" is not a Clockify id (24 hexadecimal characters).`);
}

function isLastPage(headers: Record<string, string | string[] | undefined>, count: number, pageSize: number): boolean {
  const flag = headers['last-page'];
  const value = Array.isArray(flag) ? flag[0] : flag;
  if (value !== undefined) return value.toLowerCase() === 'true';
  return count < pageSize;
}

function parseWorkspace(record: Json): ClockifyWorkspace {
  const workspace: ClockifyWorkspace = { id: requiredStr(record, 'id', 'workspace'), name: str(record, 'name') ?? '' };
  // A plan name such as "FREE" or "STANDARD_2021"; the description also shows an object form, read leniently.
  const plan = record.featureSubscriptionType;
  const name = typeof plan === 'string' ? plan : plan && typeof plan === 'object' ? str(plan as Json, 'addonSubscriptionPlan') : undefined;
  if (name) workspace.plan = name;
  return workspace;
}

function parseProject(value: unknown): ClockifyProject {
  const record = asRecord(value, 'project');
  return {
    id: requiredStr(record, 'id', 'project'),
    name: str(record, 'name') ?? '',
    public: bool(record, 'public') ?? false,
    archived: bool(record, 'archived') ?? false,
    membershipsListed: Array.isArray(record.memberships),
    memberships: asRecords(record.memberships ?? [], 'project.memberships').flatMap((m) => {
      const userId = str(m, 'userId');
      return userId
        ? [{ userId, membershipType: str(m, 'membershipType') ?? 'PROJECT', membershipStatus: str(m, 'membershipStatus') ?? 'ACTIVE' }]
        : [];
    }),
  };
}

function parseUser(value: Json, ws: string): ClockifyUser {
  // The user's state in this workspace: their WORKSPACE membership whose target is this workspace.
  const workspace = asRecords(value.memberships ?? [], 'user.memberships').find(
    (m) => str(m, 'membershipType') === 'WORKSPACE' && (str(m, 'targetId') ?? ws) === ws,
  );
  return {
    id: requiredStr(value, 'id', 'user'),
    name: str(value, 'name') ?? '',
    email: str(value, 'email') ?? '',
    workspaceStatus: workspace ? str(workspace, 'membershipStatus') : undefined,
  };
}

/**
 * The projects a user manages, from `roles` (present with includeRoles). Read leniently, as its
 * shape is not in the spec: an entry names the role (`role`, a string or `{name}`, or `name`) and
 * its projects (`entities[].id`, `entityId` or `entity.id`). Undefined when no project can be read.
 */
export function managedProjects(user: Json): Set<string> | undefined {
  const projects = new Set<string>();
  for (const entry of Array.isArray(user.roles) ? user.roles : []) {
    if (!entry || typeof entry !== 'object') continue;
    const record = entry as Json;
    const role = record.role && typeof record.role === 'object' ? str(record.role as Json, 'name') : (str(record, 'role') ?? str(record, 'name'));
    if (role !== 'PROJECT_MANAGER') continue;
    for (const entity of Array.isArray(record.entities) ? record.entities : []) {
      const id = entity && typeof entity === 'object' ? str(entity as Json, 'id') : undefined;
      if (id) projects.add(id);
    }
    const single = str(record, 'entityId') ?? (record.entity && typeof record.entity === 'object' ? str(record.entity as Json, 'id') : undefined);
    if (single) projects.add(single);
  }
  return projects.size > 0 ? projects : undefined;
}
