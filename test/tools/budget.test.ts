import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimit } from '../../src/http/rate-limit.js';
import { Logger } from '../../src/core/log.js';
import { Redactor } from '../../src/core/redact.js';
import type { ConnectionConfig } from '../../src/providers/module.js';
import { clockifyId } from '../../src/sandbox/clockify/seed.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { errorEnvelopeSchema, memberListSchema, mutationResultSchema } from '../../src/tools/schemas.js';
import { connectClient, startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/**
 * Rate limits that answer instead of hang, through a real MCP client (which validates every
 * result against the listed output schemas) and the simulators over HTTP. No assertion is on
 * wall-clock time; a `timeout` on each call (well below a client's 20 s) is what proves a call
 * did not hang.
 */

const HOUR = 3_600_000;
const FREE_PLAN: RateLimit = { requests: 30, intervalMs: HOUR };
const TWO_PER_SECOND: RateLimit = { requests: 2, intervalMs: 1000 };
/** A client that gives up after 20 s, as some MCP clients do: a hang fails the test. */
const CLIENT_TIMEOUT = { timeout: 20_000 };
const WEBSITE = clockifyId('project', 1);
const OFFICE = pmId('project', 3);
const person = (n: number) => `person.${String(n).padStart(4, '0')}@northwind.example.org`;

type Result = { isError?: boolean; content: Array<{ text: string }>; structuredContent?: Record<string, unknown> };

let box: TestSandbox | undefined;
let session: { client: Client; close(): Promise<void> } | undefined;
afterEach(async () => {
  await session?.close();
  await box?.stop();
  session = box = undefined;
});

function withRateLimit(rateLimit: RateLimit) {
  return (configs: ConnectionConfig[]) => configs.map((c) => ({ ...c, http: { ...c.http, limits: { ...c.http.limits, rateLimit } } }));
}

async function start(provider: 'clockify' | 'projectmanager', rateLimit: RateLimit, options: { callBudgetMs?: number; logger?: Logger; people?: number } = {}) {
  box = await startTestSandbox({ only: [provider], configure: withRateLimit(rateLimit), people: options.people ?? 0, ...(options.logger ? { logger: options.logger } : {}) });
  session = await connectClient(box.connections, {
    ...(options.callBudgetMs !== undefined ? { callBudgetMs: options.callBudgetMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await session.client.listTools(); // from here on the client validates every structuredContent
  const connection = box.connections.list[0]!;
  const call = async (name: string, args: Record<string, unknown>, onprogress?: (p: { progress: number; total?: number; message?: string }) => void) =>
    (await session!.client.callTool({ name, arguments: args }, CallToolResultSchema, { ...CLIENT_TIMEOUT, ...(onprogress ? { onprogress } : {}) })) as Result;
  return { box, client: session.client, connection, call };
}

function rateLimited(result: Result) {
  expect(result.isError).toBe(true);
  const { error } = errorEnvelopeSchema.parse(result.structuredContent);
  expect(error.code).toBe('RATE_LIMITED');
  // The retry time is in the message too, as an absolute time and a number of seconds.
  expect(error.message).toContain(`Retry at ${error.retryAt} (in ${error.retryAfterSeconds} s)`);
  return error;
}

describe('a Clockify connection at 30/h (the free plan)', () => {
  it('answers the call past the budget with RATE_LIMITED and a retry time, instead of hanging', async () => {
    const { box, call, client } = await start('clockify', FREE_PLAN);
    expect(client.getInstructions()).toContain('Rate limit 30/h: 30 of 30 requests left now.');
    const sim = box.sandbox.simulators.clockify;
    // list_project_members takes 4 requests, then 3 with the people cached: nine calls use 28 of the hour's 30.
    for (let i = 0; i < 9; i++) memberListSchema.parse((await call('list_project_members', { project: WEBSITE })).structuredContent);
    const started = Date.now();
    const error = rateLimited(await call('list_project_members', { project: WEBSITE }));
    expect(error.budget).toMatchObject({ limit: '30/h', available: 0 });
    expect(error.budget!.requests).toBe(3); // of its three reads (sent together), two had turns, and one was refused
    // The 31st request could start only when the first leaves the window, an hour after it.
    expect(Date.parse(error.retryAt!) - started).toBeGreaterThan(HOUR - 5 * 60_000);
    expect(error.retryAfterSeconds).toBeGreaterThan(3300);
    expect(error.message).toMatch(/^Rate limit reached on connection "clockify" \(rate limit 30\/h, 0 of 30 requests left now\)/);
    // Nothing beyond the 30th turn is sent, nor left queued. (The reads granted the 29th and 30th
    // turns were on their way when the call answered; the answer aborts them, so they may or may
    // not have arrived.)
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sim.requests.length).toBeGreaterThanOrEqual(28);
    expect(sim.requests.length).toBeLessThanOrEqual(30);
    expect(box.connections.list[0]!.budgetStatus()).toMatchObject({ queued: 0, available: 0 });
  });

  it('refuses a batch that cannot fit before its first write; its dry run says what it would take', async () => {
    const { box, call } = await start('clockify', FREE_PLAN);
    const sim = box.sandbox.simulators.clockify;
    for (let i = 0; i < 8; i++) await call('list_project_members', { project: WEBSITE }); // 4 + 7 × 3: 25 of 30 used
    const request = { project: WEBSITE, users: ['chloe.park@acme.example', 'diego.rivera@acme.example'], role: 'manager' };

    // 2 reads (the project and the managers; the people are cached), one batch add, one
    // PROJECT_MANAGER grant each, and the managers read again to confirm them: 6 requests, 3 left
    // after the dry run's reads.
    const dry = await call('add_project_members', { ...request, dryRun: true });
    const body = mutationResultSchema.parse(dry.structuredContent);
    expect(body.results.map((r) => r.status)).toEqual(['would_add', 'would_add']);
    expect(body.budget).toMatchObject({ limit: '30/h', requests: 6, available: 3, fits: false });
    expect(body.budget!.retryAfterSeconds).toBeGreaterThan(3000);
    expect(dry.content[0]!.text).toContain(`The real call takes 6 requests; connection "clockify" (30/h) has 3 left: it would fit at ${body.budget!.retryAt}`);

    const writesBefore = sim.requests.filter(isWrite).length;
    const refused = rateLimited(await call('add_project_members', request));
    expect(refused.message).toContain('Refused before any change: this call needs 6 requests (2 made to read the current state, 4 planned to write and confirm)');
    expect(refused.budget).toEqual({ limit: '30/h', requests: 6, available: 1 });
    expect(sim.requests.filter(isWrite)).toHaveLength(writesBefore);
    expect(sim.project(clockifyId('workspace', 1), WEBSITE).userIds).not.toContain(clockifyId('user', 3));
  });

  it('reports the budget in the instructions of a new session', async () => {
    const { box, call } = await start('clockify', FREE_PLAN);
    await call('search_directory', { kind: 'team', query: '' }); // one request
    const later = await connectClient(box.connections);
    try {
      expect(later.client.getInstructions()).toMatch(/Rate limit 30\/h: 29 of 30 requests left now\./);
      expect(later.client.getInstructions()).toContain('A call waits at most 45 s for a rate limit');
    } finally {
      await later.close();
    }
  });

  it('makes the requests per call that the README\'s free-plan table counts, cold and with the directory cached', async () => {
    // These calls together take more than the free plan's hour: counted under a larger hourly limit.
    const { box, call, connection } = await start('clockify', { requests: 200, intervalMs: HOUR });
    const sim = box.sandbox.simulators.clockify;
    const counted = async (name: string, args: Record<string, unknown>) => {
      const before = sim.requests.length;
      const result = await call(name, args);
      expect(result.isError, result.content[0]?.text).toBeFalsy();
      return sim.requests.length - before;
    };
    /** A dry run with nothing cached, then the real call: the requests of each. */
    const previewThenApply = async (name: string, args: Record<string, unknown>) => {
      connection.directoryCache.invalidate();
      return [await counted(name, { ...args, dryRun: true }), await counted(name, args)];
    };
    const project = 'Website Redesign';
    // If one of these changes, update "Clockify's free plan" in the README.
    connection.directoryCache.invalidate();
    expect([await counted('list_project_members', { project }), await counted('list_project_members', { project })]).toEqual([4, 3]);
    expect(await counted('search_directory', { kind: 'user', query: 'diego' })).toBe(2);
    expect(await counted('search_directory', { kind: 'project', query: 'web' })).toBe(1);
    // The dry run reads the project and looks the email up; the real call finds the person in the
    // cache, and the batch write's reply (the project after it) confirms it.
    expect(await previewThenApply('add_project_members', { project, users: ['diego.rivera@acme.example'] })).toEqual([2, 2]);
    connection.directoryCache.invalidate();
    expect(await counted('add_project_members', { project, users: ['emma.brooks@acme.example'] })).toBe(3);
    // Up to four emails are looked up one each; more read the workspace's users (5000 a page).
    connection.directoryCache.invalidate();
    expect(await counted('add_project_members', { project, users: ['chloe.park@acme.example', 'farid.haddad@acme.example'] })).toBe(4);
    const five = ['grace.okafor@acme.example', 'hiro.tanaka@acme.example', 'sam.taylor@acme.example', 'samuel.taylor@acme.example', 'ivy.chen@acme.example'];
    expect(await previewThenApply('add_project_members', { project, users: five })).toEqual([2, 2]);
    // Members already in the project: the managers are read too, to report their level.
    expect(await counted('add_project_members', { project, users: ['ben.carter@acme.example'] })).toBe(2);
    // Removing: the user groups and the managers are read as well, always fresh; the first removal
    // a connection makes also reads the key's own user (GET /v1/user), once.
    expect(await previewThenApply('remove_project_members', { project, users: ['diego.rivera@acme.example'] })).toEqual([5, 4]);
    // A role: the managers before, the role write, and the managers after it.
    expect(await previewThenApply('add_project_members', { project, users: ['emma.brooks@acme.example'], role: 'manager' })).toEqual([3, 5]);
    // Removing a manager: the batch removal, the role's revocation, and the managers read again.
    expect(await previewThenApply('remove_project_members', { project, users: ['emma.brooks@acme.example'] })).toEqual([4, 6]);
    // A team: the project, the user groups, the people (cached for the real call), the managers
    // (two of the three are members already: their level is reported), and the group's grant.
    expect(await previewThenApply('add_team_to_project', { project, team: 'Design' })).toEqual([4, 4]);
    // The access review: the people (one email looked up, a name: the users read whole), the user groups, the managers, the projects.
    connection.directoryCache.invalidate();
    expect(await counted('list_user_memberships', { users: ['ana.lima@acme.example', 'Ben Carter'] })).toBe(4);
    expect(await counted('list_user_memberships', { users: ['ana.lima@acme.example', 'Ben Carter'] })).toBe(3);
  });
});

describe('a provider\'s Retry-After', () => {
  it('longer than what is left of the call\'s budget is answered at once, with the provider\'s retry time', async () => {
    const { box, call } = await start('clockify', { requests: 50, intervalMs: 1000 }, { callBudgetMs: 1_000 });
    const sim = box.sandbox.simulators.clockify;
    // Within the request's own retry budget (5 s in tests), beyond the call's (1 s).
    sim.injectFault({ status: 429, json: { message: 'Too many requests', code: 429 }, headers: { 'retry-after': '3' }, times: Infinity });
    const error = rateLimitedByProvider(await call('list_project_members', { project: WEBSITE }));
    expect(error.message).toContain('Too many requests');
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(2);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(3);
    expect(error.budget).toBeUndefined();
    expect(sim.requests).toHaveLength(1);
  });
});

function rateLimitedByProvider(result: Result) {
  expect(result.isError).toBe(true);
  const { error } = errorEnvelopeSchema.parse(result.structuredContent);
  expect(error.code).toBe('RATE_LIMITED');
  expect(error.message).toMatch(/It asks to retry at \S+Z \(in \d+ s\)/);
  expect(Date.parse(error.retryAt!)).toBeGreaterThan(Date.now());
  return error;
}

describe('a connection at 2/s', () => {
  it('waits out short turns within the budget, with progress notifications while it waits', async () => {
    const lines: string[] = [];
    const logger = new Logger('debug', new Redactor(), false);
    logger.addSink((_level, message) => lines.push(message));
    const { call } = await start('clockify', TWO_PER_SECOND, { logger });
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    // Four reads, a write and three confirming reads at 2/s: turns must be waited for.
    const result = await call('add_project_members', { project: WEBSITE, users: ['chloe.park@acme.example'] }, (p) => seen.push(p));
    expect(mutationResultSchema.parse(result.structuredContent).results[0]!.status).toBe('added');
    const waits = seen.filter((p) => p.message?.startsWith('Waiting'));
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]!.message).toMatch(/^Waiting \d\.\d s for the rate limit \(2\/s\) before (GET|POST) \//);
    const values = seen.map((p) => p.progress);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    expect(seen.at(-1)).toMatchObject({ progress: 1, total: 1 });
    // MEMBERS_MCP_LOG_LEVEL=debug logs each wait.
    expect(lines.filter((line) => /rate limit 2\/s reached; .* waits \d+ ms for its turn/.test(line)).length).toBeGreaterThanOrEqual(waits.length);
  });

  it('answers RATE_LIMITED when a turn comes after the call\'s budget', async () => {
    const { box, call } = await start('clockify', TWO_PER_SECOND, { callBudgetMs: 300 });
    // Four reads at 2/s: the third could start only after a second, past the 300 ms budget.
    const error = rateLimited(await call('list_project_members', { project: WEBSITE }));
    expect(error.budget).toMatchObject({ limit: '2/s' });
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(box.sandbox.simulators.clockify.requests.length).toBeLessThanOrEqual(2);
  });

  it('drops a cancelled waiting call from the queue: it sends nothing later, and the next call gets its turn', async () => {
    const { box, client, connection, call } = await start('clockify', TWO_PER_SECOND, { callBudgetMs: 10_000 });
    const sim = box.sandbox.simulators.clockify;
    await call('search_directory', { kind: 'user', query: 'diego' }); // two requests: the second's window is full
    const controller = new AbortController();
    const cancelled = client
      .callTool({ name: 'list_project_members', arguments: { project: WEBSITE } }, CallToolResultSchema, { signal: controller.signal, ...CLIENT_TIMEOUT })
      .then(
        () => 'finished',
        (error: unknown) => (error as Error).message,
      );
    await until(() => connection.budgetStatus()!.queued > 0);
    const sent = sim.requests.length;
    controller.abort();
    expect(await cancelled).toMatch(/abort/i);
    await until(() => connection.budgetStatus()!.queued === 0);
    // The window clears, and still nothing of the cancelled call goes out.
    await until(() => connection.budgetStatus()!.available === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sim.requests).toHaveLength(sent);
    const next = await call('search_directory', { kind: 'team', query: '' });
    expect(next.isError).toBeFalsy();
    expect(sim.requests).toHaveLength(sent + 1);
  });

  it('sends nothing later for a call that has answered, not even a read it left waiting', async () => {
    const { box, connection, call } = await start('clockify', { requests: 3, intervalMs: 1000 }, { callBudgetMs: 600 });
    const sim = box.sandbox.simulators.clockify;
    await connection.limiter!.acquire(); // another call's request, half a second ago
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The project and the users go at once; the user groups' turn comes within the budget (when the
    // earlier request leaves the window), the managers' after it: the call answers, and the user
    // groups must not go out after that.
    rateLimited(await call('list_project_members', { project: WEBSITE }));
    await until(() => connection.budgetStatus()!.available === 3); // every turn it could have had has passed
    expect(sim.requests.filter((r) => r.path.endsWith('/user-groups'))).toEqual([]);
    expect(connection.budgetStatus()!.queued).toBe(0);
  });

  it('refuses a per-member batch that cannot fit before its first write, and runs one that fits', async () => {
    const { box, call } = await start('projectmanager', TWO_PER_SECOND, { callBudgetMs: 5_000, people: 10 });
    const sim = box.sandbox.simulators.projectmanager;
    const ten = Array.from({ length: 10 }, (_, i) => person(i + 1));
    const dry = mutationResultSchema.parse((await call('add_project_members', { project: OFFICE, users: ten, dryRun: true })).structuredContent);
    // The project, its members, and the resources (a page, and the empty one that ends them); ten upserts and the confirming read.
    expect(dry.budget).toMatchObject({ limit: '2/s', requests: 4 + 11, fits: false });

    // Over ten requests at 2/s cannot all start within 5 s (at most 12 can): split the batch.
    const refused = rateLimited(await call('add_project_members', { project: OFFICE, users: ten }));
    // The project and its members (the people are cached since the dry run); ten upserts and the read of the members that confirms them.
    expect(refused.message).toContain('Refused before any change: this call needs 13 requests (2 made to read the current state, 11 planned to write and confirm)');
    expect(refused.message).toContain('at most 12 within 5.0 s. Split it into smaller calls.');
    expect(sim.requestsMatching('PUT')).toHaveLength(0);

    const two = await call('add_project_members', { project: OFFICE, users: ten.slice(0, 2) });
    expect(mutationResultSchema.parse(two.structuredContent).summary).toMatchObject({ changed: 2, failed: 0 });
    expect(sim.requestsMatching('PUT')).toHaveLength(2);
  });
});

function isWrite(record: { method: string; path: string }): boolean {
  return record.method !== 'GET' && !record.path.endsWith('/users/info'); // POST /users/info is Clockify's filtered read
}

/** Polls a condition (bounded: the test's own timeout ends it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
