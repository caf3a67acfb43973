/**
 * npm run bench:http: the Streamable HTTP transport under load, against the same calls over stdio
 * in the same run. 50 clients (each its own SDK client over HTTP; over stdio, 50 workers sharing
 * the one client a stdio server has) call a mix of reads and dry runs on the sandbox for a
 * bounded time. Prints throughput, p50/p99 latency, errors, the ratios, and the HTTP server's RSS
 * over time. Also measures what statelessness costs: a fresh MCP server and transport per request.
 * Not a test: machines here are shared and noisy, so read the medians and ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Connections } from '../src/connections.js';
import { silentLogger } from '../src/core/log.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { sandboxConnections, startSandbox } from '../src/sandbox/index.js';
import { createServer } from '../src/mcp/server.js';
import { median, ms, ratio } from './stats.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const CLIENTS = 50;

/** Reads and dry runs on the per-member providers (Clockify's sandbox keeps its 50 requests/s limit). */
const CALLS: Array<{ name: string; arguments: Record<string, unknown> }> = [
  { name: 'search_directory', arguments: { provider: 'projectmanager', kind: 'user', query: 'a' } },
  { name: 'list_project_members', arguments: { provider: 'projectmanager', project: 'Website Launch' } },
  { name: 'add_project_members', arguments: { provider: 'projectmanager', project: 'Website Launch', users: ['marcus.reed@northwind.example.org', 'Priya Nair'], role: 'editor', dryRun: true } },
  { name: 'add_team_to_project', arguments: { provider: 'projectmanager', project: 'Website Launch', team: 'Design', dryRun: true } },
  { name: 'list_project_members', arguments: { provider: 'gorules', project: 'Pricing Engine' } },
  { name: 'add_project_members', arguments: { provider: 'zello', project: 'Roadmap Board', users: ['karl.ek@zello.example.net'], role: 'viewer', dryRun: true } },
];

interface Phase {
  latencies: number[];
  errors: string[];
  seconds: number;
  /** CPU time the server process spent in the phase, ms. */
  serverCpuMs: number;
}

type Call = (call: (typeof CALLS)[number]) => Promise<unknown>;

/** One loop per client, each calling the mix round-robin (from its own offset) until the deadline. */
async function load(calls: Call[], seconds: number, serverPid: number): Promise<Phase> {
  const cpuBefore = cpuMs(serverPid);
  const phase: Phase = { latencies: [], errors: [], seconds, serverCpuMs: 0 };
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    calls.map(async (call, worker) => {
      for (let n = worker; performance.now() < deadline; n++) {
        const started = performance.now();
        try {
          const result = (await call(CALLS[n % CALLS.length]!)) as { isError?: boolean; content?: Array<{ text?: string }> };
          if (result.isError) phase.errors.push(result.content?.[0]?.text ?? 'isError');
          else phase.latencies.push(performance.now() - started);
        } catch (error) {
          phase.errors.push((error as Error).message);
        }
      }
    }),
  );
  phase.serverCpuMs = cpuMs(serverPid) - cpuBefore;
  return phase;
}

async function startHttp(): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, [CLI, '--http', '--sandbox', '--port', '0', '--log-level', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<URL>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /(http:\/\/\S+\/mcp)/.exec(stderr);
      if (found) resolve(new URL(found[1]!));
    });
    child.once('exit', (code) => reject(new Error(`HTTP server exited (${code}): ${stderr}`)));
  });
  return { child, url };
}

