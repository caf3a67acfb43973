import type { OperationContext } from '../../core/context.js';
import { MembersError, toMembersError } from '../../core/errors.js';
import { MemberLedger, type ResolvedEntry } from '../../core/ledger.js';
import type { DirectoryPage, MemberInfo, MemberList, MembershipChange, Role } from '../../core/types.js';
import { guardedWrite, planWrites, writeEach, type EachMemberWrite } from '../../core/writes.js';
import { directoryEntry, directoryPage, memberInfo } from '../shared/entries.js';
import { matchesQuery, normalize, notFound, pickByIdOrName, UserIndex } from '../shared/match.js';
import type {
  AddMembersRequest,
  AddTeamRequest,
  ListMembersRequest,
  MembershipProvider,
  ProviderCapabilities,
  RemoveMembersRequest,
  SearchDirectoryRequest,
} from '../types.js';
import { CLOCKIFY_ID, type ClockifyApi, type ClockifyGroup, type ClockifyProject, type ClockifyUser } from './api.js';

/** Clockify has no name for plain membership; the manager level is its PROJECT_MANAGER role. */
const MEMBER = 'member';
const MANAGER = 'PROJECT_MANAGER';
const LEVEL_FOR_ROLE: Partial<Record<Role, string>> = { member: MEMBER, manager: MANAGER };

export const CLOCKIFY_CAPABILITIES: ProviderCapabilities = {
  roles: LEVEL_FOR_ROLE,
  defaultRole: MEMBER,
  teams: { mode: 'native', roles: ['member'], what: 'user groups, granted natively (group access is live)' },
  groups: false,
  remove: true,
  workspaces: true,
  notes: [
    'manager = project membership plus the PROJECT_MANAGER role; viewer, editor and owner do not exist per project',
    'free-plan workspaces allow only 30 API requests per hour',
  ],
};

interface Workspace {
  id: string;
  label: string;
}

interface ProjectAccess {
  /** Users who are direct members. */
  direct: Set<string>;
  /** User groups assigned to the project. */
  groups: ClockifyGroup[];
  /** For users with access through an assigned group: the groups' names. */
  viaGroups: Map<string, string[]>;
}

type Entry = ResolvedEntry<ClockifyUser>;

export interface ClockifySettings {
  /** Workspace used when a call names none. */
  workspaceId?: string | undefined;
  /** Members handled at once where Clockify needs one request per member (roles). */
  concurrency: number;
}

export class ClockifyProvider implements MembershipProvider {
  readonly kind = 'clockify' as const;
  readonly capabilities = CLOCKIFY_CAPABILITIES;

  constructor(
    private readonly api: ClockifyApi,
    private readonly settings: ClockifySettings,
  ) {}

  // ---- mutating operations ----

  async addMembers(request: AddMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const { ws, project, directory, managers, access } = await this.projectState(request, context);
    const ledger = MemberLedger.fromInputs<ClockifyUser>(request.users, context, request.dryRun);
    ledger.resolve((input) => directory.match(input));
    const wanted = request.role ? LEVEL_FOR_ROLE[request.role] : undefined;

    for (const entry of ledger.open()) {
      const current = managers.has(entry.user.id) ? MANAGER : MEMBER;
      if (!access.direct.has(entry.user.id)) ledger.plan(entry, 'add', wanted ?? current);
      else if (wanted === undefined || wanted === current) ledger.decide(entry, 'already_member', { role: current });
      else ledger.plan(entry, 'update', wanted);
    }
    // One batch request for the new members, one per role change.
    const roleChanges = ledger.open().filter((entry) => (entry.role === MANAGER) !== managers.has(entry.user.id));
    planWrites(context, (ledger.planned('add').length > 0 ? 1 : 0) + roleChanges.length, request.dryRun);
    const change = this.change(project);
    if (request.dryRun) return { ...change, results: ledger.results() };

    // One request adds every new member (Clockify takes the batch); the response is the new state.
    const adds = ledger.planned('add');
    if (adds.length > 0) {
      try {
        await this.writeMemberships(ws, project, adds, false, context);
      } catch (error) {
        for (const entry of adds) ledger.fail(entry, toMembersError(error));
      }
    }
    // Role changes are one request per member.
    const roleWork = ledger.open().filter((entry) => (entry.role === MANAGER) !== managers.has(entry.user.id));
    await this.writeManagerRoles(ws, project, ledger, roleWork, context, {
      done: (entry) => ({ status: entry.action === 'add' ? 'added' : 'updated' }),
      failureMessage: (entry, failure) =>
        entry.action === 'add'
          ? `Added to the project as a member, but ${entry.role === MANAGER ? 'granting' : 'removing'} the PROJECT_MANAGER role failed: ${failure.message}`
          : failure.message,
    });
    for (const entry of ledger.planned('add')) ledger.decide(entry, 'added');
    return { ...change, results: ledger.results() };
  }

