import { describe, expect, it } from 'vitest';
import { GORULES_PROJECTS, GORULES_ROLES, grId } from '../../src/sandbox/gorules/seed.js';
import { errorEnvelopeSchema, memberListSchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';
import { toolSession } from '../helpers/sandbox.js';

const session = toolSession('gorules');
const call = session.call;

describe('GoRules BRMS through the MCP tools', () => {
  it('adds with groups by name, promotes to owner, and removes', async () => {
    const added = await call('add_project_members', { project: 'Pricing Engine', users: ['Nils Lund'], groups: ['Editors'] });
    expect(mutationResultSchema.parse(added.structuredContent)).toMatchObject({ provider: 'gorules', results: [{ status: 'added', role: 'member' }] });
    const owner = mutationResultSchema.parse((await call('add_project_members', { project: 'Pricing Engine', users: ['Nils Lund'], role: 'owner' })).structuredContent);
    expect(owner.results[0]).toMatchObject({ status: 'updated', role: 'owner' });
    expect(session.box.sandbox.simulators.gorules.membership(GORULES_PROJECTS.pricing, grId('user', 14))).toMatchObject({ owner: true, groupIds: [grId('group', 4)] });
    const removed = mutationResultSchema.parse((await call('remove_project_members', { project: 'Pricing Engine', users: ['Nils Lund'] })).structuredContent);
    expect(removed.results[0]!.status).toBe('removed');
  });

  it('expands an organisation role, with one result per user', async () => {
    const result = await call('add_team_to_project', { project: 'Claims Rules', team: 'Underwriters' });
    const body = teamResultSchema.parse(result.structuredContent);
    expect(body.team).toEqual({ id: GORULES_ROLES.underwriters, name: 'Underwriters', mode: 'expanded' });
    expect(body.summary).toEqual({ requested: 5, changed: 2, unchanged: 3, failed: 0 });
  });

  it('refuses viewer, editor and manager, pointing at groups', async () => {
    for (const role of ['viewer', 'editor', 'manager']) {
      const result = await call('add_project_members', { project: 'Claims Rules', users: ['Nils Lund'], role });
      const { error } = errorEnvelopeSchema.parse(result.structuredContent);
      expect(error.code).toBe('UNSUPPORTED');
      expect(error.hint).toContain('groups');
    }
    expect(session.box.sandbox.simulators.gorules.requests).toHaveLength(0);
  });

  it('lists twelve members of a project that pages by ten by default', async () => {
    const list = memberListSchema.parse((await call('list_project_members', { project: 'Claims Rules', limit: 200 })).structuredContent);
    expect(list.members).toHaveLength(12);
    expect(list.members.find((m) => m.name === 'Ada Novak')).toMatchObject({ role: 'owner', email: 'ada.novak@acme-insurance.example.com' });
  });
});
