import type { OperationContext } from '../../core/context.js';
import { MembersError, toMembersError } from '../../core/errors.js';
import { MemberLedger } from '../../core/ledger.js';
import type { DirectoryPage, MemberList, MembershipChange, Role, UserMemberships } from '../../core/types.js';
import { confirmWrites, holdProject, planWrites, Replies, writeEach } from '../../core/writes.js';
import type { DirectoryCache } from '../../core/cache.js';
import { Directory } from '../shared/directory.js';
import { directoryEntry, directoryPage, memberInfo } from '../shared/entries.js';
import { matchesQuery, normalize, notFound, pickByIdOrName } from '../shared/match.js';
import { MembershipCollector, resolveReviewInputs, reviewedUsers } from '../shared/review.js';
import type {
  AddMembersRequest,
  ListMembersRequest,
  MembershipProvider,
  ProviderCapabilities,
  SearchDirectoryRequest,
  UserMembershipsRequest,
} from '../types.js';
import { ZELLO_ID, type ZelloApi, type ZelloProject, type ZelloUser, type ZelloWorkspace, type ZelloWorkspaceMember } from './api.js';

/** Access levels by name (the wire takes names; numbers are accepted unchecked upstream, so never sent). */
const LEVEL_FOR_ROLE: Partial<Record<Role, string>> = { viewer: 'Guest', member: 'Member', owner: 'Owner' };
/** Their order (docs/providers/zello.md, "Role mapping"): nobody may grant above their own workspace level. */
const RANK: Record<string, number> = { Guest: 0, Member: 10, Owner: 20, Admin: 30 };
const rank = (level: string | undefined) => (level === undefined ? undefined : RANK[level]);

export const ZELLO_CAPABILITIES: ProviderCapabilities = {
  roles: LEVEL_FOR_ROLE,
  defaultRole: 'Member',
  teams: { mode: 'none', roles: [], what: 'none' },
  groups: false,
  remove: false,
  workspaces: true,
  notes: ['roles cannot be changed once granted', 'users must already be in the project\'s workspace'],
};

export interface ZelloSettings {
  /** The connection's login name, to find its own workspace level. */
  username: string;
  /** Members added at once (one request each). */
  concurrency: number;
  /** The connection's directory cache: the users. */
  cache: DirectoryCache;
}

/** The state every operation starts from: the project and its workspace, with their members. */
interface Snapshot {
  workspace: ZelloWorkspace;
  project: ZelloProject;
}

export class ZelloProvider implements MembershipProvider {
  readonly kind = 'zello' as const;
  readonly capabilities = ZELLO_CAPABILITIES;

  constructor(
    private readonly api: ZelloApi,
    private readonly settings: ZelloSettings,
  ) {}

  async addMembers(request: AddMembersRequest, context: OperationContext): Promise<MembershipChange> {
    const people = this.people();
    const [{ workspace, project }, users] = await Promise.all([
      this.snapshot(request.workspaceId, request.project, context),
      people.resolve(request.users, context.signal),
    ]);
    const ledger = MemberLedger.fromInputs<ZelloUser>(request.users, context, request.dryRun);
    ledger.resolve((input) => users.match(input));
    const wanted = request.role ? LEVEL_FOR_ROLE[request.role] : undefined;
    const levels = projectLevels(workspace, project);
    const workspaceMember = new Map(workspace.members.map((member) => [member.userId, member]));
    // The account's own user: in the directory the resolution just used (cached or read), so no request.
    const caller = this.caller(workspace, (await people.all(context.signal)).users);
    const notes: string[] = [];

    for (const entry of ledger.open()) {
      const member = workspaceMember.get(entry.user.id);
      const current = levels.get(entry.user.id);
      if (!member) {
        // The tool adds people to projects, never to workspaces.
        ledger.fail(entry, {
          code: 'NOT_FOUND',
          message: `${entry.user.name} is not a member of workspace "${workspace.name}", and a Zello project only takes members of its workspace: add them to the workspace first.`,
        });
      } else if (current !== undefined) {
        ledger.decide(entry, 'already_member', { role: current });
        if (wanted && wanted !== current) notes.push(`${entry.input} stays ${current}: Zello cannot change an existing member's access level.`);
      } else {
        // Zello grants nobody more in a project than their workspace level (its add checks, in order).
        const ceiling = member.accessLevel;
        const level = wanted ?? (rank(ceiling) !== undefined && rank(ceiling)! < RANK.Member! ? ceiling! : 'Member');
        const refusal = this.predictRefusal(entry.user, workspace, level, ceiling, caller);
        if (refusal) ledger.fail(entry, refusal);
        else {
          if (!wanted && level !== 'Member') notes.push(`${entry.input} is a ${level} of workspace "${workspace.name}", the highest level Zello allows them, so is added as ${level}.`);
          ledger.plan(entry, 'add', level);
        }
      }
    }
    await holdProject(context, project, request.dryRun);
    planWrites(context, { writes: ledger.planned('add').length, confirmingReads: 1 }, request.dryRun); // one request each, one read of the workspaces
    if (!request.dryRun) {
      const adds = ledger.planned('add');
      const replies = new Replies(ledger);
      await writeEach(context, adds, {
        provider: this.kind,
        project: project.id,
        operation: 'add',
        concurrency: this.settings.concurrency,
        write: async (entry) => {
          await this.api.addProjectMember(project.id, workspaceMember.get(entry.user.id)!.id, entry.role!, context.signal);
        },
        hasTakenEffect: async (entry) => (await this.projectNow(workspace.id, project.id, context)).has(entry.user.id),
      }, replies);
      // Added only when the workspaces read afterwards show them in the project, at the level asked for.
      await confirmWrites(context, ledger, adds, replies, {
        label: 'Zello',
        reread: async () => {
          const now = await this.projectNow(workspace.id, project.id, context);
          return (entry) => (now.has(entry.user.id) ? { member: true, role: now.get(entry.user.id) } : { member: false });
        },
      });
      people.afterWrites(adds);
    }
    return { project: { id: project.id, name: project.name }, results: ledger.results(), notes };
  }

