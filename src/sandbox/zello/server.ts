import { randomBytes, randomUUID } from 'node:crypto';
import { HttpSimulator, type SimRequest, type SimResponse, type SimulatorOptions } from '../simulator.js';
import { ACCESS_LEVELS, zelloSeed, type AccessLevel, type ZelloSeed, type ZProject, type ZUser, type ZWorkspace } from './seed.js';

const GUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

interface Session {
  userId: string;
  expires: number;
}

/** Thrown inside a handler for the permission failures that upstream turns into 500s. */
class PermissionFailure extends Error {}

/** Readings of the API that the documents leave open; each has a switch (docs/providers/zello.md, "Inferred"). */
export interface ZelloReadings {
  /**
   * How a permission failure looks: "internal" (500 with an empty body, what upstream's code does:
   * its Forbid(message) finds no such authentication scheme) or "forbidden" (403 with text, the
   * documented intent).
   */
  permissionFailures: 'internal' | 'forbidden';
}

/**
 * A simulator of the Zello ASP.NET API (published as fs19_CSharp_Teamwork; docs/providers/zello.md),
 * following its source rather than its published description:
 * snake_case JSON in and out with null fields left out, access levels as names, status as an
 * integer, camelCase input ignored, login with expiring tokens, a 400 with plain text (never a
 * 401) for a missing or expired token, the add checks in the documented order with their exact
 * texts, admin-only user list, no paging, case-insensitive routes. Permission failures answer
 * 500 with an empty body as upstream does, or 403 with text with the switch.
 */
export class ZelloSimulator extends HttpSimulator {
  readonly provider = 'zello';
  readonly state: ZelloSeed;
  readonly readings: ZelloReadings = { permissionFailures: 'internal' };
  tokenLifetimeMs: number;
  private readonly sessions = new Map<string, Session>();

  constructor(options: SimulatorOptions & { data?: ZelloSeed; tokenLifetimeMs?: number } = {}) {
    super({ ...options, caseInsensitive: true });
    this.state = options.data ?? zelloSeed({ people: options.people ?? 0 });
    this.tokenLifetimeMs = options.tokenLifetimeMs ?? 3_600_000;
    this.defineRoutes();
  }

  // ---- test helpers ----

  project(id: string): ZProject {
    const found = this.state.workspaces.flatMap((w) => w.projects).find((p) => p.id === id);
    if (!found) throw new Error(`no project ${id}`);
    return found;
  }

  /** A project's members as user id → access level, for assertions. */
  members(projectId: string): Record<string, AccessLevel> {
    const workspace = this.state.workspaces.find((w) => w.projects.some((p) => p.id === projectId))!;
    return Object.fromEntries(
      this.project(projectId).members.map((m) => [workspace.members.find((wm) => wm.id === m.workspaceMemberId)!.userId, m.accessLevel]),
    );
  }

  /** Ends every session now, as if each token had expired. */
  expireTokens(): void {
    for (const session of this.sessions.values()) session.expires = 0;
  }

  // ---- HTTP ----

  protected notFound(): SimResponse {
    return { status: 404 };
  }

  protected methodNotAllowed(): SimResponse {
    return { status: 405 };
  }

