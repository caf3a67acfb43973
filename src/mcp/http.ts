import { createServer as createNodeServer, type IncomingMessage, type Server as NodeServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.js';
import type { HttpAuth, Principal } from './auth.js';
import { ErrorCode, streamableHttpTransport, type JSONRPCMessage, type Server, type StreamableHTTPServerTransport } from './sdk.js';

export const MCP_PATH = '/mcp';
export const HEALTH_PATH = '/healthz';

export interface HttpTransportOptions {
  /** Builds a configured MCP server. One is made for each request: nothing outlives a request. */
  createServer: () => Server;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /**
   * Bearer authentication, built once the endpoint's URL is known (with port 0 it is known only
   * after listening); without it every request is served (loopback only, see the settings).
   */
  auth?: ((endpoint: URL) => Promise<HttpAuth>) | undefined;
  /** DNS-rebinding protection: the Host names (optionally with a port) and Origins accepted; "*" accepts any. */
  allowedHosts: string[];
  allowedOrigins: string[];
  maxBodyBytes: number;
  /** How long a shutdown lets calls in flight finish before cutting them. */
  shutdownMs: number;
  version: string;
}

/** A call being served: what it is (once its message is read), for the request log and the shutdown report. */
interface Call {
  started: number;
  principal?: Principal | undefined;
  method?: string;
  tool?: string;
  id?: string | number;
  server: Server;
  transport: StreamableHTTPServerTransport;
}

export interface ShutdownReport {
  /** Calls in flight when the shutdown began that finished within the deadline. */
  finished: number;
  /** Calls still running at the deadline, aborted (their writes in flight are journaled as unknown). */
  cut: string[];
}

/**
 * The Streamable HTTP transport on node:http, stateless: each POST to /mcp gets a fresh MCP server
 * and transport (the SDK's stateless mode), so any replica can serve any request. Progress
 * notifications travel on the request's own SSE stream, and closing that stream cancels the call
 * (the protocol's draft makes a client disconnect the cancellation signal on this transport; a
 * separate notifications/cancelled cannot be matched to a request without sessions, and is ignored).
 * Before any MCP handling: Host and Origin are checked (403), then the bearer token (401).
 */
export class McpHttpServer {
  private readonly node: NodeServer;
  private readonly calls = new Set<Call>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly hosts: HostPolicy;
  private auth: HttpAuth | undefined;
  /** Requests wait here until authentication is ready, so none is served before it is. */
  private ready: Promise<void>;
  private markReady!: (failed?: boolean) => void;
  private draining = false;
  private shuttingDown: Promise<ShutdownReport> | undefined;

  constructor(private readonly options: HttpTransportOptions) {
    this.hosts = new HostPolicy(options.allowedHosts, options.allowedOrigins);
    this.ready = new Promise<void>((resolve, reject) => (this.markReady = (failed) => (failed ? reject(new Error('not started')) : resolve())));
    this.ready.catch(() => undefined);
    this.node = createNodeServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        options.logger.error(`http: ${req.method} ${pathOf(req)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal error');
        else res.destroy();
      });
    });
    // Longer than the usual load balancer idle timeout (60 s), so that the balancer closes idle
    // connections first and never sends a request on one this server is closing.
    this.node.keepAliveTimeout = 65_000;
  }

  /** Listens and returns the MCP endpoint's URL. */
  async listen(): Promise<URL> {
    await new Promise<void>((resolve, reject) => {
      this.node.once('error', reject);
      this.node.listen(this.options.port, this.options.host, () => {
        this.node.off('error', reject);
        resolve();
      });
    });
    try {
      this.auth = await this.options.auth?.(this.url);
    } catch (error) {
      this.markReady(true);
      await new Promise<void>((resolve) => this.node.close(() => resolve()));
      throw error;
    }
    this.markReady();
    return this.url;
  }

  get url(): URL {
    const address = this.node.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new URL(`http://${host}:${address.port}${MCP_PATH}`);
  }

  /**
   * Stops accepting, lets calls in flight finish up to the deadline, then aborts the rest (their
   * handlers see the cancellation, as when a client disconnects) and closes every connection.
   */
  shutdown(): Promise<ShutdownReport> {
    this.shuttingDown ??= this.drain();
    return this.shuttingDown;
  }

  private async drain(): Promise<ShutdownReport> {
    this.draining = true;
    const inFlight = this.calls.size;
    const closed = new Promise<void>((resolve) => this.node.close(() => resolve()));
    this.node.closeIdleConnections();
    if (this.calls.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.shutdownMs))),
      ]);
      clearTimeout(timer);
    }
    const cut = [...this.calls].map((call) => `${describe(call)} (running ${Math.round(performance.now() - call.started)} ms)`);
    for (const line of cut) this.options.logger.warning(`shutdown: cut ${line} at the ${this.options.shutdownMs} ms deadline`);
    await Promise.all([...this.calls].map((call) => this.cut(call)));
    this.node.closeAllConnections();
    await closed;
    return { finished: inFlight - cut.length, cut };
  }

  /**
   * Answers a call with an error (without one, an SDK 1.x client waits for its own timeout on a
   * stream that ended), then closes its server, which aborts the handler as a disconnect would.
   */
  private async cut(call: Call): Promise<void> {
    if (call.id !== undefined) {
      const message =
        'The server is shutting down and cut this call at its deadline. Changes already made stay made (the write journal lists them); call again on another instance: it applies only what is missing.';
      await call.transport.send({ jsonrpc: '2.0', id: call.id, error: { code: ErrorCode.ConnectionClosed, message } }).catch(() => undefined);
    }
    await call.server.close().catch(() => undefined);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.ready;
    } catch {
      return this.refuse(req, res, 503, 'Server is not available');
    }
    const path = pathOf(req);
    // The health check answers whatever Host a load balancer probes with; it tells nothing secret.
    if (path !== HEALTH_PATH && !this.hosts.hostAllowed(req.headers.host)) {
      return this.refuse(req, res, 403, `Forbidden: Host ${JSON.stringify(req.headers.host ?? '')} is not allowed`);
    }
    if (!this.hosts.originAllowed(req.headers.origin)) {
      return this.refuse(req, res, 403, `Forbidden: Origin ${JSON.stringify(req.headers.origin)} is not allowed`);
    }
    if (path === HEALTH_PATH) return this.health(req, res);
    const auth = this.auth;
    if (auth?.oauth && auth.metadataPaths.includes(path)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, auth.metadata(), { 'cache-control': 'public, max-age=3600' });
    }
    if (path !== MCP_PATH) return sendJson(res, 404, { error: 'not_found', error_description: `Nothing here; the MCP endpoint is ${MCP_PATH}.` });
    if (this.draining) return this.refuse(req, res, 503, 'Server is shutting down; retry on another instance', { connection: 'close', 'retry-after': '1' });

    let principal: Principal | undefined;
    if (auth) {
      const outcome = await auth.authenticate(req.headers.authorization);
      if (!outcome.ok) {
        const headers: Record<string, string> = { 'www-authenticate': auth.challenge(outcome) };
        if (outcome.status === 503) headers['retry-after'] = '5';
        return this.refuse(req, res, outcome.status, outcome.description, headers);
      }
      principal = outcome.principal;
    }
    forgetCredentials(req);
    // Stateless: no standalone SSE stream to GET, and no session to DELETE.
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
    if (Number(req.headers['content-length']) > this.options.maxBodyBytes) {
      return this.refuse(req, res, 413, `Payload Too Large: the body must not exceed ${this.options.maxBodyBytes} bytes`, { connection: 'close' });
    }
    await this.serveMcp(req, res, principal);
  }

  private async serveMcp(req: IncomingMessage, res: ServerResponse, principal: Principal | undefined): Promise<void> {
    // A JSON body is read here, with Node's streams and the size cap: cheaper than the transport
    // reading it through web streams. Anything else is left to the transport, which answers 415.
    let parsed: unknown;
    if (JSON_TYPE.test(req.headers['content-type'] ?? '')) {
      const body = await readBody(req, this.options.maxBodyBytes);
      if (body === undefined) {
        return this.refuse(req, res, 413, `Payload Too Large: the body must not exceed ${this.options.maxBodyBytes} bytes`, { connection: 'close' });
      }
      try {
        parsed = JSON.parse(body);
      } catch {
        return this.refuse(req, res, 400, 'Parse error: Invalid JSON', {}, -32700);
      }
    }
    const server = this.options.createServer();
    const Transport = await streamableHttpTransport();
    const transport = new Transport({ sessionIdGenerator: undefined, maxRequestBodySize: this.options.maxBodyBytes });
    const call: Call = { started: performance.now(), principal, server, transport };
    this.calls.add(call);
    res.once('close', () => {
      // Whether the reply went out or the client went away, this request's server is done: closing
      // it aborts a handler still running, which is how a disconnect cancels a call.
      server.close().catch(() => undefined);
      this.calls.delete(call);
      this.options.logger.debug(
        `http: ${describe(call)} -> ${res.writableFinished ? res.statusCode : 'client went away'} in ${Math.round(performance.now() - call.started)} ms${principal ? ` (${principal.id})` : ''}`,
      );
      if (this.calls.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
    server.onerror ??= (error) => this.options.logger.debug(`http: ${error.message}`);
    await server.connect(transport);
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      note(call, message);
      deliver?.(message, extra);
    };
    await transport.handleRequest(req, res, parsed);
  }

  private health(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    if (this.draining) return sendJson(res, 503, { status: 'shutting_down', version: this.options.version });
    sendJson(res, 200, { status: 'ok', version: this.options.version });
  }

  private refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}, code = -32000): void {
    this.options.logger.debug(`http: ${req.method} ${pathOf(req)} refused with ${status}: ${message}`);
    sendJsonRpcError(res, status, code, message, headers);
  }
}