  async removeMembers(request: RemoveMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const { ws, project, directory, managers, access } = await this.projectState(request, context);
    const ledger = MemberLedger.fromInputs<ClockifyUser>(request.users, context, request.dryRun);
    ledger.resolve((input) => directory.match(input));
    const change = this.change(project);

    for (const entry of ledger.open()) {
      const viaGroups = access.viaGroups.get(entry.user.id);
      if (access.direct.has(entry.user.id)) {
        ledger.plan(entry, 'remove');
        if (viaGroups) change.notes.push(`${entry.input} keeps access through user group ${quoteList(viaGroups)}.`);
      } else if (viaGroups) {
        ledger.fail(entry, {
          code: 'UNSUPPORTED',
          message: `Has access only through user group ${quoteList(viaGroups)}, which this tool does not change: remove the group from the project, or the user from the group, in Clockify.`,
        });
      } else if (managers.has(entry.user.id)) {
        ledger.plan(entry, 'remove'); // a manager without membership: revoke the role
      } else {
        ledger.decide(entry, 'not_member');
      }
    }
    // One batch request for the direct members, one per project manager role to revoke.
    const removals = ledger.planned('remove').filter((entry) => access.direct.has(entry.user.id));
    planWrites(context, (removals.length > 0 ? 1 : 0) + ledger.planned('remove').filter((entry) => managers.has(entry.user.id)).length, request.dryRun);
    if (request.dryRun) return { ...change, results: ledger.results() };

    if (removals.length > 0) {
      try {
        await this.writeMemberships(ws, project, removals, true, context);
      } catch (error) {
        for (const entry of removals) ledger.fail(entry, toMembersError(error));
      }
    }
    // A project manager keeps seeing the project through the role: revoke it too.
    const roleWork = ledger.planned('remove').filter((entry) => managers.has(entry.user.id));
    await this.writeManagerRoles(ws, project, ledger, roleWork, context, {
      done: () => ({ status: 'removed' }),
      failureMessage: (_entry, failure) => `Removed from the members, but removing the PROJECT_MANAGER role failed: ${failure.message}`,
    });
    for (const entry of ledger.planned('remove')) ledger.decide(entry, 'removed');
    return { ...change, results: ledger.results() };
  }

