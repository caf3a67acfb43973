import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exchangeLogEnv } from './spec-check.js';
import { CLI, cleanEnv } from './stdio.js';

export interface HttpProcess {
  child: ChildProcess;
  /** The MCP endpoint the server printed on stderr. */
  url: URL;
  stderr: string[];
  /** SIGTERM, then waits for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns the built server with --http --port 0 and waits for the line with its URL. A sandbox it
 * starts logs its simulators' exchanges, checked after each test against the API descriptions.
 */
export async function startHttpProcess(args: string[], env = cleanEnv()): Promise<HttpProcess> {
  const child = spawn(process.execPath, [CLI, '--http', '--port', '0', ...args], { env: { ...env, ...exchangeLogEnv() }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL on stderr within 15 s: ${stderr.join('')}`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString());
      const found = /listening on (http:\/\/\S+\/mcp)/.exec(stderr.join(''));
      if (found) {
        clearTimeout(timer);
        resolve(new URL(found[1]!));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${stderr.join('')}`));
    });
  });
  return {
    child,
    url,
    stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A fetch that behaves as the protocol's draft asks of Streamable HTTP clients: cancelling a call
 * closes that call's response stream. (SDK 1.x clients send notifications/cancelled on a request of
 * its own instead, which a stateless server cannot match; it is still sent, and answered 202.)
 */
export function cancellingFetch(): typeof fetch {
  const streams = new Map<string | number, AbortController>();
  return async (input, init) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { id?: string | number; method?: string; params?: { requestId?: string | number } }) : undefined;
    if (body?.method === 'notifications/cancelled' && body.params?.requestId !== undefined) {
      streams.get(body.params.requestId)?.abort();
    }
    if (body?.id === undefined || body.method === undefined) return fetch(input, init);
    const controller = new AbortController();
    streams.set(body.id, controller);
    const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    try {
      return await fetch(input, { ...init, signal });
    } finally {
      // The response body keeps the signal; the map entry only needs to live while the stream does.
      setTimeout(() => streams.delete(body.id!), 60_000).unref();
    }
  };
}

/** A real SDK client over Streamable HTTP, optionally with a bearer token. */
export async function connectHttp(url: URL, options: { token?: string; fetch?: typeof fetch } = {}): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, {
    ...(options.token ? { requestInit: { headers: { authorization: `Bearer ${options.token}` } } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const client = new Client({ name: 'http-e2e', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

/** A raw POST to the MCP endpoint, with the headers a conforming client sends unless overridden. */
export async function post(url: URL, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The JSON-RPC messages of an SSE (or JSON) reply. */
export function messages(text: string): Array<{ id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } }> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return [JSON.parse(trimmed)];
  return trimmed
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)));
}
