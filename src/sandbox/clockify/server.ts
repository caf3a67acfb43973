import { HttpSimulator, intParam, type SimRequest, type SimResponse, type SimulatorOptions } from '../simulator.js';
import { clockifySeed, type ClockifySeed, type SeedProject, type SeedUser, type SeedWorkspace } from './seed.js';

/** Readings of the API that the documents leave open; each has a switch (docs/providers/clockify.md, "Inferred"). */
export interface ClockifyReadings {
  /**
   * POST /users/info with `projectId` and `roles`: "independent" (the spec's literal words: users
   * with access to the project AND holding the role on any project) or "combined" (that project's
   * holders of the role).
   */
  usersInfoFilters: 'independent' | 'combined';
  /** How an assigned user group is typed in a project's memberships: PROJECT (observed) or USERGROUP (in the spec's enum). */
  groupMembershipType: 'PROJECT' | 'USERGROUP';
  /** A server-side cap on page-size: pages shorter than asked, with Last-Page saying when the end comes. */
  maxPageSize: number;
  /**
   * What POST …/memberships answers with: the project "after" the change (what a write's reply
   * usually is), or as it was "before" it (the spec says only that the reply is the project).
   */
  membershipsReply: 'after' | 'before';
}

/**
 * A simulator of the Clockify API v1 membership surface (docs/providers/clockify.md): the same
 * paths, the X-Api-Key check with Clockify's 401 codes, `{message, code}` error bodies, 400/501
 * for ids outside the workspace, bare-array pages with a Last-Page header, POST memberships as
 * union/difference and PATCH as replace. Base URL: `${url}/api`.
 */
export class ClockifySimulator extends HttpSimulator {
  readonly provider = 'clockify';
  readonly state: ClockifySeed;
  readonly readings: ClockifyReadings = { usersInfoFilters: 'independent', groupMembershipType: 'PROJECT', maxPageSize: 5000, membershipsReply: 'after' };
  /** PROJECT_MANAGER roles: `${userId}:${projectId}`. */
  private readonly managerRoles = new Set<string>();

  constructor(options: SimulatorOptions & { data?: ClockifySeed } = {}) {
    super(options);
    this.state = structuredClone(options.data ?? clockifySeed({ people: options.people ?? 0 }));
    for (const workspace of this.state.workspaces) {
      for (const project of workspace.projects) {
        for (const userId of project.managerIds) this.managerRoles.add(`${userId}:${project.id}`);
      }
    }
    this.defineRoutes();
  }

  /** The base URL a Clockify connection uses (the adapter appends /v1/…). */
  get baseUrl(): string {
    return `${this.url}/api`;
  }

  // ---- test helpers: read the simulator's state directly ----

  workspace(id: string): SeedWorkspace {
    const found = this.state.workspaces.find((w) => w.id === id);
    if (!found) throw new Error(`no workspace ${id}`);
    return found;
  }

  project(workspaceId: string, projectId: string): SeedProject {
    const found = this.workspace(workspaceId).projects.find((p) => p.id === projectId);
    if (!found) throw new Error(`no project ${projectId}`);
    return found;
  }

  isManager(userId: string, projectId: string): boolean {
    return this.managerRoles.has(`${userId}:${projectId}`);
  }

  // ---- HTTP ----

  protected override before(request: SimRequest): SimResponse | undefined {
    const apiKey = header(request, 'x-api-key');
    const addon = header(request, 'x-addon-token');
    const bearer = header(request, 'authorization');
    if ((apiKey === undefined) === (addon === undefined) || bearer !== undefined) {
      return error(401, 'Multiple or none auth tokens present', 1000);
    }
    if (addon !== undefined) return error(401, 'Token is not valid', 4017);
    if (!this.state.apiKeys[apiKey!]) return error(401, 'Api key does not exist', 4003);
    return undefined;
  }

  protected notFound(request: SimRequest): SimResponse {
    return error(404, `No static resource ${request.path.replace(/^\/api\//, '')}.`, 3000);
  }

  protected methodNotAllowed(request: SimRequest): SimResponse {
    return error(405, `Request method '${request.method}' is not supported`, 3000);
  }

