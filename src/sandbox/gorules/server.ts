import { randomUUID } from 'node:crypto';
import { HttpSimulator, intParam, type SimRequest, type SimResponse, type SimulatorOptions } from '../simulator.js';
import { goRulesSeed, type GoRulesSeed, type GrMember, type GrProject, type GrToken, type GrUser } from './seed.js';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Readings of the API that the documents leave open; each has a switch (docs/providers/gorules.md, "Inferred"). */
export interface GoRulesReadings {
  /** What an invite of an existing member does: skip it or answer 409. */
  inviteExisting: 'skip' | 'conflict';
  /** Whether DELETE …/members/{memberId} exists ("route"), or is an unknown route, a NestJS 404 ("none"). */
  memberRemoval: 'route' | 'none';
  /**
   * What GET /api/projects lists without all=true: the projects the token's user has joined (the
   * docs' "fewer") or every project in the token's scope.
   */
  projectsWithoutAll: 'joined' | 'scope';
  /** A server-side cap on perPage: pages shorter than asked, paginate.total saying how many there are. */
  maxPerPage: number;
  /**
   * Whether GET /api/profile (the token's own user) exists ("route", the reading twin of the
   * documented PUT /api/profile) or is an unknown route, a NestJS 404 ("none").
   */
  profile: 'route' | 'none';
  /** Whether the project list shows each project's members, as documented ("listed"), or leaves them out ("absent"). */
  projectListMembers: 'listed' | 'absent';
}

/**
 * A simulator of the GoRules BRMS API as far as membership goes (docs/providers/gorules.md):
 * bearer PATs (401), 403 for a token without Project Manage or outside its project scope,
 * `{results, paginate}` pages (page 1, perPage 10 by default), a `search` filter, `all=true` for
 * organisation admins and owners, membership records with ids of their own, invites answered with
 * the new records, PUT replacing groups and owner (owner false when left out), and the inferred
 * DELETE. Error bodies follow NestJS's `{statusCode, message, error}` (inferred: none is documented).
 */
export class GoRulesSimulator extends HttpSimulator {
  readonly provider = 'gorules';
  readonly state: GoRulesSeed;
  readonly readings: GoRulesReadings = { inviteExisting: 'skip', memberRemoval: 'route', projectsWithoutAll: 'joined', maxPerPage: 1000, profile: 'route', projectListMembers: 'listed' };

  constructor(options: SimulatorOptions & { data?: GoRulesSeed } = {}) {
    super(options);
    this.state = options.data ?? goRulesSeed({ people: options.people ?? 0 });
    this.defineRoutes();
  }

  // ---- test helpers ----

  project(id: string): GrProject {
    const found = this.state.projects.find((p) => p.id === id);
    if (!found) throw new Error(`no project ${id}`);
    return found;
  }

  /** The membership record of a user in a project, if any. */
  membership(projectId: string, userId: string): GrMember | undefined {
    return this.project(projectId).members.find((m) => m.userId === userId);
  }

  // ---- HTTP ----

  protected override before(request: SimRequest): SimResponse | undefined {
    const token = this.token(request);
    if (!token) return error(401, 'Unauthorized');
    return undefined;
  }

  protected notFound(request: SimRequest): SimResponse {
    return error(404, `Cannot ${request.method} ${request.path}`, 'Not Found');
  }

  protected methodNotAllowed(request: SimRequest): SimResponse {
    return error(404, `Cannot ${request.method} ${request.path}`, 'Not Found');
  }

  private token(request: SimRequest): GrToken | undefined {
    const auth = request.headers.authorization;
    if (typeof auth !== 'string' || !auth.startsWith('Bearer ')) return undefined;
    return this.state.tokens[auth.slice('Bearer '.length)];
  }

