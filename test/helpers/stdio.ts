import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { watchExchangeLog } from './spec-check.js';

/** The built bin entry, as `npx project-members-mcp` runs it (npm test builds first). */
export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/** An environment with no provider configured, whatever the machine running the tests has set. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(CLOCKIFY|GORULES|PROJECTMANAGER|ZELLO|MEMBERS_MCP)_/.test(key)) env[key] = value;
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
  const exchangeLog = join(mkdtempSync(join(tmpdir(), 'exchanges-')), 'exchanges.jsonl');
  watchExchangeLog(exchangeLog);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: { ...env, MEMBERS_MCP_SANDBOX_EXCHANGES: exchangeLog },
    stderr: 'pipe',
  });
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
