import type { OperationContext } from '../../core/context.js';
import { MembersError, toMembersError } from '../../core/errors.js';
import { MemberLedger, type ResolvedEntry, type UserMatch } from '../../core/ledger.js';
import type { DirectoryPage, MemberList, MembershipChange, Role, TeamRef } from '../../core/types.js';
import { guardedWrite, planWrites, writeEach } from '../../core/writes.js';
import { directoryEntry, directoryPage, memberInfo } from '../shared/entries.js';
import { looksLikeEmail, matchesQuery, normalize, notFound, pickByIdOrName, UserIndex } from '../shared/match.js';
import type {
  AddMembersRequest,
  AddTeamRequest,
  ListMembersRequest,
  MembershipProvider,
  ProviderCapabilities,
  RemoveMembersRequest,
  SearchDirectoryRequest,
} from '../types.js';
import {
  literal,
  PROJECTMANAGER_ID,
  type ProjectManagerApi,
  type ProjectManagerMember,
  type ProjectManagerPermission,
  type ProjectManagerProject,
  type ProjectManagerResource,
} from './api.js';

/** The notes' proposed mapping (§9); owner has no settable counterpart (there is no creator level). */
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
}

export class ProjectManagerProvider implements MembershipProvider {
  readonly kind = 'projectmanager' as const;
  readonly capabilities = PROJECTMANAGER_CAPABILITIES;

  constructor(
    private readonly api: ProjectManagerApi,
    private readonly settings: ProjectManagerSettings,
  ) {}

  // ---- mutating operations ----

  async addMembers(request: AddMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const { project, members, directory } = await this.projectState(request.project, context);
    const ledger = MemberLedger.fromInputs<ProjectManagerResource>(request.users, context, request.dryRun);
    ledger.resolve((input) => directory.match(input));
    const wanted = request.role ? PERMISSION_FOR_ROLE[request.role] : undefined;

    for (const entry of ledger.open()) {
      const current = members.get(entry.user.id)?.permission;
      if (current === undefined) {
        if (!entry.user.isActive) ledger.fail(entry, inactive(entry.user));
        else ledger.plan(entry, 'add', wanted);
      } else if (wanted === undefined || wanted === current) {
        // Without a role an existing member is left alone; the upsert would not change them either.
        ledger.decide(entry, 'already_member', { role: current });
      } else {
        ledger.plan(entry, 'update', wanted);
      }
    }
    planWrites(context, ledger.planned('add').length + ledger.planned('update').length, request.dryRun); // one upsert each
    if (!request.dryRun) await this.upsertAll(project, ledger, [...ledger.planned('add'), ...ledger.planned('update')], wanted, context);
    return { project, results: ledger.results() };
  }

  async removeMembers(request: RemoveMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const { project, members, directory } = await this.projectState(request.project, context);
    const ledger = MemberLedger.fromInputs<ProjectManagerResource>(request.users, context, request.dryRun);
    ledger.resolve((input) => directory.match(input));
    for (const entry of ledger.open()) {
      if (members.has(entry.user.id)) ledger.plan(entry, 'remove');
      else ledger.decide(entry, 'not_member');
    }
    planWrites(context, ledger.planned('remove').length, request.dryRun);
    if (!request.dryRun) {
      await writeEach(context, ledger, ledger.planned('remove'), {
        provider: this.kind,
        project: project.id,
        operation: 'remove',
        concurrency: this.settings.concurrency,
        write: async (entry) => this.api.removeMember(project.id, entry.user.id, context.signal),
        hasTakenEffect: async (entry) => !(await this.api.members(project.id, context.signal)).has(entry.user.id),
        done: () => ({ status: 'removed' }),
        // Someone else removed them meanwhile (inferred: the DELETE of a non-member answers 404): the goal holds.
        alreadyDone: (failure) => (failure.status === 404 ? 'not_member' : undefined),
      });
    }
    return { project, results: ledger.results() };
  }

