import type { OperationContext } from '../../core/context.js';
import { MembersError, toMembersError } from '../../core/errors.js';
import { MemberLedger, type ResolvedEntry, type UserMatch } from '../../core/ledger.js';
import type { DirectoryPage, EntryError, MemberList, MembershipChange, Role, UserMemberships } from '../../core/types.js';
import { forEachConcurrent } from '../../core/concurrency.js';
import { confirmWrites, guardedWrite, holdProject, planWrites, Replies, writeEach, type Observed } from '../../core/writes.js';
import type { DirectoryCache } from '../../core/cache.js';
import { Directory, type UserMatcher } from '../shared/directory.js';
import { directoryEntry, directoryPage, memberInfo } from '../shared/entries.js';
import { looksLikeEmail, matchesQuery, normalize, notFound, pickByIdOrName, UserIndex } from '../shared/match.js';
import { guardLastManagers, OwnAccount, reviewRemoval } from '../shared/removal.js';
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
import { GORULES_ID, type GoRulesApi, type GoRulesListedProject, type GoRulesMember, type GoRulesProject, type GoRulesRole, type GoRulesUser } from './api.js';

/** GoRules has one per-member level: the owner flag ("Admin" in its UI). Finer access is project groups. */
const LEVEL_FOR_ROLE: Partial<Record<Role, string>> = { member: 'member', owner: 'owner' };
const level = (owner: boolean) => (owner ? 'owner' : 'member');

export const GORULES_CAPABILITIES: ProviderCapabilities = {
  roles: LEVEL_FOR_ROLE,
  defaultRole: 'member',
  teams: { mode: 'expanded', roles: ['member', 'owner'], what: 'organisation roles, expanded into their users with the role\'s project groups' },
  groups: true,
  remove: true,
  workspaces: false,
  notes: ['removal uses an inferred endpoint'],
};

type Entry = ResolvedEntry<GoRulesUser>;

/** What an existing member should become: both fields, always (a PUT without owner demotes). */
interface Target {
  member: GoRulesMember;
  groupIds: string[];
  owner: boolean;
}

export interface GoRulesSettings {
  /** Members updated at once (one request each). */
  concurrency: number;
  /** The connection's directory cache: the organisation's users. */
  cache: DirectoryCache;
}

/**
 * Up to this many inputs that are not members are looked up one by one (`search` by email); more
 * read the organisation's users. Measured by `npm run bench` ("lookups or the directory").
 */
const LOOKUP_LIMIT = 4;

export class GoRulesProvider implements MembershipProvider {
  readonly kind = 'gorules' as const;
  readonly capabilities = GORULES_CAPABILITIES;
  /** Whether this token may list every organisation project (all=true); undefined until tried. */
  private mayListAll: boolean | undefined;
  /** Whether this token may list the organisation's users; undefined until tried. */
  private mayListUsers: boolean | undefined;
  /** The token's user (inferred read: GET /api/profile), which removals must not take out unconfirmed. */
  private readonly own = new OwnAccount(async (context) => (await this.api.profile(context.signal))?.id ?? null);

  constructor(
    private readonly api: GoRulesApi,
    private readonly settings: GoRulesSettings,
  ) {}

  // ---- mutating operations ----