  private caller(request: SimRequest): string {
    return this.state.apiKeys[header(request, 'x-api-key')!]!;
  }

  private defineRoutes(): void {
    const base = '/api/v1';
    this.route('GET', `${base}/user`, (req) => {
      const userId = this.caller(req);
      const user = this.state.workspaces.flatMap((w) => w.users).find((candidate) => candidate.id === userId)!;
      const first = this.state.workspaces.find((w) => w.users.some((member) => member.id === userId));
      return ok({ ...userDto(user, first?.id ?? '', 'NONE', first), activeWorkspace: first?.id, defaultWorkspace: first?.id });
    });

    this.route('GET', `${base}/workspaces`, (req) => {
      const userId = this.caller(req);
      let visible = this.state.workspaces.filter((w) => w.users.some((member) => member.id === userId));
      // The documented filter: workspaces where the user holds any of the roles (owners are not counted as admins).
      const roles = req.query.getAll('roles').flatMap((value) => value.split(','));
      if (roles.length > 0) {
        visible = visible.filter((w) => {
          const user = w.users.find((member) => member.id === userId)!;
          return (roles.includes('WORKSPACE_ADMIN') && user.admin === true) || (roles.includes('OWNER') && user.owner === true);
        });
      }
      return ok(visible.map((w) => ({ id: w.id, name: w.name, memberships: [], ...(w.plan ? { featureSubscriptionType: w.plan } : {}) })));
    });

    this.route('GET', `${base}/workspaces/:ws/projects`, (req) =>
      this.withWorkspace(req, (ws) => {
        const name = req.query.get('name');
        const strict = req.query.get('strict-name-search') === 'true';
        const archived = req.query.get('archived');
        let projects = ws.projects;
        if (name) {
          const needle = name.toLowerCase();
          projects = projects.filter((p) => (strict ? p.name === name : p.name.toLowerCase().includes(needle)));
        }
        if (archived === 'true' || archived === 'false') projects = projects.filter((p) => (p.archived ?? false) === (archived === 'true'));
        return this.paged(req, projects, (p) => this.projectDto(p, ws.id));
      }),
    );

    this.route('GET', `${base}/workspaces/:ws/projects/:projectId`, (req) =>
      this.withProject(req, (ws, project) => ok(this.projectDto(project, ws.id))),
    );

    this.route('POST', `${base}/workspaces/:ws/projects/:projectId/memberships`, (req) =>
      this.withProject(req, (ws, project) => {
        const denied = this.requireProjectManager(req, ws, project);
        if (denied) return denied;
        const body = (req.body ?? {}) as { userIds?: unknown; userGroups?: { ids?: unknown }; remove?: unknown };
        const userIds = stringArray(body.userIds);
        const groupIds = stringArray(body.userGroups?.ids);
        if (userIds === undefined || groupIds === undefined) return error(400, 'userIds must be an array of strings', 501);
        const unknown = this.unknownIds(ws, userIds, groupIds);
        if (unknown) return unknown;
        const before = this.projectDto(project, ws.id);
        if (body.remove === true) {
          project.userIds = project.userIds.filter((id) => !userIds.includes(id));
          project.groupIds = project.groupIds.filter((id) => !groupIds.includes(id));
        } else {
          for (const id of userIds) if (!project.userIds.includes(id)) project.userIds.push(id);
          for (const id of groupIds) if (!project.groupIds.includes(id)) project.groupIds.push(id);
        }
        return ok(this.readings.membershipsReply === 'before' ? before : this.projectDto(project, ws.id));
      }),
    );

    this.route('PATCH', `${base}/workspaces/:ws/projects/:projectId/memberships`, (req) =>
      this.withProject(req, (ws, project) => {
        const denied = this.requireProjectManager(req, ws, project);
        if (denied) return denied;
        const body = (req.body ?? {}) as { memberships?: Array<{ userId?: unknown }>; userGroups?: { ids?: unknown } };
        if (!Array.isArray(body.memberships)) return error(400, 'memberships must not be null', 501);
        const ids = body.memberships.map((m) => m.userId);
        if (!ids.every((id): id is string => typeof id === 'string')) return error(400, 'userId must not be null', 501);
        const groupIds = stringArray(body.userGroups?.ids) ?? [];
        const groupsInList = ids.filter((id) => ws.groups.some((group) => group.id === id));
        const userIds = ids.filter((id) => !groupsInList.includes(id));
        const unknown = this.unknownIds(ws, userIds, groupIds);
        if (unknown) return unknown;
        // Replace semantics: whoever is not listed loses access.
        project.userIds = [...new Set(userIds)];
        project.groupIds = [...new Set([...groupsInList, ...groupIds])];
        return ok(this.projectDto(project, ws.id));
      }),
    );

    this.route('GET', `${base}/workspaces/:ws/users`, (req) =>
      this.withWorkspace(req, (ws) => {
        const embed = req.query.get('memberships') ?? 'NONE';
        const users = filterUsers(ws, {
          email: req.query.get('email'),
          name: req.query.get('name'),
          status: req.query.get('status'),
          projectId: req.query.get('project-id'),
          accountStatuses: req.query.get('account-statuses'),
        });
        const roles = req.query.get('include-roles') === 'true';
        return this.paged(req, users, (user) => this.userDto(user, ws, embed, roles));
      }),
    );

    this.route('POST', `${base}/workspaces/:ws/users/info`, (req) =>
      this.withWorkspace(req, (ws) => {
        const body = (req.body ?? {}) as {
          email?: string; name?: string; status?: string; projectId?: string; roles?: string[];
          memberships?: string; includeRoles?: boolean; page?: number; pageSize?: number;
        };
        const combined = this.readings.usersInfoFilters === 'combined' && body.projectId !== undefined;
        // Independent filters (the spec's words): projectId keeps users with access to the project.
        let users = filterUsers(ws, { email: body.email, name: body.name, status: body.status, projectId: combined ? undefined : body.projectId });
        if (Array.isArray(body.roles) && body.roles.includes('PROJECT_MANAGER')) {
          users = users.filter((user) => (combined ? this.isManager(user.id, body.projectId!) : this.managedBy(user.id).length > 0));
        }
        const page = body.page ?? 1;
        const size = Math.min(body.pageSize ?? 50, this.readings.maxPageSize);
        if ((body.pageSize ?? 50) > 5000) return error(400, 'Page size must not be greater than 5000', 501);
        const slice = users.slice((page - 1) * size, page * size);
        return ok(slice.map((user) => this.userDto(user, ws, body.memberships ?? 'NONE', body.includeRoles === true)), {
          'Last-Page': String(page * size >= users.length),
        });
      }),
    );

    this.route('GET', `${base}/workspaces/:ws/user-groups`, (req) =>
      this.withWorkspace(req, (ws) => {
        const name = req.query.get('name')?.toLowerCase();
        const projectId = req.query.get('project-id');
        let groups = ws.groups;
        if (name) groups = groups.filter((group) => group.name.toLowerCase().includes(name));
        if (projectId) groups = groups.filter((group) => ws.projects.find((p) => p.id === projectId)?.groupIds.includes(group.id));
        return this.paged(req, groups, (group) => ({ id: group.id, name: group.name, workspaceId: ws.id, userIds: [...group.userIds], teamManagers: [] }));
      }),
    );
    // Clockify has no single-group GET: both paths exist for other methods and answer GET with 405.
    this.route('GET', `${base}/workspaces/:ws/user-groups/:groupId`, (req) => this.methodNotAllowed(req));
    this.route('GET', `${base}/workspaces/:ws/user-groups/:groupId/users`, (req) => this.methodNotAllowed(req));

    const roleRoute = (method: 'POST' | 'DELETE') => (req: SimRequest) =>
      this.withWorkspace(req, (ws) => {
        const body = (req.body ?? {}) as { entityId?: unknown; role?: unknown };
        if (typeof body.entityId !== 'string' || body.entityId === '') return error(400, 'entityId must not be blank', 501);
        if (body.role !== 'PROJECT_MANAGER' && body.role !== 'TEAM_MANAGER' && body.role !== 'WORKSPACE_ADMIN') {
          return error(400, 'role must be one of WORKSPACE_ADMIN, TEAM_MANAGER, PROJECT_MANAGER', 501);
        }
        const userId = req.params.userId!;
        if (!ws.users.some((user) => user.id === userId)) return error(400, "User doesn't belong to Workspace", 501);
        const project = ws.projects.find((p) => p.id === body.entityId);
        if (body.role === 'PROJECT_MANAGER' && !project) return error(400, "Project doesn't belong to Workspace", 501);
        if (!this.isAdmin(req, ws)) return error(403, 'Access Denied', 501);
        const key = `${userId}:${String(body.entityId)}`;
        if (method === 'DELETE') {
          this.managerRoles.delete(key);
          return { status: 204 };
        }
        this.managerRoles.add(key);
        const roles = [...this.managerRoles]
          .filter((entry) => entry.startsWith(`${userId}:`))
          .map((entry) => ({
            userId,
            workspaceId: ws.id,
            role: { id: entry.split(':')[1], name: 'PROJECT_MANAGER' },
          }));
        return { status: 201, json: roles };
      });
    this.route('POST', `${base}/workspaces/:ws/users/:userId/roles`, roleRoute('POST'));
    this.route('DELETE', `${base}/workspaces/:ws/users/:userId/roles`, roleRoute('DELETE'));
  }

