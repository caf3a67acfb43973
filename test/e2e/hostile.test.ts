import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { exchangeLogEnv } from '../helpers/spec-check.js';
import { CLI, cleanEnv } from '../helpers/stdio.js';

type Message = { id?: string | number | null; result?: Record<string, unknown>; error?: { code: number; message: string } };

/** The built server over raw stdio: what a hostile or broken client can write, line by line. */
function rawServer(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(exchangeLogEnv()), stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = () => stdout.split('\n').filter((line) => line !== '');
  const messages = () => lines().map((line) => JSON.parse(line) as Message);
  const waitFor = async (done: (messages: Message[]) => boolean, what: string) => {
    for (let i = 0; i < 1500; i++) {
      if (done(messages())) return messages();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for ${what}; stdout: ${stdout.slice(0, 2000)}; stderr: ${stderr.slice(0, 2000)}`);
  };
  const send = (text: string) => new Promise<void>((resolve) => (child.stdin.write(text) ? resolve() : child.stdin.once('drain', resolve)));
  return { child, exited, lines, messages, waitFor, send, stderr: () => stderr };
}

const line = (message: unknown) => `${JSON.stringify(message)}\n`;

describe('hostile input over stdio', () => {
  it('answers a 10 MiB line and malformed messages, keeps serving, and exits cleanly when stdin closes (with --sandbox)', async () => {
    const server = rawServer(['--sandbox']);
    try {
      await server.send(line({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }));
      await server.waitFor((m) => m.some((x) => x.id === 1), 'initialize');
      await server.send(line({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      // Ten MiB in one message, its id at the end as SDK clients write it.
      const huge = JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'add_project_members', arguments: { project: 'x', users: ['y'.repeat(10 * 1024 * 1024)] } }, id: 5 });
      await server.send(`${huge}\n`);
      await server.send(line({ jsonrpc: '2.0', id: 6, method: 'ping' }));
      await server.send('{"jsonrpc": "2.0", "id": 9, "method": \n');
      await server.send('{"jsonrpc":"2.0","id":7,"method":"tools/list","params":[]}\n');
      await server.send('{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"list_project_members","arguments":{"provider":"clockify","project":"Website Redesign","__proto__":{"limit":1}}}}\n');
      const messages = await server.waitFor((m) => m.length >= 6, 'the answers');
      const byId = (id: unknown) => messages.find((m) => m.id === id);
      expect(byId(5)?.error).toMatchObject({ code: -32600, message: expect.stringContaining('Request too large') });
      expect(byId(6)?.result).toEqual({});
      expect(byId(null)?.error?.code).toBe(-32700);
      expect(byId(7)?.error?.code).toBe(-32600);
      expect(byId(8)?.result).toMatchObject({ isError: true, structuredContent: { error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('unknown argument "__proto__"') } } });
      expect(server.stderr()).toContain('stdin: Request too large');
      expect(server.stderr()).toContain('answered -32700');

      // The session still works, then the client goes away: the process ends, simulators and all.
      await server.send(line({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'list_project_members', arguments: { provider: 'zello', project: 'Roadmap Board' } } }));
      await server.waitFor((m) => m.some((x) => x.id === 10), 'a call after all that');
      server.child.stdin.end();
      expect(await server.exited).toEqual([0, null]);
      expect(server.lines().every((text) => text.startsWith('{"'))).toBe(true); // stdout held only protocol messages
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('stops with one line, no stack, when --journal cannot be opened', () => {
    const run = spawnSync(process.execPath, [CLI, '--sandbox', '--journal', '/nonexistent-dir/writes.jsonl'], { env: cleanEnv(), encoding: 'utf8', input: '' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      "[project-members-mcp] error: cannot open the journal file /nonexistent-dir/writes.jsonl for appending: ENOENT: no such file or directory, open '/nonexistent-dir/writes.jsonl'",
    ]);
  });
});