  async addMembers(request: AddMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const state = this.projectState(request.project, context);
    // The project with its members, the groups asked for, and the people: independent reads, together.
    const [project, members, groupIds, users] = await Promise.all([
      state.project,
      state.members,
      state.project.then((project) => this.groupIds(project, request.groups, context)),
      this.resolveUsers(state, request.users, context),
    ]);
    const ledger = MemberLedger.fromInputs<GoRulesUser>(request.users, context, request.dryRun);
    ledger.resolve(users);
    const wantedOwner = request.role === undefined ? undefined : request.role === 'owner';
    const byUser = new Map(members.map((member) => [member.userId, member]));
    const targets = new Map<string, Target>();

    for (const entry of ledger.open()) {
      const member = byUser.get(entry.user.id);
      if (!member) {
        ledger.plan(entry, 'add', level(wantedOwner ?? false));
        continue;
      }
      // An owner stays owner unless a role says otherwise; requested groups are added to theirs.
      const owner = wantedOwner ?? member.owner;
      const groups = [...new Set([...member.groupIds, ...groupIds])];
      if (owner === member.owner && groups.length === member.groupIds.length) ledger.decide(entry, 'already_member', { role: level(member.owner) });
      else {
        ledger.plan(entry, 'update', level(owner));
        targets.set(entry.user.id, { member, groupIds: groups, owner });
      }
    }
    // One invite for every new member, one update each for the others.
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: (ledger.planned('add').length > 0 ? 1 : 0) + ledger.planned('update').length, confirmingReads: 1 }, request.dryRun);
    if (!request.dryRun) {
      const written = [...ledger.planned('add'), ...ledger.planned('update')];
      const replies = new Replies(ledger);
      await this.invite(project, ledger.planned('add'), { groupIds, owner: wantedOwner ?? false }, replies, context);
      await this.update(project, ledger.planned('update'), targets, replies, context);
      // Added or updated only when the members read afterwards show the owner flag and the groups.
      await this.confirm(project, ledger, written, replies, context, (entry, member) =>
        !!member && member.owner === (entry.role === 'owner') && (targets.get(entry.user.id)?.groupIds ?? groupIds).every((id) => member.groupIds.includes(id)),
      );
      this.people().afterWrites(written);
    }
    return { project, results: ledger.results() };
  }

  async removeMembers(request: RemoveMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const state = this.projectState(request.project, context);
    const [project, members, users] = await Promise.all([state.project, state.members, this.resolveUsers(state, request.users, context)]);
    const ledger = MemberLedger.fromInputs<GoRulesUser>(request.users, context, request.dryRun);
    ledger.resolve(users);
    const byUser = new Map(members.map((member) => [member.userId, member]));
    for (const entry of ledger.open()) {
      if (byUser.has(entry.user.id)) ledger.plan(entry, 'remove');
      else ledger.decide(entry, 'not_member');
    }
    // The owner flag is the project's "Admin": members and groups are managed by owners.
    guardLastManagers(ledger, { managers: members.filter((m) => m.owner).map((m) => m.userId), level: 'owner', project, allow: request.allowLastManager });
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: ledger.planned('remove').length, confirmingReads: 1 }, request.dryRun);
    await reviewRemoval(request, project, ledger, () => this.own.id(context));
    if (!request.dryRun) {
      const removals = ledger.planned('remove');
      const replies = new Replies(ledger);
      await writeEach(context, removals, {
        provider: this.kind,
        project: project.id,
        operation: 'remove',
        concurrency: this.settings.concurrency,
        write: async (entry) => this.api.removeMember(project.id, byUser.get(entry.user.id)!.id, context.signal),
        hasTakenEffect: async (entry) => !(await this.api.members(project.id, context.signal)).some((m) => m.userId === entry.user.id),
      }, replies);
      await this.confirm(project, ledger, removals, replies, context, (_entry, member) => !member, removalRefused);
    }
    return { project, results: ledger.results() };
  }

  /** A "team" is an organisation role (GET /api/roles lists its users): expanded into invites. */
  async addTeam(request: AddTeamRequest, context: OperationContext): Promise<MembershipChange> {
    const state = this.projectState(request.project, context);
    // Who holds the role decides who is added: read fresh; the people's status may come from the cache.
    const [project, members, roles, projectGroups] = await Promise.all([
      state.project,
      state.members,
      this.api.roles(context.signal),
      state.project.then((project) => this.api.groups(project.id, context.signal)),
    ]);
    const role = pickByIdOrName(request.team, roles, 'team', 'GoRules (organisation roles)');
    // A cached record that would skip someone (pending, or unknown) is read again first.
    const directory = await this.directory(project, role.users.map((user) => user.id), context);
    const given = this.pickGroups(project, projectGroups, request.groups);
    // The project groups an organisation role manages go with its people.
    const groupIds = [...new Set([...projectGroups.filter((g) => g.roleId === role.id).map((g) => g.id), ...given])];
    const byUser = new Map(members.map((member) => [member.userId, member]));
    const owner = request.role === 'owner';

    const people = role.users.map((user) => directory.get(user.id) ?? user);
    const ledger = MemberLedger.fromUsers<GoRulesUser>(people, context, request.dryRun);
    for (const entry of ledger.open()) {
      const member = byUser.get(entry.user.id);
      if (entry.user.status !== undefined && entry.user.status !== 'active') {
        ledger.decide(entry, 'skipped', { error: { code: 'NOT_FOUND', message: `Skipped: not an active user (${entry.user.status}).` } });
      } else if (member) {
        // Like every team grant here: existing members are left as they are.
        ledger.decide(entry, 'already_member', { role: level(member.owner) });
      } else {
        ledger.plan(entry, 'add', level(owner));
      }
    }
    const notes = role.users.length === 0 ? [`Organisation role "${role.name}" has no users.`] : [];
    if (groupIds.length > 0) notes.push(`New members get the project groups ${projectGroups.filter((g) => groupIds.includes(g.id)).map((g) => `"${g.name}"`).join(', ')}.`);
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: ledger.planned('add').length > 0 ? 1 : 0, confirmingReads: 1 }, request.dryRun); // one invite for all
    if (!request.dryRun) {
      const adds = ledger.planned('add');
      const replies = new Replies(ledger);
      await this.invite(project, adds, { groupIds, owner }, replies, context);
      await this.confirm(project, ledger, adds, replies, context, (_entry, member) => !!member && member.owner === owner && groupIds.every((id) => member.groupIds.includes(id)));
    }
    return { project, team: { id: role.id, name: role.name, mode: 'expanded' }, results: ledger.results(), notes };
  }

  // ---- reads ----

  async listMembers(request: ListMembersRequest, context: OperationContext): Promise<MemberList> {
    const state = this.projectState(request.project, context);
    const [project, members] = await Promise.all([state.project, state.members]);
    return { project, members: members.map((member) => memberInfo(member.userId, member.user, level(member.owner))), notes: accessNote() };
  }

  async searchDirectory(request: SearchDirectoryRequest, context: OperationContext): Promise<DirectoryPage> {
    const { query, limit } = request;
    const entries =
      request.kind === 'user'
        ? (await this.api.users({ search: query.trim(), includeService: false }, context.signal))
            .filter((user) => matchesQuery(query, user.name, user.email))
            .map(directoryEntry)
        : request.kind === 'team'
          ? (await this.api.roles(context.signal)).filter((role) => matchesQuery(query, role.name)).map(directoryEntry)
          : (await this.projectsFor(query.trim(), context)).filter((p) => matchesQuery(query, p.name)).map(directoryEntry);
    return directoryPage(entries, limit);
  }


  /**
   * The access review: the project list shows each project with its members (documented), so one
   * listing covers them; a reply that leaves them out is read project by project instead. Access
   * through organisation roles comes from the roles (their users, and all projects or the projects
   * of the groups they manage, inferred). Users are resolved against the organisation's.
   */
  async listUserMemberships(request: UserMembershipsRequest, context: OperationContext): Promise<UserMemberships> {
    const notes: string[] = [];
    const [listed, users, roles] = await Promise.all([
      this.withAllProjects((all) => this.api.projectsWithMembers(all, context.signal), context),
      this.api.users({ includeService: true }, context.signal).catch((error: unknown) => {
        if (toMembersError(error).code !== 'PERMISSION_DENIED') throw error;
        return undefined;
      }),
      this.api.roles(context.signal).catch((error: unknown): GoRulesRole[] => {
        if (toMembersError(error).code !== 'PERMISSION_DENIED') throw error;
        notes.push('The token may not read organisation roles, so access through them is not shown.');
        return [];
      }),
    ]);
    const unreadable: Array<{ project: GoRulesProject; error: EntryError }> = [];
    const members = await this.listedMembers(listed, unreadable, context);
    // A token that may not list the organisation's users finds people among the members it sees.
    const people = users ?? [...new Map([...members.values()].flat().map((member) => [member.user.id, member.user])).values()];
    if (!users) notes.push('The token may not list the organisation\'s users: people are found among the members of the projects it sees.');
    const directory = new UserIndex(people, (text) => GORULES_ID.test(text), users ? 'the GoRules organisation' : 'the members of the GoRules projects this token sees');
    const inputs = resolveReviewInputs(request.users, (input) => directory.match(input));
    const wanted = new Set(reviewedUsers(inputs).map((user) => user.id));
    const found = new MembershipCollector();
    for (const { project } of listed) {
      for (const member of members.get(project.id) ?? []) {
        if (wanted.has(member.userId)) found.add(member.userId, project, { kind: 'direct' }, level(member.owner));
      }
      for (const role of roles) {
        if (!role.allProjects && !role.projectIds.includes(project.id)) continue;
        for (const user of role.users) if (wanted.has(user.id)) found.add(user.id, project, { kind: 'role', id: role.id, name: role.name });
      }
    }
    if (this.mayListAll === false) notes.push('The token may not list the whole organisation: only the projects its user has joined are shown.');
    return { users: inputs.map((input) => input.reviewed), memberships: found.list(), unreadable: unreadable.map(({ project, error }) => ({ project: { id: project.id, name: project.name }, error })), notes };
  }

  // ---- helpers ----

  /** Each listed project's members: as listed, or read from its member list when the listing leaves them out. */
  private async listedMembers(
    listed: GoRulesListedProject[],
    unreadable: Array<{ project: GoRulesProject; error: EntryError }>,
    context: OperationContext,
  ): Promise<Map<string, Array<{ userId: string; owner: boolean; user: GoRulesUser }>>> {
    const members = new Map<string, Array<{ userId: string; owner: boolean; user: GoRulesUser }>>();
    const missing: GoRulesProject[] = [];
    for (const { project, members: shown } of listed) {
      if (shown) members.set(project.id, shown);
      else missing.push(project);
    }
    await forEachConcurrent(missing, this.settings.concurrency, context.signal, async (project) => {
      try {
        members.set(project.id, await this.api.members(project.id, context.signal));
      } catch (error) {
        const failure = toMembersError(error);
        if (failure.code !== 'PERMISSION_DENIED' && failure.code !== 'NOT_FOUND') throw error;
        unreadable.push({ project, error: { code: failure.code, message: failure.message } });
      }
    });
    return members;
  }

  /** A project by id or exact name. GoRules has no single-project GET: both come from the list. */
  private async project(ref: string, context: OperationContext): Promise<GoRulesProject> {
    const text = ref.trim();
    const projects = await this.projectsFor(GORULES_ID.test(text) ? '' : text, context);
    const byId = projects.find((p) => p.id.toLowerCase() === text.toLowerCase());
    if (byId) return byId;
    const named = projects.filter((p) => normalize(p.name) === normalize(text));
    if (named.length === 0) {
      const where = this.mayListAll ? 'the GoRules organisation' : 'the projects this GoRules token has joined (it may not list the whole organisation)';
      // The error names the closest projects: among those containing the text, else all of them.
      throw notFound('project', text, where, projects.length > 0 ? projects : await this.projectsFor('', context));
    }
    return pickByIdOrName(text, named, 'project', 'GoRules');
  }

  /**
   * Projects matching `search`, asked with `all=true` so that an organisation admin's token finds
   * projects it has not joined. A token that may not use `all` is refused: it then lists without
   * it, and this connection stops asking.
   */
  private async projectsFor(search: string, context: OperationContext): Promise<GoRulesProject[]> {
    return this.withAllProjects((all) => this.api.projects(search, all, context.signal), context);
  }

  /** A project listing with all=true while this token may use it, else without. */
  private async withAllProjects<T>(list: (all: boolean) => Promise<T>, context: OperationContext): Promise<T> {
    if (this.mayListAll !== false) {
      try {
        const projects = await list(true);
        this.mayListAll = true;
        return projects;
      } catch (error) {
        const failure = toMembersError(error);
        if (failure.status !== 400 && failure.status !== 403) throw error;
        this.mayListAll = false;
        context.logger.info(`${context.connection}: GoRules refused all=true on the project list (HTTP ${failure.status}); listing without it`);
      }
    }
    return list(false);
  }

  /** The `groups` of a call as project group ids; an unknown group fails the whole call before any write. */
  private async groupIds(project: GoRulesProject, refs: string[] | undefined, context: OperationContext): Promise<string[]> {
    if (!refs?.length) return [];
    return this.pickGroups(project, await this.api.groups(project.id, context.signal), refs);
  }

  private pickGroups(project: GoRulesProject, groups: Array<{ id: string; name: string }>, refs: string[] | undefined): string[] {
    return [...new Set((refs ?? []).map((ref) => pickByIdOrName(ref, groups, 'group', `project "${project.name}" (its project groups)`).id))];
  }

  /**
   * The project and its members. Given an id, the members are asked for alongside the project list
   * (their path needs only the id); given a name, once the project is found.
   */
  private projectState(ref: string, context: OperationContext): { project: Promise<GoRulesProject>; members: Promise<GoRulesMember[]> } {
    const text = ref.trim();
    const early = GORULES_ID.test(text) ? this.api.members(text.toLowerCase(), context.signal) : undefined;
    early?.catch(() => undefined); // awaited below only when the id is the project's; a project not found explains it
    const project = this.project(text, context);
    const members = project.then((found) => (early && found.id.toLowerCase() === text.toLowerCase() ? early : this.api.members(found.id, context.signal)));
    members.catch(() => undefined); // the caller awaits it with the project, whose failure comes first
    return { project, members };
  }

  /**
   * Resolves the inputs. Ids and emails of the project's members resolve against the members (read
   * anyway, and fresh): updating many members needs no directory. The others go to the
   * organisation's users through the connection's cache: a few emails by lookups (`search`),
   * alongside the members, more by reading the users once. Inferred (docs/providers/gorules.md,
   * "Inferred"): a token scoped to some projects may not list organisation users; then the
   * project's members and invitable users, read fresh each time.
   */
  private async resolveUsers(
    state: { project: Promise<GoRulesProject>; members: Promise<GoRulesMember[]> },
    inputs: readonly string[],
    context: OperationContext,
  ): Promise<(input: string) => UserMatch<GoRulesUser>> {
    if (this.mayListUsers !== false) {
      try {
        const people = this.people();
        // A few inputs are looked up while the members are read; many wait for the members first.
        const early = inputs.length <= LOOKUP_LIMIT ? people.resolve(inputs, context.signal) : undefined;
        early?.catch(() => undefined);
        const members = memberLookup(await state.members);
        const rest = inputs.filter((input) => !members(input));
        const resolution = early ? await early : rest.length > 0 ? await people.resolve(rest, context.signal) : undefined;
        this.mayListUsers = true;
        return (input) => members(input) ?? resolution!.match(input);
      } catch (error) {
        if (toMembersError(error).code !== 'PERMISSION_DENIED') throw error;
        this.mayListUsers = false;
        context.logger.info(`${context.connection}: GoRules refused the organisation's user list; finding people among the project's members and invitable users`);
      }
    }
    const index = await this.projectUsers(await state.project, context);
    return (input) => index.match(input);
  }

  /** The users of `ids` (a team's), with a status this call can trust: cached, or read again when the cache lacks one or would skip one. */
  private async directory(project: GoRulesProject, ids: string[], context: OperationContext): Promise<UserMatcher<GoRulesUser>> {
    if (this.mayListUsers !== false) {
      try {
        const index = await this.people().all(context.signal, { ids, trusted: (user) => user.status === undefined || user.status === 'active' });
        this.mayListUsers = true;
        return index;
      } catch (error) {
        if (toMembersError(error).code !== 'PERMISSION_DENIED') throw error;
        this.mayListUsers = false;
      }
    }
    return this.projectUsers(project, context);
  }

  /** The organisation's users through the connection's cache (service accounts included, so they can be added by id). */
  private people(): Directory<GoRulesUser> {
    return new Directory(this.settings.cache, {
      key: 'users',
      where: 'the GoRules organisation',
      isId: (text) => GORULES_ID.test(text),
      readAll: (signal) => this.api.users({ includeService: true }, signal),
      lookupEmail: (email, signal) => this.api.usersMatching(email, signal),
      lookupLimit: LOOKUP_LIMIT,
    });
  }

  /** For a token that may not list the organisation's users: the project's members and invitable users. */
  private async projectUsers(project: GoRulesProject, context: OperationContext): Promise<UserIndex<GoRulesUser>> {
    const [members, invitable] = await Promise.all([this.api.members(project.id, context.signal), this.api.invitableUsers(project.id, context.signal)]);
    return new UserIndex([...members.map((member) => member.user), ...invitable], (text) => GORULES_ID.test(text), 'the GoRules organisation');
  }

  /** One invite for every new member; its reply (the records it created) is not trusted alone: confirm() reads the members. */
  private async invite(project: GoRulesProject, entries: Entry[], change: { groupIds: string[]; owner: boolean }, replies: Replies, context: OperationContext): Promise<void> {
    if (entries.length === 0) return;
    const notYetMembers = async (userIds: string[]) => {
      const members = new Set((await this.api.members(project.id, context.signal)).map((member) => member.userId));
      return userIds.filter((id) => !members.has(id));
    };
    let failure: MembersError | undefined;
    let existing = new Map<string, MembersError>();
    try {
      existing = await guardedWrite(context, {
        keys: entries.map((entry) => entry.user.id),
        journal: { provider: this.kind, project: project.id, operation: 'add', user: (id) => id },
        write: async (userIds) => {
          await this.api.invite(project.id, { userIds, groupIds: change.groupIds, owner: change.owner }, context.signal);
        },
        remaining: notYetMembers,
        // A BRMS may refuse a whole invite with 409 when one of its users is already a member
        // (docs/providers/gorules.md, "Inferred"): the others are invited again without them.
        refusedForExisting: (error) => error.status === 409,
      });
    } catch (error) {
      failure = toMembersError(error);
    }
    for (const entry of entries) replies.set(entry.user.id, failure ?? existing.get(entry.user.id));
  }

  /** PUT per member, both fields every time, concurrently within the connection's cap. */
  private async update(project: GoRulesProject, entries: Entry[], targets: Map<string, Target>, replies: Replies, context: OperationContext): Promise<void> {
    await writeEach(context, entries, {
      provider: this.kind,
      project: project.id,
      operation: 'update',
      concurrency: this.settings.concurrency,
      write: async (entry) => {
        const target = targets.get(entry.user.id)!;
        await this.api.updateMember(project.id, target.member.id, { groupIds: target.groupIds, owner: target.owner }, context.signal);
      },
      hasTakenEffect: async (entry) => {
        const target = targets.get(entry.user.id)!;
        const fresh = (await this.api.members(project.id, context.signal)).find((m) => m.userId === entry.user.id);
        return !!fresh && fresh.owner === target.owner && target.groupIds.every((id) => fresh.groupIds.includes(id));
      },
    }, replies);
  }

  /** Decides the written entries from one read of the members after every write. */
  private async confirm(
    project: GoRulesProject,
    ledger: MemberLedger<GoRulesUser>,
    entries: Entry[],
    replies: Replies,
    context: OperationContext,
    reached: (entry: Entry, member: GoRulesMember | undefined) => boolean,
    explain?: (entry: Entry, reply: MembersError | undefined, observed: Observed) => { code: MembersError['code']; message: string } | undefined,
  ): Promise<void> {
    let byUser = new Map<string, GoRulesMember>();
    await confirmWrites(context, ledger, entries, replies, {
      label: 'GoRules BRMS',
      reread: async () => {
        byUser = new Map((await this.api.members(project.id, context.signal)).map((member) => [member.userId, member]));
        return (entry) => {
          const member = byUser.get(entry.user.id);
          return member ? { member: true, role: level(member.owner) } : { member: false };
        };
      },
      reached: (entry) => reached(entry, byUser.get(entry.user.id)),
      ...(explain ? { explain } : {}),
    });
  }
}

