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

function makeProvider(credentials = ZELLO_ADMIN): TestAdapter {
  const logger = new Logger('debug', new Redactor().add(credentials.password), false);
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
    // Teo's workspace level is Member: Owner is above it, a permission failure (403 text by default).
    expect(change.results[0]!.error!.code).toBe('PERMISSION_DENIED');
    expect(change.results[0]!.error!.message).toContain("Cannot assign project access level higher than user's workspace access level");
    const karl = adds().find((r) => (r.body as { workspace_member_id: string }).workspace_member_id === zId('wsMember', 5))!;
    expect(karl.body).toEqual({ project_id: ROADMAP, workspace_member_id: zId('wsMember', 5), access_level: 'Owner' });
    expect(sim.members(ROADMAP)[user(5)]).toBe('Owner');
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

  it('treats "Member already exists in project" as already_member, in plain text or as a JSON string', async () => {
    for (const reply of [{ text: 'Member already exists in project' }, { json: 'Member already exists in project' }]) {
      sim.injectFault({ match: { method: 'POST', path: /Project\/members/i }, status: 400, ...reply, times: 1 });
      const change = await provider.addMembers({ project: VENDORS, users: ['Sam Okoro'], dryRun: false }, operationContext());
      expect(change.results[0]!.status).toBe('already_member');
    }
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
    expect(problem.results[0]!.error!.message).toContain('One or more validation errors occurred.');
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
  it('explains a 403 (documented intent) and a 500 with an empty body (what upstream does)', async () => {
    // Owner on Teo (workspace Member) is refused by the fifth check.
    const forbidden = await provider.addMembers({ project: ROADMAP, users: ['Teo Varga'], role: 'owner', dryRun: false }, operationContext());
    expect(forbidden.results[0]!.error!.code).toBe('PERMISSION_DENIED');
    sim.permissionFailures = 'internal';
    const internal = await provider.addMembers({ project: ROADMAP, users: ['Teo Varga'], role: 'owner', dryRun: false }, operationContext());
    expect(internal.results[0]!.error!.code).toBe('PROVIDER_ERROR');
    expect(internal.results[0]!.error!.message).toContain('workspace access level may be too low');
    expect(sim.members(ROADMAP)[user(3)]).toBeUndefined();
  });

  it('says that finding people needs a system Admin, in both modes', async () => {
    await provider.close();
    provider = makeProvider(ZELLO_MEMBER);
    for (const mode of ['forbidden', 'internal'] as const) {
      sim.permissionFailures = mode;
      const error = (await provider.addMembers({ project: ROADMAP, users: ['Karl Ek'], dryRun: false }, operationContext()).catch((e: unknown) => e)) as MembersError;
      expect(error.message).toContain('only a system Admin may read it');
      expect(error.hint).toContain('system Admin');
    }
    expect(adds()).toHaveLength(0);
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
