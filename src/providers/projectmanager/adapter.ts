import type { OperationContext } from '../../core/context.js';
import { MembersError, toMembersError } from '../../core/errors.js';
import { MemberLedger, type ResolvedEntry, type UserMatch } from '../../core/ledger.js';
import { forEachConcurrent } from '../../core/concurrency.js';
import type { DirectoryPage, EntryError, MemberList, MembershipChange, ProjectRef, Role, TeamRef, UserMemberships } from '../../core/types.js';
import { confirmWrites, guardedWrite, holdProject, planWrites, Replies, writeEach } from '../../core/writes.js';
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
import {
  PROJECTMANAGER_ID,
  type ProjectManagerApi,
  type ProjectManagerMember,
  type ProjectManagerPermission,
  type ProjectManagerProject,
  type ProjectManagerResource,
} from './api.js';

/** docs/providers/projectmanager.md, "Role mapping"; owner has no settable counterpart (there is no creator level). */
const PERMISSION_FOR_ROLE: Partial<Record<Role, ProjectManagerPermission>> = {
  viewer: 'Guest',
  member: 'Collaborate',
  editor: 'Editor',
  manager: 'Manager',
};

/** Roles the native team endpoint can give (addAsEditor); others expand the team into members. */
const NATIVE_TEAM_ROLES: ReadonlySet<Role | undefined> = new Set([undefined, 'member', 'editor']);

export const PROJECTMANAGER_CAPABILITIES: ProviderCapabilities = {
  roles: PERMISSION_FOR_ROLE,
  defaultRole: 'Editor (Manager for users who can edit all projects, Guest for guest users)',
  teams: {
    mode: 'native',
    roles: ['viewer', 'member', 'editor', 'manager'],
    what: 'resource teams, natively for member/editor, expanded into members for viewer/manager',
  },
  groups: false,
  remove: true,
  workspaces: false,
  notes: ['owner cannot be granted', 'guest users can only be Guest'],
};

type Entry = ResolvedEntry<ProjectManagerResource>;

export interface ProjectManagerSettings {
  /** Members handled at once (one request each). */
  concurrency: number;
  /** The connection's directory cache: the resources. */
  cache: DirectoryCache;
}

/**
 * Up to this many emails are looked up one by one (a `$filter` on email each); more read every
 * resource. Measured by `npm run bench` ("lookups or the directory").
 */
const LOOKUP_LIMIT = 8;

export class ProjectManagerProvider implements MembershipProvider {
  readonly kind = 'projectmanager' as const;
  readonly capabilities = PROJECTMANAGER_CAPABILITIES;
  /** The API key's user (GET /me), which removals must not take out unconfirmed. */
  private readonly own = new OwnAccount(async (context) => (await this.api.me(context.signal)).id.toLowerCase());

  constructor(
    private readonly api: ProjectManagerApi,
    private readonly settings: ProjectManagerSettings,
  ) {}

  // ---- mutating operations ----

