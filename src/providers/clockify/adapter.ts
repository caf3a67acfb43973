import type { OperationContext } from '../../core/context.js';
import { MembersError, toMembersError } from '../../core/errors.js';
import { MemberLedger, type ResolvedEntry } from '../../core/ledger.js';
import type { DirectoryPage, MemberInfo, MemberList, MembershipChange, Role, UserMemberships } from '../../core/types.js';
import { confirmWrites, guardedWrite, holdProject, planWrites, Replies, writeEach } from '../../core/writes.js';
import type { DirectoryCache } from '../../core/cache.js';
import { Directory } from '../shared/directory.js';
import { directoryEntry, directoryPage, memberInfo } from '../shared/entries.js';
import { matchesQuery, normalize, notFound, pickByIdOrName } from '../shared/match.js';
import { OwnAccount, reviewRemoval } from '../shared/removal.js';
import { MembershipCollector, resolveReviewInputs, reviewedUsers } from '../shared/review.js';
import type {
  AddMembersRequest,
  AddTeamRequest,
  ListMembersRequest,
  MembershipProvider,
  ProviderCapabilities,
  RemoveMembersRequest,
  SearchDirectoryRequest,
  UserMembershipsRequest,
} from '../types.js';
import { CLOCKIFY_ID, type ClockifyApi, type ClockifyGroup, type ClockifyProject, type ClockifyUser, type ClockifyWorkspace } from './api.js';

/** Clockify has no name for plain membership; the manager level is its PROJECT_MANAGER role. */
const MEMBER = 'member';
const MANAGER = 'PROJECT_MANAGER';
const LEVEL_FOR_ROLE: Partial<Record<Role, string>> = { member: MEMBER, manager: MANAGER };
/**
 * Up to this many emails are looked up one by one (Clockify's email filter); more read the
 * workspace's users whole (5000 a page). Measured by `npm run bench` ("lookups or the directory").
 */
const LOOKUP_LIMIT = 2;

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
  /** The connection's directory cache: the workspaces and their people. */
  cache: DirectoryCache;
}

export class ClockifyProvider implements MembershipProvider {
  readonly kind = 'clockify' as const;
  readonly capabilities = CLOCKIFY_CAPABILITIES;
  /** The API key's user (GET /v1/user), which removals must not take out unconfirmed. */
  private readonly own = new OwnAccount(async (context) => (await this.api.currentUser(context.signal)).id);

  constructor(
    private readonly api: ClockifyApi,
    private readonly settings: ClockifySettings,
  ) {}

  // ---- mutating operations ----

