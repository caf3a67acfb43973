import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../src/core/log.js';
import { Redactor } from '../../src/core/redact.js';
import { createServer } from '../../src/mcp/server.js';
import { LineStdioTransport, MAX_LINE_BYTES } from '../../src/mcp/stdio.js';
import { emptyConnections } from '../helpers/sandbox.js';

type Reply = { jsonrpc: string; id: string | number | null; result?: Record<string, unknown>; error?: { code: number; message: string } };

/** Our stdio transport between two in-memory pipes, with the real server behind it. */
async function session(maxLineBytes?: number) {
  const input = new PassThrough();
  const output = new PassThrough();
  const warnings: string[] = [];
  const logger = new Logger('warning', new Redactor(), false);
  logger.addSink((level, message) => warnings.push(`${level}: ${message}`));
  const server = createServer({ connections: emptyConnections(), logger });
  await server.connect(new LineStdioTransport({ logger, input, output, ...(maxLineBytes ? { maxLineBytes } : {}) }));
  let buffered = '';
  const replies: Reply[] = [];
  output.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
      replies.push(JSON.parse(buffered.slice(0, newline)) as Reply);
      buffered = buffered.slice(newline + 1);
    }
  });
  const next = async (count: number) => {
    for (let i = 0; i < 500 && replies.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    return replies.slice(0, count);
  };
  return { input, replies, next, warnings, stdout: () => buffered, close: () => server.close() };
}

const request = (id: number, method: string, params: unknown = {}) => `${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`;

let open: Awaited<ReturnType<typeof session>> | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('the stdio transport', () => {
  it('answers a line that is not JSON with -32700 and a bad envelope with -32600 (with its id), notes each on stderr, and goes on', async () => {
    open = await session();
    open.input.write('this is not json\n');
    open.input.write('{"jsonrpc":"2.0","id":7,"method":"tools/list","params":[]}\n'); // params must be an object
    open.input.write('{"jsonrpc":"1.0","id":"x","method":"ping"}\n');
    open.input.write('[{"jsonrpc":"2.0","id":9,"method":"ping"}]\n'); // batches are not part of MCP any more
    open.input.write('{"jsonrpc":"2.0","method":"notifications/cancelled","params":"soon"}\n');
    open.input.write('\r\n\n');
    open.input.write(request(8, 'ping'));
    const replies = await open.next(6);
    expect(replies.map((reply) => [reply.id, reply.error?.code ?? 'ok'])).toEqual([
      [null, -32700],
      [7, -32600],
      ['x', -32600],
      [null, -32600],
      [null, -32600],
      [8, 'ok'],
    ]);
    expect(replies[3]!.error!.message).toContain('batches are not supported');
    expect(open.replies).toHaveLength(6); // the blank lines were not answered
    expect(open.warnings).toHaveLength(5);
    expect(open.warnings[1]).toBe('warning: stdin: Invalid Request: not a JSON-RPC 2.0 request, notification or response; answered -32600 to request 7');
    expect(open.warnings.join('\n')).not.toContain('this is not json'); // never the line itself
  });

  it('skips a line over the cap without holding it, answers it (with the id at its end) and serves the next', async () => {
    open = await session(64 * 1024);
    const huge = JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'x', arguments: { users: ['u'.repeat(300 * 1024)] } }, id: 41 });
    // In pieces, as a pipe delivers it, the newline in the same chunk as the next request.
    for (let at = 0; at < huge.length; at += 10_000) open.input.write(huge.slice(at, at + 10_000));
    open.input.write(`\n${request(42, 'ping')}`);
    open.input.write(`${'z'.repeat(100 * 1024)}\n`); // no id to be found: answered with id null
    open.input.write(request(43, 'ping'));
    const replies = await open.next(4);
    // The transport's own answers may overtake the server's.
    expect(replies.map((reply) => [reply.id, reply.error?.code ?? 'ok'])).toEqual(
      expect.arrayContaining([
        [41, -32600],
        [42, 'ok'],
        [null, -32600],
        [43, 'ok'],
      ]),
    );
    expect(replies[0]!.error!.message).toBe(`Request too large: a message must not exceed ${64 * 1024} bytes (this line had ${huge.length})`);
    expect(open.warnings[0]).toContain('answered -32600 to request 41');
  });

  it('reads a line split anywhere, even inside a character, and CRLF endings', async () => {
    open = await session();
    const line = Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', id: 'é-1', method: 'ping' })}\r\n`);
    for (let at = 0; at < line.length; at += 3) open.input.write(line.subarray(at, at + 3));
    expect((await open.next(1))[0]).toMatchObject({ id: 'é-1', result: {} });
  });

  it('caps lines at 4 MiB by default, well above the largest call the tools accept', () => {
    expect(MAX_LINE_BYTES).toBe(4 * 1024 * 1024);
    const largest = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add_project_members', arguments: { project: 'p'.repeat(200), users: Array.from({ length: 500 }, () => '𝒰'.repeat(320)) } } });
    expect(Buffer.byteLength(largest)).toBeLessThan(MAX_LINE_BYTES / 3);
  });
});
