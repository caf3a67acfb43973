import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpDefaults } from '../../src/config.js';
import type { MembersError } from '../../src/core/errors.js';
import { Redactor } from '../../src/core/redact.js';
import { silentLogger } from '../../src/core/log.js';
import { normaliseGoRulesUrl } from '../../src/providers/gorules/index.js';
import { GoRulesSimulator } from '../../src/sandbox/gorules/server.js';
import { GORULES_PROJECTS, GORULES_ROLES, GORULES_SANDBOX_TOKEN, GORULES_SCOPED_TOKEN, grId } from '../../src/sandbox/gorules/seed.js';
import { openAdapter, operationContext, TEST_ENV, type TestAdapter } from '../helpers/sandbox.js';

const user = (n: number) => grId('user', n);
const email = (first: string, last: string) => `${first.toLowerCase()}.${last.toLowerCase()}@acme-insurance.example.com`;
const { claims: CLAIMS, pricing: PRICING, fraud: FRAUD } = GORULES_PROJECTS;
const EDITORS = grId('group', 1);
const RELEASE = grId('group', 2);
const UNDERWRITING = grId('group', 3);

let sim: GoRulesSimulator;
let provider: TestAdapter;

function makeProvider(options: { token?: string; baseUrl?: string } = {}): TestAdapter {
  const token = options.token ?? GORULES_SANDBOX_TOKEN;
  return openAdapter(
    { name: 'gorules', kind: 'gorules', sandbox: true, values: { baseUrl: options.baseUrl ?? sim.url, token }, http: { ...httpDefaults(TEST_ENV), limits: { maxInFlight: 4 } } },
    { logger: silentLogger(), redactor: new Redactor().add(token) },
  );
}

const writes = () => sim.requests.filter((r) => r.method !== 'GET');

beforeEach(async () => {
  sim = await new GoRulesSimulator().start();
  provider = makeProvider();
});

afterEach(async () => {
  // Lists always name their page size: the default of 10 would silently cut them short.
  expect(sim.requestsMatching('GET').every((r) => new URLSearchParams(r.query).get('perPage') === '500')).toBe(true);
  await provider.close();
  await sim.stop();
});

