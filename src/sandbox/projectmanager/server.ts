import { HttpSimulator, type SimRequest, type SimResponse, type SimulatorOptions } from '../simulator.js';
import { compileFilter, ODataError } from './odata.js';
import { projectManagerSeed, type Permission, type PmProject, type PmResource, type PmRole, type PmSeed } from './seed.js';

const PERMISSIONS: Permission[] = ['Guest', 'Collaborate', 'Editor', 'Manager'];
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const STATUS_NAMES: Record<number, string> = {
  200: 'OK',
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

/** The `{error, success, hasError, statusCode}` envelope of a failure, as the simulator and tests build it. */
export function pmErrorBody(status: number, message: string, validationErrors?: Record<string, string[]>) {
  return {
    error: { message, technicalError: null, additionalErrors: null, validationErrors: validationErrors ?? null },
    success: false,
    hasError: true,
    statusCode: STATUS_NAMES[status] ?? String(status),
  };
}

/** Readings of the API that the documents leave open; each has a switch (docs/providers/projectmanager.md, "Inferred"). */
export interface ProjectManagerReadings {
  /** Whether $filter accepts tolower(), which the query-language page does not list; refused with 400 when not. */
  tolower: 'accepted' | 'refused';
}

/**
 * A simulator of ProjectManager.com's /api/data membership surface (docs/providers/projectmanager.md):
 * Bearer keys (401 for a missing, wrong or expired one), the envelope on every reply, HTTP 200 for
 * every success, 400 "Input Validation Failed" with validationErrors, 404 for unknown projects,
 * users and teams, the upsert's default-role rule, guests limited to Guest, the team endpoint's
 * single-member reply, OData $filter/$top/$skip. Where the documents are silent, this is our
 * reading of the API, as the adapter's is.
 */
export class ProjectManagerSimulator extends HttpSimulator {
  readonly provider = 'projectmanager';
  readonly state: PmSeed;
  readonly readings: ProjectManagerReadings = { tolower: 'accepted' };

  /** A server-side cap on $top (returns fewer items than asked, silently); none by default. */
  private readonly maxTop: number;

  constructor(options: SimulatorOptions & { data?: PmSeed; maxTop?: number } = {}) {
    super(options);
    this.state = options.data ?? projectManagerSeed({ people: options.people ?? 0 });
    this.maxTop = options.maxTop ?? Infinity;
    this.defineRoutes();
  }

  // ---- test helpers ----

  project(id: string): PmProject {
    const found = this.state.projects.find((p) => p.id === id);
    if (!found) throw new Error(`no project ${id}`);
    return found;
  }

  /** A project's members as user id → permission, for assertions. */
  members(projectId: string): Record<string, Permission> {
    return Object.fromEntries(this.project(projectId).members);
  }

  // ---- HTTP ----

  protected override before(request: SimRequest): SimResponse | undefined {
    const auth = request.headers.authorization;
    const key = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    if (key === undefined || this.state.apiKeys[key] !== true) return fail(401, 'The API key is invalid or has expired.');
    return undefined;
  }

  protected notFound(request: SimRequest): SimResponse {
    return fail(404, `No endpoint matches ${request.path}.`);
  }

  protected methodNotAllowed(request: SimRequest): SimResponse {
    return fail(405, `The method ${request.method} is not supported for this endpoint.`);
  }

  private defineRoutes(): void {
    const base = '/api/data';
    this.route('GET', `${base}/me`, (req) => {
      const key = String(req.headers.authorization).slice('Bearer '.length);
      const userId = this.state.apiKeyUsers?.[key];
      const me = this.state.resources.find((r) => r.id === userId) ?? this.state.resources[0]!;
      const admin = me.access === 'editAll';
      return ok({
        id: me.id,
        fullName: fullName(me),
        emailAddress: me.email,
        roleName: me.roleName,
        isGlobalAdmin: admin,
        permissions: { editAllProjects: admin },
        workSpaceName: 'Northwind',
        workSpaceIsActive: true,
      });
    });

    this.route('GET', `${base}/projects`, (req) =>
      this.query(req, this.state.projects, (p) => projectDto(p, this.state)),
    );
    this.route('GET', `${base}/projects/:projectId`, (req) => {
      const project = this.state.projects.find((p) => p.id === req.params.projectId?.toLowerCase() || p.shortId === req.params.projectId);
      return project ? ok(projectDto(project, this.state)) : fail(404, `Project ${req.params.projectId} not found.`);
    });

    this.route('GET', `${base}/projects/:projectId/members`, (req) =>
      this.withProject(req, (project) => {
        const people = new Map(this.state.resources.map((r) => [r.id, r]));
        return ok([...project.members].map(([userId, permission]) => this.memberDto(project, userId, permission, people.get(userId))));
      }),
    );

    this.route('GET', `${base}/projects/:projectId/members/:userId`, (req) =>
      this.withMember(req, (project, user) => {
        const permission = project.members.get(user.id);
        return permission ? ok(this.memberDto(project, user.id, permission)) : fail(404, 'The user is not a member of this project.');
      }),
    );

    // The current upsert (2026.158.269 on).
    this.route('PUT', `${base}/projects/:projectId/members/:userId`, (req) =>
      this.withMember(req, (project, user) => {
        const body = (req.body ?? {}) as { role?: unknown };
        const existing = project.members.get(user.id);
        if (body.role === undefined || body.role === null) {
          if (existing) return ok(this.memberDto(project, user.id, existing));
          return this.grant(project, user, defaultPermission(user));
        }
        if (typeof body.role !== 'string' || !PERMISSIONS.includes(body.role as Permission)) {
          return fail(400, 'Input Validation Failed', { role: [`'role' must be one of ${PERMISSIONS.join(', ')}.`] });
        }
        return this.grant(project, user, body.role as Permission);
      }),
    );

    // Deprecated since 2026.160.203; served as upstream does, and never used by the adapter.
    this.route('POST', `${base}/projects/:projectId/members/:userId`, (req) =>
      this.withMember(req, (project, user) =>
        project.members.has(user.id) ? fail(409, 'The user is already a member of this project.') : this.grant(project, user, defaultPermission(user)),
      ),
    );

    this.route('DELETE', `${base}/projects/:projectId/members/:userId`, (req) =>
      this.withMember(req, (project, user) => {
        // Inferred: removing a non-member is a 404 (undocumented).
        if (!project.members.delete(user.id)) return fail(404, 'The user is not a member of this project.');
        return { status: 200, json: { error: null, success: true, hasError: false, statusCode: 'OK' } };
      }),
    );

    this.route('POST', `${base}/projects/:projectId/teams/:teamId/members`, (req) =>
      this.withProject(req, (project) => {
        const teamId = req.params.teamId!;
        if (!UUID.test(teamId)) return fail(400, 'Input Validation Failed', { teamId: [`The value '${teamId}' is not valid.`] });
        const team = this.state.teams.find((t) => t.id === teamId.toLowerCase());
        if (!team) return fail(404, `Team ${teamId} not found.`);
        const body = (req.body ?? {}) as { addAsEditor?: unknown };
        if (body.addAsEditor !== undefined && typeof body.addAsEditor !== 'boolean') {
          return fail(400, 'Input Validation Failed', { addAsEditor: ["'addAsEditor' must be true or false."] });
        }
        let last: unknown;
        for (const user of this.state.resources) {
          // Active people with a user account; existing members are left unchanged.
          if (!user.teamIds.includes(team.id) || !user.isActive || user.roleId === null || project.members.has(user.id)) continue;
          const permission: Permission = user.access === 'guest' ? 'Guest' : body.addAsEditor === true ? 'Editor' : 'Collaborate';
          project.members.set(user.id, permission);
          last = this.memberDto(project, user.id, permission);
        }
        // The reply is a single member, not a report of who was added.
        return ok(last ?? null);
      }),
    );

    this.route('GET', `${base}/resources`, (req) => this.query(req, this.state.resources, (r) => resourceDto(r, this.state)));
    this.route('GET', `${base}/users/roles`, () => ok(this.state.roles.map((role) => userRoleDto(role))));
    this.route('GET', `${base}/resources/teams`, (req) => this.query(req, this.state.teams, (t) => ({ id: t.id, name: t.name })));
  }

  /** $filter, $skip and $top over a list of items as their DTOs, as the OData endpoints do. */
  private query<T>(request: SimRequest, items: T[], dto: (item: T) => Record<string, unknown>): SimResponse {
    const filter = request.query.get('$filter');
    let predicate: ((item: Record<string, unknown>) => boolean) | undefined;
    if (filter) {
      if (this.readings.tolower === 'refused' && /\btolower\s*\(/i.test(filter)) {
        return fail(400, 'Input Validation Failed', { $filter: ["The function 'tolower' is not supported."] });
      }
      try {
        predicate = compileFilter(filter);
      } catch (error) {
        if (error instanceof ODataError) return fail(400, 'Input Validation Failed', { $filter: [error.message] });
        throw error;
      }
    }
    const skip = Number(request.query.get('$skip') ?? 0);
    const top = request.query.get('$top');
    if (!Number.isInteger(skip) || skip < 0 || (top !== null && !/^\d+$/.test(top))) {
      return fail(400, 'Input Validation Failed', { $top: ['$top and $skip must be non-negative integers.'] });
    }
    const end = skip + Math.min(top === null ? Infinity : Number(top), this.maxTop);
    // Without a filter, only the page is turned into DTOs (a directory of thousands, read page by page).
    return ok(predicate ? items.map(dto).filter(predicate).slice(skip, end) : items.slice(skip, end).map(dto));
  }

  private withProject(request: SimRequest, handler: (project: PmProject) => SimResponse): SimResponse {
    const projectId = request.params.projectId!;
    if (!UUID.test(projectId)) return fail(400, 'Input Validation Failed', { projectId: [`The value '${projectId}' is not valid.`] });
    const project = this.state.projects.find((p) => p.id === projectId.toLowerCase());
    if (!project) return fail(404, `Project ${projectId} not found.`);
    return handler(project);
  }

  private withMember(request: SimRequest, handler: (project: PmProject, user: PmResource) => SimResponse): SimResponse {
    return this.withProject(request, (project) => {
      const userId = request.params.userId!;
      if (!UUID.test(userId)) return fail(400, 'Input Validation Failed', { userId: [`The value '${userId}' is not valid.`] });
      const id = userId.toLowerCase();
      const user = this.state.resources.find((r) => r.id === id && r.roleId !== null);
      if (!user) return fail(404, `User ${userId} not found.`);
      return handler(project, user);
    });
  }

  /** Inferred messages: the documents give the rules, not the refusals' exact words. */
  private grant(project: PmProject, user: PmResource, permission: Permission): SimResponse {
    if (!user.isActive) return fail(400, 'Input Validation Failed', { userId: ['The user is inactive and cannot be given project access.'] });
    if (user.access === 'guest' && permission !== 'Guest') {
      return fail(400, 'Input Validation Failed', { role: ['Guest users can only be given Guest access to a project.'] });
    }
    project.members.set(user.id, permission);
    return ok(this.memberDto(project, user.id, permission));
  }

  private memberDto(project: PmProject, userId: string, permission: Permission, person?: PmResource) {
    const user = person ?? this.state.resources.find((r) => r.id === userId);
    const name = user ? fullName(user) : 'Unknown user';
    const guest = user?.access === 'guest';
    return {
      id: userId,
      projectId: project.id,
      initials: name
        .split(' ')
        .map((part) => part[0])
        .join(''),
      name,
      avatarUrl: null,
      permission,
      role: permission,
      color: '#2E7D32',
      permissionOptions: { none: true, guest: true, collaborate: !guest, editor: !guest, manager: !guest },
    };
  }
}

function defaultPermission(user: PmResource): Permission {
  return user.access === 'editAll' ? 'Manager' : user.access === 'guest' ? 'Guest' : 'Editor';
}

function fullName(resource: PmResource): string {
  return `${resource.firstName} ${resource.lastName}`;
}

function projectDto(project: PmProject, state: PmSeed) {
  const manager = state.resources.find((r) => project.members.get(r.id) === 'Manager');
  return {
    id: project.id,
    shortId: project.shortId,
    shortCode: project.shortId,
    name: project.name,
    isTemplate: false,
    manager: manager ? { id: manager.id, name: fullName(manager) } : null,
    members: null,
  };
}

function userRoleDto(role: PmRole) {
  return {
    id: role.id,
    name: role.name,
    description: `${role.name} role`,
    isAdmin: role.access === 'editAll',
    isCustom: false,
    isGlobalAdmin: role.access === 'editAll',
    isGuest: role.access === 'guest',
    isDefault: role.access === 'standard',
  };
}

function resourceDto(resource: PmResource, state: PmSeed) {
  return {
    id: resource.id,
    name: fullName(resource),
    firstName: resource.firstName,
    lastName: resource.lastName,
    email: resource.email,
    isActive: resource.isActive,
    role: resource.roleName,
    roleId: resource.roleId,
    teams: resource.teamIds.map((id) => ({ id, name: state.teams.find((t) => t.id === id)?.name ?? '' })),
    skills: [],
    resourceTypeId: 1,
  };
}

function ok(data: unknown): SimResponse {
  return { status: 200, json: { error: null, success: true, hasError: false, statusCode: 'OK', data } };
}

function fail(status: number, message: string, validationErrors?: Record<string, string[]>): SimResponse {
  return { status, json: pmErrorBody(status, message, validationErrors) };
}