  async addMembers(request: AddMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const ws = await this.workspace(request.workspaceId, context);
    const wanted = request.role ? LEVEL_FOR_ROLE[request.role] : undefined;
    // The project, the people and (only when a role is asked) the managers: independent reads, together.
    const [project, users, roles] = await Promise.all([
      this.project(ws, request.project, context),
      this.users(ws).resolve(request.users, context.signal),
      wanted ? this.api.managers(ws.id, context.signal) : undefined,
    ]);
    const ledger = MemberLedger.fromInputs<ClockifyUser>(request.users, context, request.dryRun);
    ledger.resolve((input) => users.match(input));
    const direct = directMembers(project);
    // Without a role, the managers are read only to report the level of those already in the project.
    const known = roles ?? (ledger.open().some((entry) => direct.has(entry.user.id)) ? await this.api.managers(ws.id, context.signal) : undefined);
    const { managers, undecided } = managersOf(known ?? new Map(), project.id);

    for (const entry of ledger.open()) {
      const current = managers.has(entry.user.id) ? MANAGER : MEMBER;
      if (undecided.has(entry.user.id)) ledger.fail(entry, undecidedManager(entry.user));
      else if (!direct.has(entry.user.id)) ledger.plan(entry, 'add', wanted ?? current);
      else if (wanted === undefined || wanted === current) ledger.decide(entry, 'already_member', { role: current });
      else ledger.plan(entry, 'update', wanted);
    }
    // One batch request for the new members, one per role change; the confirming read is the
    // batch's reply, plus the managers after role changes (and the project when nothing else shows it).
    const adds = ledger.planned('add');
    const roleChanges = ledger.open().filter((entry) => entry.action && (entry.role === MANAGER) !== managers.has(entry.user.id));
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: (adds.length > 0 ? 1 : 0) + roleChanges.length, confirmingReads: confirmingReads(adds.length > 0, roleChanges.length > 0) }, request.dryRun);
    const change = this.change(project);
    if (request.dryRun) return { ...change, results: ledger.results() };

    const written = ledger.open().filter((entry) => entry.action);
    const replies = new Replies(ledger);
    // One request adds every new member (Clockify takes the batch).
    const batch = adds.length > 0 ? await this.writeMemberships(ws, project, adds, false, context) : undefined;
    for (const entry of adds) replies.set(entry.user.id, batch?.failure);
    for (const entry of ledger.planned('update')) replies.set(entry.user.id, undefined);
    // Role changes are one request per member, for those whose membership is in place.
    const roleWork = written.filter((entry) => !replies.get(entry.user.id) && (entry.role === MANAGER) !== managers.has(entry.user.id));
    await this.writeManagerRoles(ws, project, roleWork, replies, context);
    // Added or updated only when the state after the writes shows the membership and the manager role as asked.
    await this.confirm(ws, project, ledger, written, replies, context, {
      reached: (entry, state) => state.direct.has(entry.user.id) && (wanted === undefined || state.managers.has(entry.user.id) === (entry.role === MANAGER)),
      roleRefused: (entry, state) =>
        entry.action === 'add' && state.direct.has(entry.user.id)
          ? `Added to the project as a member, but ${entry.role === MANAGER ? 'granting' : 'removing'} the PROJECT_MANAGER role failed`
          : undefined,
      roleWork,
      batch: batch?.reply ? { reply: batch.reply, entries: adds, remove: false } : undefined,
      managersBefore: managers,
    });
    this.users(ws).afterWrites(written);
    return { ...change, results: ledger.results() };
  }

  async removeMembers(request: RemoveMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const ws = await this.workspace(request.workspaceId, context);
    // A removal needs everything that gives access: the members, the user groups and the managers, read fresh.
    const [project, users, groups, roles] = await Promise.all([
      this.project(ws, request.project, context),
      this.users(ws).resolve(request.users, context.signal),
      this.api.groups(ws.id, context.signal),
      this.api.managers(ws.id, context.signal),
    ]);
    const access = projectAccess(project, groups);
    const { managers, undecided } = managersOf(roles, project.id);
    const ledger = MemberLedger.fromInputs<ClockifyUser>(request.users, context, request.dryRun);
    ledger.resolve((input) => users.match(input));
    const change = this.change(project);

    for (const entry of ledger.open()) {
      const viaGroups = access.viaGroups.get(entry.user.id);
      if (undecided.has(entry.user.id)) {
        ledger.fail(entry, undecidedManager(entry.user));
      } else if (access.direct.has(entry.user.id)) {
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
    const written = ledger.planned('remove');
    const removals = written.filter((entry) => access.direct.has(entry.user.id));
    const roleRevocations = written.filter((entry) => managers.has(entry.user.id)).length;
    // No last-manager guard: workspace admins manage every project, with or without a PROJECT_MANAGER.
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: (removals.length > 0 ? 1 : 0) + roleRevocations, confirmingReads: confirmingReads(removals.length > 0, roleRevocations > 0) }, request.dryRun);
    await reviewRemoval(request, change.project, ledger, () => this.own.id(context));
    if (request.dryRun) return { ...change, results: ledger.results() };

    const replies = new Replies(ledger);
    const batch = removals.length > 0 ? await this.writeMemberships(ws, project, removals, true, context) : undefined;
    for (const entry of removals) replies.set(entry.user.id, batch?.failure);
    for (const entry of written) if (!access.direct.has(entry.user.id)) replies.set(entry.user.id, undefined);
    // A project manager keeps seeing the project through the role: revoke it too.
    const roleWork = written.filter((entry) => !replies.get(entry.user.id) && managers.has(entry.user.id));
    await this.writeManagerRoles(ws, project, roleWork, replies, context);
    // Removed only when the state after the writes shows neither the membership nor the manager role.
    await this.confirm(ws, project, ledger, written, replies, context, {
      reached: (entry, state) => !state.direct.has(entry.user.id) && !state.managers.has(entry.user.id),
      roleRefused: (entry, state) => (state.direct.has(entry.user.id) ? undefined : 'Removed from the members, but removing the PROJECT_MANAGER role failed'),
      roleWork,
      batch: batch?.reply ? { reply: batch.reply, entries: removals, remove: true } : undefined,
      managersBefore: managers,
    });
    this.users(ws).afterWrites(written);
    return { ...change, results: ledger.results() };
  }

  async addTeam(request: AddTeamRequest, context: OperationContext): Promise<MembershipChange> {
    const ws = await this.workspace(request.workspaceId, context);
    const people = this.users(ws);
    // Group membership decides who gets access: read fresh; the people (names, status) may come from the cache.
    const [project, groups] = await Promise.all([
      this.project(ws, request.project, context),
      this.api.groups(ws.id, context.signal),
      people.all(context.signal),
    ]);
    const group = pickByIdOrName(request.team, groups, 'team', `${ws.label} (Clockify user groups)`);
    const access = projectAccess(project, groups);
    const alreadyAssigned = access.groups.some((assigned) => assigned.id === group.id);
    // A cached record that would skip someone (not active, or unknown) is read again first.
    const directory = await people.all(context.signal, { ids: group.userIds, trusted: (user) => user.workspaceStatus === undefined || user.workspaceStatus === 'ACTIVE' });

    const known = group.userIds.map((id) => directory.get(id) ?? { id, name: '', email: '', workspaceStatus: 'DELETED' });
    const ledger = MemberLedger.fromUsers<ClockifyUser>(known, context, request.dryRun);
    const change = { ...this.change(project), team: { id: group.id, name: group.name, mode: 'native' as const } };
    const isMember = (userId: string) => alreadyAssigned || access.direct.has(userId) || access.viaGroups.has(userId);
    const usable = (user: ClockifyUser) => user.workspaceStatus === undefined || user.workspaceStatus === 'ACTIVE';
    // The managers only to report the level of members already in the project.
    const roles = ledger.open().some((entry) => usable(entry.user) && isMember(entry.user.id)) ? await this.api.managers(ws.id, context.signal) : new Map();
    const { managers } = managersOf(roles, project.id);
    for (const entry of ledger.open()) {
      const status = entry.user.workspaceStatus;
      if (!usable(entry.user)) {
        // Group access is live for every group member, but only active users can use it (docs/providers/clockify.md, "Teams").
        ledger.decide(entry, 'skipped', { error: { code: 'NOT_FOUND', message: inactiveMessage(status!) } });
      } else if (isMember(entry.user.id)) {
        ledger.decide(entry, 'already_member', { role: managers.has(entry.user.id) ? MANAGER : MEMBER });
      } else {
        ledger.plan(entry, 'add', MEMBER);
      }
    }
    if (group.userIds.length === 0) change.notes.push(`User group "${group.name}" has no members.`);
    // One request assigns the group; its reply, the project after it, confirms it (a read of the project when it does not show it).
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: alreadyAssigned ? 0 : 1, confirmingReads: 0 }, request.dryRun);
    if (request.dryRun || alreadyAssigned) {
      if (!alreadyAssigned) change.notes.push(`Would assign user group "${group.name}" to the project.`);
      return { ...change, results: ledger.results() };
    }

    const adds = ledger.planned('add');
    const assignedIn = (state: ClockifyProject) => projectAccess(state, groups).groups.some((g) => g.id === group.id);
    let failure: MembersError | undefined;
    let reply: ClockifyProject | undefined;
    try {
      await guardedWrite(context, {
        keys: [group.id],
        journal: { provider: this.kind, project: project.id, operation: 'add_team', user: () => undefined },
        write: async () => {
          reply = await this.api.changeMemberships(ws.id, project.id, { groupIds: [group.id], remove: false }, context.signal);
        },
        remaining: async () => (assignedIn(await this.api.project(ws.id, project.id, context.signal)) ? [] : [group.id]),
      });
    } catch (error) {
      failure = toMembersError(error);
    }
    let assigned = false;
    const replies = new Replies(ledger);
    for (const entry of adds) replies.set(entry.user.id, failure);
    // Each member is added only when the project after the write shows the group on it.
    await confirmWrites(context, ledger, adds, replies, {
      label: 'Clockify',
      reread: async () => {
        // The write's reply is the project after it (docs/providers/clockify.md, "Members"); when it
        // does not show the group, the project is read again rather than taken as refused.
        assigned = reply !== undefined && assignedIn(reply);
        if (!assigned) assigned = assignedIn(await this.api.project(ws.id, project.id, context.signal));
        return () => (assigned ? { member: true, role: MEMBER } : { member: false });
      },
      explain: (_entry, answer) =>
        answer ? undefined : { code: 'PROVIDER_ERROR', message: `Clockify accepted the request, but a re-read does not show user group "${group.name}" on the project.` },
    });
    if (assigned) change.notes.push(`User group "${group.name}" is now assigned to the project: its future members get access too.`);
    return { ...change, results: ledger.results() };
  }

  // ---- reads ----

  async listMembers(request: ListMembersRequest, context: OperationContext): Promise<MemberList> {
    const ws = await this.workspace(request.workspaceId, context);
    const people = this.users(ws);
    // Who has access is read fresh; names and emails may come from the cache.
    const [project, groups, roles, cachedPeople] = await Promise.all([
      this.project(ws, request.project, context),
      this.api.groups(ws.id, context.signal),
      this.api.managers(ws.id, context.signal),
      people.all(context.signal),
    ]);
    const access = projectAccess(project, groups);
    const { managers, undecided } = managersOf(roles, project.id);
    const listed = [...access.direct, ...managers, ...access.viaGroups.keys(), ...undecided];
    // Someone the cached directory does not know is read again (a user who joined meanwhile).
    const directory = listed.every((id) => cachedPeople.get(id)) ? cachedPeople : await people.all(context.signal, { ids: listed });
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
    if (undecided.size > 0) {
      const names = [...undecided].map((id) => directory.get(id)?.name || id);
      notes.push(`Clockify did not say which projects ${quoteList(names)} manage, so whether they manage this one is unknown; they are listed by their membership only.`);
    }
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


  /**
   * The access review in four listings whatever the number of projects: the workspace's users (to
   * resolve the inputs), its projects (each with its memberships, user groups included, and its
   * public flag), its user groups (their members) and its project managers.
   */
  async listUserMemberships(request: UserMembershipsRequest, context: OperationContext): Promise<UserMemberships> {
    const ws = await this.workspace(request.workspaceId, context);
    const [people, groups, roles, projects] = await Promise.all([
      this.users(ws).resolve(request.users, context.signal),
      this.api.groups(ws.id, context.signal),
      this.api.managers(ws.id, context.signal),
      this.api.projectsNamed(ws.id, '', context.signal),
    ]);
    const inputs = resolveReviewInputs(request.users, (input) => people.match(input));
    const users = reviewedUsers(inputs);
    const found = new MembershipCollector();
    const undecidedUsers = new Set<string>();
    for (const project of projects) {
      const ref = { id: project.id, name: project.name };
      const access = projectAccess(project, groups);
      const { managers, undecided } = managersOf(roles, project.id);
      for (const user of users) {
        if (undecided.has(user.id)) undecidedUsers.add(user.id);
        const role = managers.has(user.id) ? MANAGER : MEMBER;
        // A project manager without a membership still has the project through the role: their own.
        if (access.direct.has(user.id) || managers.has(user.id)) found.add(user.id, ref, { kind: 'direct' }, role);
        for (const group of access.groups) if (group.userIds.includes(user.id)) found.add(user.id, ref, { kind: 'group', id: group.id, name: group.name }, role);
        // Public projects are open to every active user of the workspace (docs/providers/clockify.md, "Facts").
        if (project.public && (user.workspaceStatus === undefined || user.workspaceStatus === 'ACTIVE')) found.add(user.id, ref, { kind: 'public' }, role);
      }
    }
    const notes = [`In ${ws.label}.`];
    if (undecidedUsers.size > 0) {
      notes.push(`Clockify did not say which projects ${quoteList([...undecidedUsers].map((id) => users.find((user) => user.id === id)?.name || id))} manage: their PROJECT_MANAGER roles are not shown.`);
    }
    return { users: inputs.map((input) => input.reviewed), memberships: found.list(), unreadable: [], notes };
  }

  // ---- helpers ----

  private change(project: ClockifyProject): { project: { id: string; name: string }; notes: string[] } {
    const notes: string[] = [];
    if (project.public) notes.push('The project is public: every workspace user can already track time on it.');
    return { project: { id: project.id, name: project.name }, notes };
  }

  /** The workspace's people through the connection's cache: by lookups for a few emails, else read whole. */
  private users(ws: Workspace): Directory<ClockifyUser> {
    return new Directory(this.settings.cache, {
      key: `users:${ws.id}`,
      where: ws.label,
      isId: (text) => CLOCKIFY_ID.test(text),
      readAll: (signal) => this.api.users(ws.id, signal),
      lookupEmail: (email, signal) => this.api.usersWithEmail(ws.id, email, signal),
      lookupLimit: LOOKUP_LIMIT,
    });
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
    // The key's workspaces change rarely, and no membership write changes them: cached.
    let workspaces = this.settings.cache.get<ClockifyWorkspace[]>('workspaces');
    if (!workspaces) {
      workspaces = await this.api.workspaces(context.signal);
      this.settings.cache.set('workspaces', workspaces, workspaces.length);
    }
    if (workspaces.length === 1) return { id: workspaces[0]!.id, label: `workspace "${workspaces[0]!.name}"` };
    if (workspaces.length === 0) throw new MembersError('NOT_FOUND', 'This Clockify API key has access to no workspace.');
    throw new MembersError(
      'INVALID_ARGUMENT',
      `workspaceId is required: this API key can access ${workspaces.length} workspaces: ${workspaces.map((w) => `"${w.name}" (${w.id})`).join(', ')}.`,
      { hint: 'Pass workspaceId, or set CLOCKIFY_WORKSPACE_ID for the connection.' },
    );
  }

  /** A project by id (one GET) or by exact name (Clockify's name filter is a substring match: compared exactly here). */
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

  /**
   * Adds or removes users in one POST, applied exactly once even when the reply is lost. Returns
   * the refusal, if any, and the project as the last write answered it.
   */
  private async writeMemberships(ws: Workspace, project: ClockifyProject, entries: Entry[], remove: boolean, context: OperationContext): Promise<{ failure?: MembersError; reply?: ClockifyProject }> {
    const isDone = (state: ClockifyProject, userId: string) => state.memberships.some((m) => m.userId === userId) !== remove;
    let reply: ClockifyProject | undefined;
    try {
      await guardedWrite(context, {
        keys: entries.map((entry) => entry.user.id),
        journal: { provider: this.kind, project: project.id, operation: remove ? 'remove' : 'add', user: (id) => id },
        write: async (userIds) => {
          reply = await this.api.changeMemberships(ws.id, project.id, { userIds, remove }, context.signal);
        },
        remaining: async (userIds) => {
          const fresh = await this.api.project(ws.id, project.id, context.signal);
          return userIds.filter((id) => !isDone(fresh, id));
        },
      });
      return reply ? { reply } : {};
    } catch (error) {
      return { failure: toMembersError(error) };
    }
  }

  /**
   * Grants or revokes PROJECT_MANAGER member by member (the entry's planned role says which): one
   * request each, within the connection's cap, each applied exactly once; each reply is recorded.
   */
  private async writeManagerRoles(ws: Workspace, project: ClockifyProject, entries: Entry[], replies: Replies, context: OperationContext): Promise<void> {
    const manager = (entry: Entry) => entry.role === MANAGER;
    // A member whose role write the call never reached has no reply: it is not reported as done.
    for (const entry of entries) replies.delete(entry.user.id);
    await writeEach(context, entries, {
      provider: this.kind,
      project: project.id,
      operation: (entry) => (manager(entry) ? 'set_role' : 'unset_role'),
      concurrency: this.settings.concurrency,
      write: (entry) => this.api.setManager(ws.id, entry.user.id, project.id, manager(entry), context.signal),
      hasTakenEffect: async (entry) => managersOf(await this.api.managers(ws.id, context.signal), project.id).managers.has(entry.user.id) === manager(entry),
    }, replies);
  }

  /**
   * Decides the written entries from the state after every write: the membership from the batch
   * write's reply, which is the project after the write (docs/providers/clockify.md, "Members"), when
   * it shows every member of the batch as written, else from a read of the project; the managers
   * from a read after the role writes, or as read before them when none was sent. A refused role
   * write says first what the membership write already did (`roleRefused`, when the state shows it so).
   */
  private async confirm(
    ws: Workspace,
    project: ClockifyProject,
    ledger: MemberLedger<ClockifyUser>,
    entries: Entry[],
    replies: Replies,
    context: OperationContext,
    decide: {
      reached: (entry: Entry, state: ManagedState) => boolean;
      roleRefused: (entry: Entry, state: ManagedState) => string | undefined;
      roleWork: Entry[];
      /** The batch membership write's reply, and whom it was about. */
      batch: { reply: ClockifyProject; entries: Entry[]; remove: boolean } | undefined;
      managersBefore: Set<string>;
    },
  ): Promise<void> {
    let state: ManagedState = { direct: new Set<string>(), managers: new Set<string>() };
    const shown = (batch: NonNullable<typeof decide.batch>) => {
      const direct = directMembers(batch.reply);
      return batch.reply.membershipsListed && batch.entries.every((entry) => direct.has(entry.user.id) !== batch.remove) ? direct : undefined;
    };
    await confirmWrites(context, ledger, entries, replies, {
      label: 'Clockify',
      reread: async () => {
        const fromReply = decide.batch ? shown(decide.batch) : undefined;
        const [direct, roles] = await Promise.all([
          fromReply ?? this.api.project(ws.id, project.id, context.signal).then(directMembers),
          decide.roleWork.length > 0 ? this.api.managers(ws.id, context.signal) : undefined,
        ]);
        state = { direct, managers: roles ? managersOf(roles, project.id).managers : decide.managersBefore };
        return (entry) => {
          const member = state.direct.has(entry.user.id) || state.managers.has(entry.user.id);
          return member ? { member, role: state.managers.has(entry.user.id) ? MANAGER : MEMBER } : { member };
        };
      },
      reached: (entry) => decide.reached(entry, state),
      explain: (entry, reply) => {
        const already = reply && decide.roleWork.includes(entry) ? decide.roleRefused(entry, state) : undefined;
        return already ? { code: reply!.code, message: `${already}: ${reply!.message}` } : undefined;
      },
    });
  }
}