  async addMembers(request: AddMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const wanted = request.role ? PERMISSION_FOR_ROLE[request.role] : undefined;
    const people = this.people();
    // The project with its members, the people, and (for a role above Guest) the guest roles: independent reads, together.
    const [{ project, members }, users, guests] = await Promise.all([
      this.projectState(request.project, context),
      // An inactive person would be refused without asking: their cached record is read again first.
      people.resolve(request.users, context.signal, { trusted: (person) => person.isActive }),
      wanted && wanted !== 'Guest' ? this.guestRoles(context) : new Set<string>(),
    ]);
    const guestOnlyRefusal = (input: string) => {
      const found = users.match(input);
      return 'user' in found && wanted !== undefined && wanted !== 'Guest' && !!found.user.roleId && guests.has(found.user.roleId) && members.get(found.user.id)?.permission !== wanted;
    };
    // So would a guest asked for more than Guest: a cached record that says so is read again first.
    await people.recheck(users, request.users.filter((input) => users.cached(input) && guestOnlyRefusal(input)), context.signal);
    const ledger = MemberLedger.fromInputs<ProjectManagerResource>(request.users, context, request.dryRun);
    ledger.resolve((input) => users.match(input));

    for (const entry of ledger.open()) {
      const current = members.get(entry.user.id)?.permission;
      if (wanted && wanted !== current && wanted !== 'Guest' && entry.user.roleId && guests.has(entry.user.roleId)) {
        // Known before any write, so the dry run says it too.
        ledger.fail(entry, guestOnly(entry.user, wanted, current));
      } else if (current === undefined) {
        if (!entry.user.isActive) ledger.fail(entry, inactive(entry.user));
        else ledger.plan(entry, 'add', wanted);
      } else if (wanted === undefined || wanted === current) {
        // Without a role an existing member is left alone; the upsert would not change them either.
        ledger.decide(entry, 'already_member', { role: current });
      } else {
        ledger.plan(entry, 'update', wanted);
      }
    }
    // One upsert each, and one read of the members after them.
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: ledger.planned('add').length + ledger.planned('update').length, confirmingReads: 1 }, request.dryRun);
    if (!request.dryRun) {
      const written = [...ledger.planned('add'), ...ledger.planned('update')];
      await this.upsertAll(project, ledger, written, wanted, context);
      people.afterWrites(written);
    }
    return { project, results: ledger.results() };
  }

  async removeMembers(request: RemoveMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const people = this.people();
    const [{ project, members }, users] = await Promise.all([this.projectState(request.project, context), people.resolve(request.users, context.signal)]);
    const ledger = MemberLedger.fromInputs<ProjectManagerResource>(request.users, context, request.dryRun);
    ledger.resolve((input) => users.match(input));
    for (const entry of ledger.open()) {
      if (members.has(entry.user.id)) ledger.plan(entry, 'remove');
      else ledger.decide(entry, 'not_member');
    }
    // Managers manage the project's members (docs/providers/projectmanager.md, "Role mapping").
    const managers = [...members.values()].filter((member) => member.permission === 'Manager').map((member) => member.id.toLowerCase());
    guardLastManagers(ledger, { managers, level: 'Manager', project, allow: request.allowLastManager });
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
        write: async (entry) => this.api.removeMember(project.id, entry.user.id, context.signal),
        hasTakenEffect: async (entry) => !(await this.api.members(project.id, context.signal)).has(entry.user.id),
      }, replies);
      await this.confirm(project, ledger, removals, replies, context);
      people.afterWrites(removals);
    }
    return { project, results: ledger.results() };
  }

  async addTeam(request: AddTeamRequest, context: OperationContext): Promise<MembershipChange> {
    const [{ project, members: before }, teams] = await Promise.all([this.projectState(request.project, context), this.api.teams(context.signal)]);
    const found = pickByIdOrName(request.team, teams, 'team', 'ProjectManager.com (resource teams)');
    const native = NATIVE_TEAM_ROLES.has(request.role);
    const team: TeamRef = { id: found.id, name: found.name, mode: native ? 'native' : 'expanded' };
    const wanted = request.role ? PERMISSION_FOR_ROLE[request.role] : undefined;
    // Who is in the team decides who is added: read fresh, never from the cache.
    const [teamResources, guests] = await Promise.all([
      this.api.teamResources(found.id, context.signal),
      wanted && wanted !== 'Guest' ? this.guestRoles(context) : new Set<string>(),
    ]);

    const ledger = MemberLedger.fromUsers<ProjectManagerResource>(teamResources, context, request.dryRun);
    for (const entry of ledger.open()) {
      const current = before.get(entry.user.id)?.permission;
      const guest = entry.user.roleId !== undefined && guests.has(entry.user.roleId);
      if (!entry.user.isPerson) {
        ledger.decide(entry, 'skipped', { error: { code: 'NOT_FOUND', message: 'Skipped: a resource without a user account (not a person).' } });
      } else if (!entry.user.isActive) {
        ledger.decide(entry, 'skipped', { error: { code: 'NOT_FOUND', message: 'Skipped: inactive, can no longer access the workspace.' } });
      } else if (current !== undefined) {
        // The team grant leaves existing members as they are; so does the expanded path, to mean the same.
        ledger.decide(entry, 'already_member', { role: current });
      } else if (guest && native) {
        ledger.plan(entry, 'add', 'Guest'); // the grant keeps guest users at Guest (docs/providers/projectmanager.md, "Teams")
      } else if (guest) {
        ledger.fail(entry, guestOnly(entry.user, wanted!, undefined));
      } else {
        ledger.plan(entry, 'add', wanted);
      }
    }
    const notes = teamResources.length === 0 ? [`Team "${found.name}" has no members.`] : [];
    const adds = ledger.planned('add');
    // The native grant is one request, expanded it is one upsert each; then one read of the members.
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: adds.length === 0 ? 0 : native ? 1 : adds.length, confirmingReads: 1 }, request.dryRun);
    if (!request.dryRun && adds.length > 0) {
      if (native) {
        const addAsEditor = request.role === 'editor' ? true : request.role === 'member' ? false : undefined;
        await this.addTeamNatively(project, found.id, addAsEditor, ledger, adds, context);
      } else {
        await this.upsertAll(project, ledger, adds, wanted, context);
      }
    }
    return { project, team, results: ledger.results(), notes };
  }

  // ---- reads ----

  async listMembers(request: ListMembersRequest, context: OperationContext): Promise<MemberList> {
    const people = this.people();
    // The members fresh; their emails from the people, cached unless a member is not in them.
    const [{ project, members }, cached] = await Promise.all([this.projectState(request.project, context), people.all(context.signal)]);
    const ids = [...members.keys()];
    const directory = ids.every((id) => cached.get(id)) ? cached : await people.all(context.signal, { ids });
    // Members carry no email (docs/providers/projectmanager.md, "Members"): join them with the people.
    const list = [...members.values()].map((member) => {
      const person = directory.get(member.id);
      return memberInfo(member.id, { name: member.name || person?.name, email: person?.email }, member.permission);
    });
    return { project, members: list };
  }

  async searchDirectory(request: SearchDirectoryRequest, context: OperationContext): Promise<DirectoryPage> {
    const needle = normalize(request.query);
    const { limit } = request;
    if (request.kind === 'team') {
      const teams = (await this.api.teams(context.signal)).filter((team) => matchesQuery(needle, team.name));
      return directoryPage(teams.map(directoryEntry), limit);
    }
    if (request.kind === 'project') {
      const projects = (await this.api.projectsContaining(needle, context.signal)).filter((p) => matchesQuery(needle, p.name));
      return directoryPage(projects.map(directoryEntry), limit);
    }
    // People only, active only: a non-person resource may have an email too (docs/providers/projectmanager.md, "Facts").
    const users = (await this.api.resourcesContaining(needle, context.signal)).filter(
      (resource) => resource.isPerson && resource.isActive && matchesQuery(needle, resource.name, resource.email),
    );
    return directoryPage(users.map(directoryEntry), limit);
  }


  /**
   * The access review. ProjectManager.com has no read by user: the projects are listed, then each
   * one's members read, concurrently within the connection's cap; a project whose members the key
   * may not read is reported as such. People come from the resources, as everywhere here.
   */
  async listUserMemberships(request: UserMembershipsRequest, context: OperationContext): Promise<UserMemberships> {
    const [projects, people] = await Promise.all([this.api.projectsContaining('', context.signal), this.people().resolve(request.users, context.signal)]);
    const inputs = resolveReviewInputs(request.users, (input) => people.match(input));
    const wanted = new Set(reviewedUsers(inputs).map((user) => user.id));
    const found = new MembershipCollector();
    const unreadable: Array<{ project: ProjectRef; error: EntryError }> = [];
    await forEachConcurrent(wanted.size > 0 ? projects : [], this.settings.concurrency, context.signal, async (project) => {
      let members: Awaited<ReturnType<ProjectManagerApi['members']>>;
      try {
        members = await this.api.members(project.id, context.signal);
      } catch (error) {
        const failure = toMembersError(error);
        if (failure.code !== 'PERMISSION_DENIED' && failure.code !== 'NOT_FOUND') throw error;
        unreadable.push({ project: { id: project.id, name: project.name }, error: { code: failure.code, message: failure.message } });
        return;
      }
      for (const [userId, member] of members) if (wanted.has(userId)) found.add(userId, project, { kind: 'direct' }, member.permission);
    });
    return { users: inputs.map((input) => input.reviewed), memberships: found.list(), unreadable };
  }

  // ---- helpers ----

  /**
   * The project and its members. Given an id, both are asked for at once (the members' path
   * needs only the id); given a name, the project is found first.
   */
  private async projectState(ref: string, context: OperationContext): Promise<{ project: ProjectManagerProject; members: Map<string, ProjectManagerMember> }> {
    const text = ref.trim();
    if (PROJECTMANAGER_ID.test(text)) {
      const id = text.toLowerCase();
      const members = this.api.members(id, context.signal);
      members.catch(() => undefined); // awaited below; a project that is not found explains it
      try {
        const project = await this.api.project(id, context.signal);
        return { project, members: await members };
      } catch (error) {
        if (toMembersError(error).code !== 'NOT_FOUND') throw error;
        // Not a project id here; it may still be a (UUID-shaped) project name.
      }
    }
    const project = await this.projectNamed(text, context);
    return { project, members: await this.api.members(project.id, context.signal) };
  }

  /** A project by exact name, compared without case. */
  private async projectNamed(text: string, context: OperationContext): Promise<ProjectManagerProject> {
    const candidates = (await this.api.projectsNamed(text, context.signal)).filter((p) => normalize(p.name) === normalize(text));
    // The error names the closest projects among all of them.
    if (candidates.length === 0) throw notFound('project', text, 'ProjectManager.com', await this.api.projectsContaining('', context.signal));
    return pickByIdOrName(text, candidates, 'project', 'ProjectManager.com');
  }

  /**
   * People (resources with a user account), for resolving ids, emails and names, through the
   * connection's cache: a few emails by lookups (`$filter` on email), more by reading every resource.
   */
  private people(): Directory<ProjectManagerResource> {
    return new Directory(this.settings.cache, {
      key: 'resources',
      where: 'the ProjectManager.com workspace',
      isId: (text) => PROJECTMANAGER_ID.test(text),
      readAll: (signal) => this.api.resources(signal),
      lookupEmail: (email, signal) => this.api.resourcesWithEmail(email, signal),
      lookupLimit: LOOKUP_LIMIT,
      matcher: (resources) => new PersonIndex(resources),
    });
  }

  /** One upsert per member, concurrently within the connection's cap; each applied exactly once. */
  private async upsertAll(project: ProjectManagerProject, ledger: MemberLedger<ProjectManagerResource>, entries: Entry[], wanted: ProjectManagerPermission | undefined, context: OperationContext): Promise<void> {
    const replies = new Replies(ledger);
    await writeEach(context, entries, {
      provider: this.kind,
      project: project.id,
      operation: (entry) => (entry.action === 'update' ? 'set_role' : 'add'),
      concurrency: this.settings.concurrency,
      write: async (entry) => {
        await this.api.upsertMember(project.id, entry.user.id, wanted, context.signal);
      },
      hasTakenEffect: async (entry) => {
        const member = (await this.api.members(project.id, context.signal)).get(entry.user.id);
        return member !== undefined && (wanted === undefined || member.permission === wanted);
      },
    }, replies);
    await this.confirm(project, ledger, entries, replies, context);
  }

  /** The native team grant; its reply names one member, so the member list read afterwards tells who was added. */
  private async addTeamNatively(
    project: ProjectManagerProject,
    teamId: string,
    addAsEditor: boolean | undefined,
    ledger: MemberLedger<ProjectManagerResource>,
    adds: Entry[],
    context: OperationContext,
  ): Promise<void> {
    let failure: MembersError | undefined;
    try {
      await guardedWrite(context, {
        keys: [teamId],
        journal: { provider: this.kind, project: project.id, operation: 'add_team', user: () => undefined },
        write: async () => this.api.addTeam(project.id, teamId, addAsEditor, context.signal),
        remaining: async (keys) => {
          const fresh = await this.api.members(project.id, context.signal);
          return adds.some((entry) => fresh.has(entry.user.id)) ? [] : keys;
        },
      });
    } catch (error) {
      failure = toMembersError(error);
    }
    const replies = new Replies(ledger);
    for (const entry of adds) replies.set(entry.user.id, failure);
    await this.confirm(project, ledger, adds, replies, context, (_entry, reply, observed) =>
      !reply && !observed.member
        ? {
            code: 'PROVIDER_ERROR',
            message: 'ProjectManager.com\'s team grant did not add this member (their workspace role may not allow project access); add them with add_project_members to see the provider\'s reason.',
          }
        : undefined,
    );
  }

  /** Decides the written entries from one read of the member list after every write. */
  private async confirm(
    project: ProjectManagerProject,
    ledger: MemberLedger<ProjectManagerResource>,
    entries: Entry[],
    replies: Replies,
    context: OperationContext,
    explain?: Parameters<typeof confirmWrites<ProjectManagerResource>>[4]['explain'],
  ): Promise<void> {
    await confirmWrites(context, ledger, entries, replies, {
      label: 'ProjectManager.com',
      reread: async () => {
        const members = await this.api.members(project.id, context.signal);
        return (entry) => {
          const member = members.get(entry.user.id);
          return member ? { member: true, role: member.permission } : { member: false };
        };
      },
      ...(explain ? { explain } : {}),
    });
  }

  /**
   * Ids of the workspace roles that are guest roles. Guests can only hold Guest on a project
   * (docs/providers/projectmanager.md, "Role mapping"). A key that may not read the roles predicts
   * nothing: the provider's own refusal then becomes the failed entry.
   */
  private async guestRoles(context: OperationContext): Promise<Set<string>> {
    try {
      return new Set((await this.api.userRoles(context.signal)).filter((role) => role.isGuest).map((role) => role.id));
    } catch (error) {
      const failure = toMembersError(error);
      if (failure.code === 'CANCELLED') throw error;
      context.logger.info(`${context.connection}: cannot read ProjectManager.com's user roles (${failure.message}); guests are not predicted`);
      return new Set();
    }
  }
}

