import type { OperationContext } from '../core/context.js';
import type {
  DirectoryKind,
  DirectoryPage,
  MemberList,
  MembershipChange,
  ProviderKind,
  Role,
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
  /** Short facts for the server's instructions (limits an agent should know). */
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
}

export interface AddTeamRequest extends ProjectScoped {
  team: string;
  role?: Role | undefined;
  /** Project groups for the team's new members, besides those the team brings (GoRules). */
  groups?: string[] | undefined;
  dryRun: boolean;
}

export type ListMembersRequest = ProjectScoped;

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
}
