/** Demo data for the GoRules BRMS simulator: one organisation, fictional people on example.com addresses. */

import { generatedPeople } from '../people.js';

export interface GrUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  /** "active" or "pending" (invited, not joined). */
  status: string;
  isService: boolean;
}

export interface GrGroup {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  /** Set when an organisation role manages the group. */
  roleId: string | null;
}

/** A membership record: its own id, distinct from the user's. */
export interface GrMember {
  id: string;
  userId: string;
  owner: boolean;
  groupIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface GrProject {
  id: string;
  name: string;
  key: string;
  members: GrMember[];
  groups: GrGroup[];
}

export interface GrRole {
  id: string;
  name: string;
  description: string;
  allProjects: boolean;
  userIds: string[];
}

export interface GrToken {
  /** The user the personal access token belongs to. */
  userId: string;
  /** Their organisation role: admins and owners may list every project (all=true). */
  orgRole: 'owner' | 'admin' | 'member';
  /** Projects in the token's scope; "all" for every project. */
  projects: 'all' | string[];
  /** Has the "Project Manage" permission (members, groups). */
  projectManage: boolean;
}

export interface GoRulesSeed {
  organisation: { id: string; name: string };
  users: GrUser[];
  roles: GrRole[];
  projects: GrProject[];
  tokens: Record<string, GrToken>;
}

const KIND_PREFIX = { org: 'e0', user: 'e1', project: 'e2', group: 'e3', role: 'e4', member: 'e5' } as const;

/** Deterministic UUIDs with a readable prefix per kind. */
export function grId(kind: keyof typeof KIND_PREFIX, n: number): string {
  return `${KIND_PREFIX[kind]}000000-0000-4000-9000-${n.toString(16).padStart(12, '0')}`;
}

export const GORULES_SANDBOX_TOKEN = 'sandbox-gorules-admin-pat';
/** A token with Project Manage, but scoped to "Pricing Engine" only. */
export const GORULES_SCOPED_TOKEN = 'sandbox-gorules-pricing-only-pat';
/** A valid token for every project, without the Project Manage permission. */
export const GORULES_NO_MANAGE_TOKEN = 'sandbox-gorules-no-manage-pat';

const FIRST = ['Ada', 'Bruno', 'Carla', 'Dev', 'Elif', 'Femi', 'Gwen', 'Hugo', 'Irene', 'Jamal', 'Kira', 'Luis', 'Mina', 'Nils'];
const LAST = ['Novak', 'Costa', 'Rossi', 'Patel', 'Demir', 'Adeyemi', 'Lloyd', 'Martin', 'Weber', 'Haddad', 'Sato', 'Ortega', 'Park', 'Lund'];

export const GORULES_ROLES = { underwriters: grId('role', 1), pricing: grId('role', 2) };
export const GORULES_PROJECTS = { claims: grId('project', 1), pricing: grId('project', 2), fraud: grId('project', 3), archive: grId('project', 4) };

function timestamp(day: number): string {
  return new Date(Date.UTC(2026, 0, day)).toISOString();
}

export function goRulesSeed(options: { people?: number } = {}): GoRulesSeed {
  const users: GrUser[] = FIRST.map((first, i) => ({
    id: grId('user', i + 1),
    email: `${first.toLowerCase()}.${LAST[i]!.toLowerCase()}@acme-insurance.example.com`,
    firstName: first,
    lastName: LAST[i]!,
    status: 'active',
    isService: false,
  }));
  users.push(
    { id: grId('user', 15), email: 'oscar.quint@acme-insurance.example.com', firstName: 'Oscar', lastName: 'Quint', status: 'pending', isService: false },
    { id: grId('user', 16), email: 'ci-deployer@acme-insurance.example.com', firstName: 'CI', lastName: 'Deployer', status: 'active', isService: true },
    ...generatedPeople(options.people ?? 0).map((person) => ({
      id: grId('user', 1000 + person.n),
      email: `${person.localPart}@acme-insurance.example.com`,
      firstName: person.firstName,
      lastName: person.lastName,
      status: 'active',
      isService: false,
    })),
  );
  const u = (n: number) => grId('user', n);
  const member = (n: number, userId: string, owner: boolean, groupIds: string[]): GrMember => ({
    id: grId('member', n),
    userId,
    owner,
    groupIds,
    createdAt: timestamp(n),
    updatedAt: timestamp(n),
  });
  const claimsGroups: GrGroup[] = [
    { id: grId('group', 1), name: 'Editors', description: 'Edit decisions', permissions: ['documents', 'documents:full', 'branches'], roleId: null },
    { id: grId('group', 2), name: 'Release Managers', description: 'Release and deploy', permissions: ['releases', 'releases:manage', 'releases:deploy'], roleId: null },
    { id: grId('group', 3), name: 'Underwriting', description: 'Managed by the Underwriters role', permissions: ['documents', 'documents:view-content'], roleId: GORULES_ROLES.underwriters },
  ];
  const pricingGroups: GrGroup[] = [
    { id: grId('group', 4), name: 'Editors', description: 'Edit decisions', permissions: ['documents', 'documents:full'], roleId: null },
    { id: grId('group', 5), name: 'Analysts', description: 'Managed by the Pricing Analysts role', permissions: ['documents', 'documents:edit-content'], roleId: GORULES_ROLES.pricing },
  ];
  return {
    organisation: { id: grId('org', 1), name: 'Acme Insurance' },
    users,
    roles: [
      { id: GORULES_ROLES.underwriters, name: 'Underwriters', description: 'Claims underwriting', allProjects: false, userIds: [u(2), u(3), u(13), u(14), u(15)] },
      { id: GORULES_ROLES.pricing, name: 'Pricing Analysts', description: 'Pricing models', allProjects: false, userIds: [u(4), u(5), u(6)] },
    ],
    projects: [
      {
        id: GORULES_PROJECTS.claims,
        name: 'Claims Rules',
        key: 'claims-rules',
        groups: claimsGroups,
        // Twelve members: more than the default page of ten.
        members: [
          member(1, u(1), true, [grId('group', 1)]),
          ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => member(n, u(n), false, n % 2 === 0 ? [grId('group', 1)] : [])),
        ],
      },
      {
        id: GORULES_PROJECTS.pricing,
        name: 'Pricing Engine',
        key: 'pricing-engine',
        groups: pricingGroups,
        members: [member(20, u(1), true, []), member(21, u(4), false, [grId('group', 5)])],
      },
      { id: GORULES_PROJECTS.fraud, name: 'Fraud Detection', key: 'fraud-detection', groups: [], members: [member(30, u(1), true, [])] },
      // A project the sandbox token's user (Ada, an organisation admin) has not joined.
      { id: GORULES_PROJECTS.archive, name: 'Rules Archive', key: 'rules-archive', groups: [], members: [member(40, u(7), true, [])] },
    ],
    tokens: {
      [GORULES_SANDBOX_TOKEN]: { userId: u(1), orgRole: 'admin', projects: 'all', projectManage: true },
      [GORULES_SCOPED_TOKEN]: { userId: u(4), orgRole: 'member', projects: [GORULES_PROJECTS.pricing], projectManage: true },
      [GORULES_NO_MANAGE_TOKEN]: { userId: u(1), orgRole: 'admin', projects: 'all', projectManage: false },
    },
  };
}