/** Resolves people only; an email that belongs to a non-person resource gets its own explanation. */
class PersonIndex implements UserMatcher<ProjectManagerResource> {
  private readonly people: UserIndex<ProjectManagerResource>;
  private readonly others: ProjectManagerResource[];

  /** Every resource, people and others. */
  constructor(readonly users: readonly ProjectManagerResource[]) {
    this.people = new UserIndex(users.filter((r) => r.isPerson), (text) => PROJECTMANAGER_ID.test(text), 'the ProjectManager.com workspace');
    this.others = users.filter((r) => !r.isPerson);
  }

  get(id: string): ProjectManagerResource | undefined {
    return this.people.get(id);
  }

  match(input: string): UserMatch<ProjectManagerResource> {
    const found = this.people.match(input);
    if ('user' in found || found.error.code !== 'NOT_FOUND') return found;
    const text = normalize(input);
    const other = this.others.find((r) => r.id === text || (looksLikeEmail(input) && r.email !== undefined && normalize(r.email) === text));
    if (!other) return found;
    return { error: { code: 'NOT_FOUND', message: `"${input.trim()}" is a resource without a user account ("${other.name}"), not a person who can join a project.` } };
  }
}

function guestOnly(user: ProjectManagerResource, wanted: ProjectManagerPermission, current: string | undefined): MembersError {
  const now = current ? ` They stay ${current}.` : '';
  return new MembersError('PERMISSION_DENIED', `${user.name} is a guest user in ProjectManager.com, and guests can only have Guest access to a project, not ${wanted}.${now} Ask for role viewer instead, or change their workspace role first.`);
}

function inactive(user: ProjectManagerResource): MembersError {
  return new MembersError('NOT_FOUND', `${user.name} is inactive in ProjectManager.com (can no longer access the workspace), so they cannot be given project access.`);
}