/**
 * The DNS-rebinding check. A Host is accepted when its name (and port, if the entry names one) is
 * listed; an Origin, when its name is an accepted host or it is listed exactly. A request without
 * Origin (not from a browser) passes the Origin check.
 */
export class HostPolicy {
  private readonly anyHost: boolean;
  private readonly anyOrigin: boolean;
  private readonly hosts: Array<{ hostname: string; port: string }>;
  private readonly origins: Set<string>;

  constructor(hosts: string[], origins: string[]) {
    this.anyHost = hosts.includes('*');
    this.anyOrigin = origins.includes('*');
    this.hosts = hosts.filter((h) => h !== '*').flatMap((h) => {
      const parsed = parseHost(h);
      return parsed ? [{ hostname: parsed.hostname, port: parsed.port }] : [];
    });
    this.origins = new Set(origins.filter((o) => o !== '*').flatMap((o) => originOf(o) ?? []));
  }

  hostAllowed(header: string | undefined): boolean {
    if (this.anyHost) return true;
    const host = header ? parseHost(header) : undefined;
    return host !== undefined && this.hosts.some((allowed) => allowed.hostname === host.hostname && (allowed.port === '' || allowed.port === host.port));
  }

  originAllowed(header: string | undefined): boolean {
    if (header === undefined || this.anyOrigin) return true;
    const origin = originOf(header);
    if (!origin) return false;
    if (this.origins.has(origin)) return true;
    const hostname = new URL(origin).hostname;
    return this.hosts.some((allowed) => allowed.hostname === hostname);
  }
}