  private defineRoutes(): void {
    this.route('POST', '/api/v1/User/login', (req) => {
      const body = bodyObject(req);
      if (!body) return problem({ '': ['A non-empty request body is required.'] });
      const missing = ['username', 'password'].filter((key) => typeof body[key] !== 'string' || body[key] === '');
      if (missing.length > 0) return problem(Object.fromEntries(missing.map((key) => [key, [`The ${key[0]!.toUpperCase()}${key.slice(1)} field is required.`]])));
      const user = this.state.users.find((u) => u.username === body.username && u.password === body.password);
      if (!user) return { status: 401, json: { message: 'Invalid credentials' } };
      const token = `eyJ${randomBytes(24).toString('base64url')}`;
      const expires = Date.now() + this.tokenLifetimeMs;
      this.sessions.set(token, { userId: user.id, expires });
      return {
        status: 200,
        json: {
          token,
          expires: new Date(expires).toISOString(),
          token_type: 'Bearer',
          access_level: user.accessLevel,
          numeric_level: ACCESS_LEVELS[user.accessLevel],
          description: `${user.accessLevel} access`,
        },
      };
    });

    this.route('GET', '/api/v1/User/me', (req) => this.as(req, 'User ID missing', (caller) => ok(userDto(caller))));
    this.route('GET', '/api/v1/User', (req) =>
      this.as(req, 'User ID missing', (caller) => {
        if (caller.accessLevel !== 'Admin') throw new PermissionFailure('Only administrators can list users');
        return ok(this.state.users.map(userDto));
      }),
    );

    this.route('GET', '/api/v1/Workspaces', (req) =>
      this.as(req, 'User ID is missing or invalid', (caller) => {
        const visible = caller.accessLevel === 'Admin' ? this.state.workspaces : this.state.workspaces.filter((w) => w.members.some((m) => m.userId === caller.id));
        return ok(visible.map((w) => workspaceDto(w)));
      }),
    );

    this.route('GET', '/api/v1/Workspaces/:workspaceId/members', (req) =>
      this.as(req, 'User ID is missing or invalid', (caller) => {
        const workspace = this.state.workspaces.find((w) => w.id === req.params.workspaceId?.toLowerCase());
        if (!workspace) return text(req, 404, 'Workspace not found');
        if (caller.accessLevel !== 'Admin' && !workspace.members.some((m) => m.userId === caller.id)) throw new PermissionFailure('Not a member of the workspace');
        return ok(workspace.members.map((m) => workspaceMemberDto(workspace, m)));
      }),
    );

    this.route('GET', '/api/v1/Project/:projectId', (req) =>
      this.as(req, 'User ID cannot be null.', (caller) => {
        const found = this.findProject(req.params.projectId ?? '');
        if (!found) return text(req, 404, `Project with ID ${req.params.projectId} not found`);
        // No admin bypass: only the project's members may read it.
        const { workspace, project } = found;
        const member = workspace.members.find((m) => m.userId === caller.id);
        if (!member || !project.members.some((pm) => pm.workspaceMemberId === member.id)) throw new PermissionFailure('Not a member of the project');
        return ok(projectDto(workspace, project));
      }),
    );

    this.route('POST', '/api/v1/Project/members', (req) =>
      this.as(req, 'User ID cannot be null.', (caller) => {
        const body = bodyObject(req);
        if (!body) return problem({ '': ['A non-empty request body is required.'] });
        // Newtonsoft binds snake_case names only: projectId or workspaceMemberId are ignored (zero GUIDs).
        const projectId = guidField(body, 'project_id');
        const workspaceMemberId = guidField(body, 'workspace_member_id');
        const level = levelField(body, 'access_level');
        const errors: Record<string, string[]> = {};
        if (projectId instanceof Error) errors.project_id = [projectId.message];
        if (workspaceMemberId instanceof Error) errors.workspace_member_id = [workspaceMemberId.message];
        if (level instanceof Error) errors.access_level = [level.message];
        if (Object.keys(errors).length > 0) return problem(errors);
        const requested = level as number;
        // The checks, in ProjectService.AddProjectMemberAsync's order.
        const found = this.findProject(projectId as string);
        if (!found) return text(req, 404, `Project with ID ${projectId as string} not found`);
        const { workspace, project } = found;
        const callerMember = workspace.members.find((m) => m.userId === caller.id);
        if (!callerMember) throw new PermissionFailure('Current user is not a member of the workspace');
        if (requested > ACCESS_LEVELS[callerMember.accessLevel]) throw new PermissionFailure('Cannot assign access level higher than your own');
        const target = this.workspaceMember(workspaceMemberId as string);
        if (!target) return text(req, 400, 'Invalid workspace member ID');
        if (requested > ACCESS_LEVELS[target.member.accessLevel]) throw new PermissionFailure("Cannot assign project access level higher than user's workspace access level");
        if (target.workspace.id !== workspace.id) return text(req, 400, "Workspace member does not belong to the project's workspace");
        if (project.members.some((m) => m.workspaceMemberId === target.member.id)) return text(req, 400, 'Member already exists in project');
        const record = { id: randomUUID(), workspaceMemberId: target.member.id, accessLevel: levelName(requested), createdDate: new Date().toISOString() };
        project.members.push(record);
        return {
          status: 201,
          headers: { location: `/api/v1/Project/${project.id}` },
          json: { ...projectMemberDto(project, record), workspace_member: workspaceMemberDto(workspace, target.member) },
        };
      }),
    );

    // Broken upstream: the lookup is mis-keyed, so it never finds the member.
    this.route('PUT', '/api/v1/Project/members/access', (req) => this.as(req, 'User ID cannot be null.', () => text(req, 404, 'Project member not found')));
  }

