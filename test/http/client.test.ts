import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MembersError } from '../../src/core/errors.js';
import { CallBudget } from '../../src/http/budget.js';
import { HttpClient, type HttpClientOptions } from '../../src/http/client.js';
import { RateLimiter } from '../../src/http/rate-limit.js';
import { FileStartLog } from '../../src/http/shared-limit.js';
import { buildPath, HEX24, UUID } from '../../src/http/path.js';
import { Redactor } from '../../src/core/redact.js';
import { Logger, silentLogger } from '../../src/core/log.js';
import { HttpSimulator, type SimRequest, type SimResponse } from '../../src/sandbox/simulator.js';

/** A tiny provider for exercising the HTTP client: a counter and a few canned answers. */
class EchoSimulator extends HttpSimulator {
  readonly provider = 'echo';
  items: string[] = [];
  constructor() {
    super();
    this.route('GET', '/api/items', () => ({ status: 200, json: { items: this.items } }));
    this.route('POST', '/api/items', (req) => {
      this.items.push(String((req.body as { name?: unknown }).name));
      return { status: 201, json: { ok: true } };
    });
    this.route('GET', '/api/items/:id', (req) => ({ status: 200, json: { id: req.params.id } }));
    this.route('GET', '/api/plain', () => ({ status: 400, text: 'Member already exists in project' }));
    this.route('GET', '/api/empty', () => ({ status: 404 }));
    this.route('GET', '/api/leaky', (req) => ({ status: 401, json: { message: `invalid key ${String(req.headers['x-api-key'])}` } }));
    this.route('GET', '/api/echo-long', (req) => ({ status: 400, text: `${'x'.repeat(Number(req.query.get('at')))}${String(req.headers['x-api-key'])} and more text after it` }));
    this.route('POST', '/api/search', (req) => ({ status: 200, json: { found: [(req.body as { q: string }).q] } }));
    this.route('GET', '/api/big', () => ({ status: 200, text: 'y'.repeat(this.big) }));
    this.route('POST', '/api/big', () => ({ status: 201, text: 'y'.repeat(this.big) }));
  }

  /** The size of /big's reply. */
  big = 0;
  protected notFound(): SimResponse {
    return { status: 404, json: { message: 'no such path' } };
  }
  protected methodNotAllowed(request: SimRequest): SimResponse {
    return { status: 405, json: { message: `${request.method} not allowed` } };
  }
}

let sim: EchoSimulator;
let client: HttpClient;
const signal = () => new AbortController().signal;

function makeClient(overrides: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    label: 'Echo',
    baseUrl: `${sim.url}/api/`,
    headers: { 'x-api-key': 'super-secret-key' },
    redactor: new Redactor().add('super-secret-key'),
    logger: silentLogger(),
    timeouts: { connectMs: 1000, responseMs: 300 },
    retry: { attempts: 3, budgetMs: 3000, baseDelayMs: 10, maxDelayMs: 50 },
    limits: { maxInFlight: 4 },
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<MembersError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MembersError);
  return error as MembersError;
}

beforeEach(async () => {
  sim = await new EchoSimulator().start();
  client = makeClient();
});

afterEach(async () => {
  await client.close();
  await sim.stop();
});