  /** The projects a user manages. */
  private managedBy(userId: string): string[] {
    return [...this.managerRoles].filter((key) => key.startsWith(`${userId}:`)).map((key) => key.split(':')[1]!);
  }

  /** Bare-array pages with Last-Page; pages never longer than the server's cap. */
  private paged<T>(request: SimRequest, items: T[], map: (item: T) => unknown): SimResponse {
    const page = intParam(request.query, 'page', 1);
    const asked = intParam(request.query, 'page-size', 50);
    if (page === undefined || asked === undefined || page < 1 || asked < 1) return error(400, 'Page and page size must be positive', 501);
    if (asked > 5000) return error(400, 'Page size must not be greater than 5000', 501);
    const size = Math.min(asked, this.readings.maxPageSize);
    const slice = items.slice((page - 1) * size, page * size);
    return ok(slice.map(map), { 'Last-Page': String(page * size >= items.length) });
  }

  private projectDto(project: SeedProject, workspaceId: string) {
    return projectDto(project, workspaceId, this.readings.groupMembershipType);
  }

  /**
   * A user as Clockify returns one. With includeRoles, `roles` lists their manager roles with the
   * projects they manage; the spec names no shape for it, so this one is ours (inferred).
   */
  private userDto(user: SeedUser, ws: SeedWorkspace, embed: string, includeRoles: boolean) {
    const dto: Record<string, unknown> = userDto(user, ws.id, embed, ws);
    if (includeRoles) {
      const projects = this.managedBy(user.id).flatMap((id) => ws.projects.filter((p) => p.id === id).map((p) => ({ id: p.id, name: p.name })));
      dto.roles = projects.length > 0 ? [{ role: 'PROJECT_MANAGER', entities: projects }] : [];
    }
    return dto;
  }