/** The request's path, without the query string (which is never logged: it may hold a token). */
function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://path.invalid').pathname;
  } catch {
    return '/';
  }
}

/** application/json, with or without parameters (charset). */
const JSON_TYPE = /^\s*application\/json\s*(;|$)/i;

/**
 * The body as text, or undefined once it passes `max` bytes. Reading then stops without
 * destroying the request, so that the 413 still goes out (with Connection: close).
 */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', reject);
      req.pause();
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

function parseHost(text: string): { hostname: string; port: string } | undefined {
  if (!/^[A-Za-z0-9.\-[\]:]+$/.test(text)) return undefined;
  try {
    const url = new URL(`http://${text}`);
    return { hostname: url.hostname.toLowerCase(), port: url.port };
  } catch {
    return undefined;
  }
}

function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The token has been checked: nothing after this point (the SDK's request info, a handler) sees it. */
function forgetCredentials(req: IncomingMessage): void {
  delete req.headers.authorization;
  for (let i = req.rawHeaders.length - 2; i >= 0; i -= 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'authorization') req.rawHeaders.splice(i, 2);
  }
}

function note(call: Call, message: JSONRPCMessage): void {
  if (!('method' in message) || call.method !== undefined) return;
  call.method = message.method;
  if ('id' in message) call.id = message.id;
  const name = (message.params as { name?: unknown } | undefined)?.name;
  if (message.method === 'tools/call' && typeof name === 'string') call.tool = name;
}

function describe(call: Call): string {
  if (!call.method) return 'POST /mcp';
  return `${call.method}${call.tool ? ` ${call.tool}` : ''}${call.id !== undefined ? ` (request ${JSON.stringify(call.id)})` : ''}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The transport's error shape: a JSON-RPC error response without an id. */
function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendJsonRpcError(res, 405, -32000, `Method not allowed; this endpoint takes ${allow}.`, { allow });
}