  async addTeam(request: AddTeamRequest, context: OperationContext): Promise<MembershipChange> {
    const { ws, project, directory, groups, managers, access } = await this.projectState(request, context);
    const group = pickByIdOrName(request.team, groups, 'team', `${ws.label} (Clockify user groups)`);
    const alreadyAssigned = access.groups.some((assigned) => assigned.id === group.id);

    const known = group.userIds.map((id) => directory.get(id) ?? { id, name: '', email: '', workspaceStatus: 'DELETED' });
    const ledger = MemberLedger.fromUsers<ClockifyUser>(known, context, request.dryRun);
    const change = { ...this.change(project), team: { id: group.id, name: group.name, mode: 'native' as const } };
    for (const entry of ledger.open()) {
      const status = entry.user.workspaceStatus;
      if (status !== undefined && status !== 'ACTIVE') {
        // Group access is live for every group member, but only active users can use it (quirk Q4).
        ledger.decide(entry, 'skipped', { error: { code: 'NOT_FOUND', message: inactiveMessage(status) } });
      } else if (alreadyAssigned || access.direct.has(entry.user.id) || access.viaGroups.has(entry.user.id)) {
        ledger.decide(entry, 'already_member', { role: managers.has(entry.user.id) ? MANAGER : MEMBER });
      } else {
        ledger.plan(entry, 'add', MEMBER);
      }
    }
    if (group.userIds.length === 0) change.notes.push(`User group "${group.name}" has no members.`);
    planWrites(context, alreadyAssigned ? 0 : 1, request.dryRun); // one request assigns the group
    if (request.dryRun || alreadyAssigned) {
      if (!alreadyAssigned) change.notes.push(`Would assign user group "${group.name}" to the project.`);
      return { ...change, results: ledger.results() };
    }

    try {
      await guardedWrite(context, {
        keys: [group.id],
        journal: { provider: this.kind, project: project.id, operation: 'add_team', user: () => undefined },
        write: async () => {
          const after = await this.api.changeMemberships(ws.id, project.id, { groupIds: [group.id], remove: false }, context.signal);
          if (!after.memberships.some((m) => m.userId === group.id)) {
            throw new MembersError('PROVIDER_ERROR', `Clockify accepted the request but does not list user group "${group.name}" on the project.`);
          }
        },
        remaining: async () => {
          const fresh = await this.api.project(ws.id, project.id, context.signal);
          return fresh.memberships.some((m) => m.userId === group.id) ? [] : [group.id];
        },
      });
      change.notes.push(`User group "${group.name}" is now assigned to the project: its future members get access too.`);
      for (const entry of ledger.planned('add')) ledger.decide(entry, 'added');
    } catch (error) {
      ledger.failOpen(toMembersError(error));
    }
    return { ...change, results: ledger.results() };
  }

  // ---- reads ----

  async listMembers(request: ListMembersRequest, context: OperationContext): Promise<MemberList> {
    const { project, directory, managers, access } = await this.projectState(request, context);
    const members: MemberInfo[] = [];
    const info = (userId: string, role: string) => memberInfo(userId, directory.get(userId), role);
    for (const userId of access.direct) members.push(info(userId, managers.has(userId) ? MANAGER : MEMBER));
    for (const userId of managers) if (!access.direct.has(userId)) members.push(info(userId, MANAGER));
    for (const [userId, names] of access.viaGroups) {
      if (!access.direct.has(userId) && !managers.has(userId)) members.push(info(userId, `member via group ${quoteList(names)}`));
    }
    const notes: string[] = [];
    if (project.public) notes.push('The project is public: every workspace user can track time on it, whatever this list says.');
    if (access.groups.length > 0) notes.push(`User groups assigned: ${quoteList(access.groups.map((g) => g.name))}; their members are listed "via group".`);
    return { project: { id: project.id, name: project.name }, members, notes };
  }

  async searchDirectory(request: SearchDirectoryRequest, context: OperationContext): Promise<DirectoryPage> {
    if (request.kind === 'workspace') {
      // Every workspace the key sees (the one given, if any): how an agent finds the workspaceId to pass.
      const workspaces = (await this.api.workspaces(context.signal)).filter((w) => (request.workspaceId === undefined || w.id === request.workspaceId) && matchesQuery(request.query, w.name));
      return directoryPage(workspaces.map(directoryEntry), request.limit);
    }
    const ws = await this.workspace(request.workspaceId, context);
    const { query, limit } = request;
    if (request.kind === 'team') {
      const groups = (await this.api.groups(ws.id, context.signal)).filter((g) => matchesQuery(query, g.name));
      return directoryPage(groups.map(directoryEntry), limit);
    }
    if (request.kind === 'project') {
      const page = await this.api.projectsPage(ws.id, { name: query.trim(), page: 1, pageSize: limit + 1 }, context.signal);
      const projects = page.items.filter((p) => matchesQuery(query, p.name));
      return directoryPage(projects.map(directoryEntry), limit, !page.last);
    }
    // Users: Clockify filters name and email separately (substring), so ask for both and merge.
    const trimmed = query.trim();
    const pages = trimmed === ''
      ? [await this.api.usersPage(ws.id, { page: 1, pageSize: limit + 1 }, context.signal)]
      : await Promise.all([
          this.api.usersPage(ws.id, { name: trimmed, page: 1, pageSize: limit + 1 }, context.signal),
          this.api.usersPage(ws.id, { email: trimmed, page: 1, pageSize: limit + 1 }, context.signal),
        ]);
    const seen = new Set<string>();
    const users = pages
      .flatMap((page) => page.items)
      .filter((user) => !seen.has(user.id) && seen.add(user.id) && isUsable(user) && matchesQuery(query, user.name, user.email))
      .sort((a, b) => a.name.localeCompare(b.name));
    return directoryPage(users.map(directoryEntry), limit, pages.some((page) => !page.last));
  }


