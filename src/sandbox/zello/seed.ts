/** Demo data for the Zello simulator (the shape of the upstream seeder, not its secrets). */

import { generatedPeople } from '../people.js';

export const ACCESS_LEVELS = { Guest: 0, Member: 10, Owner: 20, Admin: 30 } as const;
export type AccessLevel = keyof typeof ACCESS_LEVELS;

export interface ZUser {
  id: string;
  username: string;
  name: string;
  email: string;
  password: string;
  /** System level (only Admin here makes someone an administrator). */
  accessLevel: AccessLevel;
  createdDate: string;
}

export interface ZWorkspaceMember {
  id: string;
  userId: string;
  accessLevel: AccessLevel;
  createdDate: string;
}

export interface ZProjectMember {
  id: string;
  workspaceMemberId: string;
  accessLevel: AccessLevel;
  createdDate: string;
}

export interface ZProject {
  id: string;
  name: string;
  description: string;
  /** ProjectStatus: NotStarted 0, InProgress 1, Completed 2 (an integer on the wire). */
  status: number;
  createdDate: string;
  members: ZProjectMember[];
}

export interface ZWorkspace {
  id: string;
  name: string;
  ownerId: string;
  createdDate: string;
  members: ZWorkspaceMember[];
  projects: ZProject[];
}

export interface ZelloSeed {
  users: ZUser[];
  workspaces: ZWorkspace[];
}

const KIND_PREFIX = { user: 'f1', workspace: 'f2', wsMember: 'f3', project: 'f4', projectMember: 'f5' } as const;

/** Deterministic GUIDs with a readable prefix per kind. */
export function zId(kind: keyof typeof KIND_PREFIX, n: number): string {
  return `${KIND_PREFIX[kind]}000000-0000-4000-a000-${n.toString(16).padStart(12, '0')}`;
}

export const ZELLO_ADMIN = { username: 'sysadmin', password: 'sandbox-zello-admin-password' };
/** A system Member who owns nothing: valid credentials, few rights. */
export const ZELLO_MEMBER = { username: 'maja', password: 'sandbox-zello-maja-password' };

const date = (day: number) => new Date(Date.UTC(2024, 10, day)).toISOString();

export function zelloSeed(options: { people?: number } = {}): ZelloSeed {
  const user = (n: number, username: string, name: string, email: string, accessLevel: AccessLevel, password = `sandbox-zello-${username}-password`): ZUser => ({
    id: zId('user', n),
    username,
    name,
    email,
    password,
    accessLevel,
    createdDate: date(n),
  });
  const users = [
    user(1, ZELLO_ADMIN.username, 'System Admin', 'admin@zello.example.net', 'Admin', ZELLO_ADMIN.password),
    user(2, ZELLO_MEMBER.username, 'Maja Holm', 'maja.holm@zello.example.net', 'Member', ZELLO_MEMBER.password),
    user(3, 'teo', 'Teo Varga', 'teo.varga@zello.example.net', 'Member'),
    user(4, 'rosa', 'Rosa Lind', 'rosa.lind@zello.example.net', 'Guest'),
    user(5, 'karl', 'Karl Ek', 'karl.ek@zello.example.net', 'Member'),
    user(6, 'lea', 'Lea Moreau', 'lea.moreau@zello.example.net', 'Member'),
    user(7, 'sam', 'Sam Okoro', 'sam.okoro@zello.example.net', 'Member'),
    // Email uniqueness is not enforced upstream: an old and a new account share an address.
    user(8, 'ines', 'Ines Alves', 'ines.alves@zello.example.net', 'Member'),
    user(9, 'ines2', 'Ines Alves', 'ines.alves@zello.example.net', 'Member'),
  ];
  const wsMember = (n: number, userN: number, accessLevel: AccessLevel): ZWorkspaceMember => ({ id: zId('wsMember', n), userId: zId('user', userN), accessLevel, createdDate: date(n) });
  const projectMember = (n: number, wsMemberN: number, accessLevel: AccessLevel): ZProjectMember => ({
    id: zId('projectMember', n),
    workspaceMemberId: zId('wsMember', wsMemberN),
    accessLevel,
    createdDate: date(n),
  });
  const seed: ZelloSeed = {
    users,
    workspaces: [
      {
        id: zId('workspace', 1),
        name: 'Product',
        ownerId: zId('user', 1),
        createdDate: date(1),
        members: [wsMember(1, 1, 'Owner'), wsMember(2, 2, 'Member'), wsMember(3, 3, 'Member'), wsMember(4, 4, 'Guest'), wsMember(5, 5, 'Owner'), wsMember(6, 8, 'Member'), wsMember(7, 9, 'Member')],
        projects: [
          { id: zId('project', 1), name: 'Roadmap Board', description: 'Quarterly roadmap', status: 1, createdDate: date(2), members: [projectMember(1, 1, 'Owner'), projectMember(2, 2, 'Member')] },
          { id: zId('project', 2), name: 'Design System', description: 'Components', status: 0, createdDate: date(3), members: [projectMember(3, 1, 'Owner')] },
        ],
      },
      {
        id: zId('workspace', 2),
        name: 'Operations',
        ownerId: zId('user', 1),
        createdDate: date(4),
        members: [wsMember(10, 1, 'Owner'), wsMember(11, 6, 'Member'), wsMember(12, 7, 'Member')],
        projects: [
          { id: zId('project', 3), name: 'Vendor Onboarding', description: 'Suppliers', status: 1, createdDate: date(5), members: [projectMember(10, 10, 'Owner'), projectMember(11, 11, 'Member')] },
          // The same name as a Product project, to make name resolution show its limits.
          { id: zId('project', 4), name: 'Design System', description: 'Ops dashboards', status: 2, createdDate: date(6), members: [projectMember(12, 10, 'Owner')] },
        ],
      },
    ],
  };
  // Generated people are system Members, and Members of every workspace.
  for (const person of generatedPeople(options.people ?? 0)) {
    const username = `person${person.lastName}`;
    const id = zId('user', 1000 + person.n);
    seed.users.push({ id, username, name: person.name, email: `${person.localPart}@zello.example.net`, password: `sandbox-zello-${username}-password`, accessLevel: 'Member', createdDate: date(1) });
    seed.workspaces.forEach((workspace, index) => {
      workspace.members.push({ id: zId('wsMember', (index + 1) * 1_000_000 + person.n), userId: id, accessLevel: 'Member', createdDate: date(1) });
    });
  }
  return seed;
}
