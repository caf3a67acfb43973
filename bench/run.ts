/**
 * npm run bench: the figures of issue 6, each as medians and a ratio against a baseline measured
 * in the same run. Not a test: machines here are shared and noisy, so read the ratios.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Agent, request } from 'undici';
import { Connections } from '../src/connections.js';
import { silentLogger } from '../src/log.js';
import { startSandbox } from '../src/sandbox/index.js';
import { CLOCKIFY_SANDBOX_KEY, CLOCKIFY_SANDBOX_WORKSPACE, clockifyId } from '../src/sandbox/clockify/seed.js';
import { createServer } from '../src/server.js';
import { coldStart } from './cold-start.js';
import { interleaved, median, ms, ratio } from './stats.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const MINIMAL = fileURLToPath(new URL('./minimal-server.js', import.meta.url));

const rows: string[][] = [];
const report = (...cells: string[]) => rows.push(cells);

/** 2. One MCP tool call (in-memory client) against the same HTTP requests made directly with undici. */
async function toolCallOverhead(latencyMs: number, rounds: number): Promise<void> {
  // No rate limit on either side: this measures what MCP adds, not Clockify's 50 requests/s.
  const sandbox = await startSandbox({ latencyMs, limits: { maxInFlight: 8 } });
  const logger = silentLogger();
  const connections = Connections.create(sandbox.connections, [], { logger, redactor: logger.redactor });
  const server = createServer({ connections, logger });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  await client.listTools();

  const project = clockifyId('project', 2);
  const base = `${sandbox.simulators.clockify.baseUrl}/v1/workspaces/${CLOCKIFY_SANDBOX_WORKSPACE}`;
  const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  const headers = { 'x-api-key': CLOCKIFY_SANDBOX_KEY, accept: 'application/json', 'content-type': 'application/json' };
  const get = async (url: string) => (await request(url, { dispatcher: agent, headers })).body.json();
  const post = async (url: string, body: unknown) => (await request(url, { method: 'POST', dispatcher: agent, headers, body: JSON.stringify(body) })).body.json();
  // The same requests list_project_members sends: the project, then users, groups and managers at once.
  const direct = async () => {
    await get(`${base}/projects/${project}`);
    await Promise.all([
      get(`${base}/users?status=ALL&memberships=WORKSPACE&include-roles=false&page=1&page-size=200`),
      get(`${base}/user-groups?page=1&page-size=200`),
      post(`${base}/users/info`, { projectId: project, roles: ['PROJECT_MANAGER'], status: 'ALL', memberships: 'NONE', page: 1, pageSize: 200 }),
    ]);
  };
  const viaTool = async () => {
    const result = await client.callTool({ name: 'list_project_members', arguments: { project } });
    if (result.isError) throw new Error(JSON.stringify(result.content));
  };
  // A long warm-up: until the JIT has settled, both sides are several times slower.
  const samples = await interleaved(rounds, viaTool, direct, { warmup: 300 });
  const tool = median(samples.candidate);
  const plain = median(samples.baseline);
  report(
    `2. one list_project_members call via MCP vs the same 4 requests with undici, ${latencyMs} ms latency (n=${rounds}); +${(tool - plain).toFixed(2)} ms per call`,
    ms(tool),
    ms(plain),
    ratio(tool / plain),
    latencyMs === 0 ? '(diagnostic)' : '≤ 1.10×',
  );
  await client.close();
  await agent.close();
  await connections.close();
  await sandbox.stop();
}

/** 3 and 4. Cold start to the initialize reply, against a minimal SDK server; and the tools/list bytes. */
async function coldStarts(rounds: number): Promise<void> {
  // Configured the way a client launches it (a connection from the environment); nothing is contacted at start.
  const env = { ...process.env, CLOCKIFY_API_KEY: 'bench-key-not-used', CLOCKIFY_WORKSPACE_ID: CLOCKIFY_SANDBOX_WORKSPACE, MEMBERS_MCP_LOG_LEVEL: 'error' };
  const ours: number[] = [];
  const minimal: number[] = [];
  let listBytes = 0;
  await coldStart([CLI], env); // warm the file cache for both
  await coldStart([MINIMAL], env);
  for (let i = 0; i < rounds; i++) {
    const first = i % 2 === 0;
    if (first) ours.push((await coldStart([CLI], env)).startMs);
    minimal.push((await coldStart([MINIMAL], env)).startMs);
    if (!first) ours.push((await coldStart([CLI], env)).startMs);
  }
  listBytes = (await coldStart([CLI, '--sandbox'], env, { listTools: true })).toolsListBytes ?? 0;
  report(`3. cold start to initialize reply vs minimal SDK server with one tool (n=${rounds})`, ms(median(ours)), ms(median(minimal)), ratio(median(ours) / median(minimal)), '≤ 1.3×');
  report('4. tools/list reply on the wire', `${listBytes} B`, '8192 B', ratio(listBytes / 8192), '< 8 KB');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  await toolCallOverhead(20, quick ? 40 : 150);
  await toolCallOverhead(0, quick ? 200 : 1000);
  await coldStarts(quick ? 5 : 15);
  print();
}

function print(): void {
  const header = ['measure', 'ours (median)', 'baseline (median)', 'ratio', 'target'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