  // ---- helpers ----

  private change(project: ClockifyProject): { project: { id: string; name: string }; notes: string[] } {
    const notes: string[] = [];
    if (project.public) notes.push('The project is public: every workspace user can already track time on it.');
    return { project: { id: project.id, name: project.name }, notes };
  }

  /** Everything an operation on a project reads first: the project, the directory, groups and managers. */
  private async projectState(request: ListMembersRequest, context: OperationContext) {
    const ws = await this.workspace(request.workspaceId, context);
    const project = await this.project(ws, request.project, context);
    const [directory, groups, managers] = await Promise.all([
      this.directory(ws, context),
      this.api.groups(ws.id, context.signal),
      this.api.managers(ws.id, project.id, context.signal),
    ]);
    return { ws, project, directory, groups, managers, access: projectAccess(project, groups) };
  }

  /** The call's workspace: as given, else the connection's default, else the key's only workspace. */
  private async workspace(requested: string | undefined, context: OperationContext): Promise<Workspace> {
    const id = requested ?? this.settings.workspaceId;
    if (id !== undefined) {
      if (!CLOCKIFY_ID.test(id)) {
        throw new MembersError('INVALID_ARGUMENT', `Invalid workspaceId "${id.slice(0, 80)}": a Clockify workspace id is 24 hexadecimal characters.`, {
          hint: 'Leave workspaceId out to use the connection\'s default workspace.',
        });
      }
      return { id, label: `workspace ${id}` };
    }
    const workspaces = await this.api.workspaces(context.signal);
    if (workspaces.length === 1) return { id: workspaces[0]!.id, label: `workspace "${workspaces[0]!.name}"` };
    if (workspaces.length === 0) throw new MembersError('NOT_FOUND', 'This Clockify API key has access to no workspace.');
    throw new MembersError(
      'INVALID_ARGUMENT',
      `workspaceId is required: this API key can access ${workspaces.length} workspaces: ${workspaces.map((w) => `"${w.name}" (${w.id})`).join(', ')}.`,
      { hint: 'Pass workspaceId, or set CLOCKIFY_WORKSPACE_ID for the connection.' },
    );
  }

  /** A project by id (one GET) or by exact name (a name search, compared exactly here: quirk Q5). */
  private async project(ws: Workspace, ref: string, context: OperationContext): Promise<ClockifyProject> {
    const text = ref.trim();
    if (CLOCKIFY_ID.test(text)) {
      try {
        return await this.api.project(ws.id, text.toLowerCase(), context.signal);
      } catch (error) {
        if (toMembersError(error).code !== 'NOT_FOUND') throw error;
        // Not a project id here; it may still be a (24-hex) project name.
      }
    }
    const candidates = await this.api.projectsNamed(ws.id, text, context.signal);
    const wanted = normalize(text);
    const exact = candidates.filter((p) => normalize(p.name) === wanted);
    if (exact.length === 0) {
      // The error names the closest projects: among those containing the text, else the first page.
      const near = candidates.length > 0 ? candidates : (await this.api.projectsPage(ws.id, { page: 1, pageSize: 200 }, context.signal)).items;
      throw notFound('project', text, ws.label, near);
    }
    return pickByIdOrName(text, exact, 'project', ws.label);
  }

