/**
 * What MCP and start-up add, seen from a client: one tool call over stdio (serialization and the
 * pipe included) against the same requests made straight with undici, and spawn → first tool
 * result against the minimal SDK server making the same request.
 */
import { Agent, request } from 'undici';
import { clockifyId } from '../src/sandbox/clockify/seed.js';
import { coldStart } from './cold-start.js';
import { CLI, cleanEnv, startSandboxProcess, startServerProcess } from './processes.js';
import { interleaved, median, ratio, spread, type Report } from './stats.js';
import { fileURLToPath } from 'node:url';

const MINIMAL = fileURLToPath(new URL('./minimal-server.js', import.meta.url));

/** The requests of a list_project_members call on Clockify once the people are cached: the project, the user groups, the managers. */
export function clockifyListRequests(env: Record<string, string>, agent: Agent): () => Promise<unknown> {
  const base = `${env.CLOCKIFY_BASE_URL}/v1/workspaces/${env.CLOCKIFY_WORKSPACE_ID}`;
  const headers = { 'x-api-key': env.CLOCKIFY_API_KEY!, accept: 'application/json', 'content-type': 'application/json' };
  const get = async (url: string) => (await request(url, { dispatcher: agent, headers })).body.json();
  const post = async (url: string, body: unknown) => (await request(url, { method: 'POST', dispatcher: agent, headers, body: JSON.stringify(body) })).body.json();
  return () =>
    Promise.all([
      get(`${base}/projects/${clockifyId('project', 1)}`),
      get(`${base}/user-groups?page=1&page-size=5000`),
      post(`${base}/users/info`, { roles: ['PROJECT_MANAGER'], includeRoles: true, status: 'ALL', memberships: 'NONE', page: 1, pageSize: 5000 }),
    ]);
}

/** One tool call through a real MCP client over stdio against the same requests with undici. */
export async function stdioOverhead(latencyMs: number, rounds: number, report: Report): Promise<void> {
  const sandbox = await startSandboxProcess({ people: 0, latencyMs });
  // No rate limit on either side: this measures what MCP adds, not Clockify's 50 requests/s.
  const server = await startServerProcess({ ...sandbox.env, CLOCKIFY_RATE_LIMIT: 'off' });
  const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  const direct = clockifyListRequests(sandbox.env, agent);
  const viaTool = async () => {
    const result = await server.call('list_project_members', { provider: 'clockify', project: clockifyId('project', 1) });
    if (result.isError) throw new Error(JSON.stringify(result.content));
  };
  const samples = await interleaved(rounds, viaTool, direct, { warmup: 200 });
  const tool = median(samples.candidate);
  const plain = median(samples.baseline);
  report(
    `D. one list_project_members call over stdio (a client and our server in its own process) vs the same 3 requests with undici, ${latencyMs} ms latency; +${(tool - plain).toFixed(2)} ms per call`,
    spread(samples.candidate),
    spread(samples.baseline),
    ratio(tool / plain),
    latencyMs === 0 ? '(diagnostic)' : '≤ 1.10×',
    '3 req',
  );
  await agent.close();
  await server.stop();
  await sandbox.stop();
}

/** Spawn → the first tool call's result, against the minimal SDK server whose tool makes the same request. */
export async function firstResult(rounds: number, report: Report): Promise<void> {
  const sandbox = await startSandboxProcess({ people: 0, latencyMs: 0 });
  const env = sandbox.env;
  const ours = { ...cleanEnv(), CLOCKIFY_API_KEY: env.CLOCKIFY_API_KEY!, CLOCKIFY_BASE_URL: env.CLOCKIFY_BASE_URL!, CLOCKIFY_WORKSPACE_ID: env.CLOCKIFY_WORKSPACE_ID!, MEMBERS_MCP_LOG_LEVEL: 'error' };
  const minimal = {
    ...cleanEnv(),
    BENCH_FETCH_URL: `${env.CLOCKIFY_BASE_URL}/v1/workspaces/${env.CLOCKIFY_WORKSPACE_ID}/user-groups?page=1&page-size=5000`,
    BENCH_FETCH_HEADERS: JSON.stringify({ 'x-api-key': env.CLOCKIFY_API_KEY, accept: 'application/json' }),
  };
  const ourCall = { name: 'search_directory', arguments: { kind: 'team', query: '' } };
  const minimalCall = { name: 'echo', arguments: { text: '' } };
  const oursMs: number[] = [];
  const minimalMs: number[] = [];
  await coldStart([CLI], ours, { firstCall: ourCall }); // the file cache warm for both
  await coldStart([MINIMAL], minimal, { firstCall: minimalCall });
  for (let i = 0; i < rounds; i++) {
    const run = async (which: 'ours' | 'minimal') => {
      if (which === 'ours') oursMs.push((await coldStart([CLI], ours, { firstCall: ourCall })).firstResultMs!);
      else minimalMs.push((await coldStart([MINIMAL], minimal, { firstCall: minimalCall })).firstResultMs!);
    };
    await run(i % 2 === 0 ? 'ours' : 'minimal');
    await run(i % 2 === 0 ? 'minimal' : 'ours');
  }
  report(
    'E. spawn → first tool result (search_directory, one GET, sent right after initialize) vs the minimal SDK server whose tool makes the same GET with undici',
    spread(oursMs),
    spread(minimalMs),
    ratio(median(oursMs) / median(minimalMs)),
    '≤ 1.3×',
    '1 req',
  );
  await sandbox.stop();
}