  private withWorkspace(request: SimRequest, handler: (ws: SeedWorkspace) => SimResponse): SimResponse {
    const ws = this.state.workspaces.find((w) => w.id === request.params.ws);
    const userId = this.caller(request);
    if (!ws || !ws.users.some((user) => user.id === userId && user.workspaceStatus === 'ACTIVE')) {
      // Unknown or foreign workspace: 403 "Access Denied" (the code is not pinned by any source; 501 inferred).
      return error(403, 'Access Denied', 501);
    }
    return handler(ws);
  }

  private withProject(request: SimRequest, handler: (ws: SeedWorkspace, project: SeedProject) => SimResponse): SimResponse {
    return this.withWorkspace(request, (ws) => {
      const project = ws.projects.find((p) => p.id === request.params.projectId);
      if (!project) return error(400, "Project doesn't belong to Workspace", 501);
      return handler(ws, project);
    });
  }

  private isAdmin(request: SimRequest, ws: SeedWorkspace): boolean {
    const userId = this.caller(request);
    return ws.users.some((user) => user.id === userId && user.admin === true);
  }

  /** Membership writes: workspace admins, or the project's manager (help centre: who-can-do-what). */
  private requireProjectManager(request: SimRequest, ws: SeedWorkspace, project: SeedProject): SimResponse | undefined {
    if (this.isAdmin(request, ws) || this.isManager(this.caller(request), project.id)) return undefined;
    return error(403, 'Access Denied', 501);
  }