  async addTeam(request: AddTeamRequest, context: OperationContext): Promise<MembershipChange> {
    const [project, teams] = await Promise.all([this.project(request.project, context), this.api.teams(context.signal)]);
    const found = pickByIdOrName(request.team, teams, 'team', 'ProjectManager.com (resource teams)');
    const native = NATIVE_TEAM_ROLES.has(request.role);
    const team: TeamRef = { id: found.id, name: found.name, mode: native ? 'native' : 'expanded' };
    const [before, teamResources] = await Promise.all([this.api.members(project.id, context.signal), this.api.teamResources(found.id, context.signal)]);

    const ledger = MemberLedger.fromUsers<ProjectManagerResource>(teamResources, context, request.dryRun);
    for (const entry of ledger.open()) {
      const current = before.get(entry.user.id)?.permission;
      if (!entry.user.isPerson) {
        ledger.decide(entry, 'skipped', { error: { code: 'NOT_FOUND', message: 'Skipped: a resource without a user account (not a person).' } });
      } else if (!entry.user.isActive) {
        ledger.decide(entry, 'skipped', { error: { code: 'NOT_FOUND', message: 'Skipped: inactive, can no longer access the workspace.' } });
      } else if (current !== undefined) {
        // The team grant leaves existing members as they are; so does the expanded path, to mean the same.
        ledger.decide(entry, 'already_member', { role: current });
      } else {
        ledger.plan(entry, 'add', request.role ? PERMISSION_FOR_ROLE[request.role] : undefined);
      }
    }
    const notes = teamResources.length === 0 ? [`Team "${found.name}" has no members.`] : [];
    const adds = ledger.planned('add');
    // The native grant is one request and one read of the members after it; expanded, one upsert each.
    planWrites(context, adds.length === 0 ? 0 : native ? 2 : adds.length, request.dryRun);
    if (!request.dryRun && adds.length > 0) {
      if (native) {
        const addAsEditor = request.role === 'editor' ? true : request.role === 'member' ? false : undefined;
        await this.addTeamNatively(project, found.id, addAsEditor, ledger, adds, context);
      } else {
        await this.upsertAll(project, ledger, adds, request.role ? PERMISSION_FOR_ROLE[request.role] : undefined, context);
      }
    }
    return { project, team, results: ledger.results(), notes };
  }

  // ---- reads ----

