import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileJournal, parseJournal } from '../../src/core/journal.js';
import { MembersError } from '../../src/core/errors.js';
import { Redactor } from '../../src/core/redact.js';
import { silentLogger } from '../../src/core/log.js';
import { httpDefaults } from '../../src/config.js';
import { ClockifySimulator } from '../../src/sandbox/clockify/server.js';
import {
  CLOCKIFY_SANDBOX_KEY,
  CLOCKIFY_SANDBOX_MEMBER_KEY,
  CLOCKIFY_SANDBOX_WORKSPACE as WS,
  clockifyId,
} from '../../src/sandbox/clockify/seed.js';
import { openAdapter, operationContext, TEST_ENV, type TestAdapter } from '../helpers/sandbox.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';

const user = (n: number) => clockifyId('user', n);
const project = (n: number) => clockifyId('project', n);
const WEBSITE = project(1); // members: Ana (manager), Ben
const MOBILE = project(2); // members: Ana (manager), Chloe; group Engineering assigned
const DATA = project(6); // members: Ana, Diego, Farid; managers Ana, Diego

let sim: ClockifySimulator;
let provider: TestAdapter;

function makeProvider(values: Partial<Record<'apiKey' | 'workspaceId' | 'baseUrl', string | undefined>> = {}, redactor = new Redactor()): TestAdapter {
  const merged: Record<string, string> = { apiKey: CLOCKIFY_SANDBOX_KEY, workspaceId: WS, baseUrl: sim.baseUrl };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return openAdapter(
    { name: 'clockify', kind: 'clockify', sandbox: true, values: merged, http: { ...httpDefaults(TEST_ENV), limits: { maxInFlight: 4 } } },
    { logger: silentLogger(), redactor },
  );
}

const writes = () => sim.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/users/info'));

beforeEach(async () => {
  sim = await new ClockifySimulator().start();
  provider = makeProvider();
});

afterEach(async () => {
  // Whatever a test did, the replace-style PATCH must never have been sent (it drops members).
  expect(sim.requests.some((r) => r.method === 'PATCH')).toBe(false);
  await provider.close();
  await sim.stop();
});

