import { toMembersError } from '../../core/errors.js';
import type { ErrorDescription, ErrorReply, HttpClient } from '../../http/client.js';
import { buildPath, UUID } from '../../http/path.js';
import { asArray, asRecord, asRecords, bool, requiredStr, str, type Json } from '../shared/json.js';
import { collectPages } from '../shared/paging.js';

/** GoRules ids are UUIDs: project, member (membership record), user, group, role. */
export const GORULES_ID = UUID;
const IDS = { projectId: GORULES_ID, memberId: GORULES_ID };

/**
 * Pages of 500: the default is 10, so a list must always name its size, and no maximum is
 * documented; 500 is the largest seen in use (docs/providers/gorules.md, "Lists and paging").
 */
const PER_PAGE = 500;

export interface GoRulesUser {
  id: string;
  name: string;
  email: string | undefined;
  /** "active" or "pending" (open strings: the docs warn schemas may be incomplete). */
  status: string | undefined;
  isService: boolean;
}

export interface GoRulesMember {
  /** The membership record's id, used by PUT and DELETE (not the user id). */
  id: string;
  userId: string;
  owner: boolean;
  groupIds: string[];
  user: GoRulesUser;
}

export interface GoRulesGroup {
  id: string;
  name: string;
  roleId: string | undefined;
}

export interface GoRulesProject {
  id: string;
  name: string;
}

/** A project as the project list shows it: with its members (documented: id, owner, user). */
export interface GoRulesListedProject {
  project: GoRulesProject;
  /** Undefined when a reply leaves them out: then they are read from the project's member list. */
  members: Array<{ userId: string; owner: boolean; user: GoRulesUser }> | undefined;
}

export interface GoRulesRole {
  id: string;
  name: string;
  users: GoRulesUser[];
  /** The role applies to every project of the organisation. */
  allProjects: boolean;
  /** Inferred: the projects it applies to otherwise are those of the project groups it manages. */
  projectIds: string[];
}

/** GoRules BRMS documents no error bodies; read them leniently and point at what usually went wrong. */
export function describeGoRulesError(reply: ErrorReply): ErrorDescription | undefined {
  if (reply.status >= 300 && reply.status < 400) {
    const location = reply.headers.location;
    return {
      code: 'PROVIDER_ERROR',
      message: `a redirect${location ? ` to ${Array.isArray(location) ? location[0] : location}` : ''}, which is not followed so that the token never goes to another address`,
      hint: 'Set GORULES_BASE_URL to the address the BRMS is served at (with https:// if it redirects there), with or without /api.',
    };
  }
  if (reply.status === 401) return { code: 'AUTH_FAILED', hint: 'Check GORULES_TOKEN: a personal access token of this BRMS instance, not expired (Profile → Personal access token).' };
  if (reply.status === 403) {
    return {
      code: 'PERMISSION_DENIED',
      hint: 'The personal access token needs the "Project Manage" permission and this project in its scope (Profile → Personal access token).',
    };
  }
  return undefined;
}

/** Typed calls to the GoRules BRMS API under `<base>/api`. */
export class GoRulesApi {
  constructor(private readonly http: HttpClient) {}

  /**
   * Projects whose name contains `search` (all when empty); all pages. With `all`, every project of
   * the organisation (documented for organisation admins and owners); without it, the documented
   * default, which lists fewer (inferred: the projects the token's user has joined).
   */
  async projects(search: string, all: boolean, signal: AbortSignal): Promise<GoRulesProject[]> {
    const query = { search: search || undefined, all: all ? 'true' : undefined };
    return this.allPages('/api/projects', query, (p) => parseListed(p).project, signal);
  }

  /** Every project the list shows (with `all`, the organisation's), each with the members listed beside it. */
  async projectsWithMembers(all: boolean, signal: AbortSignal): Promise<GoRulesListedProject[]> {
    return this.allPages('/api/projects', { all: all ? 'true' : undefined }, parseListed, signal);
  }

  /**
   * The token's own user. Inferred: GET /api/profile, the reading twin of the documented
   * PUT /api/profile ("Update current user profile"); null when the server has no such route or
   * refuses it, so that the caller knows it cannot tell.
   */
  async profile(signal: AbortSignal): Promise<GoRulesUser | null> {
    try {
      const response = await this.http.request({ method: 'GET', path: '/api/profile', signal });
      const body = asRecord(response.json, 'profile');
      // Read leniently: the user itself, or wrapped in `user`.
      return parseUser(body.user && typeof body.user === 'object' ? (body.user as Json) : body);
    } catch (error) {
      const status = toMembersError(error).status;
      if (status === 403 || status === 404 || status === 405) return null;
      throw error;
    }
  }

