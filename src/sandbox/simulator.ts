import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A request as a simulator's route handler sees it. */
export interface SimRequest {
  method: string;
  /** Path without the query string, percent-decoding left to the router. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body; undefined when empty or not JSON (see rawBody). */
  body: unknown;
  rawBody: string;
}

export interface SimResponse {
  status: number;
  /** A JSON body; wins over `text`. */
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/**
 * A fault for the next matching requests. `when: 'before'` fails the request without handling it
 * (nothing applied); `when: 'after'` handles it (the change is applied) and then delays, replaces
 * or drops the reply, which is what a lost response looks like to a client.
 */
export interface FaultSpec {
  /** How many matching requests it applies to; default 1, Infinity for "until cleared". */
  times?: number;
  /** Chance that a matching request is hit (seeded, so runs repeat); default 1. */
  probability?: number;
  match?: { method?: string; path?: RegExp | string };
  when?: 'before' | 'after';
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  /** Pick one of these at random for each hit, instead of the fields above. */
  oneOf?: Array<Omit<FaultSpec, 'times' | 'probability' | 'match' | 'oneOf'>>;
  /** Runs when the fault hits, before the request is handled: another client's change landing first. */
  effect?: () => void;
}

/** One request a simulator received and the reply it gave, as exchange observers see it. */
export interface Exchange {
  /** The simulator's provider kind. */
  provider: string;
  method: string;
  /** The full path, base path included (Clockify's /api). */
  path: string;
  /** The query string, with its "?" (or empty). */
  query: string;
  headers: IncomingMessage['headers'];
  rawBody: string;
  /** The reply; undefined when the connection was dropped instead. */
  response: { status: number; headers: Record<string, string>; body: string } | undefined;
  /** Set when an injected fault replaced the reply or dropped it: then the reply is not the simulator's. */
  fault: string | undefined;
  /** When the request arrived (ms since the epoch, with fractions): the benchmark tells serial round trips apart by it. */
  receivedAt?: number;
}

/**
 * Called with every exchange of every simulator in this process: the test suite checks each one
 * against the provider's API description. Observers must not throw.
 */
export const exchangeObservers = new Set<(exchange: Exchange) => void>();

/** Appends every exchange of this process's simulators to a file, one JSON line each (for a sandbox in a child process). */
export function logExchangesTo(file: string): void {
  if (exchangeLogs.has(file)) return;
  exchangeLogs.add(file);
  exchangeObservers.add((exchange) => appendFileSync(file, `${JSON.stringify(exchange)}\n`));
}
const exchangeLogs = new Set<string>();

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  status?: number;
  fault?: string;
  /**
   * The simulator's own answer when it handled the request (before a fault after handling replaced
   * or dropped the reply): a write with a 2xx here was applied, whatever the client saw.
   */
  handled?: number;
}

export interface SimulatorOptions {
  /** Route matching ignores case (ASP.NET does). */
  caseInsensitive?: boolean;
  /** Latency added before every reply, to make benchmarks realistic. */
  latencyMs?: number;
  /** Seed of the fault-injection dice. */
  seed?: number;
  /** Generated people added to the demo data's directory (see people.ts). */
  people?: number;
}

/** Requests kept in a simulator's log; the oldest half goes when it is full. */
const MAX_RECORDED_REQUESTS = 10_000;

/**
 * The HTTP shell every provider simulator shares: node:http on 127.0.0.1 and an ephemeral port,
 * routing with `:param` segments, JSON bodies, a request log, configurable latency and
 * fault injection. Providers supply the routes, their state and their error bodies.
 */
export abstract class HttpSimulator {
  /** The provider kind simulated, e.g. "clockify". */
  abstract readonly provider: string;
  readonly requests: RequestRecord[] = [];
  latencyMs: number;
  private readonly routes: Route[] = [];
  private faults: Array<FaultSpec & { remaining: number }> = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private random: () => number;

  protected constructor(private readonly simulatorOptions: SimulatorOptions = {}) {
    this.latencyMs = simulatorOptions.latencyMs ?? 0;
    this.random = seededRandom(simulatorOptions.seed ?? 1);
  }

  /** Provider-specific replies for unknown paths and unsupported methods. */
  protected abstract notFound(request: SimRequest): SimResponse;
  protected abstract methodNotAllowed(request: SimRequest): SimResponse;
  /** Runs before routing; answer to refuse (authentication), or undefined to go on. */
  protected before(_request: SimRequest): SimResponse | undefined {
    return undefined;
  }