  private async directory(ws: Workspace, context: OperationContext): Promise<UserIndex<ClockifyUser>> {
    const users = await this.api.users(ws.id, context.signal);
    return new UserIndex(users, (text) => CLOCKIFY_ID.test(text), ws.label);
  }

  /** Adds or removes users in one POST, applied exactly once even when the reply is lost. */
  private async writeMemberships(ws: Workspace, project: ClockifyProject, entries: Entry[], remove: boolean, context: OperationContext): Promise<void> {
    const isDone = (state: ClockifyProject, userId: string) => state.memberships.some((m) => m.userId === userId) !== remove;
    await guardedWrite(context, {
      keys: entries.map((entry) => entry.user.id),
      journal: { provider: this.kind, project: project.id, operation: remove ? 'remove' : 'add', user: (id) => id },
      write: async (userIds) => {
        const after = await this.api.changeMemberships(ws.id, project.id, { userIds, remove }, context.signal);
        const missed = userIds.filter((id) => !isDone(after, id));
        if (missed.length > 0) {
          throw new MembersError('PROVIDER_ERROR', `Clockify accepted the request but did not ${remove ? 'remove' : 'add'} ${missed.length} of the members.`);
        }
      },
      remaining: async (userIds) => {
        const fresh = await this.api.project(ws.id, project.id, context.signal);
        return userIds.filter((id) => !isDone(fresh, id));
      },
    });
  }

  /**
   * Grants or revokes PROJECT_MANAGER member by member (the entry's planned role says which): one
   * request each, within the connection's cap, each applied exactly once.
   */
  private async writeManagerRoles(
    ws: Workspace,
    project: ClockifyProject,
    ledger: MemberLedger<ClockifyUser>,
    entries: Entry[],
    context: OperationContext,
    outcome: Pick<EachMemberWrite<ClockifyUser>, 'done' | 'failureMessage'>,
  ): Promise<void> {
    const manager = (entry: Entry) => entry.role === MANAGER;
    await writeEach(context, ledger, entries, {
      provider: this.kind,
      project: project.id,
      operation: (entry) => (manager(entry) ? 'set_role' : 'unset_role'),
      concurrency: this.settings.concurrency,
      write: (entry) => this.api.setManager(ws.id, entry.user.id, project.id, manager(entry), context.signal),
      hasTakenEffect: async (entry) => (await this.api.managers(ws.id, project.id, context.signal)).has(entry.user.id) === manager(entry),
      ...outcome,
    });
  }

}

function projectAccess(project: ClockifyProject, groups: ClockifyGroup[]): ProjectAccess {
  const groupsById = new Map(groups.map((group) => [group.id, group]));
  const access: ProjectAccess = { direct: new Set(), groups: [], viaGroups: new Map() };
  for (const membership of project.memberships) {
    if (membership.membershipType !== 'PROJECT' || membership.membershipStatus === 'INACTIVE' || membership.membershipStatus === 'DECLINED') continue;
    // Quirk Q1: a membership's userId may be an assigned user group's id.
    const group = groupsById.get(membership.userId);
    if (group) access.groups.push(group);
    else access.direct.add(membership.userId);
  }
  for (const group of access.groups) {
    for (const userId of group.userIds) access.viaGroups.set(userId, [...(access.viaGroups.get(userId) ?? []), group.name]);
  }
  return access;
}

function isUsable(user: ClockifyUser): boolean {
  return user.workspaceStatus === undefined || user.workspaceStatus === 'ACTIVE' || user.workspaceStatus === 'PENDING';
}

function inactiveMessage(status: string): string {
  if (status === 'PENDING') return 'Skipped: invited to the workspace but has not joined yet.';
  if (status === 'DELETED') return 'Skipped: no longer a user of this workspace.';
  return `Skipped: not an active workspace user (${status}).`;
}

function quoteList(names: string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}