  async members(projectId: string, signal: AbortSignal): Promise<GoRulesMember[]> {
    return this.allPages(buildPath('/api/projects/{projectId}/members', { projectId }, IDS), {}, parseMember, signal);
  }

  async groups(projectId: string, signal: AbortSignal): Promise<GoRulesGroup[]> {
    return this.allPages(buildPath('/api/projects/{projectId}/groups', { projectId }, IDS), {}, parseGroup, signal);
  }

  /** Organisation users; service accounts only when asked for. */
  async users(options: { search?: string; includeService: boolean }, signal: AbortSignal): Promise<GoRulesUser[]> {
    const query = { search: options.search || undefined, isService: options.includeService ? undefined : 'false' };
    return this.allPages('/api/users', query, parseUser, signal);
  }

  /** Users whose email, first or last name contains `text` (the `search` filter; callers compare exactly). */
  async usersMatching(text: string, signal: AbortSignal): Promise<GoRulesUser[]> {
    return this.allPages('/api/users', { search: text }, parseUser, signal);
  }

  /** Organisation users who are not yet members of the project (candidates to invite). */
  async invitableUsers(projectId: string, signal: AbortSignal): Promise<GoRulesUser[]> {
    return this.allPages(buildPath('/api/projects/{projectId}/members/users', { projectId }, IDS), {}, parseUser, signal);
  }

  async roles(signal: AbortSignal): Promise<GoRulesRole[]> {
    return this.allPages('/api/roles', {}, (role) => ({
      id: requiredStr(role, 'id', 'role'),
      name: str(role, 'name') ?? '',
      users: asRecords(role.users ?? [], 'role.users').map(parseUser),
      allProjects: bool(role, 'allProjects') ?? false,
      projectIds: [...new Set(asRecords(role.groups ?? [], 'role.groups').flatMap((group) => (str(group, 'projectId') ? [str(group, 'projectId')!] : [])))],
    }), signal);
  }

  /** Invites users; the reply lists the membership records it created. */
  async invite(projectId: string, change: { userIds: string[]; groupIds: string[]; owner: boolean }, signal: AbortSignal): Promise<GoRulesMember[]> {
    const path = buildPath('/api/projects/{projectId}/members', { projectId }, IDS);
    const response = await this.http.request({ method: 'POST', path, body: change, signal });
    return asRecords(response.json ?? [], 'invited members').map(parseMember);
  }

  /** Sets a member's groups and owner flag. Both are always sent: a left-out owner means false (docs/providers/gorules.md, "Members"). */
  async updateMember(projectId: string, memberId: string, change: { groupIds: string[]; owner: boolean }, signal: AbortSignal): Promise<GoRulesMember> {
    const path = buildPath('/api/projects/{projectId}/members/{memberId}', { projectId, memberId }, IDS);
    const response = await this.http.request({ method: 'PUT', path, body: { groupIds: change.groupIds, owner: change.owner }, signal });
    return parseMember(asRecord(response.json, 'member'));
  }

  /**
   * Inferred: DELETE …/members/{memberId} (by membership id) is not in the published reference
   * (docs/providers/gorules.md, "Inferred"). Whatever it answers, the caller re-reads the members.
   */
  async removeMember(projectId: string, memberId: string, signal: AbortSignal): Promise<void> {
    const path = buildPath('/api/projects/{projectId}/members/{memberId}', { projectId, memberId }, IDS);
    await this.http.request({ method: 'DELETE', path, signal });
  }

  /**
   * One page of the projects the token sees, and how many there are in all. With `all`, every
   * organisation project in the token's scope (documented for organisation admins and owners).
   */
  async projectsPage(all: boolean, signal: AbortSignal): Promise<{ projects: GoRulesProject[]; total: number | undefined }> {
    const response = await this.http.request({ method: 'GET', path: '/api/projects', query: { all: all ? 'true' : undefined, page: 1, perPage: PER_PAGE }, signal });
    const body = asRecord(response.json, '/api/projects page');
    const projects = asRecords(body.results ?? [], '/api/projects results').map((p) => ({ id: requiredStr(p, 'id', 'project'), name: str(p, 'name') ?? '' }));
    const total = body.paginate && typeof body.paginate === 'object' ? (body.paginate as Json).total : undefined;
    return { projects, total: typeof total === 'number' ? total : undefined };
  }

