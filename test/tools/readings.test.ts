import { describe, expect, it } from 'vitest';
import type { ProviderKind } from '../../src/core/types.js';
import type { ConnectionConfig } from '../../src/providers/module.js';
import { clockifyId, CLOCKIFY_SANDBOX_WORKSPACE as WS } from '../../src/sandbox/clockify/seed.js';
import { GORULES_PROJECTS, GORULES_SCOPED_TOKEN, grId } from '../../src/sandbox/gorules/seed.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { ZELLO_MEMBER, zId } from '../../src/sandbox/zello/seed.js';
import { errorEnvelopeSchema, memberListSchema, mutationResultSchema, directorySchema, teamResultSchema } from '../../src/tools/schemas.js';
import { sandboxSessions } from '../helpers/sandbox.js';

/**
 * Where the documents leave a provider's behaviour open, its simulator has a switch for each
 * plausible reading (docs/providers/<kind>.md, "Inferred"). Each test runs the tools, through a
 * real MCP client, under every reading, and shows no false success: the right outcome, or a
 * failed entry (or UNSUPPORTED) that says what the provider did.
 */

const open = sandboxSessions();

async function session(provider: ProviderKind, configure?: (config: ConnectionConfig) => ConnectionConfig) {
  return open({ only: [provider], ...(configure ? { configure: (configs: ConnectionConfig[]) => configs.map(configure) } : {}) });
}

describe('GoRules: is there a member removal route?', () => {
  for (const reading of ['route', 'none'] as const) {
    it(`removes, or says the route is missing and the member stays (${reading})`, async () => {
      const { simulators, call } = await session('gorules');
      simulators.gorules.readings.memberRemoval = reading;
      const result = mutationResultSchema.parse((await call('remove_project_members', { project: 'Pricing Engine', users: ['Dev Patel'] })).structuredContent);
      const still = simulators.gorules.membership(GORULES_PROJECTS.pricing, grId('user', 4));
      if (reading === 'route') {
        expect(result.results[0]).toMatchObject({ status: 'removed' });
        expect(still).toBeUndefined();
      } else {
        expect(result.results[0]).toMatchObject({ status: 'failed', error: { code: 'UNSUPPORTED' } });
        expect(result.results[0]!.error!.message).toContain('answered HTTP 404 to DELETE');
        expect(result.results[0]!.error!.message).toContain('a re-read shows them still in the project');
        expect(still).toBeDefined();
      }
    });
  }
});

describe('GoRules: what does an invite of an existing member do?', () => {
  for (const reading of ['skip', 'conflict'] as const) {
    it(`reports a member someone else added meanwhile as a member, never as failed nor twice, and still adds the others (${reading})`, async () => {
      const { simulators, call } = await session('gorules');
      const sim = simulators.gorules;
      sim.readings.inviteExisting = reading;
      const project = sim.project(GORULES_PROJECTS.fraud);
      const now = new Date().toISOString();
      sim.injectFault({ match: { method: 'POST', path: /\/members$/ }, effect: () => project.members.push({ id: grId('member', 90), userId: grId('user', 14), owner: false, groupIds: [], createdAt: now, updatedAt: now }), times: 1 });
      // Nils is added by someone else just before our invite, which also names Bruno.
      const result = mutationResultSchema.parse((await call('add_project_members', { project: 'Fraud Detection', users: ['Nils Lund', 'Bruno Costa'] })).structuredContent);
      expect(result.results.map((r) => r.status)).toEqual([reading === 'skip' ? 'added' : 'already_member', 'added']);
      expect(project.members.filter((m) => m.userId === grId('user', 14))).toHaveLength(1);
      expect(project.members.filter((m) => m.userId === grId('user', 2))).toHaveLength(1);
      // On a 409 the invite is sent again without the member already there, and only then.
      expect(sim.requestsMatching('POST', /\/members$/).map((r) => (r.body as { userIds: string[] }).userIds.length)).toEqual(reading === 'skip' ? [2] : [2, 1]);
    });
  }
});

