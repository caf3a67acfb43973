import type { ErrorCode } from './errors.js';

/** Provider kinds of the contract. */
export const PROVIDER_KINDS = ['clockify', 'gorules', 'projectmanager', 'zello'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** The contract's role enum: access to grant, mapped to each provider's own levels. */
export const ROLES = ['viewer', 'member', 'editor', 'manager', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export const MEMBER_STATUSES = [
  'added',
  'already_member',
  'updated',
  'removed',
  'not_member',
  'failed',
  'skipped',
  'would_add',
  'would_update',
  'would_remove',
] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export interface EntryError {
  code: ErrorCode;
  message: string;
}

/** One entry of a mutating tool's `results`, exactly as the contract names its fields. */
export interface MemberResult {
  input: string;
  userId?: string;
  name?: string;
  email?: string;
  status: MemberStatus;
  /** The provider's own level after the change. */
  role?: string;
  error?: EntryError;
}

export interface ProjectRef {
  id: string;
  name?: string;
}

export interface TeamRef {
  id: string;
  name?: string;
  mode: 'native' | 'expanded';
}

export interface Summary {
  requested: number;
  changed: number;
  unchanged: number;
  failed: number;
}

/** What an adapter returns for a mutating operation; the tool layer adds connection facts and the summary. */
export interface MembershipChange {
  project: ProjectRef;
  team?: TeamRef;
  results: MemberResult[];
  /** Facts worth a sentence in the text summary (public project, access through groups, …). */
  notes?: string[];
}

export interface MemberInfo {
  userId: string;
  name?: string;
  email?: string;
  role?: string;
}

export interface MemberList {
  project: ProjectRef;
  /** Every member; the tool layer sorts them (by name, then id) and pages through them. */
  members: MemberInfo[];
  notes?: string[];
}

/** What search_directory finds; `workspace` only on providers with workspaces (Clockify, Zello). */
export const DIRECTORY_KINDS = ['user', 'team', 'project', 'workspace'] as const;
export type DirectoryKind = (typeof DIRECTORY_KINDS)[number];

export interface DirectoryEntry {
  id: string;
  name: string;
  email?: string;
}

export interface DirectoryPage {
  entries: DirectoryEntry[];
  truncated: boolean;
}

/**
 * How a person has access to a project (list_user_memberships): a membership of their own, a
 * user group or team the project is granted to, a public project, or an organisation role.
 */
export const ACCESS_KINDS = ['direct', 'group', 'public', 'role'] as const;
export type AccessKind = (typeof ACCESS_KINDS)[number];

export interface AccessWay {
  kind: AccessKind;
  /** The group or role, for `group` and `role`. */
  id?: string;
  name?: string;
}

/** One person's access to one project. */
export interface UserMembership {
  userId: string;
  project: ProjectRef;
  /** The provider's own level, where the access carries one. */
  role?: string;
  via: AccessWay[];
}

/** An input of an access review, resolved to a user or not. */
export interface ReviewedUser {
  input: string;
  userId?: string;
  name?: string;
  email?: string;
  error?: EntryError;
}

/** What an adapter returns for an access review; the tool layer sorts and pages the memberships. */
export interface UserMemberships {
  users: ReviewedUser[];
  memberships: UserMembership[];
  /** Projects whose members the connection's account could not read: access there is unknown. */
  unreadable: Array<{ project: ProjectRef; error: EntryError }>;
  notes?: string[];
}
