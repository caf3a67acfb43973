import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpDefaults } from '../../src/config.js';
import type { MembersError } from '../../src/core/errors.js';
import { Redactor } from '../../src/core/redact.js';
import { Logger } from '../../src/core/log.js';
import { ZelloSimulator } from '../../src/sandbox/zello/server.js';
import { ZELLO_ADMIN, ZELLO_MEMBER, zId } from '../../src/sandbox/zello/seed.js';
import { openAdapter, operationContext, TEST_ENV, type TestAdapter } from '../helpers/sandbox.js';

const user = (n: number) => zId('user', n);
const ROADMAP = zId('project', 1); // Product: admin (Owner), Maja (Member)
const VENDORS = zId('project', 3); // Operations: admin (Owner), Lea (Member)

let sim: ZelloSimulator;
let provider: TestAdapter;
let logs: string[];
/** The redactor of the last provider made. */
let redactor: Redactor;

function makeProvider(credentials = ZELLO_ADMIN): TestAdapter {
  redactor = new Redactor().add(credentials.password);
  const logger = new Logger('debug', redactor, false);
  logger.addSink((_level, message) => logs.push(message));
  return openAdapter(
    { name: 'zello', kind: 'zello', sandbox: true, values: { baseUrl: sim.url, ...credentials }, http: { ...httpDefaults(TEST_ENV), limits: { maxInFlight: 4 } } },
    { logger, redactor: logger.redactor },
  );
}

const logins = () => sim.requestsMatching('POST', /\/User\/login$/i);
const adds = () => sim.requestsMatching('POST', /\/Project\/members$/i);

beforeEach(async () => {
  logs = [];
  sim = await new ZelloSimulator().start();
  provider = makeProvider();
});

afterEach(async () => {
  // The wire is snake_case: a camelCase body would be silently ignored upstream.
  for (const request of adds()) expect(Object.keys(request.body as object).sort()).toEqual(['access_level', 'project_id', 'workspace_member_id']);
  expect(logs.join('\n')).not.toContain(ZELLO_ADMIN.password);
  await provider.close();
  await sim.stop();
});

