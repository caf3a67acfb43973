import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { CONTROL_ENV } from '../../src/sandbox/control.js';
import type { FaultSpec, RequestRecord } from '../../src/sandbox/simulator.js';
import { exchangeLogEnv } from './spec-check.js';

/** The built bin entry, as `npx project-members-mcp` runs it (npm test builds first). */
export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/** An environment with no provider configured, whatever the machine running the tests has set. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  const prefixes = [...PROVIDER_MODULES.map((module) => `${module.envPrefix}_`), 'MEMBERS_MCP_'];
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !prefixes.some((prefix) => key.startsWith(prefix))) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface StdioSession {
  client: Client;
  /** What the server wrote to stderr. */
  stderr: string[];
  /** Lines on stdout that were not protocol messages. */
  protocolErrors: Error[];
  /** The server's process id (for kill tests). */
  pid: number | null;
}

/**
 * Spawns the built server and connects a real SDK client over stdio. A sandbox it starts logs its
 * simulators' exchanges to a file, checked after each test against the API descriptions.
 */
export async function startServer(
  args: string[],
  env = cleanEnv(),
  options: {
    /** Declares the elicitation capability and answers each question with this (the person at the client). */
    elicit?: (request: ElicitRequest['params']) => ElicitResult | Promise<ElicitResult>;
  } = {},
): Promise<StdioSession> {
  const stderr: string[] = [];
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env: { ...env, ...exchangeLogEnv() }, stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const protocolErrors: Error[] = [];
  const { elicit } = options;
  const client = new Client({ name: 'e2e', version: '0.0.0' }, elicit ? { capabilities: { elicitation: { form: {} } } } : {});
  if (elicit) client.setRequestHandler(ElicitRequestSchema, async (request) => elicit(request.params));
  await client.connect(transport);
  transport.onerror = (error) => protocolErrors.push(error);
  return { client, stderr, protocolErrors, pid: transport.pid };
}

export type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ text: string }> };

export async function callTool(session: StdioSession, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await session.client.callTool({ name, arguments: args })) as ToolResult;
}

export interface SandboxProcess {
  child: ChildProcessWithoutNullStreams;
  /** The variables of its one JSON line. */
  env: Record<string, string>;
  /** Its control channel, when started with `control` (src/sandbox/control.ts). */
  control?: SandboxControlClient;
  /** The file its simulators append their exchanges to (replies included: the session tokens they issue). */
  exchanges: string;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal once it has exited. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/**
 * Spawns the built `project-members-mcp sandbox` and reads its JSON line. Its simulators log their
 * exchanges to a file, checked after each test against the API descriptions.
 */
export async function startSandboxProcess(args: string[] = [], options: { control?: boolean } = {}): Promise<SandboxProcess> {
  const exchanges = exchangeLogEnv();
  const env = cleanEnv({ ...exchanges, ...(options.control ? { [CONTROL_ENV]: '1' } : {}) });
  const child = spawn(process.execPath, [CLI, 'sandbox', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    void exited.then(([code]) => reject(new Error(`the sandbox exited (${code}) before printing its line: ${stderr}`)));
  });
  const line = JSON.parse(await firstLine) as { env: Record<string, string>; control?: { url: string; token: string } };
  return {
    child,
    env: line.env,
    ...(line.control ? { control: new SandboxControlClient(line.control.url, line.control.token) } : {}),
    exchanges: exchanges.MEMBERS_MCP_SANDBOX_EXCHANGES,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
}

/** A fault as the control channel takes it (src/sandbox/control.ts). */
export type FaultJson = Omit<FaultSpec, 'times' | 'match' | 'effect'> & { times?: number | 'all'; match?: { method?: string; path?: string | { regex: string } } };

/** The standalone sandbox's control channel, as tests drive it. */
export class SandboxControlClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  fault(provider: string, fault: FaultJson): Promise<unknown> {
    return this.call('POST', '/faults', { provider, fault });
  }

  clear(provider?: string): Promise<unknown> {
    return this.call('POST', '/clear', provider ? { provider } : {});
  }

  reseed(seed: number): Promise<unknown> {
    return this.call('POST', '/reseed', { seed });
  }

  async requests(provider: string, from = 0): Promise<{ total: number; records: RequestRecord[] }> {
    return (await this.call('GET', `/requests?provider=${provider}&from=${from}`)) as { total: number; records: RequestRecord[] };
  }

  async call(method: string, path: string, body?: unknown, token = this.token): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as unknown;
    if (!response.ok) throw Object.assign(new Error(`control ${method} ${path}: ${response.status} ${JSON.stringify(json)}`), { status: response.status });
    return json;
  }
}
