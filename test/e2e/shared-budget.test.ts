import { afterEach, describe, expect, it } from 'vitest';
import { ClockifySimulator } from '../../src/sandbox/clockify/server.js';
import { CLOCKIFY_SANDBOX_KEY, CLOCKIFY_SANDBOX_WORKSPACE } from '../../src/sandbox/clockify/seed.js';
import { errorEnvelopeSchema, memberListSchema } from '../../src/tools/schemas.js';
import { callTool, cleanEnv, startServer, type StdioSession } from '../helpers/stdio.js';
import { tempDir } from '../helpers/temp.js';

/**
 * Two server processes on one account (as when two desktop apps each start one): with
 * MEMBERS_MCP_SHARE_RATE_LIMIT they count each other's requests; without it each has its own.
 */

let sim: ClockifySimulator | undefined;
const sessions: StdioSession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.client.close();
  await sim?.stop();
  sim = undefined;
});

async function twoServers(share: boolean): Promise<[StdioSession, StdioSession]> {
  sim = await new ClockifySimulator().start();
  const env = cleanEnv({
    CLOCKIFY_API_KEY: CLOCKIFY_SANDBOX_KEY,
    CLOCKIFY_WORKSPACE_ID: CLOCKIFY_SANDBOX_WORKSPACE,
    CLOCKIFY_BASE_URL: sim.baseUrl,
    CLOCKIFY_RATE_LIMIT: '10/h',
    XDG_CACHE_HOME: tempDir('cache-'),
    // Every list takes its four requests (no directory cache), so that the counts below are the limit's alone.
    MEMBERS_MCP_DIRECTORY_CACHE_MS: 'off',
    ...(share ? { MEMBERS_MCP_SHARE_RATE_LIMIT: '1' } : {}),
  });
  const first = await startServer([], env);
  sessions.push(first);
  const second = await startServer([], env);
  sessions.push(second);
  return [first, second];
}

describe('two server processes on one Clockify account at 10/h', () => {
  it('share the budget with MEMBERS_MCP_SHARE_RATE_LIMIT=1', async () => {
    const [first, second] = await twoServers(true);
    // Two calls of four requests in the first process leave two of ten.
    for (let i = 0; i < 2; i++) memberListSchema.parse((await callTool(first, 'list_project_members', { project: 'Website Redesign' })).structuredContent);
    const answer = await callTool(second, 'list_project_members', { project: 'Website Redesign' });
    expect(answer.isError).toBe(true);
    const { error } = errorEnvelopeSchema.parse(answer.structuredContent);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.budget).toMatchObject({ limit: '10/h', available: 0 });
    expect(error.retryAfterSeconds).toBeGreaterThan(3000);
    // The provider never saw more than the limit. (The second process's reads go out together:
    // those granted the ninth and tenth turns were on their way when the call answered; the answer
    // aborts them, so they may or may not have arrived.)
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sim!.requests.length).toBeGreaterThanOrEqual(8);
    expect(sim!.requests.length).toBeLessThanOrEqual(10);
  });

  it('each count only their own without it (the default): together they exceed the limit', async () => {
    const [first, second] = await twoServers(false);
    for (let i = 0; i < 2; i++) await callTool(first, 'list_project_members', { project: 'Website Redesign' });
    const answer = await callTool(second, 'list_project_members', { project: 'Website Redesign' });
    expect(answer.isError).toBeFalsy();
    expect(sim!.requests).toHaveLength(12);
  });
});