  /** Runs a data endpoint as the token's user; no valid token means a 400 with the controller's text. */
  private as(request: SimRequest, missingUserText: string, handler: (caller: ZUser) => SimResponse): SimResponse {
    const auth = request.headers.authorization;
    const session = typeof auth === 'string' && auth.startsWith('Bearer ') ? this.sessions.get(auth.slice(7)) : undefined;
    const caller = session && session.expires > Date.now() ? this.state.users.find((u) => u.id === session.userId) : undefined;
    if (!caller) return text(request, 400, missingUserText);
    try {
      return handler(caller);
    } catch (error) {
      if (!(error instanceof PermissionFailure)) throw error;
      // Forbid(message) treats the message as a scheme name; none is registered, so upstream throws: 500.
      return this.readings.permissionFailures === 'internal' ? { status: 500 } : text(request, 403, error.message);
    }
  }

  /** A workspace membership by id, in whichever workspace it is. */
  private workspaceMember(id: string): { workspace: ZWorkspace; member: ZWorkspace['members'][number] } | undefined {
    for (const workspace of this.state.workspaces) {
      const member = workspace.members.find((m) => m.id === id);
      if (member) return { workspace, member };
    }
    return undefined;
  }

  private findProject(id: string): { workspace: ZWorkspace; project: ZProject } | undefined {
    for (const workspace of this.state.workspaces) {
      const project = workspace.projects.find((p) => p.id === id.toLowerCase());
      if (project) return { workspace, project };
    }
    return undefined;
  }
}

function bodyObject(request: SimRequest): Record<string, unknown> | undefined {
  return request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : undefined;
}

function guidField(body: Record<string, unknown>, key: string): string | Error {
  const value = body[key];
  if (value === undefined || value === null) return ZERO_GUID;
  if (typeof value === 'string' && GUID.test(value)) return value.toLowerCase();
  return new Error(`Error converting value ${JSON.stringify(value)} to type 'System.Guid'. Path '${key}'.`);
}

function levelField(body: Record<string, unknown>, key: string): number | Error {
  const value = body[key];
  if (value === undefined || value === null) return ACCESS_LEVELS.Member;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const name = Object.keys(ACCESS_LEVELS).find((level) => level.toLowerCase() === value.toLowerCase()) as AccessLevel | undefined;
    if (name) return ACCESS_LEVELS[name];
  }
  return new Error(`Error converting value ${JSON.stringify(value)} to type 'Zello.Domain.Entities.Api.User.AccessLevel'. Path '${key}'.`);
}

function levelName(level: number): AccessLevel {
  return (Object.entries(ACCESS_LEVELS).find(([, value]) => value === level)?.[0] as AccessLevel | undefined) ?? 'Member';
}

/** Business errors are bare strings: text/plain, or a JSON string literal when JSON was asked for. */
function text(request: SimRequest, status: number, message: string): SimResponse {
  const accept = String(request.headers.accept ?? '');
  return accept.includes('application/json') ? { status, json: message } : { status, text: message };
}

/** The [ApiController] automatic 400 for model-binding failures (RFC 7807 validation problem). */
function problem(errors: Record<string, string[]>): SimResponse {
  return {
    status: 400,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
    json: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1', title: 'One or more validation errors occurred.', status: 400, errors, traceId: `00-${randomBytes(16).toString('hex')}-00` },
  };
}

function ok(json: unknown): SimResponse {
  return { status: 200, json };
}

function userDto(user: ZUser) {
  return { id: user.id, username: user.username, name: user.name, email: user.email, created_date: user.createdDate, access_level: user.accessLevel };
}

function workspaceMemberDto(workspace: ZWorkspace, member: ZWorkspace['members'][number]) {
  return { id: member.id, workspace_id: workspace.id, user_id: member.userId, access_level: member.accessLevel, created_date: member.createdDate };
}

function projectMemberDto(project: ZProject, member: ZProject['members'][number]) {
  return { id: member.id, project_id: project.id, workspace_member_id: member.workspaceMemberId, access_level: member.accessLevel, created_date: member.createdDate };
}

function projectDto(workspace: ZWorkspace, project: ZProject) {
  return {
    id: project.id,
    workspace_id: workspace.id,
    name: project.name,
    description: project.description,
    status: project.status,
    created_date: project.createdDate,
    members: project.members.map((m) => projectMemberDto(project, m)),
    lists: [],
  };
}

function workspaceDto(workspace: ZWorkspace) {
  return {
    id: workspace.id,
    name: workspace.name,
    owner_id: workspace.ownerId,
    created_date: workspace.createdDate,
    projects: workspace.projects.map((p) => projectDto(workspace, p)),
    members: workspace.members.map((m) => workspaceMemberDto(workspace, m)),
  };
}
