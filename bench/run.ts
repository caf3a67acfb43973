/**
 * npm run bench: what a user sees, each figure as median (min–max, n) beside a baseline measured
 * in the same run, and their ratio. Not a test: machines here are shared and noisy, so read the
 * ratios. `--quick` runs fewer rounds; `--only=AE` runs those sections alone. Sections:
 *   A. adding one person by email on every provider, 500 and 5,000 people (bench/scale.ts)
 *   B. adding 500 people in the first call of a fresh process, 5,000 people (bench/scale.ts)
 *   C. lookups or the directory: where the crossover lies (bench/scale.ts)
 *   D. one tool call over stdio, and in memory, against the same requests with undici (bench/overhead.ts)
 *   E. spawn → first tool result against the minimal SDK server (bench/overhead.ts)
 *   F. cold start to the initialize reply; the size of tools/list
 *   G. the share of a call that its confirming read takes (bench/confirm.ts)
 */
import { Agent } from 'undici';
import { fileURLToPath } from 'node:url';
import { sandboxConnections, startSandbox } from '../src/sandbox/index.js';
import { CLOCKIFY_SANDBOX_WORKSPACE, clockifyId } from '../src/sandbox/clockify/seed.js';
import { LISTED_TOOLS } from '../src/mcp/listing.js';
import { coldStart } from './cold-start.js';
import { confirmCost } from './confirm.js';
import { connectServer } from './in-memory.js';
import { clockifyListRequests, firstResult, stdioOverhead } from './overhead.js';
import { addOne, bulk, crossover } from './scale.js';
import { interleaved, median, ratio, spread } from './stats.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const MINIMAL = fileURLToPath(new URL('./minimal-server.js', import.meta.url));

const rows: string[][] = [];
const report = (...cells: string[]) => {
  rows.push(cells);
  // Each row as it comes, on stderr: a long run shows its progress.
  process.stderr.write(`${cells.filter(Boolean).join('  |  ')}\n`);
};

/** D (in memory). One MCP tool call through the SDK's in-memory transport against the same HTTP requests made directly with undici. */
async function inMemoryOverhead(latencyMs: number, rounds: number): Promise<void> {
  // No rate limit on either side: this measures what MCP adds, not Clockify's 50 requests/s.
  const sandbox = await startSandbox({ latencyMs });
  const { client, stop: stopServer } = await connectServer(
    sandboxConnections(sandbox, { CLOCKIFY_RATE_LIMIT: 'off', CLOCKIFY_MAX_IN_FLIGHT: '8' }).connections,
  );
  await client.listTools(); // as an agent uses it: from here on the client checks every result against its schema
  const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  const direct = clockifyListRequests(sandbox.env, agent);
  const viaTool = async () => {
    const result = await client.callTool({ name: 'list_project_members', arguments: { provider: 'clockify', project: clockifyId('project', 2) } });
    if (result.isError) throw new Error(JSON.stringify(result.content));
  };
  // A long warm-up: until the JIT has settled, both sides are several times slower.
  const samples = await interleaved(rounds, viaTool, direct, { warmup: 300 });
  const tool = median(samples.candidate);
  const plain = median(samples.baseline);
  report(
    `D. one list_project_members call in memory (no serialization) vs the same 3 requests with undici, ${latencyMs} ms latency; +${(tool - plain).toFixed(2)} ms per call`,
    spread(samples.candidate),
    spread(samples.baseline),
    ratio(tool / plain),
    '(diagnostic)',
    '3 req',
  );
  await agent.close();
  await stopServer();
  await sandbox.stop();
}

/** F. Cold start to the initialize reply, against a minimal SDK server; and the tools/list bytes. */
async function coldStarts(rounds: number): Promise<void> {
  // Configured the way a client launches it (a connection from the environment); nothing is contacted at start.
  const env = { ...process.env, CLOCKIFY_API_KEY: 'bench-key-not-used', CLOCKIFY_WORKSPACE_ID: CLOCKIFY_SANDBOX_WORKSPACE, MEMBERS_MCP_LOG_LEVEL: 'error' };
  const ours: number[] = [];
  const minimal: number[] = [];
  await coldStart([CLI], env); // warm the file cache for both
  await coldStart([MINIMAL], env);
  for (let i = 0; i < rounds; i++) {
    const first = i % 2 === 0;
    if (first) ours.push((await coldStart([CLI], env)).startMs);
    minimal.push((await coldStart([MINIMAL], env)).startMs);
    if (!first) ours.push((await coldStart([CLI], env)).startMs);
  }
  const listBytes = (await coldStart([CLI, '--sandbox'], env, { listTools: true })).toolsListBytes ?? 0;
  report('F. cold start to the initialize reply vs the minimal SDK server with one tool', spread(ours), spread(minimal), ratio(median(ours) / median(minimal)), '≤ 1.3×', '');
  // Each tool has a budget of its own (test/mcp/listing.test.ts); the total is information.
  const largest = Math.max(...LISTED_TOOLS.map((tool) => Buffer.byteLength(JSON.stringify(tool))));
  report(`F. tools/list reply on the wire, ${LISTED_TOOLS.length} tools`, `${listBytes} B`, '', '', '(information)', '');
  report('F. the largest tool in tools/list vs the per-tool budget', `${largest} B`, '2048 B', ratio(largest / 2048), '≤ 1.0×', '');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  // --only=AB runs those sections alone.
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).toUpperCase();
  const run = (section: string) => !only || only.includes(section);
  const started = performance.now();
  if (run('A')) for (const people of [500, 5000]) await addOne(people, quick ? 1 : 3, report);
  if (run('B')) await bulk(quick ? 1 : 3, report);
  if (run('C')) for (const people of [500, 5000]) await crossover(people, quick ? 1 : 3, report);
  if (run('D')) for (const latency of [20, 0]) await stdioOverhead(latency, quick ? 40 : latency === 0 ? 600 : 150, report);
  if (run('D')) for (const latency of [20, 0]) await inMemoryOverhead(latency, quick ? 40 : latency === 0 ? 600 : 150);
  if (run('E')) await firstResult(quick ? 5 : 15, report);
  if (run('F')) await coldStarts(quick ? 5 : 15);
  if (run('G')) await confirmCost(quick ? 3 : 9, (...cells) => report(...cells, ''));
  print();
  console.log(`\n${quick ? 'npm run bench -- --quick' : 'npm run bench'}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function print(): void {
  const header = ['measure', 'ours: median (min–max, n)', 'baseline', 'ratio', 'target', 'requests, round trips'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => (cell ?? '').padEnd(widths[column]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
