import { describe, expect, it } from 'vitest';
import type { ProviderKind } from '../../src/core/types.js';
import { clockifyId, CLOCKIFY_SANDBOX_WORKSPACE as WS } from '../../src/sandbox/clockify/seed.js';
import { GORULES_PROJECTS, grId } from '../../src/sandbox/gorules/seed.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { zId } from '../../src/sandbox/zello/seed.js';
import type { SandboxSimulators } from '../../src/sandbox/index.js';
import { mutationResultSchema } from '../../src/tools/schemas.js';
import { sandboxSessions } from '../helpers/sandbox.js';

/**
 * The directory cache of each connection (MEMBERS_MCP_DIRECTORY_CACHE_MS), through a real MCP
 * client on the simulators: a second call within its lifetime reads no directory, and a directory
 * changed behind the server's back (in the simulator itself) never makes a call decide wrongly.
 */

const open = sandboxSessions();

interface Case {
  provider: ProviderKind;
  project: string;
  /** Someone in the directory who is not in the project. */
  person: string;
  /** The requests that read the directory. */
  directory: RegExp;
  /** A call that reads the whole directory (so that it is cached whole). */
  readWhole: { name: string; arguments: Record<string, unknown> };
  /** Adds someone to the directory behind the server's back; returns their email. */
  join(simulators: SandboxSimulators): string;
  /** Removes `person` from the directory behind the server's back. */
  leave(simulators: SandboxSimulators): void;
}

const CASES: Case[] = [
  {
    provider: 'clockify',
    project: clockifyId('project', 1),
    person: 'chloe.park@acme.example',
    directory: new RegExp(`/workspaces/${WS}/users$`),
    readWhole: { name: 'list_project_members', arguments: { project: clockifyId('project', 1) } },
    join: ({ clockify }) => {
      clockify.state.workspaces[0]!.users.push({ id: clockifyId('user', 40), name: 'Nadia Novak', email: 'nadia.novak@acme.example', accountStatus: 'ACTIVE', workspaceStatus: 'ACTIVE' });
      return 'nadia.novak@acme.example';
    },
    leave: ({ clockify }) => {
      const users = clockify.state.workspaces[0]!.users;
      users.splice(users.findIndex((user) => user.email === 'chloe.park@acme.example'), 1);
    },
  },
  {
    provider: 'projectmanager',
    project: pmId('project', 1),
    person: 'yuki.mori@northwind.example.org',
    directory: /\/api\/data\/resources$/,
    readWhole: { name: 'list_project_members', arguments: { project: pmId('project', 1) } },
    join: ({ projectmanager }) => {
      const model = projectmanager.state.resources[1]!;
      projectmanager.state.resources.push({ ...model, id: pmId('person', 40), firstName: 'Nadia', lastName: 'Novak', email: 'nadia.novak@northwind.example.org', teamIds: [] });
      return 'nadia.novak@northwind.example.org';
    },
    leave: ({ projectmanager }) => {
      projectmanager.state.resources.find((resource) => resource.email === 'yuki.mori@northwind.example.org')!.isActive = false;
    },
  },
  {
    provider: 'gorules',
    project: GORULES_PROJECTS.fraud,
    person: 'nils.lund@acme-insurance.example.com',
    directory: /^\/api\/users$/,
    readWhole: { name: 'add_project_members', arguments: { project: GORULES_PROJECTS.fraud, users: ['Ada Novak', 'Bruno Costa', 'Carla Rossi', 'Dev Patel', 'Elif Demir'], dryRun: true } },
    join: ({ gorules }) => {
      gorules.state.users.push({ id: grId('user', 40), email: 'nadia.novak@acme-insurance.example.com', firstName: 'Nadia', lastName: 'Novak', status: 'active', isService: false });
      return 'nadia.novak@acme-insurance.example.com';
    },
    leave: ({ gorules }) => {
      gorules.state.users.splice(gorules.state.users.findIndex((user) => user.email === 'nils.lund@acme-insurance.example.com'), 1);
    },
  },
  {
    provider: 'zello',
    project: zId('project', 1),
    person: 'teo.varga@zello.example.net',
    directory: /^\/api\/v1\/User$/,
    readWhole: { name: 'list_project_members', arguments: { project: zId('project', 1) } },
    join: ({ zello }) => {
      zello.state.users.push({ id: zId('user', 40), username: 'nadia', name: 'Nadia Novak', email: 'nadia.novak@zello.example.net', password: 'x', accessLevel: 'Member', createdDate: new Date().toISOString() });
      zello.state.workspaces[0]!.members.push({ id: zId('wsMember', 40), userId: zId('user', 40), accessLevel: 'Member', createdDate: new Date().toISOString() });
      return 'nadia.novak@zello.example.net';
    },
    leave: ({ zello }) => {
      // Zello deletes the account and its workspace membership.
      const id = zello.state.users.find((user) => user.email === 'teo.varga@zello.example.net')!.id;
      zello.state.users.splice(zello.state.users.findIndex((user) => user.id === id), 1);
      const members = zello.state.workspaces[0]!.members;
      members.splice(members.findIndex((member) => member.userId === id), 1);
    },
  },
];

