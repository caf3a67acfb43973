import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const INITIALIZE = {
  jsonrpc: '2.0' as const,
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
};

export interface StartSample {
  /** Spawn to the initialize reply, in ms. */
  startMs: number;
  /** Bytes of the tools/list reply line as it crossed stdout, when asked for. */
  toolsListBytes?: number;
  /** Spawn to the reply of the first tool call, sent right after initialize, when asked for. */
  firstResultMs?: number;
}

/**
 * Spawns a stdio MCP server, times it to its initialize reply, optionally reads tools/list or
 * makes one tool call (timed from the spawn to its reply), and stops it.
 */
export async function coldStart(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { listTools?: boolean; firstCall?: { name: string; arguments: Record<string, unknown> } } = {},
): Promise<StartSample> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  const replies = new Map<number, (line: string) => void>();
  lines.on('line', (line) => {
    const id = (JSON.parse(line) as { id?: number }).id;
    if (id !== undefined) replies.get(id)?.(line);
  });
  const request = (message: { jsonrpc: '2.0'; id: number; method: string; params: object }) =>
    new Promise<string>((resolve, reject) => {
      replies.set(message.id, resolve);
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before answering`)));
      child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  try {
    await request(INITIALIZE);
    const sample: StartSample = { startMs: performance.now() - started };
    if (options.listTools) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
      const line = await request({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
      sample.toolsListBytes = Buffer.byteLength(line);
    }
    if (options.firstCall) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
      const line = await request({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: options.firstCall });
      const reply = JSON.parse(line) as { result?: { isError?: boolean }; error?: unknown };
      if (!reply.result || reply.result.isError) throw new Error(`the first tool call failed: ${line.slice(0, 300)}`);
      sample.firstResultMs = performance.now() - started;
    }
    return sample;
  } finally {
    child.kill();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}
