import { toMembersError } from '../../core/errors.js';
import type { ErrorDescription, ErrorReply, HttpClient } from '../../http/client.js';
import { buildPath, UUID } from '../../http/path.js';
import { asRecord, asRecords, bool, requiredStr, str, type Json } from '../shared/json.js';
import { LookupUnavailable } from '../shared/directory.js';
import { offsetPages } from '../shared/paging.js';

/** ProjectManager.com ids are UUIDs; anything else never reaches a path. */
export const PROJECTMANAGER_ID = UUID;
const IDS = { projectId: PROJECTMANAGER_ID, userId: PROJECTMANAGER_ID, teamId: PROJECTMANAGER_ID };

/**
 * $top we ask for. Inferred: no maximum is documented (docs/providers/projectmanager.md, "Lists
 * and paging"), so a server may return fewer than asked; pages therefore advance by what came back.
 */
const PAGE_SIZE = 500;
/** Pages asked for at once while a list goes on (the connection's default cap on requests in flight). */
const PAGES_AT_ONCE = 8;

export type ProjectManagerPermission = 'Guest' | 'Collaborate' | 'Editor' | 'Manager';

export interface ProjectManagerMember {
  /** The user id (ProjectMemberDto.id is the user, not a membership). */
  id: string;
  name: string;
  /** The project permission; `role` is its deprecated twin. */
  permission: string | undefined;
}

export interface ProjectManagerResource {
  id: string;
  name: string;
  email: string | undefined;
  isActive: boolean;
  /** Inferred (docs/providers/projectmanager.md, "Inferred"): a non-null roleId marks a person with a user account. */
  isPerson: boolean;
  /** The person's workspace role (UserRole id), which says whether they are a guest user. */
  roleId: string | undefined;
}

/** A workspace role (GET /users/roles): guests can only hold Guest on a project; admins may change any. */
export interface ProjectManagerUserRole {
  id: string;
  name: string;
  isAdmin: boolean;
  isGuest: boolean;
}

export interface ProjectManagerProject {
  id: string;
  name: string;
}

/** The API key's user, as GET /me describes them. */
export interface ProjectManagerMe {
  id: string;
  name: string;
  email: string | undefined;
  workspace: string | undefined;
  roleName: string | undefined;
  /** Global admin or account administrator of the workspace. */
  admin: boolean;
  editAllProjects: boolean;
  /** False when the workspace is cancelled or expired; undefined when the reply does not say. */
  workspaceActive: boolean | undefined;
  workspaceStatus: string | undefined;
}

export interface ProjectManagerTeam {
  id: string;
  name: string;
}