/**
 * Resolves an input that is a member's user id or email against the members; undefined for
 * anything else (names go to the whole directory, where another user may share them).
 */
function memberLookup(members: GoRulesMember[]): (input: string) => UserMatch<GoRulesUser> | undefined {
  const byId = new Map(members.map((member) => [member.userId.toLowerCase(), member.user]));
  const byEmail = new Map<string, GoRulesUser[]>();
  for (const member of members) {
    if (!member.user.email) continue;
    const key = normalize(member.user.email);
    byEmail.set(key, [...(byEmail.get(key) ?? []), member.user]);
  }
  return (input) => {
    const text = input.trim();
    const user = GORULES_ID.test(text) ? byId.get(text.toLowerCase()) : looksLikeEmail(text) && byEmail.get(normalize(text))?.length === 1 ? byEmail.get(normalize(text))![0] : undefined;
    return user ? { user } : undefined;
  };
}

/**
 * A removal GoRules answered with 404 while the member is still there: the route is not in the
 * published reference, and an unknown route is a 404 too (docs/providers/gorules.md, "Inferred").
 */
function removalRefused(_entry: Entry, reply: MembersError | undefined, observed: Observed): { code: 'UNSUPPORTED'; message: string } | undefined {
  if (reply?.status !== 404 || !observed.member) return undefined;
  return {
    code: 'UNSUPPORTED',
    message: `${reply.message.replace(/[.\s]+$/, '')}; a re-read shows them still in the project. This GoRules BRMS does not seem to offer member removal through its API (the route is not in its published reference): remove them in the GoRules app (project → Members).`,
  };
}

/** Organisation roles can give access without membership (docs/providers/gorules.md, "Teams"); say so where it matters. */
function accessNote(): string[] {
  return ['Organisation roles can also give people access to this project without a membership.'];
}
