import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directorySchema, memberListSchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';
import { callTool, startServer, type StdioSession } from '../helpers/stdio.js';

describe('the built server over stdio: GoRules BRMS on the sandbox', () => {
  let session: StdioSession;
  beforeAll(async () => {
    session = await startServer(['--sandbox']);
  });
  afterAll(async () => {
    await session.client.close();
  });

  it('runs every tool on the gorules connection', async () => {
    const provider = 'gorules';
    const users = directorySchema.parse((await callTool(session, 'search_directory', { provider, kind: 'user', query: 'ortega' })).structuredContent);
    expect(users.entries.map((e) => e.name)).toEqual(['Luis Ortega']);
    const added = mutationResultSchema.parse((await callTool(session, 'add_project_members', { provider, project: 'Fraud Detection', users: [users.entries[0]!.id] })).structuredContent);
    expect(added.results[0]!.status).toBe('added');
    const team = teamResultSchema.parse((await callTool(session, 'add_team_to_project', { provider, project: 'Fraud Detection', team: 'Pricing Analysts', dryRun: true })).structuredContent);
    expect(team.results.map((r) => r.status)).toEqual(['would_add', 'would_add', 'would_add']);
    const listed = memberListSchema.parse((await callTool(session, 'list_project_members', { provider, project: 'Fraud Detection' })).structuredContent);
    expect(listed.members.map((m) => m.name)).toEqual(['Ada Novak', 'Luis Ortega']);
    const removed = mutationResultSchema.parse((await callTool(session, 'remove_project_members', { provider, project: 'Fraud Detection', users: ['Luis Ortega'] })).structuredContent);
    expect(removed.results[0]!.status).toBe('removed');
    expect(session.protocolErrors).toEqual([]);
  });
});
