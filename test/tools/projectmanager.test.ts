import { describe, expect, it } from 'vitest';
import { PM_TEAMS, pmId } from '../../src/sandbox/projectmanager/seed.js';
import { errorEnvelopeSchema, memberListSchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';
import { toolSession } from '../helpers/sandbox.js';

const WEBSITE = pmId('project', 1);
const session = toolSession('projectmanager');
const call = session.call;

describe('ProjectManager.com through the MCP tools', () => {
  it('adds, changes a role and removes, with results that validate against the output schema', async () => {
    const added = mutationResultSchema.parse((await call('add_project_members', { project: 'Website Launch', users: ['Priya Nair'], role: 'viewer' })).structuredContent);
    expect(added).toMatchObject({ connection: 'projectmanager', provider: 'projectmanager', sandbox: true, results: [{ status: 'added', role: 'Guest' }] });
    const changed = await call('add_project_members', { project: WEBSITE, users: ['Priya Nair'], role: 'editor' });
    expect(mutationResultSchema.parse(changed.structuredContent).results[0]).toMatchObject({ status: 'updated', role: 'Editor' });
    expect(changed.content[0]!.text).toBe('ProjectManager.com project "Website Launch": 1 role changed.');
    const removed = mutationResultSchema.parse((await call('remove_project_members', { project: WEBSITE, users: ['Priya Nair', 'Yuki Mori'] })).structuredContent);
    expect(removed.results.map((r) => r.status)).toEqual(['removed', 'not_member']);
    expect(removed.summary).toEqual({ requested: 2, changed: 1, unchanged: 1, failed: 0 });
    expect(session.box.sandbox.simulators.projectmanager.members(WEBSITE)[pmId('person', 3)]).toBeUndefined();
  });

  it('adds a team natively with one result per team member', async () => {
    const result = await call('add_team_to_project', { project: WEBSITE, team: 'Design' });
    const body = teamResultSchema.parse(result.structuredContent);
    expect(body.team).toEqual({ id: PM_TEAMS.design, name: 'Design', mode: 'native' });
    expect(body.summary).toEqual({ requested: 6, changed: 3, unchanged: 3, failed: 0 });
    expect(result.content[0]!.text).toContain('team "Design" (native): 3 added, 1 already a member, 2 skipped');
  });

  it('adds a team natively with member: collaborator access, addAsEditor false, guests kept at Guest', async () => {
    const sim = session.box.sandbox.simulators.projectmanager;
    const result = await call('add_team_to_project', { project: 'Warehouse Rollout', team: 'Design', role: 'member' });
    const body = teamResultSchema.parse(result.structuredContent);
    expect(body.team).toMatchObject({ mode: 'native' });
    expect(body.results.map((r) => [r.input, r.status, r.role])).toEqual([
      ['marcus.reed@northwind.example.org', 'added', 'Collaborate'],
      ['priya.nair@northwind.example.org', 'added', 'Collaborate'],
      ['lena.fischer@northwind.example.org', 'added', 'Collaborate'],
      ['kwame.asante@northwind.example.org', 'added', 'Guest'],
      ['noah.berg@northwind.example.org', 'skipped', undefined],
      ['plotter-alerts@northwind.example.org', 'skipped', undefined],
    ]);
    const grants = sim.requestsMatching('POST', /\/teams\/.+\/members$/);
    expect(grants).toHaveLength(1);
    expect(grants[0]!.body).toEqual({ addAsEditor: false });
    expect(sim.members(pmId('project', 2))[pmId('person', 2)]).toBe('Collaborate');
  });

  it('refuses owner before any request', async () => {
    const before = session.box.sandbox.simulators.projectmanager.requests.length;
    const result = await call('add_project_members', { project: WEBSITE, users: ['Priya Nair'], role: 'owner' });
    expect(result.isError).toBe(true);
    expect(errorEnvelopeSchema.parse(result.structuredContent).error).toMatchObject({ code: 'UNSUPPORTED' });
    expect(session.box.sandbox.simulators.projectmanager.requests.length).toBe(before);
  });

  it('lists members with emails, and says in the instructions what the connection supports', async () => {
    const list = memberListSchema.parse((await call('list_project_members', { project: WEBSITE })).structuredContent);
    expect(list.members.map((m) => [m.name, m.email, m.role])).toEqual([
      ['Marcus Reed', 'marcus.reed@northwind.example.org', 'Collaborate'],
      ['Olivia Hart', 'olivia.hart@northwind.example.org', 'Manager'],
    ]);
    expect(session.client.getInstructions()).toContain('projectmanager (ProjectManager.com, sandbox demo data): roles viewer=Guest, member=Collaborate, editor=Editor, manager=Manager');
  });
});
