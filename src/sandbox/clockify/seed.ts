/** Demo data for the Clockify simulator: fictional people on example.com addresses. */

import { generatedPeople } from '../people.js';

export type WorkspaceStatus = 'ACTIVE' | 'PENDING' | 'INACTIVE' | 'DECLINED';
export type AccountStatus = 'ACTIVE' | 'PENDING_EMAIL_VERIFICATION' | 'NOT_REGISTERED' | 'DELETED';

export interface SeedUser {
  id: string;
  name: string;
  email: string;
  accountStatus: AccountStatus;
  /** Membership state in the workspace (invited, active, deactivated). */
  workspaceStatus: WorkspaceStatus;
  admin?: boolean;
  /** The workspace's owner (not counted as an admin by the workspaces' role filter). */
  owner?: boolean;
}

export interface SeedGroup {
  id: string;
  name: string;
  userIds: string[];
}

export interface SeedProject {
  id: string;
  name: string;
  public?: boolean;
  archived?: boolean;
  clientName?: string;
  /** Direct user members. */
  userIds: string[];
  /** User groups assigned to the project (their ids appear in memberships[].userId). */
  groupIds: string[];
  managerIds: string[];
}

export interface SeedWorkspace {
  id: string;
  name: string;
  /** featureSubscriptionType, e.g. "FREE" (left out of replies when unset). */
  plan?: string;
  users: SeedUser[];
  groups: SeedGroup[];
  projects: SeedProject[];
}

export interface ClockifySeed {
  workspaces: SeedWorkspace[];
  /** API key → id of the user it belongs to. */
  apiKeys: Record<string, string>;
}

/** 24-hex ids with a readable prefix per kind, e.g. user 3 → 64a1000000000000000000u3 in hex form. */
export function clockifyId(kind: 'workspace' | 'user' | 'group' | 'project', n: number): string {
  const prefix = { workspace: '64a0', user: '64b0', group: '64c0', project: '64d0' }[kind];
  return `${prefix}${n.toString(16).padStart(20, '0')}`;
}

const u = (n: number) => clockifyId('user', n);
const g = (n: number) => clockifyId('group', n);
const p = (n: number) => clockifyId('project', n);

export const CLOCKIFY_SANDBOX_KEY = 'sandbox-clockify-admin-key';
/** A key of an ordinary workspace user: valid, but not allowed to manage projects. */
export const CLOCKIFY_SANDBOX_MEMBER_KEY = 'sandbox-clockify-member-key';
export const CLOCKIFY_SANDBOX_WORKSPACE = clockifyId('workspace', 1);

export function clockifySeed(options: { people?: number } = {}): ClockifySeed {
  const users: SeedUser[] = [
    { id: u(1), name: 'Ana Lima', email: 'ana.lima@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE', admin: true },
    { id: u(2), name: 'Ben Carter', email: 'ben.carter@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(3), name: 'Chloe Park', email: 'chloe.park@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(4), name: 'Diego Rivera', email: 'diego.rivera@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(5), name: 'Emma Brooks', email: 'emma.brooks@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(6), name: 'Farid Haddad', email: 'farid.haddad@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(7), name: 'Grace Okafor', email: 'grace.okafor@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(8), name: 'Hiro Tanaka', email: 'hiro.tanaka@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(9), name: 'Sam Taylor', email: 'sam.taylor@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(10), name: 'Sam Taylor', email: 'samuel.taylor@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' },
    { id: u(11), name: 'Ivy Chen', email: 'ivy.chen@acme.example', accountStatus: 'NOT_REGISTERED', workspaceStatus: 'PENDING' },
    { id: u(12), name: 'Jonas Berg', email: 'jonas.berg@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'INACTIVE' },
  ];
  // Generated people are active users of both workspaces.
  const generated: SeedUser[] = generatedPeople(options.people ?? 0).map((person) => ({
    id: u(1000 + person.n),
    name: person.name,
    email: `${person.localPart}@acme.example`,
    accountStatus: 'ACTIVE',
    workspaceStatus: 'ACTIVE',
  }));
  const acme: SeedWorkspace = {
    id: CLOCKIFY_SANDBOX_WORKSPACE,
    name: 'Acme Studio',
    users: [...users, ...generated],
    groups: [
      { id: g(1), name: 'Design', userIds: [u(3), u(5), u(7)] },
      { id: g(2), name: 'Engineering', userIds: [u(2), u(4), u(6), u(8), u(12)] },
      { id: g(3), name: 'QA', userIds: [u(9), u(11)] },
    ],
    projects: [
      { id: p(1), name: 'Website Redesign', clientName: 'Northwind', userIds: [u(1), u(2)], groupIds: [], managerIds: [u(1)] },
      { id: p(2), name: 'Mobile App', userIds: [u(1), u(3)], groupIds: [g(2)], managerIds: [u(1)] },
      { id: p(3), name: 'Internal Tools', public: true, userIds: [u(1)], groupIds: [], managerIds: [u(1)] },
      { id: p(4), name: 'Onboarding', userIds: [u(1)], groupIds: [], managerIds: [] },
      { id: p(5), name: 'onboarding', archived: true, userIds: [u(1)], groupIds: [], managerIds: [] },
      { id: p(6), name: 'Data Platform', userIds: [u(1), u(4), u(6)], groupIds: [], managerIds: [u(1), u(4)] },
    ],
  };
  const labs: SeedWorkspace = {
    id: clockifyId('workspace', 2),
    name: 'Acme Labs',
    users: [users[0]!, users[1]!, ...generated],
    groups: [],
    projects: [{ id: p(20), name: 'Research', userIds: [u(1)], groupIds: [], managerIds: [u(1)] }],
  };
  return {
    workspaces: [acme, labs],
    apiKeys: { [CLOCKIFY_SANDBOX_KEY]: u(1), [CLOCKIFY_SANDBOX_MEMBER_KEY]: u(2) },
  };
}
