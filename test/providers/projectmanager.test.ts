import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpDefaults } from '../../src/config.js';
import type { MembersError } from '../../src/core/errors.js';
import { Redactor } from '../../src/core/redact.js';
import { silentLogger } from '../../src/core/log.js';
import { pmErrorBody, ProjectManagerSimulator } from '../../src/sandbox/projectmanager/server.js';
import { PM_EXPIRED_KEY, PM_SANDBOX_KEY, PM_TEAMS, pmId } from '../../src/sandbox/projectmanager/seed.js';
import { openAdapter, operationContext, TEST_ENV, type TestAdapter } from '../helpers/sandbox.js';

const person = (n: number) => pmId('person', n);
const WEBSITE = pmId('project', 1); // Olivia (Manager), Marcus (Collaborate)
const WAREHOUSE = pmId('project', 2); // Olivia (Manager), Tomás (Editor)
const OFFICE = pmId('project', 3); // Olivia (Manager)

let sim: ProjectManagerSimulator;
let provider: TestAdapter;

function makeProvider(apiKey = PM_SANDBOX_KEY): TestAdapter {
  return openAdapter(
    { name: 'projectmanager', kind: 'projectmanager', sandbox: true, values: { apiKey, baseUrl: sim.url }, http: { ...httpDefaults(TEST_ENV), limits: { maxInFlight: 4 } } },
    { logger: silentLogger(), redactor: new Redactor().add(apiKey) },
  );
}

const writes = () => sim.requests.filter((r) => r.method !== 'GET');

beforeEach(async () => {
  sim = await new ProjectManagerSimulator().start();
  provider = makeProvider();
});

afterEach(async () => {
  // Every request names us, and the deprecated membership endpoints are never used.
  expect(sim.requests.every((r) => r.headers['x-integration-name'] === 'project-members-mcp')).toBe(true);
  expect(sim.requests.some((r) => r.method === 'POST' && /\/members\/[^/]+$/.test(r.path))).toBe(false);
  expect(sim.requests.some((r) => r.method === 'PUT' && /\/members$/.test(r.path))).toBe(false);
  await provider.close();
  await sim.stop();
});