  private unknownIds(ws: SeedWorkspace, userIds: string[], groupIds: string[]): SimResponse | undefined {
    const badUser = userIds.find((id) => !ws.users.some((user) => user.id === id));
    if (badUser) return error(400, `User with id ${badUser} doesn't belong to Workspace`, 501);
    const badGroup = groupIds.find((id) => !ws.groups.some((group) => group.id === id));
    if (badGroup) return error(400, `User group with id ${badGroup} doesn't belong to Workspace`, 501);
    return undefined;
  }
}

function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function ok(json: unknown, headers?: Record<string, string>): SimResponse {
  return headers ? { status: 200, json, headers } : { status: 200, json };
}

function error(status: number, message: string, code: number): SimResponse {
  return { status, json: { message, code } };
}

function stringArray(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

function filterUsers(
  ws: SeedWorkspace,
  filter: { email?: string | null | undefined; name?: string | null | undefined; status?: string | null | undefined; projectId?: string | null | undefined; accountStatuses?: string | null | undefined },
): SeedUser[] {
  const allowedAccounts = filter.accountStatuses
    ? filter.accountStatuses.split(',')
    : ['ACTIVE', 'PENDING_EMAIL_VERIFICATION', 'NOT_REGISTERED'];
  return ws.users.filter((user) => {
    if (!allowedAccounts.includes(user.accountStatus)) return false;
    if (filter.email && !user.email.toLowerCase().includes(filter.email.toLowerCase())) return false;
    if (filter.name && !user.name.toLowerCase().includes(filter.name.toLowerCase())) return false;
    if (filter.status && filter.status !== 'ALL' && user.workspaceStatus !== filter.status) return false;
    if (filter.projectId) {
      const project = ws.projects.find((p) => p.id === filter.projectId);
      if (!project) return false;
      const viaGroup = ws.groups.some((group) => project.groupIds.includes(group.id) && group.userIds.includes(user.id));
      if (!project.userIds.includes(user.id) && !viaGroup && !project.public) return false;
    }
    return true;
  });
}

function membership(userId: string, targetId: string, type: 'WORKSPACE' | 'PROJECT' | 'USERGROUP', status = 'ACTIVE') {
  return { userId, targetId, membershipType: type, membershipStatus: status, hourlyRate: null, costRate: null };
}

function projectDto(project: SeedProject, workspaceId: string, groupType: 'PROJECT' | 'USERGROUP') {
  return {
    id: project.id,
    name: project.name,
    workspaceId,
    clientId: project.clientName ? `${project.id.slice(0, 20)}c1e1` : '',
    clientName: project.clientName ?? '',
    archived: project.archived ?? false,
    billable: true,
    public: project.public ?? false,
    template: false,
    color: '#03A9F4',
    note: '',
    duration: 'PT0S',
    hourlyRate: null,
    costRate: null,
    estimate: { estimate: 'PT0S', type: 'AUTO' },
    memberships: [
      ...project.userIds.map((id) => membership(id, project.id, 'PROJECT')),
      // An assigned user group appears with the group's id in userId.
      ...project.groupIds.map((id) => membership(id, project.id, groupType)),
    ],
  };
}

function userDto(user: SeedUser, workspaceId: string, embed: string, ws: SeedWorkspace | undefined) {
  const memberships: unknown[] = [];
  if (embed === 'WORKSPACE' || embed === 'ALL') memberships.push(membership(user.id, workspaceId, 'WORKSPACE', user.workspaceStatus));
  if ((embed === 'PROJECT' || embed === 'ALL') && ws) {
    for (const project of ws.projects) if (project.userIds.includes(user.id)) memberships.push(membership(user.id, project.id, 'PROJECT'));
  }
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    status: user.accountStatus,
    memberships,
    profilePicture: '',
    activeWorkspace: workspaceId,
    defaultWorkspace: workspaceId,
    settings: { timeZone: 'Europe/Berlin', dateFormat: 'DD/MM/YYYY', timeFormat: 'HOUR24' },
    customFields: [],
  };
}
