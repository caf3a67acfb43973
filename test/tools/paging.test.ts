import { describe, expect, it } from 'vitest';
import { clockifyId, CLOCKIFY_SANDBOX_WORKSPACE as WS } from '../../src/sandbox/clockify/seed.js';
import { GORULES_PROJECTS, grId } from '../../src/sandbox/gorules/seed.js';
import { memberListSchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';
import { sandboxSessions } from '../helpers/sandbox.js';

/**
 * Lists past their first page, through the tools: the simulators cap their pages far below what
 * the adapters ask for (a server may), so every list spans several pages.
 */

const open = sandboxSessions();

async function session() {
  const opened = await open({ only: ['clockify', 'gorules'] });
  opened.simulators.clockify.readings.maxPageSize = 2;
  opened.simulators.gorules.readings.maxPerPage = 5;
  return opened;
}

const pages = (requests: Array<{ query: string; body: unknown }>, name: string) =>
  requests.map((r) => Number(new URLSearchParams(r.query).get(name) ?? (r.body as { page?: number } | undefined)?.page ?? 1));

describe('lists past page 1', () => {
  it('Clockify: users, groups and managers over several pages of two', async () => {
    const { simulators, call } = await session();
    const sim = simulators.clockify;
    // Samuel Taylor (user 10) comes on the fifth page of users; QA, the third group, on the second page.
    const added = mutationResultSchema.parse((await call('add_project_members', { provider: 'clockify', project: 'Website Redesign', users: ['samuel.taylor@acme.example'], role: 'manager' })).structuredContent);
    expect(added.results[0]).toMatchObject({ status: 'added', role: 'PROJECT_MANAGER' });
    expect(sim.isManager(clockifyId('user', 10), clockifyId('project', 1))).toBe(true);
    const team = teamResultSchema.parse((await call('add_team_to_project', { provider: 'clockify', project: 'Website Redesign', team: 'QA', dryRun: true })).structuredContent);
    expect(team.results.map((r) => r.status)).toEqual(['would_add', 'skipped']);
    const list = memberListSchema.parse((await call('list_project_members', { provider: 'clockify', project: 'Data Platform' })).structuredContent);
    expect(list.members.filter((m) => m.role === 'PROJECT_MANAGER').map((m) => m.name)).toEqual(['Ana Lima', 'Diego Rivera']);
    expect(Math.max(...pages(sim.requestsMatching('GET', new RegExp(`/workspaces/${WS}/users$`)), 'page'))).toBe(6);
    expect(Math.max(...pages(sim.requestsMatching('GET', /\/user-groups$/), 'page'))).toBe(2);
    // Whole lists ask for the largest page the API allows; an email lookup, for a small one.
    const sizes = sim.requestsMatching('GET', /\/users$/).map((r) => new URLSearchParams(r.query)).map((q) => [q.has('email'), q.get('page-size')]);
    expect(sizes).toContainEqual([true, '50']);
    expect(sizes).toContainEqual([false, '5000']);
    expect(sizes.every(([email, size]) => size === (email ? '50' : '5000'))).toBe(true);
  });

  it('GoRules: members and users over several pages of five', async () => {
    const { simulators, call } = await session();
    const sim = simulators.gorules;
    // Claims Rules has twelve members: three pages of five.
    const list = memberListSchema.parse((await call('list_project_members', { provider: 'gorules', project: 'Claims Rules' })).structuredContent);
    expect(list.members).toHaveLength(12);
    // Luis Ortega is the twelfth member, on the third page; Nils Lund the fourteenth user.
    const added = mutationResultSchema.parse((await call('add_project_members', { provider: 'gorules', project: 'Claims Rules', users: ['Luis Ortega', 'nils.lund@acme-insurance.example.com'] })).structuredContent);
    expect(added.results.map((r) => r.status)).toEqual(['already_member', 'added']);
    const removed = mutationResultSchema.parse((await call('remove_project_members', { provider: 'gorules', project: 'Claims Rules', users: ['Luis Ortega'] })).structuredContent);
    expect(removed.results[0]!.status).toBe('removed');
    expect(sim.membership(GORULES_PROJECTS.claims, grId('user', 12))).toBeUndefined();
    expect(Math.max(...pages(sim.requestsMatching('GET', /\/members$/), 'page'))).toBe(3);
    expect(Math.max(...pages(sim.requestsMatching('GET', /^\/api\/users$/), 'page'))).toBe(4);
  });
});