describe('addMembers', () => {
  it('upserts each new member once, by email, exact name or id, with the provider default when no role is given', async () => {
    const change = await provider.addMembers(
      { project: 'website launch', users: ['priya.nair@northwind.example.org', 'Lena Fischer', person(5)], dryRun: false },
      operationContext(),
    );
    expect(change.project).toEqual({ id: WEBSITE, name: 'Website Launch' });
    expect(change.results.map((r) => [r.userId, r.status, r.role])).toEqual([
      [person(3), 'added', 'Editor'],
      [person(6), 'added', 'Editor'],
      [person(5), 'added', 'Editor'],
    ]);
    expect(change.results[0]).toMatchObject({ name: 'Priya Nair', email: 'priya.nair@northwind.example.org' });
    const puts = sim.requestsMatching('PUT');
    expect(puts.map((r) => r.path).sort()).toEqual([3, 5, 6].map((n) => `/api/data/projects/${WEBSITE}/members/${person(n)}`));
    expect(puts.every((r) => JSON.stringify(r.body) === '{}')).toBe(true);
    expect(sim.members(WEBSITE)[person(3)]).toBe('Editor');
  });

  it('maps roles to permissions: viewer Guest, member Collaborate, editor Editor, manager Manager', async () => {
    for (const [role, permission, user] of [
      ['viewer', 'Guest', 3],
      ['member', 'Collaborate', 5],
      ['editor', 'Editor', 6],
      ['manager', 'Manager', 9],
    ] as const) {
      const change = await provider.addMembers({ project: OFFICE, users: [person(user)], role: role, dryRun: false }, operationContext());
      expect(change.results[0]).toMatchObject({ status: 'added', role: permission });
      expect(sim.members(OFFICE)[person(user)]).toBe(permission);
    }
  });

  it('reports the same role as already_member, changes another role as updated, and leaves a member alone without a role', async () => {
    const same = await provider.addMembers({ project: WEBSITE, users: ['marcus.reed@northwind.example.org'], role: 'member', dryRun: false }, operationContext());
    expect(same.results[0]).toMatchObject({ status: 'already_member', role: 'Collaborate' });
    const untouched = await provider.addMembers({ project: WEBSITE, users: ['Marcus Reed'], dryRun: false }, operationContext());
    expect(untouched.results[0]).toMatchObject({ status: 'already_member', role: 'Collaborate' });
    expect(writes()).toHaveLength(0);

    const changed = await provider.addMembers({ project: WEBSITE, users: ['Marcus Reed'], role: 'editor', dryRun: false }, operationContext());
    expect(changed.results[0]).toMatchObject({ status: 'updated', role: 'Editor' });
    expect(sim.members(WEBSITE)[person(2)]).toBe('Editor');
    expect(sim.requestsMatching('PUT')[0]!.body).toEqual({ role: 'Editor' });
  });

  it('predicts, dry run included, that a guest user asked for more than Guest is refused', async () => {
    const dry = await provider.addMembers({ project: WEBSITE, users: ['kwame.asante@northwind.example.org', 'Yuki Mori'], role: 'editor', dryRun: true }, operationContext());
    expect(dry.results.map((r) => r.status)).toEqual(['failed', 'would_add']);
    expect(dry.results[0]!.error).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(dry.results[0]!.error!.message).toContain('Kwame Asante is a guest user in ProjectManager.com, and guests can only have Guest access to a project, not Editor');
    const change = await provider.addMembers({ project: WEBSITE, users: ['kwame.asante@northwind.example.org', 'Yuki Mori'], role: 'editor', dryRun: false }, operationContext());
    expect(change.results.map((r) => [r.status, r.role])).toEqual([['failed', undefined], ['added', 'Editor']]);
    expect(sim.requestsMatching('PUT')).toHaveLength(1);
    const viewer = await provider.addMembers({ project: WEBSITE, users: ['kwame.asante@northwind.example.org'], role: 'viewer', dryRun: false }, operationContext());
    expect(viewer.results[0]).toMatchObject({ status: 'added', role: 'Guest' });
  });

  it('carries the provider\'s validation error, with its field, into a failed entry when the roles cannot be read', async () => {
    sim.injectFault({ match: { method: 'GET', path: '/api/data/users/roles' }, status: 403, json: pmErrorBody(403, 'Forbidden'), times: 1 });
    const change = await provider.addMembers({ project: WEBSITE, users: ['kwame.asante@northwind.example.org'], role: 'editor', dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'failed', error: { code: 'PROVIDER_ERROR' } });
    expect(change.results[0]!.error!.message).toContain('Input Validation Failed (role: Guest users can only be given Guest access to a project.); a re-read shows they are not in the project.');
    expect(sim.members(WEBSITE)[person(7)]).toBeUndefined();
  });

  it('refuses inactive people and resources that are not people before writing', async () => {
    const change = await provider.addMembers(
      { project: WEBSITE, users: ['noah.berg@northwind.example.org', 'plotter-alerts@northwind.example.org', 'Alex Kim'], dryRun: false },
      operationContext(),
    );
    expect(change.results.map((r) => r.error?.code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'AMBIGUOUS']);
    expect(change.results[0]!.error!.message).toContain('inactive');
    expect(change.results[1]!.error!.message).toContain('resource without a user account');
    expect(change.results[2]!.error!.message).toContain('alex.kim2@northwind.example.org');
    expect(writes()).toHaveLength(0);
  });

  it('plans without writing on dryRun', async () => {
    const change = await provider.addMembers({ project: WEBSITE, users: ['Priya Nair', 'Marcus Reed'], role: 'manager', dryRun: true }, operationContext());
    expect(change.results.map((r) => [r.status, r.role])).toEqual([
      ['would_add', 'Manager'],
      ['would_update', 'Manager'],
    ]);
    expect(writes()).toHaveLength(0);
  });

  it('resolves the directory once and sends exactly one write per member, whatever the batch size', async () => {
    await provider.close();
    await sim.stop();
    sim = await new ProjectManagerSimulator({ people: 120 }).start();
    provider = makeProvider();
    const users = Array.from({ length: 120 }, (_, i) => `person.${String(i + 1).padStart(4, '0')}@northwind.example.org`);
    const change = await provider.addMembers({ project: OFFICE, users, dryRun: false }, operationContext());
    expect(change.results.every((r) => r.status === 'added')).toBe(true);
    expect(sim.requestsMatching('PUT')).toHaveLength(120);
    // The project by id, its members, the resources (one page, then the empty one that ends the
    // list), and the members once more after the writes, which decides every entry.
    expect(sim.requestsMatching('GET')).toHaveLength(5);
    expect(Object.keys(sim.members(OFFICE))).toHaveLength(121);
  });

  it('reads every page even when the server returns fewer items than $top asked for', async () => {
    await provider.close();
    await sim.stop();
    sim = await new ProjectManagerSimulator({ people: 120, maxTop: 50 }).start();
    provider = makeProvider();
    const change = await provider.addMembers({ project: OFFICE, users: [person(1120), 'Person 0077'], dryRun: true }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['would_add', 'would_add']);
    const skips = sim.requestsMatching('GET', /\/resources$/).map((r) => new URLSearchParams(r.query).get('$skip'));
    // 50 (short of the 500 asked: confirmed by the next), 50, then two at once: 31, short, so the end, and one empty.
    expect(skips).toEqual(['0', '50', '100', '150']);
  });
});