  private defineRoutes(): void {
    // Inferred: the token's own user, as PUT /api/profile would answer it.
    this.route('GET', '/api/profile', (req) => {
      if (this.readings.profile === 'none') return this.notFound(req);
      const user = this.user(this.token(req)!.userId);
      return user ? { status: 200, json: this.userDto(user) } : error(404, 'User not found', 'Not Found');
    });

    this.route('GET', '/api/projects', (req) => {
      const token = this.token(req)!;
      const all = req.query.get('all');
      if (all !== null && all !== 'true' && all !== 'false') return error(400, ['all must be a boolean value'], 'Bad Request');
      // all=true lists every organisation project, for admins and owners only.
      if (all === 'true' && token.orgRole === 'member') return error(403, 'Forbidden resource', 'Forbidden');
      const inScope = this.state.projects.filter((p) => token.projects === 'all' || token.projects.includes(p.id));
      const visible = all === 'true' || this.readings.projectsWithoutAll === 'scope' ? inScope : inScope.filter((p) => p.members.some((m) => m.userId === token.userId));
      const users = new Map(this.state.users.map((u) => [u.id, u]));
      return this.page(req, filterBy(req, visible, (p) => [p.name]), (p) => ({
        id: p.id,
        name: p.name,
        key: p.key,
        organisationId: this.state.organisation.id,
        version: 'v2',
        protected: false,
        deletedAt: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        ...(this.readings.projectListMembers === 'listed' ? { members: p.members.map((m) => ({ id: m.id, owner: m.owner, user: this.userBrief(m.userId, users) })) } : {}),
      }));
    });

    this.route('GET', '/api/projects/:projectId/members', (req) =>
      this.withProject(req, (project) => {
        const users = new Map(this.state.users.map((u) => [u.id, u]));
        return this.page(req, filterBy(req, project.members, (m) => userWords(users.get(m.userId))), (m) => this.memberDto(project, m, users.get(m.userId)));
      }),
    );

    this.route('POST', '/api/projects/:projectId/members', (req) =>
      this.withProject(req, (project) => {
        const body = (req.body ?? {}) as { userIds?: unknown; groupIds?: unknown; owner?: unknown };
        const problems: string[] = [];
        if (!Array.isArray(body.userIds) || body.userIds.length === 0) problems.push('userIds must contain at least 1 elements');
        else if (!body.userIds.every((id) => typeof id === 'string' && UUID.test(id))) problems.push('each value in userIds must be a UUID');
        if (body.groupIds !== undefined && (!Array.isArray(body.groupIds) || !body.groupIds.every((id) => typeof id === 'string' && UUID.test(id)))) {
          problems.push('each value in groupIds must be a UUID');
        }
        if (body.owner !== undefined && typeof body.owner !== 'boolean') problems.push('owner must be a boolean value');
        if (problems.length > 0) return error(400, problems, 'Bad Request');
        const userIds = body.userIds as string[];
        const groupIds = (body.groupIds as string[] | undefined) ?? [];
        const unknownUser = userIds.find((id) => !this.user(id));
        if (unknownUser) return error(404, `User ${unknownUser} not found`, 'Not Found');
        const badGroup = groupIds.find((id) => !project.groups.some((g) => g.id === id));
        if (badGroup) return error(400, `Group ${badGroup} does not belong to this project`, 'Bad Request');
        const existing = userIds.filter((id) => project.members.some((m) => m.userId === id));
        if (existing.length > 0 && this.readings.inviteExisting === 'conflict') return error(409, 'User is already a member of this project', 'Conflict');
        const created = [...new Set(userIds)]
          .filter((id) => !existing.includes(id))
          .map((userId) => {
            const now = new Date().toISOString();
            const record: GrMember = { id: randomUUID(), userId, owner: body.owner === true, groupIds: [...groupIds], createdAt: now, updatedAt: now };
            project.members.push(record);
            return record;
          });
        // 200, not 201, with the new membership records only.
        return { status: 200, json: created.map((m) => this.memberDto(project, m)) };
      }),
    );

    this.route('PUT', '/api/projects/:projectId/members/:memberId', (req) =>
      this.withMember(req, (project, member) => {
        const body = (req.body ?? {}) as { groupIds?: unknown; owner?: unknown };
        if (body.groupIds !== undefined && (!Array.isArray(body.groupIds) || !body.groupIds.every((id) => typeof id === 'string' && UUID.test(id)))) {
          return error(400, ['each value in groupIds must be a UUID'], 'Bad Request');
        }
        const groupIds = (body.groupIds as string[] | undefined) ?? [];
        const badGroup = groupIds.find((id) => !project.groups.some((g) => g.id === id));
        if (badGroup) return error(400, `Group ${badGroup} does not belong to this project`, 'Bad Request');
        // Both fields are replaced; an owner flag left out means false.
        member.groupIds = [...groupIds];
        member.owner = body.owner === true;
        member.updatedAt = new Date().toISOString();
        return { status: 200, json: this.memberDto(project, member) };
      }),
    );

    // Inferred: not in the published reference. Without it, NestJS answers an unknown route with 404.
    this.route('DELETE', '/api/projects/:projectId/members/:memberId', (req) =>
      this.readings.memberRemoval === 'none' ? this.notFound(req) : this.withMember(req, (project, member) => {
        project.members = project.members.filter((m) => m !== member);
        return { status: 200, json: {} };
      }),
    );

    this.route('GET', '/api/projects/:projectId/members/users', (req) =>
      this.withProject(req, (project) => {
        const outside = this.state.users.filter((u) => !project.members.some((m) => m.userId === u.id));
        return this.page(req, filterBy(req, outside, userWords), (u) => this.userDto(u));
      }),
    );

    this.route('GET', '/api/projects/:projectId/groups', (req) =>
      this.withProject(req, (project) =>
        this.page(req, filterBy(req, project.groups, (g) => [g.name]), (g) => ({ ...g, projectId: project.id, filePermissions: [], role: this.roleBrief(g.roleId) })),
      ),
    );

    // Organisation-wide reads. Inferred: a token scoped to some projects may not read them.
    this.route('GET', '/api/users', (req) =>
      this.withOrganisation(req, () => {
        const isService = req.query.get('isService');
        const users = isService === null ? this.state.users : this.state.users.filter((u) => String(u.isService) === isService);
        return this.page(req, filterBy(req, users, userWords), (u) => ({
          ...this.userDto(u),
          roles: this.state.roles.filter((r) => r.userIds.includes(u.id)).map((r) => ({ id: r.id, name: r.name, description: r.description })),
        }));
      }),
    );

    this.route('GET', '/api/roles', (req) =>
      this.withOrganisation(req, () =>
        this.page(req, filterBy(req, this.state.roles, (r) => [r.name]), (role) => ({
          id: role.id,
          name: role.name,
          description: role.description,
          allProjects: role.allProjects,
          organisationId: this.state.organisation.id,
          idpGroups: [],
          projectPermissions: [],
          groups: this.state.projects.flatMap((p) =>
            p.groups.filter((g) => g.roleId === role.id).map((g) => ({ id: g.id, name: g.name, projectId: p.id, description: g.description, project: { name: p.name }, roleId: role.id })),
          ),
          users: role.userIds.map((id) => this.userBrief(id)),
          organisation: this.state.organisation,
        })),
      ),
    );
  }