describe('addMembers', () => {
  it('adds by email, id and exact name in one request, reporting each in input order', async () => {
    const change = await provider.addMembers(
      { project: 'Website Redesign', users: ['chloe.park@acme.example', user(4), 'emma brooks'], dryRun: false },
      operationContext(),
    );
    expect(change.project).toEqual({ id: WEBSITE, name: 'Website Redesign' });
    expect(change.results.map((r) => [r.input, r.status, r.userId, r.role])).toEqual([
      ['chloe.park@acme.example', 'added', user(3), 'member'],
      [user(4), 'added', user(4), 'member'],
      ['emma brooks', 'added', user(5), 'member'],
    ]);
    expect(change.results[2]).toMatchObject({ name: 'Emma Brooks', email: 'emma.brooks@acme.example' });
    expect(sim.project(WS, WEBSITE).userIds).toEqual([user(1), user(2), user(3), user(4), user(5)]);
    const posts = sim.requestsMatching('POST', /\/memberships$/);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toEqual({ userIds: [user(3), user(4), user(5)], remove: false });
  });

  it('reports existing members as already_member without writing', async () => {
    const change = await provider.addMembers({ project: WEBSITE, users: ['ben.carter@acme.example', 'Ana Lima'], dryRun: false }, operationContext());
    expect(change.results.map((r) => [r.status, r.role])).toEqual([
      ['already_member', 'member'],
      ['already_member', 'PROJECT_MANAGER'],
    ]);
    expect(writes()).toHaveLength(0);
  });

  it('resolves emails exactly even though Clockify filters by substring', async () => {
    // "sam.taylor@" is a substring of nobody else's address, but "taylor@acme.example" is of two.
    const change = await provider.addMembers({ project: WEBSITE, users: ['taylor@acme.example', 'SAM.TAYLOR@acme.example'], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND' } });
    expect(change.results[1]).toMatchObject({ status: 'added', userId: user(9) });
  });

  it('fails ambiguous names and unknown users per member while adding the rest', async () => {
    const change = await provider.addMembers(
      { project: WEBSITE, users: ['Sam Taylor', 'nobody@acme.example', 'Grace Okafor'], dryRun: false },
      operationContext(),
    );
    expect(change.results[0]!.status).toBe('failed');
    expect(change.results[0]!.error!.code).toBe('AMBIGUOUS');
    expect(change.results[0]!.error!.message).toContain(user(9));
    expect(change.results[0]!.error!.message).toContain(user(10));
    expect(change.results[1]).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND' } });
    expect(change.results[2]).toMatchObject({ status: 'added', userId: user(7) });
    expect(sim.project(WS, WEBSITE).userIds).toContain(user(7));
  });

  it('reports a user named twice (any form) once', async () => {
    const change = await provider.addMembers(
      { project: WEBSITE, users: ['chloe.park@acme.example', ' CHLOE.PARK@acme.example ', user(3), 'Chloe Park'], dryRun: false },
      operationContext(),
    );
    expect(change.results).toHaveLength(1);
    expect(change.results[0]).toMatchObject({ input: 'chloe.park@acme.example', status: 'added' });
  });

  it('makes a new member manager with a membership plus the PROJECT_MANAGER role', async () => {
    const change = await provider.addMembers({ project: WEBSITE, users: ['grace.okafor@acme.example'], role: 'manager', dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'added', role: 'PROJECT_MANAGER' });
    expect(sim.project(WS, WEBSITE).userIds).toContain(user(7));
    expect(sim.isManager(user(7), WEBSITE)).toBe(true);
    const role = sim.requestsMatching('POST', /\/roles$/)[0]!;
    expect(role.path).toBe(`/api/v1/workspaces/${WS}/users/${user(7)}/roles`);
    expect(role.body).toEqual({ entityId: WEBSITE, role: 'PROJECT_MANAGER' });
  });

  it('updates an existing member to manager, and a manager back to member', async () => {
    const up = await provider.addMembers({ project: WEBSITE, users: ['ben.carter@acme.example'], role: 'manager', dryRun: false }, operationContext());
    expect(up.results[0]).toMatchObject({ status: 'updated', role: 'PROJECT_MANAGER' });
    expect(sim.isManager(user(2), WEBSITE)).toBe(true);
    expect(sim.requestsMatching('POST', /\/memberships$/)).toHaveLength(0);

    const down = await provider.addMembers({ project: DATA, users: ['diego.rivera@acme.example'], role: 'member', dryRun: false }, operationContext());
    expect(down.results[0]).toMatchObject({ status: 'updated', role: 'member' });
    expect(sim.isManager(user(4), DATA)).toBe(false);
    expect(sim.project(WS, DATA).userIds).toContain(user(4));
  });

  it('leaves an existing manager untouched when no role is given', async () => {
    const change = await provider.addMembers({ project: DATA, users: ['diego.rivera@acme.example'], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'already_member', role: 'PROJECT_MANAGER' });
    expect(sim.isManager(user(4), DATA)).toBe(true);
    expect(writes()).toHaveLength(0);
  });

  it('plans without writing on dryRun', async () => {
    const change = await provider.addMembers(
      { project: WEBSITE, users: ['chloe.park@acme.example', 'ben.carter@acme.example', 'Ana Lima'], role: 'manager', dryRun: true },
      operationContext(),
    );
    expect(change.results.map((r) => r.status)).toEqual(['would_add', 'would_update', 'already_member']);
    expect(writes()).toHaveLength(0);
    expect(sim.project(WS, WEBSITE).userIds).toEqual([user(1), user(2)]);
  });

  it('adds a user who so far had access only through an assigned group as a direct member', async () => {
    const change = await provider.addMembers({ project: MOBILE, users: ['ben.carter@acme.example'], dryRun: false }, operationContext());
    expect(change.results[0]!.status).toBe('added');
    expect(sim.project(WS, MOBILE).userIds).toContain(user(2));
  });
});

describe('removeMembers', () => {
  it('removes members with one request and reports non-members as not_member', async () => {
    const change = await provider.removeMembers({ project: WEBSITE, users: ['ben.carter@acme.example', 'chloe.park@acme.example'], dryRun: false }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['removed', 'not_member']);
    expect(sim.project(WS, WEBSITE).userIds).toEqual([user(1)]);
    expect(sim.requestsMatching('POST', /\/memberships$/)[0]!.body).toEqual({ userIds: [user(2)], remove: true });
  });

  it('also revokes the PROJECT_MANAGER role of a removed manager', async () => {
    const change = await provider.removeMembers({ project: DATA, users: ['diego.rivera@acme.example'], dryRun: false }, operationContext());
    expect(change.results[0]!.status).toBe('removed');
    expect(sim.project(WS, DATA).userIds).not.toContain(user(4));
    expect(sim.isManager(user(4), DATA)).toBe(false);
  });

  it('refuses to claim removal of access that comes from a user group', async () => {
    const change = await provider.removeMembers({ project: MOBILE, users: ['farid.haddad@acme.example'], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'failed', error: { code: 'UNSUPPORTED' } });
    expect(change.results[0]!.error!.message).toContain('Engineering');
    expect(writes()).toHaveLength(0);
  });

  it('plans without writing on dryRun', async () => {
    const change = await provider.removeMembers({ project: WEBSITE, users: ['ben.carter@acme.example', 'emma.brooks@acme.example'], dryRun: true }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['would_remove', 'not_member']);
    expect(writes()).toHaveLength(0);
  });
});

describe('addTeam', () => {
  it('grants a user group natively, with one result per group member', async () => {
    const change = await provider.addTeam({ project: WEBSITE, team: 'design', dryRun: false }, operationContext());
    expect(change.team).toEqual({ id: clockifyId('group', 1), name: 'Design', mode: 'native' });
    expect(change.results.map((r) => [r.input, r.status])).toEqual([
      ['chloe.park@acme.example', 'added'],
      ['emma.brooks@acme.example', 'added'],
      ['grace.okafor@acme.example', 'added'],
    ]);
    const post = sim.requestsMatching('POST', /\/memberships$/);
    expect(post).toHaveLength(1);
    expect(post[0]!.body).toEqual({ userIds: [], remove: false, userGroups: { ids: [clockifyId('group', 1)], contains: 'CONTAINS', status: 'ALL' } });
    expect(sim.project(WS, WEBSITE).groupIds).toEqual([clockifyId('group', 1)]);
    expect(sim.project(WS, WEBSITE).userIds).toEqual([user(1), user(2)]); // no per-user writes
  });

  it('reports members with access already, and skips inactive and invited ones', async () => {
    const change = await provider.addTeam({ project: DATA, team: 'Engineering', dryRun: false }, operationContext());
    const byInput = Object.fromEntries(change.results.map((r) => [r.input, r.status]));
    expect(byInput).toEqual({
      'ben.carter@acme.example': 'added',
      'diego.rivera@acme.example': 'already_member',
      'farid.haddad@acme.example': 'already_member',
      'hiro.tanaka@acme.example': 'added',
      'jonas.berg@acme.example': 'skipped',
    });
    expect(change.results.find((r) => r.status === 'skipped')!.error!.message).toMatch(/not an active workspace user/);
    expect(change.results.find((r) => r.input === 'diego.rivera@acme.example')!.role).toBe('PROJECT_MANAGER');
    const qa = await provider.addTeam({ project: DATA, team: 'QA', dryRun: true }, operationContext());
    expect(qa.results.map((r) => r.status)).toEqual(['would_add', 'skipped']);
  });

  it('changes nothing when the group is already assigned', async () => {
    const change = await provider.addTeam({ project: MOBILE, team: clockifyId('group', 2), dryRun: false }, operationContext());
    expect(change.results.every((r) => r.status === 'already_member' || r.status === 'skipped')).toBe(true);
    expect(writes()).toHaveLength(0);
  });

  it('answers NOT_FOUND for an unknown team and writes nothing', async () => {
    await expect(provider.addTeam({ project: WEBSITE, team: 'Sales', dryRun: false }, operationContext())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(writes()).toHaveLength(0);
  });
});

describe('reads', () => {
  it('lists direct members with roles, group members as such, and says when a project is public', async () => {
    const list = await provider.listMembers({ project: 'Mobile App' }, operationContext());
    const roles = Object.fromEntries(list.members.map((m) => [m.name, m.role]));
    expect(roles['Ana Lima']).toBe('PROJECT_MANAGER');
    expect(roles['Chloe Park']).toBe('member');
    expect(roles['Ben Carter']).toBe('member via group "Engineering"');
    expect(list.members.some((m) => m.userId === clockifyId('group', 2))).toBe(false); // never a group id as a user
    expect(list.notes!.join(' ')).toContain('Engineering');
    const open = await provider.listMembers({ project: 'Internal Tools' }, operationContext());
    expect(open.notes!.join(' ')).toMatch(/public/);
  });

  it('searches users by name or email substring, teams and projects', async () => {
    const users = await provider.searchDirectory({ kind: 'user', query: 'taylor', limit: 20 }, operationContext());
    expect(users.entries.map((e) => e.email).sort()).toEqual(['sam.taylor@acme.example', 'samuel.taylor@acme.example']);
    const byEmail = await provider.searchDirectory({ kind: 'user', query: 'okafor@', limit: 20 }, operationContext());
    expect(byEmail.entries.map((e) => e.name)).toEqual(['Grace Okafor']);
    const inactive = await provider.searchDirectory({ kind: 'user', query: 'jonas', limit: 20 }, operationContext());
    expect(inactive.entries).toEqual([]);
    const teams = await provider.searchDirectory({ kind: 'team', query: 'ENG', limit: 20 }, operationContext());
    expect(teams.entries).toEqual([{ id: clockifyId('group', 2), name: 'Engineering' }]);
    const projects = await provider.searchDirectory({ kind: 'project', query: '', limit: 2 }, operationContext());
    expect(projects.entries).toHaveLength(2);
    expect(projects.truncated).toBe(true);
  });

  it('resolves users by exact name, and says when a name is ambiguous or unknown', async () => {
    const change = await provider.addMembers({ project: WEBSITE, users: ['Hiro Tanaka', 'Sam Taylor', 'x@y.example'], dryRun: true }, operationContext());
    expect(change.results[0]).toEqual({ input: 'Hiro Tanaka', userId: user(8), name: 'Hiro Tanaka', email: 'hiro.tanaka@acme.example', status: 'would_add', role: 'member' });
    expect(change.results[1]!.error!.code).toBe('AMBIGUOUS');
    expect(change.results[2]!.error!.code).toBe('NOT_FOUND');
  });
});

describe('a user\'s workspace state', () => {
  it('comes from the WORKSPACE membership of this workspace, not the first one listed', async () => {
    const other = clockifyId('workspace', 2);
    const chloe = { id: user(3), name: 'Chloe Park', email: 'chloe.park@acme.example', status: 'ACTIVE', memberships: [
      { userId: user(3), targetId: other, membershipType: 'WORKSPACE', membershipStatus: 'INACTIVE', hourlyRate: null, costRate: null },
      { userId: user(3), targetId: WS, membershipType: 'WORKSPACE', membershipStatus: 'ACTIVE', hourlyRate: null, costRate: null },
    ] };
    sim.injectFault({ match: { method: 'GET', path: `/api/v1/workspaces/${WS}/users` }, status: 200, json: [chloe], headers: { 'Last-Page': 'true' }, times: 2 });
    const found = await provider.searchDirectory({ kind: 'user', query: 'chloe', limit: 5 }, operationContext());
    expect(found.entries.map((e) => e.name)).toEqual(['Chloe Park']);
  });
});

describe('projects and workspaces', () => {
  it('resolves a project by exact name, case-insensitively, and refuses ambiguous names with candidates', async () => {
    const change = await provider.addMembers({ project: 'website redesign', users: ['Ben Carter'], dryRun: true }, operationContext());
    expect(change.project.id).toBe(WEBSITE);
    const error = await provider.addMembers({ project: 'Onboarding', users: ['Ben Carter'], dryRun: false }, operationContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MembersError);
    expect((error as MembersError).code).toBe('AMBIGUOUS');
    expect((error as MembersError).message).toContain(project(4));
    expect((error as MembersError).message).toContain(project(5));
  });

  it('maps an id outside the workspace (400, code 501) to NOT_FOUND', async () => {
    await expect(provider.listMembers({ project: 'ffffffffffffffffffffffff' }, operationContext())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('never puts a project reference that is not an id into a path', async () => {
    for (const ref of ['a/../b', '..', 'x?y=1', '100%', `${WEBSITE}/memberships`]) {
      await expect(provider.addMembers({ project: ref, users: ['Ben Carter'], dryRun: false }, operationContext())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(sim.requests.every((r) => !r.path.includes('..') && !r.path.includes('%'))).toBe(true);
    expect(writes()).toHaveLength(0);
  });

  it('uses the key\'s only workspace, and asks for one when the key has several', async () => {
    await provider.close();
    provider = makeProvider({ workspaceId: undefined });
    const error = await provider.listMembers({ project: 'Website Redesign' }, operationContext()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((error as Error).message).toContain('Acme Labs');
    const list = await provider.listMembers({ project: 'Research', workspaceId: clockifyId('workspace', 2) }, operationContext());
    expect(list.members.map((m) => m.name)).toEqual(['Ana Lima']);
    await expect(provider.listMembers({ project: 'x', workspaceId: '../../v1/user' }, operationContext())).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('errors from Clockify', () => {
  it('maps a rejected key to AUTH_FAILED without echoing the key', async () => {
    await provider.close();
    provider = makeProvider({ apiKey: 'secret-wrong-key-123' }, new Redactor().add('secret-wrong-key-123'));
    const error = (await provider.listMembers({ project: WEBSITE }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toContain('Api key does not exist');
    expect(`${error.message} ${error.hint}`).not.toContain('secret-wrong-key-123');
  });

  it('maps a key without rights to PERMISSION_DENIED per member, and a foreign workspace for the whole call', async () => {
    await provider.close();
    provider = makeProvider({ apiKey: CLOCKIFY_SANDBOX_MEMBER_KEY });
    const change = await provider.addMembers({ project: WEBSITE, users: ['chloe.park@acme.example'], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'failed', error: { code: 'PERMISSION_DENIED' } });
    expect(sim.project(WS, WEBSITE).userIds).not.toContain(user(3));
    await expect(provider.listMembers({ project: 'x', workspaceId: 'aaaaaaaaaaaaaaaaaaaaaaaa' }, operationContext())).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('retries 429 and 503 and then succeeds', async () => {
    sim.injectFault({ match: { method: 'POST', path: /\/memberships$/ }, status: 429, text: '', times: 1 });
    sim.injectFault({ match: { method: 'POST', path: /\/memberships$/ }, status: 503, json: { message: 'busy', code: 503 }, times: 1 });
    const change = await provider.addMembers({ project: WEBSITE, users: ['chloe.park@acme.example'], dryRun: false }, operationContext());
    expect(change.results[0]!.status).toBe('added');
    expect(sim.requestsMatching('POST', /\/memberships$/)).toHaveLength(3);
  });

  it('ends a persistent 429 with RATE_LIMITED entries within the retry budget', async () => {
    sim.injectFault({ match: { method: 'POST', path: /\/memberships$/ }, status: 429, json: { message: 'Too many requests', code: 429 }, headers: { 'retry-after': '0' }, times: Infinity });
    const change = await provider.addMembers({ project: WEBSITE, users: ['chloe.park@acme.example', 'Hiro Tanaka'], dryRun: false }, operationContext());
    expect(change.results.map((r) => r.error?.code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    expect(change.results[0]!.error!.message).toContain('Too many requests');
    expect(sim.requestsMatching('POST', /\/memberships$/)).toHaveLength(Number(TEST_ENV.MEMBERS_MCP_RETRY_ATTEMPTS));
  });

  it('answers a failing read with PROVIDER_ERROR, tolerating a non-JSON body', async () => {
    sim.injectFault({ match: { method: 'GET', path: /\/projects\// }, status: 500, text: '<html>Internal error</html>', times: Infinity });
    const error = (await provider.listMembers({ project: WEBSITE }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('<html>Internal error</html>');
  });

  it('confirms a write whose reply was lost by reading, and never sends it twice', async () => {
    const dir = tempDir('journal-');
    const journal = new FileJournal(join(dir, 'writes.jsonl'));
    sim.injectFault({ match: { method: 'POST', path: /\/memberships$/ }, when: 'after', drop: true, times: 1 });
    const change = await provider.addMembers({ project: WEBSITE, users: ['chloe.park@acme.example'], dryRun: false }, operationContext({ journal }));
    journal.close();
    expect(change.results[0]!.status).toBe('added');
    expect(sim.requestsMatching('POST', /\/memberships$/)).toHaveLength(1);
    const lines = parseJournal(readFileSync(join(dir, 'writes.jsonl'), 'utf8'));
    expect(lines.map((l) => l.outcome)).toEqual(['planned', 'unknown', 'confirmed']);
    expect(lines[0]).toMatchObject({ connection: 'test', provider: 'clockify', project: WEBSITE, user: user(3), operation: 'add' });
  });

  it('says what already happened when the role change after a membership change fails', async () => {
    sim.injectFault({ match: { method: 'POST', path: /\/roles$/ }, status: 403, json: { message: 'Access denied', code: 403 }, times: Infinity });
    const added = await provider.addMembers({ project: WEBSITE, users: ['chloe.park@acme.example'], role: 'manager', dryRun: false }, operationContext());
    expect(added.results[0]).toMatchObject({ status: 'failed', error: { code: 'PERMISSION_DENIED' } });
    expect(added.results[0]!.error!.message).toMatch(/^Added to the project as a member, but granting the PROJECT_MANAGER role failed: .*Access denied/);
    expect(sim.project(WS, WEBSITE).userIds).toContain(user(3));

    sim.injectFault({ match: { method: 'DELETE', path: /\/roles$/ }, status: 403, json: { message: 'Access denied', code: 403 }, times: Infinity });
    const removed = await provider.removeMembers({ project: DATA, users: ['Diego Rivera'], dryRun: false }, operationContext());
    expect(removed.results[0]!.error!.message).toMatch(/^Removed from the members, but removing the PROJECT_MANAGER role failed: .*Access denied/);
    expect(sim.project(WS, DATA).userIds).not.toContain(user(4));
    expect(sim.isManager(user(4), DATA)).toBe(true);
  });

  it('repeats the managers read, a search sent with POST, after a dropped connection or a 500, so the call goes through', async () => {
    sim.injectFault({ match: { method: 'POST', path: /\/users\/info$/ }, drop: true, times: 1 });
    sim.injectFault({ match: { method: 'POST', path: /\/users\/info$/ }, status: 500, text: 'oops', times: 1 });
    // With a level asked for, the managers are read before the writes and again to confirm the role.
    const change = await provider.addMembers({ project: WEBSITE, users: ['chloe.park@acme.example'], role: 'manager', dryRun: false }, operationContext());
    expect(change.results[0]!.status).toBe('added');
    expect(sim.requestsMatching('POST', /\/users\/info$/).map((r) => r.fault ?? r.status)).toEqual(['before: drop', 'before: status 500', 200, 200]);
  });

  it('reports a write answered with a 500 after it landed as added, decided by a read, and sends it once', async () => {
    sim.injectFault({ match: { method: 'POST', path: /\/memberships$/ }, when: 'after', status: 500, json: { message: 'Internal error', code: 500 }, times: 1 });
    const change = await provider.addMembers({ project: WEBSITE, users: ['chloe.park@acme.example', 'Hiro Tanaka'], dryRun: false }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['added', 'added']);
    expect(sim.requestsMatching('POST', /\/memberships$/)).toHaveLength(1);
  });

  it('sends again only what a lost write did not apply', async () => {
    sim.injectFault({ match: { method: 'POST', path: /\/memberships$/ }, when: 'before', drop: true, times: 1 });
    const change = await provider.addMembers({ project: WEBSITE, users: ['chloe.park@acme.example'], dryRun: false }, operationContext());
    expect(change.results[0]!.status).toBe('added');
    expect(sim.requestsMatching('POST', /\/memberships$/)).toHaveLength(2);
    expect(sim.project(WS, WEBSITE).userIds.filter((id) => id === user(3))).toHaveLength(1);
  });
});
