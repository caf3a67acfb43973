/**
 * The processes a benchmark measures, each on its own as in real use: the standalone sandbox
 * (`cli.js sandbox`, the providers) and our server on stdio (an MCP client's child process).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Exchange } from '../src/sandbox/simulator.js';

export const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const LOOP_PROBE = fileURLToPath(new URL('./loop-probe.js', import.meta.url));

export interface SandboxProcess {
  /** The variables that point a server at it. */
  env: Record<string, string>;
  /** Exchanges logged since the last call of this function (only with `exchanges: true`). */
  takeExchanges(): Exchange[];
  stop(): Promise<void>;
}

/** `project-members-mcp sandbox --people N --latency MS`, in a process of its own. */
export async function startSandboxProcess(options: { people: number; latencyMs: number; exchanges?: boolean }): Promise<SandboxProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sandbox-'));
  const log = join(dir, 'exchanges.jsonl');
  const child = spawn(process.execPath, [CLI, 'sandbox', '--people', String(options.people), '--latency', String(options.latencyMs)], {
    env: { ...cleanEnv(), ...(options.exchanges ? { MEMBERS_MCP_SANDBOX_EXCHANGES: log } : {}) },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const env = (JSON.parse(line) as { env: Record<string, string> }).env;
  let read = 0;
  return {
    env,
    takeExchanges() {
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return [];
      }
      const lines = text.slice(read).split('\n').filter(Boolean);
      read = text.length;
      return lines.map((entry) => JSON.parse(entry) as Exchange);
    },
    async stop() {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The environment of this process without any provider or server setting (they come from the sandbox). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(CLOCKIFY|PROJECTMANAGER|GORULES|ZELLO|MEMBERS_MCP)_/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface ServerProcess {
  client: Client;
  pid: number;
  call(name: string, args: Record<string, unknown>): Promise<{ isError?: boolean; structuredContent?: Record<string, unknown>; content: unknown[] }>;
  /** Peak resident memory of the process so far (VmHWM), in MB. */
  peakRssMb(): number;
  rssMb(): number;
  /** Starts the event-loop measure over, after start-up and the preload (half a second after initialize), when the probe is on. */
  resetLoopDelay(): Promise<void>;
  /** Stops the server; with the probe, returns the longest event-loop delay since the reset, in ms. */
  stop(): Promise<number | undefined>;
}

/** Our built server on stdio, as a client starts it, connected through the SDK's client. */
export async function startServerProcess(env: Record<string, string>, options: { loopProbe?: boolean } = {}): Promise<ServerProcess> {
  const dir = options.loopProbe ? mkdtempSync(join(tmpdir(), 'bench-loop-')) : undefined;
  const probeFile = dir ? join(dir, 'loop.json') : undefined;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...(probeFile ? ['--import', LOOP_PROBE] : []), CLI],
    env: { ...cleanEnv(env), MEMBERS_MCP_LOG_LEVEL: 'error', ...(probeFile ? { BENCH_LOOP_FILE: probeFile } : {}) },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(transport);
  const pid = transport.pid!;
  const status = (field: string) => Number(/(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field)) ?? '')?.[1] ?? NaN) / 1024;
  return {
    client,
    pid,
    call: async (name, args) => (await client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 120_000 })) as never,
    peakRssMb: () => status('VmHWM:'),
    rssMb: () => status('VmRSS:'),
    async resetLoopDelay() {
      // The preload that follows initialize (undici) is done well within half a second.
      await new Promise((resolve) => setTimeout(resolve, 500));
      process.kill(pid, 'SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async stop() {
      await client.close();
      if (!probeFile) return undefined;
      try {
        return (JSON.parse(readFileSync(probeFile, 'utf8')) as { maxMs: number }).maxMs;
      } finally {
        rmSync(dir!, { recursive: true, force: true });
      }
    },
  };
}