  /** `{results, paginate}` with the documented defaults (page 1, perPage 10), never longer than the server's cap. */
  private page<T>(request: SimRequest, items: T[], map: (item: T) => unknown): SimResponse {
    const current = intParam(request.query, 'page', 1);
    const asked = intParam(request.query, 'perPage', 10);
    if (current === undefined || asked === undefined || current < 1 || asked < 1) {
      return error(400, ['page must not be less than 1', 'perPage must not be less than 1'], 'Bad Request');
    }
    const perPage = Math.min(asked, this.readings.maxPerPage);
    const slice = items.slice((current - 1) * perPage, current * perPage);
    const from = slice.length === 0 ? 0 : (current - 1) * perPage + 1;
    return {
      status: 200,
      json: { results: slice.map(map), paginate: { current, from, to: slice.length === 0 ? 0 : from + slice.length - 1, total: items.length, pageSize: perPage } },
    };
  }

  private withOrganisation(request: SimRequest, handler: () => SimResponse): SimResponse {
    return this.token(request)!.projects === 'all' ? handler() : error(403, 'Forbidden resource', 'Forbidden');
  }

  private withProject(request: SimRequest, handler: (project: GrProject) => SimResponse): SimResponse {
    const projectId = request.params.projectId!;
    if (!UUID.test(projectId)) return error(400, 'Validation failed (uuid is expected)', 'Bad Request');
    const token = this.token(request)!;
    if (!token.projectManage || (token.projects !== 'all' && !token.projects.includes(projectId))) return error(403, 'Forbidden resource', 'Forbidden');
    const project = this.state.projects.find((p) => p.id === projectId);
    if (!project) return error(404, 'Project not found', 'Not Found');
    return handler(project);
  }

  private withMember(request: SimRequest, handler: (project: GrProject, member: GrMember) => SimResponse): SimResponse {
    return this.withProject(request, (project) => {
      const memberId = request.params.memberId!;
      if (!UUID.test(memberId)) return error(400, 'Validation failed (uuid is expected)', 'Bad Request');
      const member = project.members.find((m) => m.id === memberId);
      return member ? handler(project, member) : error(404, 'Member not found', 'Not Found');
    });
  }

  private user(id: string): GrUser | undefined {
    return this.state.users.find((u) => u.id === id);
  }

  private userBrief(id: string, users?: Map<string, GrUser>) {
    const user = users ? users.get(id) : this.user(id);
    return user ? { id: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName } : { id };
  }

  private userDto(user: GrUser) {
    return {
      id: user.id,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      type: user.isService ? 'service' : user.status === 'pending' ? 'invited' : 'member',
      status: user.status,
      organisationId: this.state.organisation.id,
      isService: user.isService,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
  }

  private roleBrief(roleId: string | null) {
    const role = this.state.roles.find((r) => r.id === roleId);
    return role ? { id: role.id, name: role.name, description: role.description } : null;
  }

  private memberDto(project: GrProject, member: GrMember, known?: GrUser) {
    const user = known ?? this.user(member.userId);
    return {
      id: member.id,
      createdAt: member.createdAt,
      updatedAt: member.updatedAt,
      owner: member.owner,
      userId: member.userId,
      projectId: project.id,
      user: user ? this.userDto(user) : { id: member.userId },
      groups: member.groupIds
        .map((id) => project.groups.find((g) => g.id === id))
        .filter((g) => g !== undefined)
        .map((g) => ({ id: g.id, name: g.name, projectId: project.id, permissions: g.permissions, description: g.description, roleId: g.roleId })),
    };
  }
}

function userWords(user: GrUser | undefined): string[] {
  return user ? [user.email, user.firstName, user.lastName] : [];
}

function filterBy<T>(request: SimRequest, items: T[], words: (item: T) => string[]): T[] {
  const search = request.query.get('search')?.toLowerCase();
  if (!search) return items;
  return items.filter((item) => words(item).some((word) => word.toLowerCase().includes(search)));
}

function error(statusCode: number, message: string | string[], name?: string): SimResponse {
  return { status: statusCode, json: name ? { statusCode, message, error: name } : { statusCode, message } };
}