/** The envelope's error, with validationErrors folded into the message so field names surface. */
export function describeProjectManagerError(reply: ErrorReply): ErrorDescription | undefined {
  const envelope = reply.json && typeof reply.json === 'object' ? (reply.json as Json) : {};
  const error = envelope.error && typeof envelope.error === 'object' ? (envelope.error as Json) : {};
  const base = typeof error.message === 'string' && error.message !== '' ? error.message : undefined;
  const fields = error.validationErrors && typeof error.validationErrors === 'object' ? (error.validationErrors as Record<string, unknown>) : {};
  const details = Object.entries(fields)
    .map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(' ') : String(messages)}`)
    .join('; ');
  const message = base && details ? `${base} (${details})` : (base ?? (details || undefined));
  const description: ErrorDescription = message ? { message } : {};
  if (reply.status === 401) {
    description.hint =
      'Check PROJECTMANAGER_API_KEY: keys are created by an admin under Integrations → API Keys, belong to one workspace and expire after two years.';
  } else if (reply.status === 403) {
    description.hint = 'The API key\'s user needs the right to manage this project\'s members (an admin, or the project\'s manager).';
  }
  return description;
}

/** Typed calls to ProjectManager.com's /api/data; every reply is read through the envelope. */
export class ProjectManagerApi {
  /** Set once the provider has refused a $filter with tolower(); from then on lists are filtered here. */
  tolowerRefused: boolean | undefined;
  /** A list's first page with fewer items than this ends it: a filter on an exact value finds one item or none. */
  private static readonly EXACT = 2;

  constructor(private readonly http: HttpClient) {}

  async project(projectId: string, signal: AbortSignal): Promise<ProjectManagerProject> {
    const path = buildPath('/api/data/projects/{projectId}', { projectId }, IDS);
    return parseProject(await this.data({ method: 'GET', path }, signal));
  }

  /**
   * Projects whose name equals `name`, ignoring case (callers compare again). tolower() is not in
   * the query-language page (docs/providers/projectmanager.md, "Lists and paging"): when the
   * provider refuses it, every project is listed and compared here.
   */
  async projectsNamed(name: string, signal: AbortSignal): Promise<ProjectManagerProject[]> {
    return this.filtered('/api/data/projects', `tolower(name) eq ${literal(name.toLowerCase())}`, parseProject, signal, ProjectManagerApi.EXACT);
  }

  /**
   * Resources whose email is `email`, ignoring case (callers compare again), by a `$filter` on
   * email. tolower() is not in the query-language page: once the provider refuses it, lookups are
   * unavailable on this connection (LookupUnavailable), and callers read the whole list instead.
   */
  async resourcesWithEmail(email: string, signal: AbortSignal): Promise<ProjectManagerResource[]> {
    if (this.tolowerRefused) throw new LookupUnavailable('tolower() refused');
    try {
      return await this.allPages('/api/data/resources', `tolower(email) eq ${literal(email.toLowerCase())}`, parseResource, signal, ProjectManagerApi.EXACT);
    } catch (error) {
      if (toMembersError(error).status !== 400) throw error;
      this.tolowerRefused = true;
      throw new LookupUnavailable('tolower() refused');
    }
  }

  /** Projects whose name contains `needle` (lower case), ignoring case; callers compare again. */
  async projectsContaining(needle: string, signal: AbortSignal): Promise<ProjectManagerProject[]> {
    return this.filtered('/api/data/projects', needle ? `contains(tolower(name),${literal(needle)})` : undefined, parseProject, signal);
  }

  /** People and other resources whose name or email contains `needle` (lower case); callers compare again. */
  async resourcesContaining(needle: string, signal: AbortSignal): Promise<ProjectManagerResource[]> {
    const filter = needle ? `contains(tolower(name),${literal(needle)}) or contains(tolower(email),${literal(needle)})` : undefined;
    return this.filtered('/api/data/resources', filter, parseResource, signal);
  }

  /** The workspace roles (GET /users/roles), to tell guest users (and admins, for doctor) apart. */
  async userRoles(signal: AbortSignal): Promise<ProjectManagerUserRole[]> {
    return asRecords(await this.data({ method: 'GET', path: '/api/data/users/roles' }, signal), 'user roles').map((role) => ({
      id: requiredStr(role, 'id', 'user role').toLowerCase(),
      name: str(role, 'name') ?? '',
      isAdmin: bool(role, 'isAdmin') === true || bool(role, 'isGlobalAdmin') === true,
      isGuest: bool(role, 'isGuest') ?? false,
    }));
  }

  /** The full member list (the endpoint has no paging). */
  async members(projectId: string, signal: AbortSignal): Promise<Map<string, ProjectManagerMember>> {
    const path = buildPath('/api/data/projects/{projectId}/members', { projectId }, IDS);
    const members = asRecords(await this.data({ method: 'GET', path }, signal), 'project members').map(parseMember);
    return new Map(members.map((member) => [member.id.toLowerCase(), member]));
  }

  /** Every resource (people and others) matching the filter, all pages. */
  async resources(signal: AbortSignal, filter?: string): Promise<ProjectManagerResource[]> {
    return this.allPages('/api/data/resources', filter, parseResource, signal);
  }

  /** A team's resources; `any` is documented in the query-language page (for tags). */
  async teamResources(teamId: string, signal: AbortSignal): Promise<ProjectManagerResource[]> {
    if (!PROJECTMANAGER_ID.test(teamId)) throw new Error(`not a team id: ${teamId}`);
    return this.resources(signal, `teams/any(t: t/id eq ${teamId.toLowerCase()})`);
  }

  async teams(signal: AbortSignal): Promise<ProjectManagerTeam[]> {
    return this.allPages('/api/data/resources/teams', undefined, (team) => ({ id: requiredStr(team, 'id', 'team'), name: str(team, 'name') ?? '' }), signal);
  }

  /**
   * A list narrowed by a $filter that uses tolower(), an undocumented function. While the provider
   * accepts it, it narrows; once it refuses it (HTTP 400), this connection lists without the
   * filter and leaves the comparison to the callers, who compare every result again anyway.
   */
  private async filtered<T>(path: string, filter: string | undefined, parse: (record: Json) => T, signal: AbortSignal, endsBelow?: number): Promise<T[]> {
    if (filter && this.tolowerRefused !== true) {
      try {
        return await this.allPages(path, filter, parse, signal, endsBelow);
      } catch (error) {
        if (toMembersError(error).status !== 400) throw error;
        this.tolowerRefused = true;
      }
    }
    return this.allPages(path, undefined, parse, signal);
  }

  /**
   * An OData list, $skip advancing by what came back. A server may cap $top below what we ask
   * (undocumented here), so a short first page is not trusted as the end: the next, empty page
   * confirms it (unless the filter is on an exact value: `endsBelow`). While pages come back full,
   * several are asked for at once.
   */
  private async allPages<T>(path: string, filter: string | undefined, parse: (record: Json) => T, signal: AbortSignal, endsBelow?: number): Promise<T[]> {
    return offsetPages(
      async (skip) => asRecords(await this.data({ method: 'GET', path, query: { $filter: filter, $top: PAGE_SIZE, $skip: skip } }, signal), path).map(parse),
      { asked: PAGE_SIZE, maxWidth: PAGES_AT_ONCE, ...(endsBelow ? { endsBelow } : {}) },
    );
  }

  /** The API key's user: who they are, their workspace role and what it lets them do (GET /me). */
  async me(signal: AbortSignal): Promise<ProjectManagerMe> {
    const me = asRecord(await this.data({ method: 'GET', path: '/api/data/me' }, signal), 'me');
    const permissions = me.permissions && typeof me.permissions === 'object' ? (me.permissions as Json) : {};
    return {
      id: requiredStr(me, 'id', 'me'),
      name: str(me, 'fullName') ?? '',
      email: str(me, 'emailAddress') || undefined,
      workspace: str(me, 'workSpaceName') || undefined,
      roleName: str(me, 'roleName') || undefined,
      admin: bool(me, 'isGlobalAdmin') === true || bool(me, 'isAccountAdministrator') === true,
      editAllProjects: bool(permissions, 'editAllProjects') === true,
      workspaceActive: bool(me, 'workSpaceIsActive'),
      workspaceStatus: str(me, 'workSpaceStatus') || undefined,
    };
  }

  /** The current upsert: adds a non-member, replaces a member's permission; no role keeps an existing one. */
  async upsertMember(projectId: string, userId: string, permission: ProjectManagerPermission | undefined, signal: AbortSignal): Promise<ProjectManagerMember> {
    const path = buildPath('/api/data/projects/{projectId}/members/{userId}', { projectId, userId }, IDS);
    return parseMember(asRecord(await this.data({ method: 'PUT', path, body: permission ? { role: permission } : {} }, signal), 'project member'));
  }

  async removeMember(projectId: string, userId: string, signal: AbortSignal): Promise<void> {
    const path = buildPath('/api/data/projects/{projectId}/members/{userId}', { projectId, userId }, IDS);
    await this.data({ method: 'DELETE', path }, signal);
  }

  /** The native team grant. Its reply names one member only, so callers diff the member list. */
  async addTeam(projectId: string, teamId: string, addAsEditor: boolean | undefined, signal: AbortSignal): Promise<void> {
    const path = buildPath('/api/data/projects/{projectId}/teams/{teamId}/members', { projectId, teamId }, IDS);
    await this.data({ method: 'POST', path, body: addAsEditor === undefined ? {} : { addAsEditor } }, signal);
  }

  private async data(
    request: { method: 'GET' | 'PUT' | 'POST' | 'DELETE'; path: string; query?: Record<string, string | number | undefined>; body?: unknown },
    signal: AbortSignal,
  ): Promise<unknown> {
    const response = await this.http.request({ ...request, signal });
    if (response.json === undefined) return undefined;
    const envelope = asRecord(response.json, 'reply envelope');
    return envelope.data;
  }
}

/** An OData string literal: single quotes, a quote inside doubled. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function parseProject(value: unknown): ProjectManagerProject {
  const record = asRecord(value, 'project');
  return { id: requiredStr(record, 'id', 'project'), name: str(record, 'name') ?? '' };
}

function parseMember(record: Json): ProjectManagerMember {
  return {
    id: requiredStr(record, 'id', 'project member'),
    name: str(record, 'name') ?? '',
    permission: str(record, 'permission') ?? str(record, 'role'),
  };
}

function parseResource(record: Json): ProjectManagerResource {
  const first = str(record, 'firstName');
  const last = str(record, 'lastName');
  return {
    id: requiredStr(record, 'id', 'resource').toLowerCase(),
    name: str(record, 'name') ?? [first, last].filter(Boolean).join(' '),
    email: str(record, 'email') || undefined,
    isActive: bool(record, 'isActive') ?? true,
    isPerson: record.roleId !== null && record.roleId !== undefined,
    roleId: str(record, 'roleId')?.toLowerCase(),
  };
}