  async removeMembers(): Promise<MembershipChange> {
    throw unsupported('remove project members');
  }

  async addTeam(): Promise<MembershipChange> {
    throw unsupported('add teams (Zello has no teams)');
  }

  async listMembers(request: ListMembersRequest, context: OperationContext): Promise<MemberList> {
    const people = this.people();
    // The members fresh; their names from the users, cached unless a member is not in them.
    const [{ workspace, project }, cached] = await Promise.all([this.snapshot(request.workspaceId, request.project, context), people.all(context.signal)]);
    const levels = projectLevels(workspace, project);
    const ids = [...levels.keys()];
    const directory = ids.every((id) => cached.get(id)) ? cached : await people.all(context.signal, { ids });
    const members = [...levels].map(([userId, level]) => memberInfo(userId, directory.get(userId), level));
    return { project: { id: project.id, name: project.name }, members, notes: [`In workspace "${workspace.name}".`] };
  }

  async searchDirectory(request: SearchDirectoryRequest, context: OperationContext): Promise<DirectoryPage> {
    if (request.kind === 'team') throw unsupported('search teams (Zello has no teams)');
    const workspaces = await this.workspacesIn(request.workspaceId, context);
    const entries =
      request.kind === 'workspace'
        ? workspaces.filter((w) => matchesQuery(request.query, w.name)).map(directoryEntry)
        : request.kind === 'project'
        ? workspaces.flatMap((w) => w.projects).filter((p) => matchesQuery(request.query, p.name)).map(directoryEntry)
        : (await this.api.users(context.signal))
            .filter((user) => matchesQuery(request.query, user.name, user.email))
            .map(directoryEntry);
    return directoryPage(entries, request.limit);
  }

  /**
   * The access review in two reads: the workspaces hold every project with its members, and the
   * users resolve the inputs. Project access is by membership only (a workspace membership is not
   * access to its projects).
   */
  async listUserMemberships(request: UserMembershipsRequest, context: OperationContext): Promise<UserMemberships> {
    // The users are indexed once for every input (people through the connection's cache).
    const [workspaces, people] = await Promise.all([this.workspacesIn(request.workspaceId, context), this.people().resolve(request.users, context.signal)]);
    const inputs = resolveReviewInputs(request.users, (input) => people.match(input));
    const wanted = new Set(reviewedUsers(inputs).map((user) => user.id));
    const found = new MembershipCollector();
    for (const workspace of workspaces) {
      for (const project of workspace.projects) {
        for (const [userId, level] of projectLevels(workspace, project)) {
          if (wanted.has(userId)) found.add(userId, { id: project.id, name: project.name }, { kind: 'direct' }, level);
        }
      }
    }
    const notes = workspaces.length > 1 ? [`Across ${workspaces.length} workspaces (project names are unique only within one).`] : [];
    return { users: inputs.map((input) => input.reviewed), memberships: found.list(), unreadable: [], notes };
  }

  /**
   * What Zello would refuse, known from the levels already read (docs/providers/zello.md,
   * "Members"): the connection's account must be in the project's workspace, and nobody is granted
   * above their own workspace level or above the account's.
   */
  private predictRefusal(user: ZelloUser, workspace: ZelloWorkspace, level: string, ceiling: string | undefined, caller: ZelloWorkspaceMember | null | undefined): MembersError | undefined {
    const account = `the connection's account "${this.settings.username}"`;
    if (caller === null) {
      return new MembersError('PERMISSION_DENIED', `Zello lets only members of workspace "${workspace.name}" add project members, and ${account} is not one.`, {
        hint: 'Make the account an Owner of the workspace in Zello, or use an account that is.',
      });
    }
    if (rank(ceiling) !== undefined && rank(level)! > rank(ceiling)!) {
      return new MembersError('PERMISSION_DENIED', `${user.name} is a ${ceiling} of workspace "${workspace.name}", and Zello grants nobody more in a project than their workspace level, so not ${level}. Ask for ${ceiling === 'Guest' ? 'role viewer' : 'a lower role'}, or leave role out.`);
    }
    if (caller && rank(caller.accessLevel) !== undefined && rank(level)! > rank(caller.accessLevel)!) {
      return new MembersError('PERMISSION_DENIED', `Zello lets an account grant at most its own workspace level, and ${account} is a ${caller.accessLevel} of workspace "${workspace.name}", so it cannot grant ${level}.`, {
        hint: 'Make the account an Owner of the workspace in Zello.',
      });
    }
    return undefined;
  }