describe('GoRules: what does the project list show without all=true?', () => {
  for (const reading of ['joined', 'scope'] as const) {
    it(`finds a project the admin's token has not joined, and still works for a token that may not use all (${reading})`, async () => {
      const admin = await session('gorules');
      admin.simulators.gorules.readings.projectsWithoutAll = reading;
      const archive = memberListSchema.parse((await admin.call('list_project_members', { project: 'Rules Archive' })).structuredContent);
      expect(archive.members.map((m) => m.name)).toEqual(['Gwen Lloyd']);

      const scoped = await session('gorules', (config) => ({ ...config, values: { ...config.values, token: GORULES_SCOPED_TOKEN } }));
      scoped.simulators.gorules.readings.projectsWithoutAll = reading;
      const pricing = memberListSchema.parse((await scoped.call('list_project_members', { project: 'Pricing Engine' })).structuredContent);
      expect(pricing.members).toHaveLength(2);
      const projectLists = scoped.simulators.gorules.requestsMatching('GET', /^\/api\/projects$/).map((r) => new URLSearchParams(r.query).get('all'));
      expect(projectLists).toEqual(['true', null]); // refused, then without it
    });
  }
});

describe('Clockify: are the filters of POST /users/info independent?', () => {
  for (const reading of ['independent', 'combined'] as const) {
    it(`never takes another project's manager for this one's (${reading})`, async () => {
      const { simulators, call } = await session('clockify');
      simulators.clockify.readings.usersInfoFilters = reading;
      // Internal Tools is public: under the spec's words, every manager of any project "has access" to it.
      const list = memberListSchema.parse((await call('list_project_members', { project: 'Internal Tools' })).structuredContent);
      expect(list.members.map((m) => [m.name, m.role])).toEqual([['Ana Lima', 'PROJECT_MANAGER']]);
      const removal = mutationResultSchema.parse((await call('remove_project_members', { project: 'Internal Tools', users: ['Diego Rivera'] })).structuredContent);
      expect(removal.results[0]!.status).toBe('not_member');
      expect(simulators.clockify.requestsMatching('DELETE')).toHaveLength(0);
      expect(simulators.clockify.isManager(clockifyId('user', 4), clockifyId('project', 6))).toBe(true);
      // And a real manager of this project is removed from both membership and role.
      const manager = mutationResultSchema.parse((await call('remove_project_members', { project: 'Data Platform', users: ['Diego Rivera'] })).structuredContent);
      expect(manager.results[0]!.status).toBe('removed');
      expect(simulators.clockify.isManager(clockifyId('user', 4), clockifyId('project', 6))).toBe(false);
    });
  }

  it('fails loudly, changing nothing, when Clockify does not say which projects a manager manages', async () => {
    const { simulators, call } = await session('clockify');
    // The roles field in a shape we cannot read: the adapter must not guess.
    simulators.clockify.injectFault({ match: { method: 'POST', path: /\/users\/info$/ }, status: 200, json: [{ id: clockifyId('user', 4), name: 'Diego Rivera', email: 'diego.rivera@acme.example', roles: [{ role: 'PROJECT_MANAGER' }] }], headers: { 'Last-Page': 'true' }, times: 1 });
    const removal = mutationResultSchema.parse((await call('remove_project_members', { project: 'Data Platform', users: ['Diego Rivera'] })).structuredContent);
    expect(removal.results[0]).toMatchObject({ status: 'failed', error: { code: 'PROVIDER_ERROR' } });
    expect(removal.results[0]!.error!.message).toContain('does not say of which projects');
    expect(simulators.clockify.project(WS, clockifyId('project', 6)).userIds).toContain(clockifyId('user', 4));
  });
});