describe('base URL', () => {
  it('accepts the address with or without /api and trailing slashes', async () => {
    expect(normaliseGoRulesUrl('https://acme.us1.gorules.io/api/')).toBe('https://acme.us1.gorules.io');
    expect(normaliseGoRulesUrl('https://brms.internal/')).toBe('https://brms.internal');
    for (const baseUrl of [sim.url, `${sim.url}/api`, `${sim.url}/api/`]) {
      await provider.close();
      provider = makeProvider({ baseUrl });
      const list = await provider.listMembers({ project: 'Fraud Detection' }, operationContext());
      expect(list.members).toHaveLength(1);
    }
    expect(sim.requests.every((r) => r.path.startsWith('/api/projects') && !r.path.startsWith('/api/api'))).toBe(true);
  });

  it('does not follow a redirect, so the token stays on its host, and says what to fix', async () => {
    sim.injectFault({ status: 307, headers: { location: 'https://elsewhere.example.com/api/projects' }, times: 1 });
    const error = (await provider.listMembers({ project: 'Fraud Detection' }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('https://elsewhere.example.com/api/projects');
    expect(error.hint).toContain('GORULES_BASE_URL');
    expect(sim.requests).toHaveLength(1);
  });
});

describe('addMembers', () => {
  it('reads every page of a project with more than ten members, and invites only who is missing', async () => {
    const change = await provider.addMembers(
      { project: 'Claims Rules', users: [email('Nils', 'Lund'), email('Luis', 'Ortega'), 'Mina Park'], dryRun: false },
      operationContext(),
    );
    // Luis (user 12) is the twelfth member: on the second page of ten, but the first of a hundred.
    expect(change.results.map((r) => [r.input, r.status, r.role])).toEqual([
      [email('Nils', 'Lund'), 'added', 'member'],
      [email('Luis', 'Ortega'), 'already_member', 'member'],
      ['Mina Park', 'added', 'member'],
    ]);
    const invites = sim.requestsMatching('POST');
    expect(invites).toHaveLength(1);
    expect(invites[0]!.body).toEqual({ userIds: [user(14), user(13)], groupIds: [], owner: false });
    const record = sim.membership(CLAIMS, user(14))!;
    expect(record.id).not.toBe(user(14)); // membership ids are their own
  });

  it('sees members past the default page when the provider pages by ten', async () => {
    // Twelve members: a list read with the default page size would miss two of them.
    const list = await provider.listMembers({ project: CLAIMS }, operationContext());
    expect(list.members).toHaveLength(12);
    expect(list.notes!.join(' ')).toContain('Organisation roles can also give people access');
  });

  it('invites with groups given by name, and as owner for the owner role', async () => {
    const change = await provider.addMembers({ project: CLAIMS, users: ['Nils Lund'], role: 'owner', groups: ['release managers', EDITORS], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'added', role: 'owner' });
    expect(sim.requestsMatching('POST')[0]!.body).toEqual({ userIds: [user(14)], groupIds: [RELEASE, EDITORS], owner: true });
    expect(sim.membership(CLAIMS, user(14))).toMatchObject({ owner: true, groupIds: [RELEASE, EDITORS] });
  });

  it('keeps an owner owner when only groups are added, sending both fields', async () => {
    const change = await provider.addMembers({ project: CLAIMS, users: [email('Ada', 'Novak')], groups: ['Release Managers'], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'updated', role: 'owner' });
    const put = sim.requestsMatching('PUT')[0]!;
    expect(put.path).toBe(`/api/projects/${CLAIMS}/members/${grId('member', 1)}`);
    expect(put.body).toEqual({ groupIds: [EDITORS, RELEASE], owner: true });
    expect(sim.membership(CLAIMS, user(1))).toMatchObject({ owner: true, groupIds: [EDITORS, RELEASE] });
  });

  it('changes the owner flag with a role, and reports a member who has it all as already_member', async () => {
    const promoted = await provider.addMembers({ project: CLAIMS, users: ['Bruno Costa'], role: 'owner', dryRun: false }, operationContext());
    expect(promoted.results[0]).toMatchObject({ status: 'updated', role: 'owner' });
    expect(sim.membership(CLAIMS, user(2))).toMatchObject({ owner: true, groupIds: [EDITORS] });
    const again = await provider.addMembers({ project: CLAIMS, users: ['Bruno Costa'], role: 'owner', groups: ['Editors'], dryRun: false }, operationContext());
    expect(again.results[0]).toMatchObject({ status: 'already_member', role: 'owner' });
    expect(sim.requestsMatching('PUT')).toHaveLength(1);
  });

  it('refuses an unknown group before any write', async () => {
    await expect(provider.addMembers({ project: CLAIMS, users: ['Nils Lund'], groups: ['Auditors'], dryRun: false }, operationContext())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(writes()).toHaveLength(0);
  });

  it('plans without writing on dryRun', async () => {
    const change = await provider.addMembers({ project: CLAIMS, users: ['Nils Lund', 'Ada Novak'], groups: ['Release Managers'], dryRun: true }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['would_add', 'would_update']);
    expect(writes()).toHaveLength(0);
  });

  it('works with a project-scoped token, resolving through the project when organisation users are forbidden', async () => {
    await provider.close();
    provider = makeProvider({ token: GORULES_SCOPED_TOKEN });
    const change = await provider.addMembers({ project: PRICING, users: [email('Gwen', 'Lloyd')], dryRun: false }, operationContext());
    expect(change.results[0]).toMatchObject({ status: 'added', userId: user(7) });
    expect(sim.requestsMatching('GET', /\/api\/users$/)[0]!.status).toBe(403);
  });
});

describe('removeMembers', () => {
  it('deletes by membership id (an inferred endpoint) and reports non-members as not_member', async () => {
    const change = await provider.removeMembers({ project: PRICING, users: ['Dev Patel', 'Nils Lund'], dryRun: false }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['removed', 'not_member']);
    expect(sim.requestsMatching('DELETE').map((r) => r.path)).toEqual([`/api/projects/${PRICING}/members/${grId('member', 21)}`]);
    expect(sim.membership(PRICING, user(4))).toBeUndefined();
  });
});

describe('addTeam', () => {
  it('expands an organisation role into its users, some already members, with the role\'s project groups', async () => {
    const change = await provider.addTeam({ project: 'Claims Rules', team: 'underwriters', dryRun: false }, operationContext());
    expect(change.team).toEqual({ id: GORULES_ROLES.underwriters, name: 'Underwriters', mode: 'expanded' });
    expect(change.results.map((r) => [r.userId, r.status])).toEqual([
      [user(2), 'already_member'],
      [user(3), 'already_member'],
      [user(13), 'added'],
      [user(14), 'added'],
      [grId('user', 15), 'skipped'],
    ]);
    expect(sim.requestsMatching('POST')[0]!.body).toEqual({ userIds: [user(13), user(14)], groupIds: [UNDERWRITING], owner: false });
    expect(sim.membership(CLAIMS, user(2))!.groupIds).toEqual([EDITORS]); // existing members untouched
    expect(change.notes!.join(' ')).toContain('"Underwriting"');
  });

  it('adds given groups to the role\'s, and previews on dryRun', async () => {
    const change = await provider.addTeam({ project: PRICING, team: GORULES_ROLES.pricing, groups: ['Editors'], role: 'owner', dryRun: true }, operationContext());
    expect(change.results.map((r) => r.status)).toEqual(['already_member', 'would_add', 'would_add']);
    expect(writes()).toHaveLength(0);
    await provider.addTeam({ project: PRICING, team: 'Pricing Analysts', groups: ['Editors'], role: 'owner', dryRun: false }, operationContext());
    expect(sim.requestsMatching('POST')[0]!.body).toEqual({ userIds: [user(5), user(6)], groupIds: [grId('group', 5), grId('group', 4)], owner: true });
  });
});

describe('reads and errors', () => {
  it('searches users without service accounts, roles as teams, and projects', async () => {
    const users = await provider.searchDirectory({ kind: 'user', query: 'acme-insurance', limit: 50 }, operationContext());
    expect(users.entries).toHaveLength(15);
    expect(users.entries.map((e) => e.email)).not.toContain('ci-deployer@acme-insurance.example.com');
    const teams = await provider.searchDirectory({ kind: 'team', query: 'pricing', limit: 5 }, operationContext());
    expect(teams.entries).toEqual([{ id: GORULES_ROLES.pricing, name: 'Pricing Analysts' }]);
    // With all=true, the organisation admin's token also finds the project its user has not joined.
    const projects = await provider.searchDirectory({ kind: 'project', query: 'rules', limit: 5 }, operationContext());
    expect(projects.entries.map((e) => e.name)).toEqual(['Claims Rules', 'Rules Archive']);
  });

  it('answers 403 for a token scoped to other projects with PERMISSION_DENIED and a hint', async () => {
    await provider.close();
    provider = makeProvider({ token: GORULES_SCOPED_TOKEN });
    // The scoped token does not even see the project in its list; by id the provider answers 403.
    const byName = (await provider.listMembers({ project: 'Claims Rules' }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(byName.code).toBe('NOT_FOUND');
    expect(byName.message).toContain('the projects this GoRules token has joined (it may not list the whole organisation)');
    sim.state.tokens[GORULES_SCOPED_TOKEN]!.projects = [PRICING, FRAUD];
    sim.state.tokens[GORULES_SCOPED_TOKEN]!.projectManage = false;
    sim.state.tokens[GORULES_SCOPED_TOKEN]!.orgRole = 'admin';
    await provider.close();
    provider = makeProvider({ token: GORULES_SCOPED_TOKEN });
    const forbidden = (await provider.addMembers({ project: FRAUD, users: ['Ada Novak'], dryRun: false }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(forbidden.code).toBe('PERMISSION_DENIED');
    expect(forbidden.hint).toContain('Project Manage');
    expect(writes()).toHaveLength(0);
  });

  it('maps a rejected token to AUTH_FAILED without echoing it', async () => {
    await provider.close();
    provider = makeProvider({ token: 'expired-token-123456' });
    const error = (await provider.listMembers({ project: CLAIMS }, operationContext()).catch((e: unknown) => e)) as MembersError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(`${error.message}${error.hint}`).not.toContain('expired-token-123456');
  });

  it('reads a validation error whose message is a list', async () => {
    sim.injectFault({ match: { method: 'POST' }, status: 400, json: { statusCode: 400, message: ['userIds must contain at least 1 elements', 'owner must be a boolean value'], error: 'Bad Request' } });
    const change = await provider.addMembers({ project: CLAIMS, users: ['Nils Lund'], dryRun: false }, operationContext());
    expect(change.results[0]!.error!.message).toContain('userIds must contain at least 1 elements; owner must be a boolean value');
  });
});
