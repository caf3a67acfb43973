import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';
import { directorySchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ text: string }> };

/**
 * The agent session every transport must carry the same way, on the sandbox's Clockify: find a
 * person, preview, add, add again, remove, and add a team. Leaves "Website Redesign" as it found it.
 */
export async function runAgentSession(client: Client): Promise<void> {
  await client.listTools(); // from here on the client checks every structuredContent against the output schemas
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: { provider: 'clockify', ...args } })) as Result;
    expect(result.isError, result.content[0]?.text).toBeFalsy();
    return result.structuredContent;
  };
  const project = 'Website Redesign';

  const found = directorySchema.parse(await call('search_directory', { kind: 'user', query: 'diego' }));
  expect(found).toMatchObject({ sandbox: true, entries: [{ name: 'Diego Rivera', email: 'diego.rivera@acme.example' }] });
  const diego = found.entries[0]!.id;

  const preview = mutationResultSchema.parse(await call('add_project_members', { project, users: [diego], dryRun: true }));
  expect(preview).toMatchObject({ dryRun: true, results: [{ status: 'would_add' }], summary: { requested: 1, changed: 1 } });

  const added = mutationResultSchema.parse(await call('add_project_members', { project, users: [diego] }));
  expect(added.results.map((r) => r.status)).toEqual(['added']);

  const again = mutationResultSchema.parse(await call('add_project_members', { project, users: ['diego.rivera@acme.example'] }));
  expect(again.results.map((r) => r.status)).toEqual(['already_member']);
  expect(again.summary).toEqual({ requested: 1, changed: 0, unchanged: 1, failed: 0 });

  const removed = mutationResultSchema.parse(await call('remove_project_members', { project, users: ['Diego Rivera'] }));
  expect(removed.results.map((r) => r.status)).toEqual(['removed']);

  const team = teamResultSchema.parse(await call('add_team_to_project', { project: 'Data Platform', team: 'Engineering' }));
  expect(team.team).toMatchObject({ name: 'Engineering', mode: 'native' });
  expect(team.results.map((r) => [r.input, r.status])).toEqual([
    ['ben.carter@acme.example', 'added'],
    ['diego.rivera@acme.example', 'already_member'],
    ['farid.haddad@acme.example', 'already_member'],
    ['hiro.tanaka@acme.example', 'added'],
    ['jonas.berg@acme.example', 'skipped'],
  ]);
}