  async listMembers(request: ListMembersRequest, context: OperationContext): Promise<MemberList> {
    const { project, members, directory } = await this.projectState(request.project, context);
    // Members carry no email (notes §4.1): join them with the people.
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
      const projects = await this.api.projectsPage(needle ? `contains(tolower(name),${literal(needle)})` : undefined, limit + 1, context.signal);
      return directoryPage(projects.map(directoryEntry), limit);
    }
    // People only, active only: a non-person resource may have an email too (notes §6.1).
    const filter = needle ? `contains(tolower(name),${literal(needle)}) or contains(tolower(email),${literal(needle)})` : undefined;
    const users = (await this.api.resources(context.signal, filter)).filter((resource) => resource.isPerson && resource.isActive);
    return directoryPage(users.map(directoryEntry), limit);
  }


  // ---- helpers ----

  /** The project and its members, and (at the same time, as it does not depend on them) the people. */
  private async projectState(ref: string, context: OperationContext) {
    const [{ project, members }, directory] = await Promise.all([
      this.project(ref, context).then(async (project) => ({ project, members: await this.api.members(project.id, context.signal) })),
      this.directory(context),
    ]);
    return { project, members, directory };
  }

  /** A project by id (one GET) or by exact name, compared without case. */
  private async project(ref: string, context: OperationContext): Promise<ProjectManagerProject> {
    const text = ref.trim();
    if (PROJECTMANAGER_ID.test(text)) {
      try {
        return await this.api.project(text.toLowerCase(), context.signal);
      } catch (error) {
        if (toMembersError(error).code !== 'NOT_FOUND') throw error;
      }
    }
    const candidates = (await this.api.projectsNamed(text, context.signal)).filter((p) => normalize(p.name) === normalize(text));
    // The error names the closest projects among the first page of them.
    if (candidates.length === 0) throw notFound('project', text, 'ProjectManager.com', await this.api.projectsPage(undefined, 500, context.signal));
    return pickByIdOrName(text, candidates, 'project', 'ProjectManager.com');
  }

  /** People (resources with a user account), for resolving ids, emails and names. */
  private async directory(context: OperationContext): Promise<PersonIndex> {
    return new PersonIndex(await this.api.resources(context.signal));
  }

  /** One upsert per member, concurrently within the connection's cap; each applied exactly once. */
  private async upsertAll(project: ProjectManagerProject, ledger: MemberLedger<ProjectManagerResource>, entries: Entry[], wanted: ProjectManagerPermission | undefined, context: OperationContext): Promise<void> {
    // The permission each member ended with, from the upsert's reply or from a re-read.
    const permissions = new Map<string, string | undefined>();
    await writeEach(context, ledger, entries, {
      provider: this.kind,
      project: project.id,
      operation: (entry) => (entry.action === 'update' ? 'set_role' : 'add'),
      concurrency: this.settings.concurrency,
      write: async (entry) => {
        permissions.set(entry.user.id, (await this.api.upsertMember(project.id, entry.user.id, wanted, context.signal)).permission);
      },
      hasTakenEffect: async (entry) => {
        const member = (await this.api.members(project.id, context.signal)).get(entry.user.id);
        permissions.set(entry.user.id, member?.permission);
        return member !== undefined && (wanted === undefined || member.permission === wanted);
      },
      done: (entry) => ({ status: entry.action === 'update' ? 'updated' : 'added', role: permissions.get(entry.user.id) ?? wanted }),
    });
  }

  /** The native team grant; its reply names one member, so the member list before and after tells who was added. */
  private async addTeamNatively(
    project: ProjectManagerProject,
    teamId: string,
    addAsEditor: boolean | undefined,
    ledger: MemberLedger<ProjectManagerResource>,
    adds: Entry[],
    context: OperationContext,
  ): Promise<void> {
    let after: Map<string, ProjectManagerMember> | undefined;
    const readAfter = async () => (after = await this.api.members(project.id, context.signal));
    try {
      await guardedWrite(context, {
        keys: [teamId],
        journal: { provider: this.kind, project: project.id, operation: 'add_team', user: () => undefined },
        write: async () => {
          await this.api.addTeam(project.id, teamId, addAsEditor, context.signal);
          await readAfter();
        },
        remaining: async (keys) => {
          const fresh = await readAfter();
          return adds.some((entry) => fresh.has(entry.user.id)) ? [] : keys;
        },
      });
    } catch (error) {
      for (const entry of adds) ledger.fail(entry, toMembersError(error));
      return;
    }
    for (const entry of adds) {
      const member = after?.get(entry.user.id);
      if (member) ledger.decide(entry, 'added', { role: member.permission });
      else {
        ledger.fail(entry, {
          code: 'PROVIDER_ERROR',
          message: 'ProjectManager.com\'s team grant did not add this member (their workspace role may not allow project access); add them with add_project_members to see the provider\'s reason.',
        });
      }
    }
  }
}

/** Resolves people only; an email that belongs to a non-person resource gets its own explanation. */
class PersonIndex {
  private readonly people: UserIndex<ProjectManagerResource>;
  private readonly others: ProjectManagerResource[];

  constructor(resources: ProjectManagerResource[]) {
    this.people = new UserIndex(resources.filter((r) => r.isPerson), (text) => PROJECTMANAGER_ID.test(text), 'the ProjectManager.com workspace');
    this.others = resources.filter((r) => !r.isPerson);
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

function inactive(user: ProjectManagerResource): MembersError {
  return new MembersError('NOT_FOUND', `${user.name} is inactive in ProjectManager.com (can no longer access the workspace), so they cannot be given project access.`);
}