  /** Reads one member record of the project: allowed only with Project Manage on it (the doctor's probe). */
  async probeMembers(projectId: string, signal: AbortSignal): Promise<void> {
    await this.http.request({ method: 'GET', path: buildPath('/api/projects/{projectId}/members', { projectId }, IDS), query: { page: 1, perPage: 1 }, signal });
  }

  /**
   * A `{results, paginate}` list: the first page, then, once `paginate.total` tells how many there
   * are, every other page at once (the connection's cap on requests in flight applies). The page
   * size is the one the server used (`paginate.pageSize`), which may be less than asked. Without a
   * total, page after page until a short one. Inferred: the search parameter is named `search` (the
   * rendered docs do not show its name); callers filter again.
   */
  private async allPages<T>(path: string, query: Record<string, string | undefined>, parse: (record: Json) => T, signal: AbortSignal): Promise<T[]> {
    const page = async (n: number) => {
      const response = await this.http.request({ method: 'GET', path, query: { ...query, page: n, perPage: PER_PAGE }, signal });
      const body = asRecord(response.json, `${path} page`);
      const items = asArray(body.results ?? [], `${path} results`)
        .filter((item): item is Json => !!item && typeof item === 'object')
        .map(parse);
      const paginate = body.paginate && typeof body.paginate === 'object' ? (body.paginate as Json) : {};
      const number = (key: string) => (typeof paginate[key] === 'number' && (paginate[key] as number) > 0 ? (paginate[key] as number) : undefined);
      return { items, total: typeof paginate.total === 'number' ? paginate.total : undefined, pageSize: number('pageSize') };
    };
    const first = await page(1);
    const all = [...first.items];
    if (first.total === undefined) {
      if (first.items.length < PER_PAGE) return all;
      return [...all, ...(await collectPages(async (n) => {
        const { items } = await page(n);
        return { items, last: items.length < PER_PAGE };
      }, { firstPage: 2 }))];
    }
    const size = first.pageSize ?? first.items.length;
    if (all.length >= first.total || first.items.length === 0) return all;
    const pages = Math.min(Math.ceil(first.total / size), MAX_PAGES);
    for (const rest of await Promise.all(Array.from({ length: pages - 1 }, (_, i) => page(i + 2)))) all.push(...rest.items);
    // A list that grew meanwhile: the pages after the last one counted, until covered or empty.
    for (let n = pages + 1; all.length < first.total && n <= MAX_PAGES; n++) {
      const { items } = await page(n);
      if (items.length === 0) break;
      all.push(...items);
    }
    return all;
  }
}

/** Guard against endless paging. */
const MAX_PAGES = 1000;

function parseUser(record: Json): GoRulesUser {
  const first = str(record, 'firstName');
  const last = str(record, 'lastName');
  const email = str(record, 'email') || undefined;
  return {
    id: requiredStr(record, 'id', 'user'),
    name: [first, last].filter(Boolean).join(' ') || (email ?? ''),
    email,
    status: str(record, 'status'),
    isService: bool(record, 'isService') ?? false,
  };
}

function parseListed(record: Json): GoRulesListedProject {
  const project = { id: requiredStr(record, 'id', 'project'), name: str(record, 'name') ?? '' };
  const members = Array.isArray(record.members)
    ? asRecords(record.members, 'project.members').flatMap((member) => {
        const user = member.user && typeof member.user === 'object' ? (member.user as Json) : {};
        const userId = str(member, 'userId') ?? str(user, 'id');
        return userId ? [{ userId, owner: bool(member, 'owner') ?? false, user: parseUser({ ...user, id: userId }) }] : [];
      })
    : undefined;
  return { project, members };
}

function parseMember(record: Json): GoRulesMember {
  const userId = str(record, 'userId') ?? (record.user && typeof record.user === 'object' ? str(record.user as Json, 'id') : undefined);
  const user = record.user && typeof record.user === 'object' ? parseUser({ id: userId, ...(record.user as Json) }) : parseUser({ id: userId });
  return {
    id: requiredStr(record, 'id', 'member'),
    userId: user.id,
    owner: bool(record, 'owner') ?? false,
    groupIds: asRecords(record.groups ?? [], 'member.groups').flatMap((g) => (str(g, 'id') ? [str(g, 'id')!] : [])),
    user,
  };
}

function parseGroup(record: Json): GoRulesGroup {
  return { id: requiredStr(record, 'id', 'group'), name: str(record, 'name') ?? '', roleId: str(record, 'roleId') ?? undefined };
}