  /**
   * The connection's own membership of the workspace: null when it is not a member, undefined when
   * its user is not in the list (then nothing about it is predicted).
   */
  private caller(workspace: ZelloWorkspace, users: readonly ZelloUser[]): ZelloWorkspaceMember | null | undefined {
    const self = users.find((user) => user.username?.toLowerCase() === this.settings.username.toLowerCase());
    if (!self) return undefined;
    return workspace.members.find((member) => member.userId === self.id) ?? null;
  }

  /** A project's members (user id → level) as one read of the workspaces shows them now. */
  private async projectNow(workspaceId: string, projectId: string, context: OperationContext): Promise<Map<string, string | undefined>> {
    const workspace = (await this.api.workspaces(context.signal)).find((w) => w.id === workspaceId);
    const project = workspace?.projects.find((p) => p.id === projectId);
    return workspace && project ? projectLevels(workspace, project) : new Map();
  }

  /** One read of the workspaces (projects and members included), fresh: it holds who is in each project. */
  private async snapshot(workspaceId: string | undefined, ref: string, context: OperationContext): Promise<Snapshot> {
    const workspaces = await this.workspacesIn(workspaceId, context);
    const text = ref.trim();
    const projects = workspaces.flatMap((w) => w.projects);
    const where = workspaceId ? `workspace ${workspaces[0]?.name ? `"${workspaces[0].name}"` : workspaceId}` : 'the workspaces this Zello account sees';
    let project = projects.find((p) => p.id === text.toLowerCase());
    if (!project) {
      const named = projects.filter((p) => normalize(p.name) === normalize(text));
      if (named.length === 0) throw notFound('project', text, where, projects);
      // Names are only unique within a workspace; the ambiguity message lists ids, workspaceId narrows.
      project = pickByIdOrName(text, named, 'project', where);
    }
    const workspace = workspaces.find((w) => w.id === project.workspaceId)!;
    return { workspace, project };
  }

  /**
   * The users, to resolve emails and names, through the connection's cache. Zello has no lookup by
   * email: the list is read whole (no paging), and indexed once per call.
   */
  private people(): Directory<ZelloUser> {
    return new Directory(this.settings.cache, {
      key: 'users',
      where: 'Zello',
      isId: (text) => ZELLO_ID.test(text),
      readAll: (signal) => this.usersForResolution(signal),
    });
  }

  private async workspacesIn(workspaceId: string | undefined, context: OperationContext): Promise<ZelloWorkspace[]> {
    if (workspaceId !== undefined && !ZELLO_ID.test(workspaceId)) {
      throw new MembersError('INVALID_ARGUMENT', `Invalid workspaceId "${workspaceId.slice(0, 80)}": a Zello workspace id is a GUID.`, {
        hint: 'Leave workspaceId out to search every workspace the account sees.',
      });
    }
    const workspaces = await this.api.workspaces(context.signal);
    if (workspaceId === undefined) return workspaces;
    const found = workspaces.filter((w) => w.id === workspaceId.toLowerCase());
    if (found.length === 0) throw new MembersError('NOT_FOUND', `No workspace ${workspaceId} is visible to this Zello account.`);
    return found;
  }

  /** Resolving emails and names needs the user list, which only system Admins may read (docs/providers/zello.md, "Facts"). */
  private async usersForResolution(signal: AbortSignal): Promise<ZelloUser[]> {
    try {
      return await this.api.users(signal);
    } catch (error) {
      const failure = toMembersError(error);
      if (failure.code !== 'PERMISSION_DENIED' && failure.code !== 'PROVIDER_ERROR') throw error;
      throw new MembersError(failure.code, `Zello refused the user list (${failure.message}); only a system Admin may read it, and it is needed to find people.`, {
        hint: 'Configure the Zello connection with a system Admin account that is also Owner of the workspaces it manages.',
      });
    }
  }
}

/** A project's members as user id → access level, joined through the workspace membership. */
function projectLevels(workspace: ZelloWorkspace, project: ZelloProject): Map<string, string | undefined> {
  const userOf = new Map(workspace.members.map((member) => [member.id, member.userId]));
  const levels = new Map<string, string | undefined>();
  for (const member of project.members) {
    const userId = userOf.get(member.workspaceMemberId);
    if (userId) levels.set(userId, member.accessLevel);
  }
  return levels;
}

function unsupported(what: string): MembersError {
  return new MembersError('UNSUPPORTED', `Zello's API has no operation to ${what}.`, { hint: 'Do it in Zello itself.' });
}
