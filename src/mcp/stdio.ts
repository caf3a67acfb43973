import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../core/log.js';
import { JSONRPCMessageSchema, type JSONRPCMessage, type Transport } from './sdk.js';

/**
 * The longest line (one JSON-RPC message) read from stdin: 4 MiB, several times the largest call
 * the tools accept (500 users of 320 characters). A longer line is skipped as it streams in,
 * never held in memory, and answered with an error.
 */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

/** JSON-RPC 2.0 error codes for messages that never reach the server. */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

/** Bytes kept from the end of a line too long to read, where a client's serializer puts the id. */
const TAIL_BYTES = 256;

/**
 * MCP over stdio: newline-delimited JSON-RPC on stdin and stdout. Unlike the SDK's transport,
 * which drops what it cannot parse (and closes itself, so that the session hangs, on a line of
 * 10 MiB), every line is answered: a line that is not JSON gets -32700, one that is JSON but not a
 * JSON-RPC message gets -32600 with its id when it has one, and a line over the cap gets -32600
 * too; each is noted on stderr, and the session goes on.
 */
export class LineStdioTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  private readonly input: Readable;
  private readonly output: Writable;
  private readonly maxLineBytes: number;
  private readonly logger: Logger;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Within a line over the cap: its bytes are skipped until the newline, keeping only its end. */
  private skipping: { bytes: number; tail: Buffer } | undefined;
  private closed = false;

  constructor(options: { logger: Logger; input?: Readable; output?: Writable; maxLineBytes?: number }) {
    this.logger = options.logger;
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('error', this.onInputError);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    await this.write(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('error', this.onInputError);
    this.chunks = [];
    this.skipping = undefined;
    this.onclose?.();
  }

  private readonly onInputError = (error: Error) => this.onerror?.(error);

  private readonly onData = (chunk: Buffer | string) => {
    let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let newline = data.indexOf(0x0a); newline !== -1; newline = data.indexOf(0x0a)) {
      this.take(data.subarray(0, newline));
      this.endLine();
      data = data.subarray(newline + 1);
    }
    if (data.length > 0) this.take(data);
  };

  /** Part of the current line: kept while the line is within the cap, else only its last bytes. */
  private take(part: Buffer): void {
    if (!this.skipping && this.size + part.length > this.maxLineBytes) {
      this.skipping = { bytes: this.size, tail: Buffer.concat(this.chunks) };
      this.chunks = [];
      this.size = 0;
    }
    if (this.skipping) {
      this.skipping.bytes += part.length;
      const tail = Buffer.concat([this.skipping.tail, part]);
      this.skipping.tail = tail.subarray(Math.max(0, tail.length - TAIL_BYTES));
      return;
    }
    this.chunks.push(part);
    this.size += part.length;
  }

  private endLine(): void {
    const skipped = this.skipping;
    const line = skipped ? '' : Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    this.size = 0;
    this.skipping = undefined;
    if (skipped) {
      const id = idAtEnd(skipped.tail.toString('latin1'));
      this.refuse(INVALID_REQUEST, `Request too large: a message must not exceed ${this.maxLineBytes} bytes (this line had ${skipped.bytes})`, id);
      return;
    }
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.refuse(PARSE_ERROR, 'Parse error: the line is not valid JSON', null);
      return;
    }
    const message = JSONRPCMessageSchema.safeParse(parsed);
    if (!message.success) {
      const why = Array.isArray(parsed) ? 'batches are not supported' : 'not a JSON-RPC 2.0 request, notification or response';
      this.refuse(INVALID_REQUEST, `Invalid Request: ${why}`, idOf(parsed));
      return;
    }
    this.onmessage?.(message.data);
  }

  /** Answers a line that never reached the server, and notes it on stderr (never its content). */
  private refuse(code: number, message: string, id: string | number | null): void {
    this.logger.warning(`stdin: ${message}; answered ${code}${id === null ? '' : ` to request ${JSON.stringify(id)}`}`);
    if (this.closed) return;
    this.write({ jsonrpc: '2.0', id, error: { code, message } }).catch((error: unknown) => this.onerror?.(error as Error));
  }

  private write(message: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }
}

/** A request's id, when the message is an object with a usable one (a string or an integer). */
function idOf(value: unknown): string | number | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
}

/**
 * The id of a message from its last bytes, where clients built on the SDK put it ({..., "id": 7}):
 * only a top-level id can be followed directly by the closing brace of the whole line.
 */
function idAtEnd(tail: string): string | number | null {
  const found = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,100}")\s*}\s*\r?$/.exec(tail);
  if (!found) return null;
  try {
    return idOf({ id: JSON.parse(found[1]!) as unknown });
  } catch {
    return null;
  }
}