/** User and system CPU time of a process so far, in ms (from /proc, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** What a fresh server and transport per request costs, in-process, without any I/O. */
async function perRequestServerCost(rounds: number): Promise<number> {
  const sandbox = await startSandbox();
  const logger = silentLogger();
  const connections = Connections.create(sandboxConnections(sandbox).connections, [], { logger, redactor: logger.redactor });
  const once = async () => {
    const server = createServer({ connections, logger });
    await server.connect(new StreamableHTTPServerTransport({ sessionIdGenerator: undefined }));
    await server.close();
  };
  for (let i = 0; i < 500; i++) await once();
  const samples: number[] = [];
  for (let batch = 0; batch < 9; batch++) {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) await once();
    samples.push(((performance.now() - started) / rounds) * 1000);
  }
  await connections.close();
  await sandbox.stop();
  return median(samples);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 4 : 10; // per phase; two phases per transport, interleaved
  const http = await startHttp();
  const stdio = new Client({ name: 'bench-stdio', version: '0' });
  const stdioTransport = new StdioClientTransport({ command: process.execPath, args: [CLI, '--sandbox', '--log-level', 'warning'], stderr: 'ignore' });
  await stdio.connect(stdioTransport);
  const httpPid = http.child.pid!;
  const stdioPid = stdioTransport.pid!;
  const httpClients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = new Client({ name: 'bench-http', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(http.url));
      return client;
    }),
  );
  const overHttp: Call[] = httpClients.map((client) => (call) => client.callTool(call));
  const overStdio: Call[] = Array.from({ length: CLIENTS }, () => (call) => stdio.callTool(call));

  const rss: Array<[number, number]> = [];
  const started = performance.now();
  const sampler = setInterval(() => rss.push([(performance.now() - started) / 1000, rssMb(httpPid)]), 1000);

  await load(overHttp, 2, httpPid); // warm both: JIT, connection pools, the simulators' caches
  await load(overStdio, 2, stdioPid);
  const phases = { http: [] as Phase[], stdio: [] as Phase[] };
  for (let round = 0; round < 2; round++) {
    phases.http.push(await load(overHttp, seconds, httpPid));
    phases.stdio.push(await load(overStdio, seconds, stdioPid));
  }
  clearInterval(sampler);

  await Promise.all(httpClients.map((client) => client.close()));
  await stdio.close();
  http.child.kill('SIGTERM');

  const costUs = await perRequestServerCost(quick ? 200 : 1000);

  const summary = (list: Phase[]) => {
    const latencies = list.flatMap((p) => p.latencies);
    const errors = list.flatMap((p) => p.errors);
    const time = list.reduce((sum, p) => sum + p.seconds, 0);
    const cpuPerCall = list.reduce((sum, p) => sum + p.serverCpuMs, 0) / latencies.length;
    return { calls: latencies.length, perSecond: latencies.length / time, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, cpuPerCall };
  };
  const h = summary(phases.http);
  const s = summary(phases.stdio);
  const row = (name: string, r: ReturnType<typeof summary>) =>
    `${name.padEnd(38)} ${String(r.calls).padStart(7)}  ${r.perSecond.toFixed(0).padStart(6)}/s  ${ms(r.p50).padStart(9)}  ${ms(r.p99).padStart(9)}  ${String(r.errors.length).padStart(6)}  ${ms(r.cpuPerCall).padStart(9)}`;
  console.log(`${CLIENTS} concurrent clients, mixed reads and dry runs on the sandbox, 2 × ${seconds} s per transport (interleaved)`);
  console.log(`${'transport'.padEnd(38)} ${'calls'.padStart(7)}  ${'rate'.padStart(8)}  ${'p50'.padStart(9)}  ${'p99'.padStart(9)}  ${'errors'.padStart(6)}  ${'server CPU/call'.padStart(9)}`);
  console.log(row(`HTTP (${CLIENTS} SDK clients, one server)`, h));
  console.log(row(`stdio (${CLIENTS} workers, one client)`, s));
  console.log(`HTTP vs stdio: throughput ${ratio(h.perSecond / s.perSecond)}, p50 ${ratio(h.p50 / s.p50)}, p99 ${ratio(h.p99 / s.p99)}, server CPU per call ${ratio(h.cpuPerCall / s.cpuPerCall)}`);
  console.log('(the clients share this process: over HTTP, 50 SDK clients parse SSE and run fetch here, which a 2-core machine feels)');
  console.log(`a fresh MCP server + transport per request (stateless mode): ${costUs.toFixed(0)} µs median in-process, ${((costUs / 1000 / h.cpuPerCall) * 100).toFixed(1)}% of the HTTP server's CPU per call`);
  const half = Math.floor(rss.length / 2);
  const firstHalf = rss.slice(0, half).map(([, mb]) => mb);
  const secondHalf = rss.slice(half).map(([, mb]) => mb);
  console.log(`HTTP server RSS (MB) every ${Math.max(1, Math.round(rss.length / 12))} s: ${rss.filter((_, i) => i % Math.max(1, Math.round(rss.length / 12)) === 0).map(([, mb]) => mb.toFixed(0)).join(' ')}`);
  console.log(`HTTP server RSS: median ${median(firstHalf).toFixed(0)} MB in the first half, ${median(secondHalf).toFixed(0)} MB in the second, peak ${Math.max(...rss.map(([, mb]) => mb)).toFixed(0)} MB`);
  const errors = [...h.errors, ...s.errors];
  if (errors.length > 0) {
    console.log(`errors (first 5): ${[...new Set(errors)].slice(0, 5).join(' | ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