describe('Clockify: is the reply to POST …/memberships the project after the change?', () => {
  for (const reading of ['after', 'before'] as const) {
    it(`confirms additions, removals and a group's grant, by the reply or by reading the project again (${reading})`, async () => {
      const { simulators, call } = await session('clockify');
      const sim = simulators.clockify;
      sim.readings.membershipsReply = reading;
      const website = clockifyId('project', 1);
      const projectReads = () => sim.requestsMatching('GET', new RegExp(`/projects/${website}$`)).length;
      const readsBefore = projectReads();
      const added = mutationResultSchema.parse((await call('add_project_members', { project: website, users: ['chloe.park@acme.example', 'diego.rivera@acme.example'] })).structuredContent);
      expect(added.results.map((r) => [r.status, r.role])).toEqual([['added', 'member'], ['added', 'member']]);
      // One read of the project before the write; under "before", one more after it, since the reply does not show the change.
      expect(projectReads() - readsBefore).toBe(reading === 'after' ? 1 : 2);
      const removed = mutationResultSchema.parse((await call('remove_project_members', { project: website, users: ['Chloe Park'] })).structuredContent);
      expect(removed.results[0]!.status).toBe('removed');
      const team = teamResultSchema.parse((await call('add_team_to_project', { project: website, team: 'QA' })).structuredContent);
      expect(team.results.map((r) => r.status)).toEqual(['added', 'skipped']);
      expect(sim.project(WS, website).userIds).toEqual([clockifyId('user', 1), clockifyId('user', 2), clockifyId('user', 4)]);
      expect(sim.project(WS, website).groupIds).toEqual([clockifyId('group', 3)]);
    });
  }

  it('never takes a reply without memberships as proof of a removal', async () => {
    const { simulators, call } = await session('clockify');
    const sim = simulators.clockify;
    const website = clockifyId('project', 1);
    // The removal is refused without a word: the reply is a project with no memberships listed.
    sim.injectFault({ match: { method: 'POST', path: /\/memberships$/ }, status: 200, json: { id: website, name: 'Website Redesign' }, times: 1 });
    const removed = mutationResultSchema.parse((await call('remove_project_members', { project: website, users: ['Ben Carter'] })).structuredContent);
    expect(removed.results[0]).toMatchObject({ status: 'failed', error: { code: 'PROVIDER_ERROR' } });
    expect(removed.results[0]!.error!.message).toContain('a re-read shows them in the project');
    expect(sim.project(WS, website).userIds).toContain(clockifyId('user', 2));
  });
});

describe('Clockify: how is an assigned user group typed in a project\'s memberships?', () => {
  for (const reading of ['PROJECT', 'USERGROUP'] as const) {
    it(`sees access through the group, and never calls its member not_member (${reading})`, async () => {
      const { simulators, call } = await session('clockify');
      simulators.clockify.readings.groupMembershipType = reading;
      const list = memberListSchema.parse((await call('list_project_members', { project: 'Mobile App' })).structuredContent);
      expect(list.members.find((m) => m.name === 'Ben Carter')).toMatchObject({ role: 'member via group "Engineering"' });
      const removal = mutationResultSchema.parse((await call('remove_project_members', { project: 'Mobile App', users: ['Ben Carter'] })).structuredContent);
      expect(removal.results[0]).toMatchObject({ status: 'failed', error: { code: 'UNSUPPORTED' } });
      expect(removal.results[0]!.error!.message).toContain('only through user group "Engineering"');
    });
  }
});

