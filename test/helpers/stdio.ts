import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
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
}

/**
 * Spawns the built server and connects a real SDK client over stdio. A sandbox it starts logs its
 * simulators' exchanges to a file, checked after each test against the API descriptions.
 */
export async function startServer(args: string[], env = cleanEnv()): Promise<StdioSession> {
  const stderr: string[] = [];
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env: { ...env, ...exchangeLogEnv() }, stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const protocolErrors: Error[] = [];
  const client = new Client({ name: 'e2e', version: '0.0.0' });
  await client.connect(transport);
  transport.onerror = (error) => protocolErrors.push(error);
  return { client, stderr, protocolErrors };
}

export type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ text: string }> };

export async function callTool(session: StdioSession, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await session.client.callTool({ name, arguments: args })) as ToolResult;
}

export interface SandboxProcess {
  child: ChildProcessWithoutNullStreams;
  /** The variables of its one JSON line. */
  env: Record<string, string>;
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
export async function startSandboxProcess(args: string[] = []): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [CLI, 'sandbox', ...args], { env: cleanEnv(exchangeLogEnv()), stdio: ['pipe', 'pipe', 'pipe'] });
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
  const { env } = JSON.parse(await firstLine) as { env: Record<string, string> };
  return { child, env, stdout: () => stdout, stderr: () => stderr, exited };
}
