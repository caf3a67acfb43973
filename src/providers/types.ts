import type { OperationContext } from '../core/context.js';
import type {
  DirectoryKind,
  DirectoryPage,
  MemberList,
  MembershipChange,
  ProjectRef,
  ProviderKind,
  Role,
  UserMemberships,
} from '../core/types.js';

/** What a provider can do, so that the tool layer refuses the impossible before any request. */
export interface ProviderCapabilities {
  /** Contract role → the provider's own level. Roles left out are UNSUPPORTED. */
  roles: Partial<Record<Role, string>>;
  /** What a new member gets when the call names no role. */
  defaultRole: string;
  teams: {
    /** How add_team_to_project works: the provider's own team endpoint, expansion into members, or not at all. */
    mode: 'native' | 'expanded' | 'none';
    /** Roles add_team_to_project accepts (a subset of `roles`). */
    roles: Role[];
    /** What a "team" is on this provider, in a few words. */
    what?: string;
  };
  /** `groups` on add_project_members (GoRules project groups). */
  groups: boolean;
  remove: boolean;
  /** The provider has workspaces, so `workspaceId` means something. */
  workspaces: boolean;
  /** Short facts for the server's instructions that the fields above cannot say (it states those itself). */
  notes: string[];
}

interface ProjectScoped {
  workspaceId?: string | undefined;
  project: string;
}

export interface AddMembersRequest extends ProjectScoped {
  users: string[];
  role?: Role | undefined;
  groups?: string[] | undefined;
  dryRun: boolean;
}

export interface RemoveMembersRequest extends ProjectScoped {
  users: string[];
  dryRun: boolean;
  /**
   * Remove the last people who can manage the project too (GoRules' last owner, ProjectManager.com's
   * last Manager). Without it such entries are `failed` with LAST_MANAGER, the dry run included.
   */
  allowLastManager?: boolean | undefined;
  /**
   * Called once per call with what the removal plans, after planWrites and before the first write
   * (in a dry run too): the tool layer's confirmation and budget step. When it throws, the call
   * throws that error and writes nothing.
   */
  review?: ((plan: RemovalPlan) => Promise<void>) | undefined;
}

/** What a removal plans on one project, as the tool layer reviews it before any write. */
export interface RemovalPlan {
  project: ProjectRef;
  /** The members the call would remove (guarded entries are not among them). */
  removals: Array<{ userId: string; name?: string; email?: string }>;
  /**
   * The connection's own user id; null when the provider does not say who it is; undefined when
   * it was not needed (nothing to remove).
   */
  self: string | null | undefined;
}

export interface AddTeamRequest extends ProjectScoped {
  team: string;
  role?: Role | undefined;
  /** Project groups for the team's new members, besides those the team brings (GoRules). */
  groups?: string[] | undefined;
  dryRun: boolean;
}

export type ListMembersRequest = ProjectScoped;

export interface UserMembershipsRequest {
  workspaceId?: string | undefined;
  /** Ids, emails or exact names (1 to 50). */
  users: string[];
}

export interface SearchDirectoryRequest {
  workspaceId?: string | undefined;
  /** `workspace` is asked only of providers whose capabilities say they have workspaces; the tool refuses it elsewhere. */
  kind: DirectoryKind;
  query: string;
  limit: number;
}

/**
 * The interface every provider adapter implements. Adapters read current state before writing
 * (idempotent results), validate ids before they reach a path, and report per-member outcomes.
 * Whole-call problems (unknown project, bad credentials) are thrown as MembersError.
 */
export interface MembershipProvider {
  readonly kind: ProviderKind;
  readonly capabilities: ProviderCapabilities;
  addMembers(request: AddMembersRequest, context: OperationContext): Promise<MembershipChange>;
  removeMembers(request: RemoveMembersRequest, context: OperationContext): Promise<MembershipChange>;
  addTeam(request: AddTeamRequest, context: OperationContext): Promise<MembershipChange>;
  listMembers(request: ListMembersRequest, context: OperationContext): Promise<MemberList>;
  searchDirectory(request: SearchDirectoryRequest, context: OperationContext): Promise<DirectoryPage>;
  /** Every project on the connection the users can access, and how (an access review); read-only. */
  listUserMemberships(request: UserMembershipsRequest, context: OperationContext): Promise<UserMemberships>;
}