describe('HttpClient', () => {
  it('sends JSON under the base path and parses JSON replies', async () => {
    const created = await client.request({ method: 'POST', path: '/items', body: { name: 'a' }, signal: signal() });
    expect(created.status).toBe(201);
    const listed = await client.request<{ items: string[] }>({ method: 'GET', path: '/items', signal: signal() });
    expect(listed.json.items).toEqual(['a']);
    expect(sim.requests[0]).toMatchObject({ method: 'POST', path: '/api/items', body: { name: 'a' } });
    expect(sim.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('reads a plain-text error body and an empty one', async () => {
    const plain = await failure(client.request({ method: 'GET', path: '/plain', signal: signal() }));
    expect(plain).toMatchObject({ code: 'PROVIDER_ERROR', status: 400 });
    expect(plain.message).toBe('Echo answered HTTP 400 to GET /plain: Member already exists in project');
    const empty = await failure(client.request({ method: 'GET', path: '/empty', signal: signal() }));
    expect(empty).toMatchObject({ code: 'NOT_FOUND' });
    expect(empty.message).toBe('Echo answered HTTP 404 to GET /empty');
  });

  it('lets the provider mapping decide the code and the words', async () => {
    await client.close();
    client = makeClient({ describeError: (reply) => (reply.text.includes('already exists') ? { code: 'INVALID_ARGUMENT', hint: 'already there' } : undefined) });
    const error = await failure(client.request({ method: 'GET', path: '/plain', signal: signal() }));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', hint: 'already there' });
  });

  it('never lets a credential into a message', async () => {
    const error = await failure(client.request({ method: 'GET', path: '/leaky', signal: signal() }));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toContain('invalid key [REDACTED]');
    expect(`${error.message}${error.hint ?? ''}`).not.toContain('super-secret-key');
  });

  it('redacts a long error body before cutting it, so that no part of an echoed credential survives the cut', async () => {
    // The key starts at character 290 of the body and the body is cut at 300.
    const error = await failure(client.request({ method: 'GET', path: '/echo-long', query: { at: 290 }, signal: signal() }));
    expect(error.message).toContain('[REDACTED]');
    expect(error.message).not.toContain('super-sec');
  });

  it('retries 429 honouring Retry-After, and 503 on writes, then succeeds', async () => {
    sim.injectFault({ match: { method: 'POST' }, status: 429, headers: { 'retry-after': '0' }, times: 1 });
    sim.injectFault({ match: { method: 'POST' }, status: 503, times: 1 });
    await client.request({ method: 'POST', path: '/items', body: { name: 'b' }, signal: signal() });
    expect(sim.requestsMatching('POST').map((r) => r.status)).toEqual([429, 503, 201]);
    expect(sim.items).toEqual(['b']);
  });

  it('gives up on a Retry-After longer than the budget instead of hanging', async () => {
    sim.injectFault({ status: 429, json: { message: 'slow down' }, headers: { 'retry-after': '3600' }, times: Infinity });
    const before = Date.now();
    const error = await failure(client.request({ method: 'GET', path: '/items', signal: signal() }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.message).toMatch(/^Echo answered HTTP 429 to GET \/items: slow down\. It asks to retry at \d{4}-\d\d-\d\dT[\d:.]+Z \(in 3600 s\)/);
    expect(error.retryAt! - before).toBeGreaterThanOrEqual(3_600_000);
    expect(error.retryAt! - before).toBeLessThan(3_700_000);
    expect(sim.requests).toHaveLength(1);
  });

  it('stops after the configured attempts', async () => {
    sim.injectFault({ status: 503, times: Infinity });
    const error = await failure(client.request({ method: 'GET', path: '/items', signal: signal() }));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(sim.requests).toHaveLength(3);
  });

  it('retries a read after a dropped connection or a timeout', async () => {
    sim.injectFault({ drop: true, times: 1 });
    // Far beyond the 300 ms timeout, which undici checks on a coarse clock (it may fire near 1 s):
    // the delay ends when the client gives up, so it costs no more than the timeout.
    sim.injectFault({ delayMs: 20_000, times: 1 });
    const response = await client.request({ method: 'GET', path: '/items', signal: signal() });
    expect(response.status).toBe(200);
    expect(sim.requests).toHaveLength(3);
  });

  it('never repeats a write whose reply was lost, and says its outcome is unknown', async () => {
    sim.injectFault({ match: { method: 'POST' }, when: 'after', drop: true, times: 1 });
    const dropped = await failure(client.request({ method: 'POST', path: '/items', body: { name: 'c' }, signal: signal() }));
    expect(dropped).toMatchObject({ code: 'PROVIDER_ERROR', outcomeUnknown: true });
    expect(dropped.message).toContain('may or may not have been applied');
    sim.injectFault({ match: { method: 'POST' }, when: 'after', delayMs: 20_000, times: 1 }); // ends when the client gives up
    const late = await failure(client.request({ method: 'POST', path: '/items', body: { name: 'd' }, signal: signal() }));
    expect(late).toMatchObject({ code: 'TIMEOUT', outcomeUnknown: true });
    sim.injectFault({ match: { method: 'POST' }, status: 502, times: 1 });
    expect(await failure(client.request({ method: 'POST', path: '/items', body: { name: 'e' }, signal: signal() }))).toMatchObject({ outcomeUnknown: true });
    // A 500 after the write landed says nothing either: the caller decides by reading.
    sim.injectFault({ match: { method: 'POST' }, when: 'after', status: 500, times: 1 });
    expect(await failure(client.request({ method: 'POST', path: '/items', body: { name: 'h' }, signal: signal() }))).toMatchObject({ status: 500, outcomeUnknown: true });
    expect(sim.requestsMatching('POST')).toHaveLength(4);
    expect(sim.items).toEqual(['c', 'd', 'h']);
  });

  it('repeats a read sent with POST (idempotent) as a read, after a drop, a timeout or a 500', async () => {
    sim.injectFault({ match: { method: 'POST' }, drop: true, times: 1 });
    sim.injectFault({ match: { method: 'POST' }, delayMs: 20_000, times: 1 }); // ends when the client gives up
    await client.close();
    client = makeClient({ retry: { attempts: 4, budgetMs: 5000, baseDelayMs: 10, maxDelayMs: 50 } });
    sim.injectFault({ match: { method: 'POST' }, status: 500, times: 1 });
    const response = await client.request({ method: 'POST', path: '/search', body: { q: 'x' }, signal: signal(), idempotent: true });
    expect(response.json).toEqual({ found: ['x'] });
    expect(sim.requestsMatching('POST').map((r) => r.fault ?? r.status)).toEqual(['before: drop', 'before: delay 20000 ms', 'before: status 500', 200]);
    // The same request without the flag is a write: one attempt, outcome unknown.
    sim.injectFault({ match: { method: 'POST' }, drop: true, times: 1 });
    expect(await failure(client.request({ method: 'POST', path: '/search', body: { q: 'y' }, signal: signal() }))).toMatchObject({ outcomeUnknown: true });
    // And a read that fails for good is never "may have been applied".
    sim.injectFault({ match: { method: 'POST' }, drop: true, times: Infinity });
    const lost = await failure(client.request({ method: 'POST', path: '/search', body: { q: 'z' }, signal: signal(), idempotent: true }));
    expect(lost.outcomeUnknown).toBe(false);
    expect(lost.message).not.toContain('may or may not');
  });

  it('fails a reply larger than the limit clearly, without reading it, announced or not', async () => {
    await client.close();
    client = makeClient({ maxReplyBytes: 64 * 1024 });
    sim.big = 200 * 1024;
    const announced = await failure(client.request({ method: 'GET', path: '/big', signal: signal() }));
    expect(announced).toMatchObject({ code: 'PROVIDER_ERROR', status: 200, outcomeUnknown: false });
    expect(announced.message).toBe('Echo answered HTTP 200 to GET /big with a reply larger than 64 KiB, which is more than this server reads; it was not read.');
    expect(announced.hint).toContain('MEMBERS_MCP_MAX_REPLY_BYTES');
    // A write whose reply could not be read may have landed: its outcome is for a read to decide.
    expect(await failure(client.request({ method: 'POST', path: '/big', signal: signal() }))).toMatchObject({ outcomeUnknown: true });

    // Without a length announced, the reply is abandoned as soon as it passes the limit.
    let sent = 0;
    const endless = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const more = () => {
        while (sent < 50 * 1024 * 1024 && res.write('z'.repeat(16 * 1024))) sent += 16 * 1024;
        if (sent < 50 * 1024 * 1024) res.once('drain', more);
        else res.end();
      };
      res.on('error', () => undefined);
      more();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const streaming = makeClient({ baseUrl: `http://127.0.0.1:${(endless.address() as { port: number }).port}`, maxReplyBytes: 64 * 1024 });
    try {
      const streamed = await failure(streaming.request({ method: 'GET', path: '/anything', signal: signal() }));
      expect(streamed.message).toContain('larger than 64 KiB');
      expect(sent).toBeLessThan(50 * 1024 * 1024);
    } finally {
      await streaming.close();
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
    // Within the limit, as before.
    sim.big = 1000;
    expect((await client.request({ method: 'GET', path: '/big', signal: signal() })).text).toHaveLength(1000);
  });

  it('may be closed twice (two shutdown paths)', async () => {
    await client.request({ method: 'GET', path: '/items', signal: signal() });
    await Promise.all([client.close(), client.close()]);
    await client.close();
    const unused = makeClient();
    await unused.close();
    await unused.close();
  });

  it('reports a refused connection as nothing sent', async () => {
    const closed = await closedPort();
    const offline = new HttpClient({ label: 'Offline', baseUrl: `http://127.0.0.1:${closed}`, redactor: new Redactor(), logger: silentLogger(), retry: { attempts: 2, budgetMs: 500, baseDelayMs: 5, maxDelayMs: 5 } });
    const error = await failure(offline.request({ method: 'POST', path: '/x', body: {}, signal: signal() }));
    await offline.close();
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', outcomeUnknown: false });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('stops at once when the caller cancels, during a back-off wait too', async () => {
    await client.close();
    client = makeClient({ retry: { attempts: 5, budgetMs: 60_000, baseDelayMs: 5_000, maxDelayMs: 5_000 } });
    sim.injectFault({ status: 503, times: Infinity });
    const controller = new AbortController();
    const pending = client.request({ method: 'GET', path: '/items', signal: controller.signal });
    while (sim.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe('CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sim.requests).toHaveLength(1);
  });

  it('says a write cancelled in flight may have been applied, and one cancelled before sending was not', async () => {
    sim.injectFault({ match: { method: 'POST' }, when: 'after', delayMs: 200, times: 1 });
    const inFlight = new AbortController();
    const pending = client.request({ method: 'POST', path: '/items', body: { name: 'f' }, signal: inFlight.signal });
    while (sim.items.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight.abort();
    expect(await failure(pending)).toMatchObject({ code: 'CANCELLED', outcomeUnknown: true });
    expect(sim.items).toEqual(['f']); // it was applied: "unknown" was the honest answer

    await client.close();
    const limiter = new RateLimiter({ requests: 1, intervalMs: 3_600_000 });
    client = makeClient({ limits: { maxInFlight: 1 }, limiter });
    await client.request({ method: 'GET', path: '/items', signal: signal() });
    const waiting = new AbortController();
    const queued = client.request({ method: 'POST', path: '/items', body: { name: 'g' }, signal: waiting.signal });
    waiting.abort();
    expect(await failure(queued)).toMatchObject({ code: 'CANCELLED', outcomeUnknown: false });
    expect(sim.items).toEqual(['f']);
    expect(limiter.status()).toMatchObject({ limit: '1/h', queued: 0, available: 0 });
  });

  it('logs retries at debug level, redacted', async () => {
    const lines: string[] = [];
    const logger = new Logger('debug', new Redactor().add('super-secret-key'), false);
    logger.addSink((_level, message) => lines.push(message));
    await client.close();
    client = makeClient({ logger });
    sim.injectFault({ status: 503, times: 1 });
    await client.request({ method: 'GET', path: '/items', signal: signal() });
    expect(lines.join('\n')).toMatch(/Echo: HTTP 503 on GET \/items; attempt 2 in \d+ ms/);
  });
});

describe('HttpClient within a call\'s budget', () => {
  const HOUR = 3_600_000;
  /**
   * These tests count requests, turns and waits. A reply slower than this file's 300 ms response
   * timeout (a loaded machine) would be retried, and a retry takes a turn of its own, so their
   * clients give the simulator all the time a test has: no timeout is under test here.
   */
  const budgetClient = (overrides: Partial<HttpClientOptions>) => makeClient({ timeouts: { connectMs: 10_000, responseMs: 20_000 }, ...overrides });
  /** A call's budget, and the signal its requests carry (which is how the client finds the budget). */
  const callBudget = (limiter: RateLimiter | undefined, budgetMs: number, onWait?: (message: string) => void) => {
    const signal = new AbortController().signal;
    return { signal, budget: new CallBudget({ connection: 'echo', signal, startedAt: Date.now(), budgetMs, limiter, onWait }) };
  };

  it('answers RATE_LIMITED at once, sending nothing, when the next turn comes after the call\'s deadline', async () => {
    const limiter = new RateLimiter({ requests: 3, intervalMs: HOUR });
    await client.close();
    client = budgetClient({ limiter });
    await client.request({ method: 'GET', path: '/items', signal: signal() }); // another call's
    const { signal: callSignal, budget } = callBudget(limiter, 45_000);
    await client.request({ method: 'GET', path: '/items', signal: callSignal });
    await client.request({ method: 'GET', path: '/items', signal: callSignal });
    const before = Date.now();
    const error = await failure(client.request({ method: 'POST', path: '/items', body: { name: 'x' }, signal: callSignal }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.budget).toEqual({ limit: '3/h', requests: 3, available: 0 });
    expect(error.retryAt! - before).toBeGreaterThan(HOUR - 60_000);
    expect(error.message).toContain('this call needed at least 3 requests (2 made)');
    expect(error.message).toMatch(/Retry at \S+Z \(in \d+ s\)/);
    expect(sim.requests).toHaveLength(3);
    expect(sim.items).toEqual([]);
    expect(budget.requests).toBe(2);
    expect(limiter.status().queued).toBe(0);
  });

  it('waits for a turn within the budget, telling the call and the debug log', async () => {
    const lines: string[] = [];
    const logger = new Logger('debug', new Redactor(), false);
    logger.addSink((_level, message) => lines.push(message));
    const limiter = new RateLimiter({ requests: 2, intervalMs: 1000 });
    await client.close();
    client = budgetClient({ limiter, logger });
    const waits: string[] = [];
    const { signal: callSignal, budget } = callBudget(limiter, 10_000, (message) => waits.push(message));
    const responses = await Promise.all([1, 2, 3].map(() => client.request({ method: 'GET', path: '/items', signal: callSignal })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(budget.requests).toBe(3);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(/^Waiting \d\.\d s for the rate limit \(2\/s\) before GET \/items\.$/);
    expect(lines.join('\n')).toMatch(/Echo: rate limit 2\/s reached; GET \/items waits \d+ ms for its turn/);
  });

  it('says so, sending nothing, when the shared rate-limit state cannot be used', async () => {
    await client.close();
    client = budgetClient({ limiter: new RateLimiter({ requests: 5, intervalMs: HOUR }, new FileStartLog('/dev/null/not-a-directory/state.json')) });
    const error = await failure(client.request({ method: 'GET', path: '/items', signal: signal() }));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('The rate-limit state could not be used');
    expect(error.hint).toContain('MEMBERS_MCP_SHARE_RATE_LIMIT');
    expect(sim.requests).toHaveLength(0);
  });

  it('does not wait for a provider\'s Retry-After that ends after the call\'s deadline', async () => {
    await client.close();
    client = budgetClient({ retry: { attempts: 5, budgetMs: 60_000, baseDelayMs: 10, maxDelayMs: 50 } });
    sim.injectFault({ status: 429, json: { message: 'later' }, headers: { 'retry-after': '5' }, times: Infinity });
    const { signal: callSignal } = callBudget(undefined, 1_000);
    const error = await failure(client.request({ method: 'GET', path: '/items', signal: callSignal }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.message).toContain('(in 5 s)');
    expect(sim.requests).toHaveLength(1);
  });
});

describe('buildPath', () => {
  it('encodes values and checks them against the provider\'s id grammar', () => {
    expect(buildPath('/p/{id}/m', { id: 'a b/c' })).toBe('/p/a%20b%2Fc/m');
    expect(buildPath('/p/{id}', { id: '64a000000000000000000001' }, { id: HEX24 })).toBe('/p/64a000000000000000000001');
    for (const bad of ['..', '.', '', 'x\u0000y']) {
      expect(() => buildPath('/p/{id}', { id: bad })).toThrow(MembersError);
    }
    expect(() => buildPath('/p/{id}', { id: '../../admin' }, { id: UUID })).toThrow(/not a valid id \(expected a UUID\)/);
  });
});

describe('Redactor', () => {
  it('removes registered secrets, their URL-encoded form and bearer tokens', () => {
    const redactor = new Redactor().add('p@ss word', 'abc', undefined);
    expect(redactor.redact('login p@ss word / p%40ss%20word')).toBe('login [REDACTED] / [REDACTED]');
    expect(redactor.redact('abc stays: too short to be a secret')).toContain('abc');
    expect(redactor.redact('Authorization: Bearer eyJhbGciOi.payload.sig')).toBe('Authorization: Bearer [REDACTED]');
  });

  it('forgets a secret that is no longer live', () => {
    const redactor = new Redactor().add('old-session-token', 'password-1');
    redactor.remove('old-session-token').remove(undefined);
    expect(redactor.size).toBe(1);
    expect(redactor.redact('password-1')).toBe('[REDACTED]');
  });
});

async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