async function session(testCase: Case, env: Record<string, string> = {}) {
  const { simulators, call } = await open({ only: [testCase.provider], env });
  const simulator = simulators[testCase.provider];
  const directoryReads = () => simulator.requestsMatching('GET', testCase.directory).length;
  const add = async (users: string[], options: { dryRun?: boolean } = {}) =>
    mutationResultSchema.parse((await call('add_project_members', { project: testCase.project, users, ...options })).structuredContent).results;
  return { simulators, call, directoryReads, add };
}

describe('the directory cache', () => {
  for (const testCase of CASES) {
    it(`reads no directory for the real call after its dry run (${testCase.provider})`, async () => {
      const { directoryReads, add } = await session(testCase);
      expect((await add([testCase.person], { dryRun: true }))[0]!.status).toBe('would_add');
      const reads = directoryReads();
      expect(reads).toBeGreaterThan(0);
      expect((await add([testCase.person]))[0]!.status).toBe('added');
      expect(directoryReads()).toBe(reads);
    });

    it(`finds someone who joined the directory after it was cached (${testCase.provider})`, async () => {
      const { simulators, call, directoryReads, add } = await session(testCase);
      expect((await call(testCase.readWhole.name, { ...testCase.readWhole.arguments })).isError).toBeFalsy();
      const reads = directoryReads();
      const email = testCase.join(simulators);
      // Unknown to the cached directory: read again before NOT_FOUND, and found.
      expect((await add([email]))[0]).toMatchObject({ status: 'added', email });
      expect(directoryReads()).toBeGreaterThan(reads);
    });

    it(`never adds someone who left the directory after it was cached (${testCase.provider})`, async () => {
      const { simulators, add } = await session(testCase);
      expect((await add([testCase.person], { dryRun: true }))[0]!.status).toBe('would_add');
      testCase.leave(simulators);
      // The cached record is tried: the provider's own state decides, and the entry fails.
      const [result] = await add([testCase.person]);
      expect(result!.status).toBe('failed');
      // And the cache is gone: the next call reads the directory and says so before any write.
      const [again] = await add([testCase.person], { dryRun: true });
      expect(again!.status).toBe('failed');
      expect(again!.error!.code).toBe('NOT_FOUND');
    });
  }

  it('reads a cached refusal again: someone reactivated meanwhile is added (ProjectManager.com)', async () => {
    const { simulators, add } = await session(CASES[1]!);
    const noah = 'noah.berg@northwind.example.org';
    expect((await add([noah], { dryRun: true }))[0]).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND' } });
    simulators.projectmanager.state.resources.find((resource) => resource.email === noah)!.isActive = true;
    expect((await add([noah]))[0]!.status).toBe('added');
  });

  it('is off with MEMBERS_MCP_DIRECTORY_CACHE_MS=0: every call reads the directory', async () => {
    const { directoryReads, add } = await session(CASES[0]!, { MEMBERS_MCP_DIRECTORY_CACHE_MS: '0' });
    await add([CASES[0]!.person], { dryRun: true });
    const reads = directoryReads();
    expect((await add([CASES[0]!.person]))[0]!.status).toBe('added');
    expect(directoryReads()).toBe(reads + 1);
  });
});
