/** Demo data for the ProjectManager.com simulator: fictional people on example.org addresses. */

import { generatedPeople } from '../people.js';

export type Permission = 'Guest' | 'Collaborate' | 'Editor' | 'Manager';

/** What the workspace role lets a person do, which decides the default project permission. */
export type WorkspaceAccess = 'editAll' | 'standard' | 'guest';

export interface PmResource {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  isActive: boolean;
  /** Set for people (users); null for non-person resources (rooms, equipment). */
  roleId: string | null;
  roleName: string | null;
  access: WorkspaceAccess;
  teamIds: string[];
}

export interface PmTeam {
  id: string;
  name: string;
}

export interface PmProject {
  id: string;
  shortId: string;
  name: string;
  /** User id → permission. */
  members: Map<string, Permission>;
}

/** A workspace role (GET /users/roles). */
export interface PmRole {
  id: string;
  name: string;
  access: WorkspaceAccess;
}

export interface PmSeed {
  roles: PmRole[];
  resources: PmResource[];
  teams: PmTeam[];
  projects: PmProject[];
  /** API key → still valid? (an expired key answers 401) */
  apiKeys: Record<string, boolean>;
  /** API key → the person it acts as (GET /me); keys not listed act as the first resource. */
  apiKeyUsers?: Record<string, string>;
}

const KIND_PREFIX = { person: 'a1', team: 'b2', project: 'c3', role: 'd4' } as const;

/** Deterministic UUIDs with a readable prefix per kind. */
export function pmId(kind: keyof typeof KIND_PREFIX, n: number): string {
  return `${KIND_PREFIX[kind]}000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export const PM_SANDBOX_KEY = 'sandbox-projectmanager-api-key';
export const PM_EXPIRED_KEY = 'sandbox-projectmanager-expired-key';
/** A valid key of a team member (not an admin): membership changes only where they manage the project. */
export const PM_MEMBER_KEY = 'sandbox-projectmanager-member-key';

const ROLES = {
  admin: { id: pmId('role', 1), name: 'Global Admin', access: 'editAll' },
  member: { id: pmId('role', 2), name: 'Team Member', access: 'standard' },
  guest: { id: pmId('role', 3), name: 'Guest', access: 'guest' },
} as const;

function person(n: number, first: string, last: string, role: keyof typeof ROLES, teamIds: string[] = [], isActive = true): PmResource {
  return {
    id: pmId('person', n),
    firstName: first,
    lastName: last,
    email: `${first.toLowerCase()}.${last.toLowerCase()}@northwind.example.org`,
    isActive,
    roleId: ROLES[role].id,
    roleName: ROLES[role].name,
    access: ROLES[role].access,
    teamIds,
  };
}

export const PM_TEAMS = {
  design: pmId('team', 1),
  fieldOps: pmId('team', 2),
  support: pmId('team', 3),
};

/**
 * A workspace with people of every kind the adapter must tell apart: an admin (default
 * permission Manager), ordinary users (default Editor), a guest user (Guest only), an inactive
 * person, and a non-person resource that has an email for usage alerts.
 */
export function projectManagerSeed(options: { people?: number } = {}): PmSeed {
  const { design, fieldOps, support } = PM_TEAMS;
  const resources: PmResource[] = [
    person(1, 'Olivia', 'Hart', 'admin'),
    person(2, 'Marcus', 'Reed', 'member', [design]),
    person(3, 'Priya', 'Nair', 'member', [design, support]),
    person(4, 'Tomás', 'Silva', 'member', [fieldOps]),
    person(5, 'Yuki', 'Mori', 'member', [fieldOps]),
    person(6, 'Lena', 'Fischer', 'member', [design]),
    person(7, 'Kwame', 'Asante', 'guest', [design]),
    person(8, 'Noah', 'Berg', 'member', [design], false),
    person(9, 'Alex', 'Kim', 'member', [support]),
    person(10, 'Alex', 'Kim', 'member', []),
    {
      id: pmId('person', 11),
      firstName: 'Plotter',
      lastName: 'Room B',
      email: 'plotter-alerts@northwind.example.org',
      isActive: true,
      roleId: null,
      roleName: null,
      access: 'standard',
      teamIds: [design],
    },
  ];
  // The second Alex Kim needs a distinct address.
  resources[9]!.email = 'alex.kim2@northwind.example.org';
  for (const generated of generatedPeople(options.people ?? 0)) {
    resources.push(person(1000 + generated.n, generated.firstName, generated.lastName, 'member'));
  }
  return {
    roles: Object.values(ROLES).map((role) => ({ ...role })),
    resources,
    teams: [
      { id: design, name: 'Design' },
      { id: fieldOps, name: 'Field Ops' },
      { id: support, name: 'Support' },
    ],
    projects: [
      {
        id: pmId('project', 1),
        shortId: 'P1',
        name: 'Website Launch',
        members: new Map<string, Permission>([
          [pmId('person', 1), 'Manager'],
          [pmId('person', 2), 'Collaborate'],
        ]),
      },
      {
        id: pmId('project', 2),
        shortId: 'P2',
        name: 'Warehouse Rollout',
        members: new Map<string, Permission>([
          [pmId('person', 1), 'Manager'],
          [pmId('person', 4), 'Editor'],
        ]),
      },
      { id: pmId('project', 3), shortId: 'P3', name: 'Office Move', members: new Map<string, Permission>([[pmId('person', 1), 'Manager']]) },
    ],
    apiKeys: { [PM_SANDBOX_KEY]: true, [PM_EXPIRED_KEY]: false, [PM_MEMBER_KEY]: true },
    apiKeyUsers: { [PM_MEMBER_KEY]: pmId('person', 2) },
  };
}
