/**
 * npm run bench: the figures of issue 6, each as medians and a ratio against a baseline measured
 * in the same run. Not a test: machines here are shared and noisy, so read the ratios.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Agent, request } from 'undici';
import { httpDefaults } from '../src/config.js';
import { Connections } from '../src/connections.js';
import type { ConnectionConfig } from '../src/providers/module.js';
import { silentLogger } from '../src/core/log.js';
import { sandboxConnections, startSandbox } from '../src/sandbox/index.js';
import { CLOCKIFY_SANDBOX_KEY, CLOCKIFY_SANDBOX_WORKSPACE, clockifyId } from '../src/sandbox/clockify/seed.js';
import { PM_SANDBOX_KEY, pmId } from '../src/sandbox/projectmanager/seed.js';
import { LISTED_TOOLS } from '../src/mcp/listing.js';
import { createServer } from '../src/mcp/server.js';
import { coldStart } from './cold-start.js';
import { confirmCost } from './confirm.js';
import { interleaved, median, ms, ratio, timed } from './stats.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const SIMULATOR = fileURLToPath(new URL('./simulator-process.js', import.meta.url));
const MINIMAL = fileURLToPath(new URL('./minimal-server.js', import.meta.url));

const rows: string[][] = [];
const report = (...cells: string[]) => rows.push(cells);

/** An in-memory MCP client on our server with these connections, as an agent would use it. */
async function connectServer(configs: ConnectionConfig[]) {
  const logger = silentLogger();
  const connections = Connections.create(configs, [], { logger, redactor: logger.redactor });
  const server = createServer({ connections, logger });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  await client.listTools();
  return {
    client,
    async stop() {
      await client.close();
      await connections.close();
    },
  };
}

/** The ProjectManager.com simulator in a process of its own, like a remote provider. */
async function simulatorProcess(latencyMs: number, extraPeople: number): Promise<{ url: string; stop: () => Promise<unknown> }> {
  const child = spawn(process.execPath, [SIMULATOR, String(latencyMs), String(extraPeople)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    url,
    stop: () => {
      child.stdin.end();
      return once(child, 'exit');
    },
  };
}

/** 1. Bulk add of 500 users on the ProjectManager.com simulator at 20 ms latency. */
async function bulkAdd(rounds: number): Promise<void> {
  const count = 500;
  const latencyMs = 20;
  const concurrency = 8; // the ProjectManager.com connection's default maxInFlight
  const users = Array.from({ length: count }, (_, i) => `person.${String(i + 1).padStart(4, '0')}@northwind.example.org`);
  const project = pmId('project', 3);
  const ours: number[] = [];
  const sequential: number[] = [];
  const floor: number[] = [];
  const headers = { authorization: `Bearer ${PM_SANDBOX_KEY}`, 'content-type': 'application/json' };
  for (let round = 0; round < rounds; round++) {
    const provider = await simulatorProcess(latencyMs, count);
    const session = await connectServer([
      { name: 'projectmanager', kind: 'projectmanager', sandbox: true, values: { apiKey: PM_SANDBOX_KEY, baseUrl: provider.url }, http: { ...httpDefaults({}), limits: { maxInFlight: concurrency } } },
    ]);
    // A running server has loaded undici and opened its connection by the time a batch comes: do that first.
    await session.client.callTool({ name: 'search_directory', arguments: { provider: 'projectmanager', kind: 'team', query: '' } });
    ours.push(
      await timed(async () => {
        const result = await session.client.callTool({ name: 'add_project_members', arguments: { provider: 'projectmanager', project, users } });
        const summary = (result.structuredContent as { summary?: { changed: number } } | undefined)?.summary;
        if (summary?.changed !== count) throw new Error(`bulk add changed ${summary?.changed ?? 'nothing'}`);
      }),
    );
    await session.stop();
    await provider.stop();

    // The baseline: the same upserts, one request after another, straight to the simulator.
    const fresh = await simulatorProcess(latencyMs, count);
    const agent = new Agent({ connections: 1 });
    sequential.push(
      await timed(async () => {
        for (let n = 1; n <= count; n++) {
          const url = `${fresh.url}/api/data/projects/${project}/members/${pmId('person', 1000 + n)}`;
          const response = await request(url, { method: 'PUT', dispatcher: agent, headers, body: '{}' });
          await response.body.json();
        }
      }),
    );
    await agent.close();
    await fresh.stop();

    // The floor on this machine: the same upserts straight through undici, 8 at a time, nothing else.
    const floorProvider = await simulatorProcess(latencyMs, count);
    const pool = new Agent({ connections: concurrency });
    let next = 1;
    floor.push(
      await timed(async () => {
        const worker = async () => {
          while (next <= count) {
            const n = next++;
            const url = `${floorProvider.url}/api/data/projects/${project}/members/${pmId('person', 1000 + n)}`;
            await (await request(url, { method: 'PUT', dispatcher: pool, headers, body: '{}' })).body.json();
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
      }),
    );
    await pool.close();
    await floorProvider.stop();
  }
  const ideal = (count * latencyMs) / concurrency;
  const median1 = median(ours);
  report(`1. add ${count} members (warm server), ProjectManager.com, ${latencyMs} ms latency, ${concurrency} in flight, vs ideal ${count}×${latencyMs} ms/${concurrency} (n=${rounds})`, ms(median1), ms(ideal), ratio(median1 / ideal), '≤ 1.2×');
  report(`1. the same, vs one request after another (n=${rounds})`, ms(median1), ms(median(sequential)), `${(median(sequential) / median1).toFixed(1)}× faster`, '≥ 6× faster');
  report(`1. the same, vs the bare upserts through undici, ${concurrency} at a time (the floor here; n=${rounds})`, ms(median1), ms(median(floor)), ratio(median1 / median(floor)), '(diagnostic)');
}

/** 2. One MCP tool call (in-memory client) against the same HTTP requests made directly with undici. */
async function toolCallOverhead(latencyMs: number, rounds: number): Promise<void> {
  // No rate limit on either side: this measures what MCP adds, not Clockify's 50 requests/s.
  const sandbox = await startSandbox({ latencyMs });
  const { client, stop: stopServer } = await connectServer(
    sandboxConnections(sandbox, { CLOCKIFY_RATE_LIMIT: 'off', CLOCKIFY_MAX_IN_FLIGHT: '8' }).connections,
  );
  const stop = async () => {
    await stopServer();
    await sandbox.stop();
  };

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
      post(`${base}/users/info`, { roles: ['PROJECT_MANAGER'], includeRoles: true, status: 'ALL', memberships: 'NONE', page: 1, pageSize: 200 }),
    ]);
  };
  const viaTool = async () => {
    const result = await client.callTool({ name: 'list_project_members', arguments: { provider: 'clockify', project } });
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
  await agent.close();
  await stop();
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
  // Each tool has a budget of its own (test/mcp/listing.test.ts); the total is information.
  const largest = Math.max(...LISTED_TOOLS.map((tool) => Buffer.byteLength(JSON.stringify(tool))));
  report(`4. tools/list reply on the wire, ${LISTED_TOOLS.length} tools (information)`, `${listBytes} B`, '', '', '(information)');
  report('4. the largest tool in tools/list vs the per-tool budget', `${largest} B`, '2048 B', ratio(largest / 2048), '≤ 1.0×');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  await bulkAdd(quick ? 1 : 3);
  await toolCallOverhead(20, quick ? 40 : 150);
  await toolCallOverhead(0, quick ? 200 : 1000);
  await coldStarts(quick ? 5 : 15);
  await confirmCost(quick ? 3 : 9, report);
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