describe('removeMembers', () => {
  it('deletes members and reports non-members as not_member without a request', async () => {
    const change = await provider.removeMembers({ project: WAREHOUSE, users: ['Tomás Silva', 'priya.nair@northwind.example.org'], dryRun: false }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['removed', 'not_member']);
    expect(sim.requestsMatching('DELETE').map((r) => r.path)).toEqual([`/api/data/projects/${WAREHOUSE}/members/${person(4)}`]);
    expect(sim.members(WAREHOUSE)).toEqual({ [person(1)]: 'Manager' });
  });

  it('plans without writing on dryRun', async () => {
    const change = await provider.removeMembers({ project: WAREHOUSE, users: ['Tomás Silva'], dryRun: true }, operationContext());
    expect(change.results[0]!.status).toBe('would_remove');
    expect(writes()).toHaveLength(0);
  });
});

describe('addTeam', () => {
  it('grants natively and diffs the member list: existing, inactive, guest and non-person members included', async () => {
    const change = await provider.addTeam({ project: WEBSITE, team: 'design', dryRun: false }, operationContext());
    expect(change.team).toEqual({ id: PM_TEAMS.design, name: 'Design', mode: 'native' });
    const byUser = Object.fromEntries(change.results.map((r) => [r.userId, [r.status, r.role ?? r.error?.code]]));
    expect(byUser).toEqual({
      [person(2)]: ['already_member', 'Collaborate'],
      [person(3)]: ['added', 'Collaborate'],
      [person(6)]: ['added', 'Collaborate'],
      [person(7)]: ['added', 'Guest'],
      [person(8)]: ['skipped', 'NOT_FOUND'],
      [pmId('person', 11)]: ['skipped', 'NOT_FOUND'],
    });
    const post = sim.requestsMatching('POST');
    expect(post.map((r) => r.path)).toEqual([`/api/data/projects/${WEBSITE}/teams/${PM_TEAMS.design}/members`]);
    expect(post[0]!.body).toEqual({});
    expect(sim.requestsMatching('PUT')).toHaveLength(0);
  });

  it('asks the team grant for editors when the role is editor', async () => {
    const change = await provider.addTeam({ project: OFFICE, team: PM_TEAMS.fieldOps, role: 'editor', dryRun: false }, operationContext());
    expect(change.results.map((r) => [r.status, r.role])).toEqual([
      ['added', 'Editor'],
      ['added', 'Editor'],
    ]);
    expect(sim.requestsMatching('POST')[0]!.body).toEqual({ addAsEditor: true });
  });

  it('expands the team into members for a role the team grant cannot give', async () => {
    const change = await provider.addTeam({ project: OFFICE, team: 'Design', role: 'manager', dryRun: false }, operationContext());
    expect(change.team!.mode).toBe('expanded');
    const byUser = Object.fromEntries(change.results.map((r) => [r.userId, [r.status, r.role ?? r.error?.code]]));
    expect(byUser[person(2)]).toEqual(['added', 'Manager']);
    expect(byUser[person(7)]).toEqual(['failed', 'PERMISSION_DENIED']); // a guest cannot be Manager: known before writing
    expect(byUser[person(8)]).toEqual(['skipped', 'NOT_FOUND']);
    expect(sim.requestsMatching('POST')).toHaveLength(0);
    expect(sim.requestsMatching('PUT')).toHaveLength(3);
  });

  it('previews the team on dryRun and answers NOT_FOUND for an unknown team', async () => {
    const change = await provider.addTeam({ project: WEBSITE, team: 'Support', dryRun: true }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['would_add', 'would_add']);
    await expect(provider.addTeam({ project: WEBSITE, team: 'Legal', dryRun: false }, operationContext())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(writes()).toHaveLength(0);
  });
});

describe('reads', () => {
  it('lists members with emails joined from the resources and the permission as role', async () => {
    const list = await provider.listMembers({ project: WAREHOUSE }, operationContext());
    expect(list.members).toEqual([
      { userId: person(1), name: 'Olivia Hart', email: 'olivia.hart@northwind.example.org', role: 'Manager' },
      { userId: person(4), name: 'Tomás Silva', email: 'tomás.silva@northwind.example.org', role: 'Editor' },
    ]);
  });

  it('searches people (active persons only), teams and projects', async () => {
    const people = await provider.searchDirectory({ kind: 'user', query: 'northwind', limit: 50 }, operationContext());
    const names = people.entries.map((e) => e.name);
    expect(names).toContain('Priya Nair');
    expect(names).not.toContain('Noah Berg');
    expect(names).not.toContain('Plotter Room B');
    const kim = await provider.searchDirectory({ kind: 'user', query: 'KIM', limit: 1 }, operationContext());
    expect(kim).toMatchObject({ entries: [{ name: 'Alex Kim' }], truncated: true });
    const teams = await provider.searchDirectory({ kind: 'team', query: 'ops', limit: 5 }, operationContext());
    expect(teams.entries).toEqual([{ id: PM_TEAMS.fieldOps, name: 'Field Ops' }]);
    const projects = await provider.searchDirectory({ kind: 'project', query: 'E', limit: 2 }, operationContext());
    expect(projects).toMatchObject({ truncated: true });
    const filters = sim.requests.map((r) => new URLSearchParams(r.query).get('$filter'));
    expect(filters).toContain("contains(tolower(name),'kim') or contains(tolower(email),'kim')");
  });

  it('resolves a project by name with tolower() in $filter, escaping quotes', async () => {
    await expect(provider.listMembers({ project: "Bob's Project" }, operationContext())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(new URLSearchParams(sim.requestsMatching('GET', /\/projects$/)[0]!.query).get('$filter')).toBe("tolower(name) eq 'bob''s project'");
  });
});

describe('errors', () => {
  it('maps an expired key to AUTH_FAILED without echoing it', async () => {
    await provider.close();
    provider = makeProvider(PM_EXPIRED_KEY);
    const error = (await provider.listMembers({ project: WEBSITE }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.hint).toContain('PROJECTMANAGER_API_KEY');
    expect(`${error.message}${error.hint}`).not.toContain(PM_EXPIRED_KEY);
  });

  it('answers NOT_FOUND for an unknown project id', async () => {
    await expect(provider.addMembers({ project: pmId('project', 99), users: ['Priya Nair'], dryRun: false }, operationContext())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('retries a 429 in the envelope, honouring Retry-After, and applies the change once', async () => {
    sim.injectFault({ match: { method: 'PUT' }, status: 429, json: pmErrorBody(429, 'Too many requests'), headers: { 'retry-after': '0' }, times: 2 });
    const change = await provider.addMembers({ project: WEBSITE, users: ['Priya Nair'], dryRun: false }, operationContext());
    expect(change.results[0]!.status).toBe('added');
    expect(sim.requestsMatching('PUT').map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('confirms an upsert whose reply was lost by reading the members, without sending it again', async () => {
    sim.injectFault({ match: { method: 'PUT' }, when: 'after', drop: true, times: 1 });
    const change = await provider.addMembers({ project: WEBSITE, users: ['Priya Nair'], role: 'manager', dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'added', role: 'Manager' });
    expect(sim.requestsMatching('PUT')).toHaveLength(1);
  });
});
