import { describe, expect, it } from 'vitest';
import { zId } from '../../src/sandbox/zello/seed.js';
import { errorEnvelopeSchema, memberListSchema, mutationResultSchema } from '../../src/tools/schemas.js';
import { toolSession } from '../helpers/sandbox.js';

const session = toolSession('zello');
const call = session.call;

describe('Zello through the MCP tools', () => {
  it('adds, and says in the text when a level cannot change', async () => {
    const added = mutationResultSchema.parse((await call('add_project_members', { project: 'Roadmap Board', users: ['Karl Ek'], role: 'viewer' })).structuredContent);
    expect(added.results[0]).toMatchObject({ status: 'added', role: 'Guest' });
    const again = await call('add_project_members', { project: 'Roadmap Board', users: ['Karl Ek'], role: 'member' });
    expect(mutationResultSchema.parse(again.structuredContent).results[0]).toMatchObject({ status: 'already_member', role: 'Guest' });
    expect(again.content[0]!.text).toContain('stays Guest: Zello cannot change an existing member\'s access level');
  });

  it('answers UNSUPPORTED for removal, teams, editor and manager, before any request', async () => {
    for (const [tool, args] of [
      ['remove_project_members', { project: 'Roadmap Board', users: ['Maja Holm'] }],
      ['add_team_to_project', { project: 'Roadmap Board', team: 'Anyone' }],
      ['add_project_members', { project: 'Roadmap Board', users: ['Karl Ek'], role: 'editor' }],
      ['add_project_members', { project: 'Roadmap Board', users: ['Karl Ek'], role: 'manager' }],
    ] as const) {
      const result = await call(tool, args);
      expect(result.isError).toBe(true);
      expect(errorEnvelopeSchema.parse(result.structuredContent).error.code).toBe('UNSUPPORTED');
    }
    const removal = errorEnvelopeSchema.parse((await call('remove_project_members', { project: 'Roadmap Board', users: ['Maja Holm'] })).structuredContent);
    expect(removal.error.message).toContain('Zello\'s API has no operation to remove a project member');
    expect(session.box.sandbox.simulators.zello.requests).toHaveLength(0);
    expect(session.client.getInstructions()).toContain('zello (Zello, sandbox demo data): roles viewer=Guest, member=Member, owner=Owner; no teams; no member removal');
  });

  it('lists members, and narrows a shared project name with workspaceId', async () => {
    const ambiguous = errorEnvelopeSchema.parse((await call('list_project_members', { project: 'Design System' })).structuredContent);
    expect(ambiguous.error.code).toBe('AMBIGUOUS');
    const list = memberListSchema.parse((await call('list_project_members', { project: 'Design System', workspaceId: zId('workspace', 1) })).structuredContent);
    expect(list.members).toEqual([{ userId: zId('user', 1), name: 'System Admin', email: 'admin@zello.example.net', role: 'Owner' }]);
  });
});