/** What the confirming read shows: direct members and this project's managers. */
interface ManagedState {
  direct: Set<string>;
  managers: Set<string>;
}

/** This project's managers, and the managers whose projects Clockify did not say. */
function managersOf(roles: Map<string, Set<string> | undefined>, projectId: string): { managers: Set<string>; undecided: Set<string> } {
  const managers = new Set<string>();
  const undecided = new Set<string>();
  for (const [userId, projects] of roles) {
    if (projects === undefined) undecided.add(userId);
    else if (projects.has(projectId)) managers.add(userId);
  }
  return { managers, undecided };
}

function undecidedManager(user: ClockifyUser): MembersError {
  return new MembersError(
    'PROVIDER_ERROR',
    `Clockify lists ${user.name || user.id} as a project manager but does not say of which projects (includeRoles), so whether they manage this project cannot be told; nothing was changed for them.`,
  );
}

/**
 * The confirming read's requests (planWrites): none for the batch write, whose reply shows the
 * project after it; the managers after role writes, and then the project too when no batch write
 * answered with it.
 */
function confirmingReads(batch: boolean, roleWrites: boolean): number {
  return roleWrites ? (batch ? 1 : 2) : 0;
}

/**
 * Users with a direct membership. A user group assigned to the project appears with the group's id
 * in place of a user's, which no user id equals, so the groups need not be known to ask about users.
 */
function directMembers(project: ClockifyProject): Set<string> {
  return new Set(
    project.memberships
      .filter((m) => m.membershipType === 'PROJECT' && m.membershipStatus !== 'INACTIVE' && m.membershipStatus !== 'DECLINED')
      .map((m) => m.userId),
  );
}

function projectAccess(project: ClockifyProject, groups: ClockifyGroup[]): ProjectAccess {
  const groupsById = new Map(groups.map((group) => [group.id, group]));
  const access: ProjectAccess = { direct: new Set(), groups: [], viaGroups: new Map() };
  for (const membership of project.memberships) {
    if (membership.membershipStatus === 'INACTIVE' || membership.membershipStatus === 'DECLINED') continue;
    // An assigned user group appears with the group's id as userId, typed PROJECT (as observed) or
    // USERGROUP (the spec's enum has it): both are read (docs/providers/clockify.md, "Members").
    const group = groupsById.get(membership.userId);
    if (group) access.groups.push(group);
    else if (membership.membershipType === 'PROJECT') access.direct.add(membership.userId);
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

