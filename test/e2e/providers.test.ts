import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directorySchema, errorEnvelopeSchema, memberListSchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';
import { callTool, startServer, type StdioSession } from '../helpers/stdio.js';

describe('the built server over stdio: ProjectManager.com on the sandbox', () => {
  let session: StdioSession;
  beforeAll(async () => {
    session = await startServer(['--sandbox']);
  });
  afterAll(async () => {
    await session.client.close();
  });

  it('runs every tool on the projectmanager connection', async () => {
    const provider = 'projectmanager';
    const team = directorySchema.parse((await callTool(session, 'search_directory', { provider, kind: 'team', query: 'field' })).structuredContent);
    expect(team.entries.map((e) => e.name)).toEqual(['Field Ops']);

    const added = teamResultSchema.parse((await callTool(session, 'add_team_to_project', { provider, project: 'Office Move', team: team.entries[0]!.id })).structuredContent);
    expect(added.results.map((r) => r.status)).toEqual(['added', 'added']);

    const members = memberListSchema.parse((await callTool(session, 'list_project_members', { provider, project: 'Office Move' })).structuredContent);
    expect(members.members).toHaveLength(3);

    const manager = mutationResultSchema.parse((await callTool(session, 'add_project_members', { provider, project: 'Office Move', users: ['Yuki Mori'], role: 'manager' })).structuredContent);
    expect(manager.results[0]).toMatchObject({ status: 'updated', role: 'Manager' });

    const removed = mutationResultSchema.parse((await callTool(session, 'remove_project_members', { provider, project: 'Office Move', users: ['Yuki Mori', 'Tomás Silva'] })).structuredContent);
    expect(removed.summary.changed).toBe(2);

    const owner = await callTool(session, 'add_project_members', { provider, project: 'Office Move', users: ['Yuki Mori'], role: 'owner' });
    expect(errorEnvelopeSchema.parse(owner.structuredContent).error.code).toBe('UNSUPPORTED');
    expect(session.protocolErrors).toEqual([]);
  });
});