describe('addMembers', () => {
  it('adds workspace members with snake_case fields and the level by name', async () => {
    const change = await provider.addMembers({ project: 'Roadmap Board', users: ['teo.varga@zello.example.net', 'Karl Ek'], role: 'owner', dryRun: false }, operationContext());
    expect(change.results.map((r) => [r.userId, r.status, r.role])).toEqual([
      [user(3), 'failed', undefined],
      [user(5), 'added', 'Owner'],
    ]);
    // Teo's workspace level is Member: Zello would refuse Owner, so it is predicted, without a request.
    expect(change.results[0]!.error!.code).toBe('PERMISSION_DENIED');
    expect(change.results[0]!.error!.message).toContain('Teo Varga is a Member of workspace "Product", and Zello grants nobody more in a project than their workspace level, so not Owner');
    expect(adds()).toHaveLength(1);
    expect(adds()[0]!.body).toEqual({ project_id: ROADMAP, workspace_member_id: zId('wsMember', 5), access_level: 'Owner' });
    expect(sim.members(ROADMAP)[user(5)]).toBe('Owner');
  });

  it('adds a Guest of the workspace as Guest without a role, saying so, and predicts the refusal of Member', async () => {
    const dry = await provider.addMembers({ project: ROADMAP, users: ['Rosa Lind'], role: 'member', dryRun: true }, operationContext());
    expect(dry.results[0]).toMatchObject({ status: 'failed', error: { code: 'PERMISSION_DENIED' } });
    expect(dry.results[0]!.error!.message).toContain('Rosa Lind is a Guest of workspace "Product"');
    const refused = await provider.addMembers({ project: ROADMAP, users: ['Rosa Lind'], role: 'member', dryRun: false }, operationContext());
    expect(refused.results[0]!.status).toBe('failed');
    expect(adds()).toHaveLength(0);

    const preview = await provider.addMembers({ project: ROADMAP, users: ['Rosa Lind'], dryRun: true }, operationContext());
    expect(preview.results[0]).toMatchObject({ status: 'would_add', role: 'Guest' });
    const added = await provider.addMembers({ project: ROADMAP, users: ['Rosa Lind'], dryRun: false }, operationContext());
    expect(added.results[0]).toMatchObject({ status: 'added', role: 'Guest' });
    expect(added.notes!.join(' ')).toContain('is a Guest of workspace "Product", the highest level Zello allows them, so is added as Guest');
    expect(sim.members(ROADMAP)[user(4)]).toBe('Guest');
  });

  it('predicts the refusal when the connection\'s account is not in the workspace, or below the level asked', async () => {
    const product = sim.state.workspaces[0]!;
    product.members.find((m) => m.userId === user(1))!.accessLevel = 'Member';
    const below = await provider.addMembers({ project: ROADMAP, users: ['Karl Ek'], role: 'owner', dryRun: true }, operationContext());
    expect(below.results[0]!.error!.message).toContain('the connection\'s account "sysadmin" is a Member of workspace "Product", so it cannot grant Owner');
    product.members = product.members.filter((m) => m.userId !== user(1));
    const outside = await provider.addMembers({ project: ROADMAP, users: ['Karl Ek'], dryRun: false }, operationContext());
    expect(outside.results[0]).toMatchObject({ status: 'failed', error: { code: 'PERMISSION_DENIED' } });
    expect(outside.results[0]!.error!.message).toContain('is not one');
    expect(adds()).toHaveLength(0);
  });

  it('gives Member by default and Guest for viewer', async () => {
    const change = await provider.addMembers({ project: ROADMAP, users: ['Teo Varga'], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'added', role: 'Member' });
    const guest = await provider.addMembers({ project: ROADMAP, users: ['rosa.lind@zello.example.net'], role: 'viewer', dryRun: false }, operationContext());
    expect(guest.results[0]).toMatchObject({ status: 'added', role: 'Guest' });
  });

  it('reports existing members as already_member with their level, never updated, even for another role', async () => {
    const change = await provider.addMembers({ project: ROADMAP, users: ['maja.holm@zello.example.net'], role: 'owner', dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'already_member', role: 'Member' });
    expect(change.notes!.join(' ')).toContain('cannot change an existing member\'s access level');
    expect(adds()).toHaveLength(0);
  });

  it('fails a user outside the project\'s workspace with NOT_FOUND and what to do, without a request', async () => {
    const change = await provider.addMembers({ project: ROADMAP, users: ['lea.moreau@zello.example.net'], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND' } });
    expect(change.results[0]!.error!.message).toContain('add them to the workspace first');
    expect(adds()).toHaveLength(0);
  });

  it('treats "Member already exists in project" as already_member when a re-read shows them, in plain text or as a JSON string', async () => {
    const vendors = sim.state.workspaces[1]!.projects[0]!;
    for (const reply of [{ text: 'Member already exists in project' }, { json: 'Member already exists in project' }]) {
      vendors.members = vendors.members.filter((m) => m.workspaceMemberId !== zId('wsMember', 12));
      // Someone else adds Sam just before our request lands.
      const addedElsewhere = () => vendors.members.push({ id: zId('projectMember', 99), workspaceMemberId: zId('wsMember', 12), accessLevel: 'Member', createdDate: new Date().toISOString() });
      sim.injectFault({ match: { method: 'POST', path: /Project\/members/i }, effect: addedElsewhere, status: 400, ...reply, times: 1 });
      const change = await provider.addMembers({ project: VENDORS, users: ['Sam Okoro'], dryRun: false }, operationContext());
      expect(change.results[0]).toMatchObject({ status: 'already_member', role: 'Member' });
    }
  });

  it('never reports added when the provider says so but a re-read does not show it', async () => {
    // A 201 for a member that did not land (a reply that contradicts the state) is a failure, not a success.
    sim.injectFault({ match: { method: 'POST', path: /Project\/members/i }, status: 201, json: { id: zId('projectMember', 98), project_id: VENDORS, workspace_member_id: zId('wsMember', 12), access_level: 'Member', created_date: '2024-11-01T00:00:00Z' }, times: 1 });
    const change = await provider.addMembers({ project: VENDORS, users: ['Sam Okoro'], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'failed', error: { code: 'PROVIDER_ERROR' } });
    expect(change.results[0]!.error!.message).toBe('Zello accepted the addition, but a re-read shows they are not in the project.');
  });

  it('reads plain-text, JSON-string and problem-details errors into the message', async () => {
    sim.injectFault({ match: { method: 'POST', path: /Project\/members/i }, status: 400, text: 'Invalid workspace member ID', times: 1 });
    const plain = await provider.addMembers({ project: VENDORS, users: ['Sam Okoro'], dryRun: false }, operationContext());
    expect(plain.results[0]!.error!.message).toContain('Invalid workspace member ID');
    sim.injectFault({
      match: { method: 'POST', path: /Project\/members/i },
      status: 400,
      json: { title: 'One or more validation errors occurred.', status: 400, errors: { access_level: ['bad'] } },
      times: 1,
    });
    const problem = await provider.addMembers({ project: zId('project', 2), users: ['Karl Ek'], dryRun: false }, operationContext());
    expect(problem.results[0]!.error!.message).toContain('One or more validation errors occurred; a re-read shows they are not in the project.');
  });

  it('answers AMBIGUOUS for an email two accounts share, and for a project name two workspaces share', async () => {
    const change = await provider.addMembers({ project: ROADMAP, users: ['ines.alves@zello.example.net', 'ines2'], dryRun: true }, operationContext());
    expect(change.results[0]!.error!.code).toBe('AMBIGUOUS');
    expect(change.results[1]!.error!.code).toBe('NOT_FOUND'); // usernames are not a way to name people here
    await expect(provider.listMembers({ project: 'Design System' }, operationContext())).rejects.toMatchObject({ code: 'AMBIGUOUS' });
    const narrowed = await provider.listMembers({ project: 'Design System', workspaceId: zId('workspace', 2) }, operationContext());
    expect(narrowed.project.id).toBe(zId('project', 4));
  });

  it('plans without writing on dryRun', async () => {
    const change = await provider.addMembers({ project: ROADMAP, users: ['Karl Ek'], dryRun: true }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'would_add', role: 'Member' });
    expect(adds()).toHaveLength(0);
  });
});

describe('authentication', () => {
  it('logs in once, lazily, for a whole batch', async () => {
    expect(logins()).toHaveLength(0);
    await provider.addMembers({ project: ROADMAP, users: ['Karl Ek', 'Teo Varga', 'Rosa Lind'], role: 'viewer', dryRun: false }, operationContext());
    expect(logins()).toHaveLength(1);
    expect(logins()[0]!.body).toEqual({ username: ZELLO_ADMIN.username, password: ZELLO_ADMIN.password });
  });

  it('logs in again when a data call says it ran without a user (an expired token answers 400, not 401)', async () => {
    await provider.listMembers({ project: ROADMAP }, operationContext());
    sim.expireTokens();
    const list = await provider.listMembers({ project: ROADMAP }, operationContext());
    expect(list.members).toHaveLength(2);
    expect(logins()).toHaveLength(2);
    expect(sim.requests.some((r) => r.status === 400 && r.path.toLowerCase().endsWith('/workspaces'))).toBe(true);
  });

  it('logs in again shortly before the token expires', async () => {
    sim.tokenLifetimeMs = 30_000; // inside the renewal margin
    await provider.listMembers({ project: ROADMAP }, operationContext());
    await provider.listMembers({ project: ROADMAP }, operationContext());
    expect(logins()).toHaveLength(2);
    expect(sim.requests.every((r) => r.status !== 400)).toBe(true);
  });

  it('logs in again after a dropped connection, a timeout or a 500: logging in changes nothing', async () => {
    sim.injectFault({ match: { method: 'POST', path: /\/User\/login$/i }, drop: true, times: 1 });
    sim.injectFault({ match: { method: 'POST', path: /\/User\/login$/i }, when: 'after', drop: true, times: 1 });
    sim.injectFault({ match: { method: 'POST', path: /\/User\/login$/i }, status: 500, text: 'Internal Server Error', times: 1 });
    const change = await provider.addMembers({ project: ROADMAP, users: ['Karl Ek'], dryRun: false }, operationContext());
    expect(change.results[0]!.status).toBe('added');
    expect(logins()).toHaveLength(4);
  });

  it('keeps only the live session token among the secrets it redacts', async () => {
    sim.tokenLifetimeMs = 30_000; // inside the renewal margin: every call logs in again
    for (let i = 0; i < 30; i++) await provider.listMembers({ project: ROADMAP }, operationContext());
    expect(logins()).toHaveLength(30);
    expect(redactor.size).toBe(2); // the password and the current token
    // The current token is the one kept: still redacted, wherever it appears.
    const token = String(sim.requests.at(-1)!.headers.authorization).replace(/^Bearer /, '');
    expect(token.length).toBeGreaterThan(16);
    expect(redactor.redact(`token=${token}`)).toBe('token=[REDACTED]');
  });

  it('reports a wrong password as AUTH_FAILED without the password anywhere', async () => {
    await provider.close();
    provider = makeProvider({ username: ZELLO_ADMIN.username, password: 'wrong-password-123' });
    const error = (await provider.listMembers({ project: ROADMAP }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.hint).toContain('ZELLO_PASSWORD');
    expect(`${error.message}${error.hint}${logs.join('')}`).not.toContain('wrong-password-123');
  });

  it('reports AUTH_FAILED when even a fresh login does not help', async () => {
    sim.tokenLifetimeMs = -1; // every token is born expired
    const error = (await provider.listMembers({ project: ROADMAP }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toContain('right after logging in');
    expect(logins()).toHaveLength(2);
  });
});

describe('permission failures', () => {
  it('explains a refusal it could not predict: a 500 with an empty body (upstream, the default) and a 403 (the switch)', async () => {
    const caller = sim.state.workspaces[0]!.members.find((m) => m.userId === user(1))!;
    for (const [mode, code] of [['internal', 'PROVIDER_ERROR'], ['forbidden', 'PERMISSION_DENIED']] as const) {
      sim.readings.permissionFailures = mode;
      caller.accessLevel = 'Owner';
      // The account is demoted to Guest after our read: Zello's third check refuses Member.
      sim.injectFault({ match: { method: 'POST', path: /Project\/members/i }, effect: () => (caller.accessLevel = 'Guest'), times: 1 });
      const change = await provider.addMembers({ project: ROADMAP, users: ['Teo Varga'], dryRun: false }, operationContext());
      expect(change.results[0]).toMatchObject({ status: 'failed', error: { code } });
      expect(change.results[0]!.error!.message).toContain('a re-read shows they are not in the project');
      if (mode === 'internal') expect(change.results[0]!.error!.message).toContain('Zello answers its permission refusals with a 500');
      expect(sim.members(ROADMAP)[user(3)]).toBeUndefined();
    }
  });

  it('says that finding people needs a system Admin, in both modes', async () => {
    await provider.close();
    provider = makeProvider(ZELLO_MEMBER);
    for (const mode of ['forbidden', 'internal'] as const) {
      sim.readings.permissionFailures = mode;
      const error = (await provider.addMembers({ project: ROADMAP, users: ['Karl Ek'], dryRun: false }, operationContext()).catch((e: unknown) => e)) as MembersError;
      expect(error.message).toContain('only a system Admin may read it');
      expect(error.hint).toContain('system Admin');
    }
    expect(adds()).toHaveLength(0);
  });
});

describe('addresses', () => {
  it('says to use the https address when a plain-HTTP URL is redirected (307), without following it', async () => {
    sim.injectFault({ status: 307, headers: { location: 'https://zello.example.net:7067/api/v1/User/login' }, times: 1 });
    const error = (await provider.listMembers({ project: ROADMAP }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('this Zello server only answers on https; use the https address');
    expect(error.hint).toBe('Set ZELLO_BASE_URL to https://zello.example.net:7067.');
    expect(sim.requests).toHaveLength(1);
  });
});

describe('reads and what Zello cannot do', () => {
  it('lists members joined with users for names and emails', async () => {
    const list = await provider.listMembers({ project: VENDORS }, operationContext());
    // In any order: list_project_members sorts (test/tools/list-project-members.test.ts).
    expect([...list.members].sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
      { userId: user(1), name: 'System Admin', email: 'admin@zello.example.net', role: 'Owner' },
      { userId: user(6), name: 'Lea Moreau', email: 'lea.moreau@zello.example.net', role: 'Member' },
    ]);
  });

  it('searches users and projects, and refuses teams', async () => {
    const users = await provider.searchDirectory({ kind: 'user', query: 'ines', limit: 10 }, operationContext());
    expect(users.entries.map((e) => e.id)).toEqual([user(8), user(9)]);
    const projects = await provider.searchDirectory({ kind: 'project', query: 'design', limit: 10, workspaceId: zId('workspace', 1) }, operationContext());
    expect(projects.entries).toEqual([{ id: zId('project', 2), name: 'Design System' }]);
    await expect(provider.searchDirectory({ kind: 'team', query: '', limit: 10 }, operationContext())).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('refuses removal and teams before any request', async () => {
    await expect(provider.removeMembers({ project: ROADMAP, users: ['Maja Holm'], dryRun: false }, operationContext())).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(provider.addTeam({ project: ROADMAP, team: 'x', dryRun: false }, operationContext())).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(sim.requests).toHaveLength(0);
  });
});
