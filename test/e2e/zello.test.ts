import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directorySchema, errorEnvelopeSchema, memberListSchema, mutationResultSchema } from '../../src/tools/schemas.js';
import { callTool, startServer, type StdioSession } from '../helpers/stdio.js';

describe('the built server over stdio: Zello on the sandbox', () => {
  let session: StdioSession;
  beforeAll(async () => {
    session = await startServer(['--sandbox']);
  });
  afterAll(async () => {
    await session.client.close();
  });

  it('runs every tool on the zello connection, with UNSUPPORTED where the API has no operation', async () => {
    const provider = 'zello';
    const users = directorySchema.parse((await callTool(session, 'search_directory', { provider, kind: 'user', query: 'okoro' })).structuredContent);
    expect(users.entries.map((e) => e.name)).toEqual(['Sam Okoro']);
    const added = mutationResultSchema.parse((await callTool(session, 'add_project_members', { provider, project: 'Vendor Onboarding', users: [users.entries[0]!.id] })).structuredContent);
    expect(added.results[0]).toMatchObject({ status: 'added', role: 'Member' });
    const listed = memberListSchema.parse((await callTool(session, 'list_project_members', { provider, project: 'Vendor Onboarding' })).structuredContent);
    expect(listed.members.map((m) => m.name)).toContain('Sam Okoro');
    for (const [tool, args] of [
      ['remove_project_members', { provider, project: 'Vendor Onboarding', users: ['Sam Okoro'] }],
      ['add_team_to_project', { provider, project: 'Vendor Onboarding', team: 'Ops' }],
    ] as const) {
      const result = await callTool(session, tool, args);
      expect(errorEnvelopeSchema.parse(result.structuredContent).error.code).toBe('UNSUPPORTED');
    }
    expect(session.protocolErrors).toEqual([]);
    expect(session.stderr.join('')).not.toContain('sandbox-zello-admin-password');
  });
});