  protected route(method: string, pattern: string, handler: RouteHandler): void {
    this.routes.push({ method: method.toUpperCase(), segments: splitPath(pattern), handler });
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('simulator is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Injects a fault for the next matching requests (test-only hook). */
  injectFault(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Reseeds the dice, so that a test's probabilistic faults repeat exactly. */
  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  /** Requests that reached a route or fault, optionally filtered by method. */
  requestsMatching(method?: string, path?: RegExp): RequestRecord[] {
    return this.requests.filter(
      (record) => (!method || record.method === method) && (!path || path.test(record.path)),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.timeOrigin + performance.now();
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const request: SimRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      params: {},
      query: url.searchParams,
      headers: req.headers,
      body: parseBody(rawBody),
      rawBody,
    };
    const record: RequestRecord = {
      method: request.method,
      path: request.path,
      query: url.search,
      headers: req.headers,
      body: request.body ?? (rawBody === '' ? undefined : rawBody),
    };
    // Bounded, so that a sandbox serving for hours (`--http --sandbox`, the load benchmark) levels off.
    if (this.requests.length >= MAX_RECORDED_REQUESTS) this.requests.splice(0, MAX_RECORDED_REQUESTS / 2);
    this.requests.push(record);

    const fault = this.takeFault(request);
    if (fault) record.fault = describeFault(fault);
    // Delays end early when the client gives up (a timeout), so that nothing lingers after a test.
    const clientGone = new AbortController();
    res.once('close', () => clientGone.abort());
    const wait = async (ms: number) => {
      await sleep(ms, undefined, { signal: clientGone.signal }).catch(() => undefined);
    };
    // Observers see each exchange before its reply leaves, so that a reply the client has read is
    // always already in an exchange log (checked right after the test that caused it).
    const observe = (replaced: boolean) => (response: Exchange['response']) =>
      this.observe({ provider: this.provider, method: request.method, path: request.path, query: url.search, headers: req.headers, rawBody, response, fault: replaced ? record.fault : undefined, receivedAt });
    const drop = () => {
      observe(true)(undefined);
      req.socket.destroy();
    };
    try {
      fault?.effect?.();
      if (fault && fault.when !== 'after') {
        if (fault.delayMs) await wait(fault.delayMs);
        if (fault.drop) return drop();
        if (fault.status !== undefined) return this.send(res, record, faultResponse(fault), observe(true));
      }
      const response = await this.dispatch(request);
      record.handled = response.status;
      if (fault && fault.when === 'after') {
        if (fault.delayMs) await wait(fault.delayMs);
        if (fault.drop) return drop();
        if (fault.status !== undefined) return this.send(res, record, faultResponse(fault), observe(true));
      }
      if (this.latencyMs > 0) await wait(this.latencyMs);
      this.send(res, record, response, observe(false));
    } catch (error) {
      this.send(res, record, { status: 500, text: `simulator error: ${(error as Error).message}` }, observe(false));
    }
  }

  private observe(exchange: Exchange): void {
    for (const observer of exchangeObservers) observer(exchange);
  }

  private async dispatch(request: SimRequest): Promise<SimResponse> {
    const refused = this.before(request);
    if (refused) return refused;
    const segments = splitPath(request.path);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments, this.simulatorOptions.caseInsensitive ?? false);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== request.method) continue;
      request.params = params;
      return route.handler(request);
    }
    return pathMatched ? this.methodNotAllowed(request) : this.notFound(request);
  }

  private takeFault(request: SimRequest): (FaultSpec & { remaining: number }) | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !faultMatches(fault, request)) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      fault.remaining -= 1;
      if (!fault.oneOf || fault.oneOf.length === 0) return fault;
      const choice = fault.oneOf[Math.floor(this.random() * fault.oneOf.length)]!;
      return { ...choice, remaining: 0 };
    }
    return undefined;
  }

  private send(res: ServerResponse, record: RequestRecord, response: SimResponse, observe: (reply: Exchange['response']) => void): void {
    record.status = response.status;
    const headers: Record<string, string> = { ...response.headers };
    let payload = '';
    if (response.json !== undefined) {
      payload = JSON.stringify(response.json);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    } else if (response.text !== undefined) {
      payload = response.text;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    }
    headers['content-length'] = String(Buffer.byteLength(payload));
    observe({ status: response.status, headers, body: payload });
    res.writeHead(response.status, headers);
    res.end(payload);
  }
}

function faultMatches(fault: FaultSpec, request: SimRequest): boolean {
  const match = fault.match;
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (match.path instanceof RegExp) return match.path.test(request.path);
  if (typeof match.path === 'string') return request.path === match.path;
  return true;
}

function faultResponse(fault: FaultSpec): SimResponse {
  const response: SimResponse = { status: fault.status ?? 500 };
  if (fault.json !== undefined) response.json = fault.json;
  if (fault.text !== undefined) response.text = fault.text;
  if (fault.headers) response.headers = fault.headers;
  return response;
}

function describeFault(fault: FaultSpec): string {
  const what = fault.drop ? 'drop' : fault.status !== undefined ? `status ${fault.status}` : fault.delayMs !== undefined || !fault.effect ? `delay ${fault.delayMs ?? 0} ms` : 'effect';
  return `${fault.when ?? 'before'}: ${what}`;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: string[], actual: string[], caseInsensitive: boolean): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const got = actual[i]!;
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(got);
      } catch {
        return undefined;
      }
    } else if (caseInsensitive ? expected.toLowerCase() !== got.toLowerCase() : expected !== got) {
      return undefined;
    }
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** mulberry32: a tiny seeded generator, so probabilistic faults repeat run after run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reads a positive integer query parameter, with a default. */
export function intParam(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  return Number.isInteger(value) ? value : undefined;
}