describe('ProjectManager.com: does $filter take tolower()?', () => {
  for (const reading of ['accepted', 'refused'] as const) {
    it(`finds projects and people by name whatever the case (${reading})`, async () => {
      const { simulators, call } = await session('projectmanager');
      simulators.projectmanager.readings.tolower = reading;
      const added = mutationResultSchema.parse((await call('add_project_members', { project: 'website LAUNCH', users: ['Priya Nair'], role: 'member' })).structuredContent);
      expect(added).toMatchObject({ project: { id: pmId('project', 1) }, results: [{ status: 'added', role: 'Collaborate' }] });
      const projects = directorySchema.parse((await call('search_directory', { kind: 'project', query: 'ROLLOUT' })).structuredContent);
      expect(projects.entries.map((e) => e.name)).toEqual(['Warehouse Rollout']);
      const people = directorySchema.parse((await call('search_directory', { kind: 'user', query: 'NAIR' })).structuredContent);
      expect(people.entries.map((e) => e.name)).toEqual(['Priya Nair']);
      const refusals = simulators.projectmanager.requests.filter((r) => r.status === 400);
      expect(refusals).toHaveLength(reading === 'refused' ? 1 : 0); // refused once, then filtered here
    });

    it(`looks people up by email in any case, or reads them all once the lookup is refused (${reading})`, async () => {
      const { simulators, call } = await session('projectmanager');
      const sim = simulators.projectmanager;
      sim.readings.tolower = reading;
      const users = ['YUKI.MORI@northwind.example.org', 'nobody@northwind.example.org'];
      const added = mutationResultSchema.parse((await call('add_project_members', { project: pmId('project', 1), users })).structuredContent);
      expect(added.results.map((r) => r.status)).toEqual(['added', 'failed']);
      expect(added.results[1]!.error).toMatchObject({ code: 'NOT_FOUND' });
      const reads = sim.requestsMatching('GET', /\/resources$/).map((r) => new URLSearchParams(r.query).get('$filter'));
      if (reading === 'accepted') {
        expect(reads.sort()).toEqual(["tolower(email) eq 'nobody@northwind.example.org'", "tolower(email) eq 'yuki.mori@northwind.example.org'"]);
      } else {
        // Both lookups refused (sent together), then every resource once; later calls do not try again.
        expect(reads.filter((filter) => filter !== null)).toHaveLength(2);
        expect(reads.filter((filter) => filter === null).length).toBeGreaterThanOrEqual(1);
        const before = sim.requests.length;
        await call('add_project_members', { project: pmId('project', 1), users: ['nobody.else@northwind.example.org'] });
        expect(sim.requests.slice(before).filter((r) => r.status === 400)).toEqual([]);
      }
    });
  }
});

describe('Zello: how does a permission refusal look?', () => {
  for (const reading of ['internal', 'forbidden'] as const) {
    it(`reports a refused add as failed, saying what Zello answered (${reading})`, async () => {
      const { simulators, call } = await session('zello');
      const sim = simulators.zello;
      sim.readings.permissionFailures = reading;
      // The connection's account loses its Owner level after our read: Zello refuses the write.
      const caller = sim.state.workspaces[0]!.members.find((m) => m.userId === zId('user', 1))!;
      sim.injectFault({ match: { method: 'POST', path: /Project\/members/i }, effect: () => (caller.accessLevel = 'Guest'), times: 1 });
      const result = mutationResultSchema.parse((await call('add_project_members', { project: 'Roadmap Board', users: ['Teo Varga'] })).structuredContent);
      expect(result.results[0]).toMatchObject({ status: 'failed', error: { code: reading === 'internal' ? 'PROVIDER_ERROR' : 'PERMISSION_DENIED' } });
      expect(result.results[0]!.error!.message).toContain(reading === 'internal' ? 'answered HTTP 500' : 'answered HTTP 403');
      expect(sim.members(zId('project', 1))[zId('user', 3)]).toBeUndefined();
    });

    it(`says a non-Admin account cannot find people (${reading})`, async () => {
      const { simulators, call } = await session('zello', (config) => ({ ...config, values: { ...config.values, ...ZELLO_MEMBER } }));
      simulators.zello.readings.permissionFailures = reading;
      const result = await call('add_project_members', { project: 'Roadmap Board', users: ['Karl Ek'] });
      expect(result.isError).toBe(true);
      expect(errorEnvelopeSchema.parse(result.structuredContent).error.message).toContain('only a system Admin may read it');
      expect(simulators.zello.requestsMatching('POST', /Project\/members/i)).toHaveLength(0);
    });
  }
});
