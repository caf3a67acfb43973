import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { CallToolResultSchema, PingRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_JOURNAL, parseJournal, type WriteJournal } from '../../src/core/journal.js';
import { Logger } from '../../src/core/log.js';
import { Redactor } from '../../src/core/redact.js';
import { HttpAuth } from '../../src/mcp/auth.js';
import { HostPolicy, McpHttpServer } from '../../src/mcp/http.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { createServer } from '../../src/mcp/server.js';
import { mutationResultSchema } from '../../src/tools/schemas.js';
import { expectCancelStopsBatch, tempJournal } from '../helpers/cancellation.js';
import { cancellingFetch, connectHttp, messages, post } from '../helpers/http.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/**
 * The HTTP transport in-process, on the ProjectManager.com simulator over real loopback HTTP:
 * refusals before any MCP handling, the protocol's errors for bad requests, cancellation by
 * closing the stream, progress on the stream, and the graceful shutdown.
 */

const TOKEN = 'test-token-0123456789abcdef';
const MAX_BODY = 8 * 1024;
const OFFICE = pmId('project', 3);
const person = (n: number) => `person.${String(n).padStart(4, '0')}@northwind.example.org`;
const people = (count: number) => Array.from({ length: count }, (_, i) => person(i + 1));

let box: TestSandbox | undefined;
let http: McpHttpServer | undefined;
afterEach(async () => {
  await http?.shutdown();
  await box?.stop();
  http = undefined;
  box = undefined;
});

async function serve(options: { tokens?: string[]; latencyMs?: number; people?: number; maxInFlight?: number; journal?: WriteJournal; shutdownMs?: number } = {}) {
  box = await startTestSandbox({
    only: ['projectmanager'],
    people: options.people ?? 5,
    latencyMs: options.latencyMs ?? 0,
    env: { PROJECTMANAGER_MAX_IN_FLIGHT: String(options.maxInFlight ?? 8) },
  });
  const logged: string[] = [];
  const logger = new Logger('debug', new Redactor(), false);
  logger.addSink((level, message) => logged.push(`${level}: ${message}`));
  const connections = box.connections;
  const journal = options.journal ?? NO_JOURNAL;
  const tokens = options.tokens;
  // What request handlers are given besides the request: nothing of it may hold the token.
  const handlersSaw: string[] = [];
  http = new McpHttpServer({
    createServer: () => {
      const server = createServer({ connections, logger, journal, progressIntervalMs: 0 });
      server.setRequestHandler(PingRequestSchema, async (_request, extra) => {
        handlersSaw.push(JSON.stringify({ requestInfo: extra.requestInfo, authInfo: extra.authInfo }));
        return {};
      });
      return server;
    },
    host: '127.0.0.1',
    port: 0,
    logger,
    auth: tokens ? (endpoint) => HttpAuth.create({ tokens, resource: endpoint }) : undefined,
    allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
    allowedOrigins: ['https://console.example.com'],
    maxBodyBytes: MAX_BODY,
    shutdownMs: options.shutdownMs ?? 5000,
    version: 'test',
  });
  const url = await http.listen();
  return { url, http, sim: box.sandbox.simulators.projectmanager, logged, handlersSaw };
}

const addCall = (users: string[]) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add_project_members', arguments: { project: OFFICE, users } } });

describe('requests refused or answered with the protocol\'s errors', () => {
  it('gives each its status, changes nothing, and stays up', async () => {
    const { url, sim } = await serve({ tokens: [TOKEN] });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const valid = addCall([person(1)]);
    const membersBefore = sim.members(OFFICE);
    const requestsBefore = sim.requests.length;

    const noToken = await post(url, valid);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer realm="project-members-mcp"');

    const wrongToken = await post(url, valid, { authorization: 'Bearer wrong-token-0123456789abcdef' });
    expect(wrongToken.status).toBe(401);
    expect(wrongToken.headers.get('www-authenticate')).toContain('error="invalid_token"');

    // undici's request, unlike fetch, sends the Host it is given.
    const wrongHost = await request(url, { method: 'POST', headers: { host: 'evil.example.com', 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth }, body: JSON.stringify(valid) });
    expect(wrongHost.statusCode).toBe(403);
    expect(await wrongHost.body.json()).toMatchObject({ error: { message: expect.stringContaining('Host "evil.example.com"') }, id: null });

    expect((await post(url, valid, { ...auth, origin: 'http://evil.example.com' })).status).toBe(403);
    expect((await post(url, valid, { ...auth, origin: 'null' })).status).toBe(403);

    const declaredTooBig = await post(url, { ...valid, padding: 'x'.repeat(MAX_BODY) }, auth);
    expect(declaredTooBig.status).toBe(413);

    // The same without Content-Length: the body is counted as it arrives.
    const chunks = [JSON.stringify({ ...valid, padding: '' }).slice(0, -1), `,"more":"${'y'.repeat(MAX_BODY)}"}`];
    const streamed = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth },
      body: Readable.from(chunks),
    });
    expect(streamed.statusCode).toBe(413);
    await streamed.body.dump();

    const badJson = await post(url, '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", ', auth);
    expect(badJson.status).toBe(400);
    expect(messages(badJson.text)[0]!.error!.code).toBe(-32700);

    const notJsonRpc = await post(url, { hello: 'world' }, auth);
    expect(notJsonRpc.status).toBe(400);

    const wrongType = await post(url, valid, { ...auth, 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);

    const wrongAccept = await post(url, valid, { ...auth, accept: 'application/json' });
    expect(wrongAccept.status).toBe(406);

    const wrongVersion = await post(url, valid, { ...auth, 'mcp-protocol-version': '1999-01-01' });
    expect(wrongVersion.status).toBe(400);

    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(url, { method, headers: { ...auth, accept: 'text/event-stream' } });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }

    const unknownMethod = await post(url, { jsonrpc: '2.0', id: 3, method: 'members/teleport', params: {} }, auth);
    expect(unknownMethod.status).toBe(200);
    expect(messages(unknownMethod.text)[0]).toMatchObject({ id: 3, error: { code: -32601 } });

    expect((await fetch(new URL('/admin', url), { headers: auth })).status).toBe(404);

    // Nothing reached the provider, nothing changed.
    expect(sim.requests.length).toBe(requestsBefore);
    expect(sim.members(OFFICE)).toEqual(membersBefore);

    // And the server is still up: the same call, done right, goes through.
    const done = await post(url, valid, auth);
    expect(done.status).toBe(200);
    const result = messages(done.text)[0]!.result!;
    expect(mutationResultSchema.parse(result.structuredContent).results.map((r) => r.status)).toEqual(['added']);
    expect(Object.keys(sim.members(OFFICE)).length).toBe(Object.keys(membersBefore).length + 1);
  });

  it('accepts listed browser origins and localhost names, and answers /healthz without touching a provider', async () => {
    const { url, sim } = await serve();
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    expect((await post(url, ping, { origin: 'https://console.example.com' })).status).toBe(200);
    expect((await post(url, ping, { origin: `http://localhost:${url.port}` })).status).toBe(200);
    const localhost = await request(url, { method: 'POST', headers: { host: `localhost:${url.port}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(ping) });
    expect(localhost.statusCode).toBe(200);
    await localhost.body.dump();

    const before = sim.requests.length;
    const health = await request(new URL('/healthz', url), { headers: { host: '10.1.2.3:8080' } });
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: 'ok', version: 'test' });
    expect(sim.requests.length).toBe(before);
  });

  it('never passes the client\'s token on: not to the provider, not to the logs', async () => {
    const { url, sim, logged, handlersSaw } = await serve({ tokens: [TOKEN] });
    const client = await connectHttp(url, { token: TOKEN });
    try {
      await client.ping();
      await client.callTool({ name: 'add_project_members', arguments: { project: OFFICE, users: [person(2)] } });
      await client.callTool({ name: 'list_project_members', arguments: { project: OFFICE } });
    } finally {
      await client.close();
    }
    expect(sim.requests.length).toBeGreaterThan(0);
    expect(JSON.stringify(sim.requests)).not.toContain(TOKEN);
    expect(logged.join('\n')).toContain('tools/call add_project_members (request');
    expect(logged.join('\n')).toContain('(token #1)');
    expect(logged.join('\n')).not.toContain(TOKEN);
    // Handlers see the request's headers, but not the credential.
    expect(handlersSaw).toHaveLength(1);
    expect(handlersSaw[0]).toContain('mcp-protocol-version');
    expect(handlersSaw[0]).not.toContain(TOKEN);
    expect(handlersSaw[0]).not.toContain('authorization');
  });
});

describe('calls over the stream', () => {
  it('sends progress on the call\'s own stream, ending at the total', async () => {
    const { url } = await serve({ people: 30 });
    const client = await connectHttp(url);
    const seen: number[] = [];
    try {
      const result = await client.callTool({ name: 'add_project_members', arguments: { project: OFFICE, users: people(30) } }, CallToolResultSchema, {
        onprogress: (progress) => seen.push(progress.progress),
      });
      expect(mutationResultSchema.parse(result.structuredContent).summary.changed).toBe(30);
      expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    } finally {
      await client.close();
    }
  });

  it('stops the batch when the client cancels (closing the call\'s stream), and journals writes cut on the wire', async () => {
    const journal = tempJournal();
    const { url, sim } = await serve({ people: 60, latencyMs: 40, maxInFlight: 4, journal: journal.journal });
    const client = await connectHttp(url, { fetch: cancellingFetch() });
    try {
      await expectCancelStopsBatch({ client, sim, project: OFFICE, users: people(60), journal });
    } finally {
      await client.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('lets a call in flight finish, refuses new ones, and reports nothing cut', async () => {
    const { url, http } = await serve({ people: 30, latencyMs: 20, maxInFlight: 2 });
    const client = await connectHttp(url);
    let progressed = 0;
    const call = client.callTool({ name: 'add_project_members', arguments: { project: OFFICE, users: people(30) } }, CallToolResultSchema, {
      onprogress: () => progressed++,
    });
    while (progressed < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopping = http.shutdown();
    // A new connection is refused while the call finishes.
    await expect(fetch(new URL('/healthz', url))).rejects.toThrow();
    const result = await call;
    expect(mutationResultSchema.parse(result.structuredContent).summary).toMatchObject({ changed: 30, failed: 0 });
    expect(await stopping).toEqual({ finished: 1, cut: [] });
    await client.close().catch(() => undefined);
  });

  it('cuts calls still running at the deadline, naming them; their writes in flight are journaled as unknown', async () => {
    const { path, journal } = tempJournal();
    const { url, http, sim, logged } = await serve({ people: 60, latencyMs: 40, maxInFlight: 2, journal, shutdownMs: 300 });
    const before = new Set(Object.keys(sim.members(OFFICE)));
    const client = await connectHttp(url);
    let progressed = 0;
    const call = client
      .callTool({ name: 'add_project_members', arguments: { project: OFFICE, users: people(60) } }, CallToolResultSchema, { onprogress: () => progressed++ })
      .then(() => 'finished', (error: unknown) => (error as Error).message);
    while (progressed < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const report = await http.shutdown();
    expect(report.cut).toEqual([expect.stringMatching(/^tools\/call add_project_members \(request \d+\) \(running \d+ ms\)$/)]);
    expect(logged.join('\n')).toMatch(/warning: shutdown: cut tools\/call add_project_members .* at the 300 ms deadline/);
    // The client is told, rather than left waiting on a stream that ended.
    expect(await call).toMatch(/shutting down and cut this call/);

    // The provider pools close once what was in flight has settled; then the journal is complete.
    await box!.stop();
    box = undefined;
    journal.close();
    const added = Object.keys(sim.members(OFFICE)).filter((id) => !before.has(id));
    expect(added.length).toBeLessThan(60);
    const lines = parseJournal(readFileSync(path, 'utf8'));
    const unknown = lines.filter((l) => l.outcome === 'unknown');
    expect(unknown.length).toBeGreaterThan(0);
    for (const line of unknown) expect(line.code).toBe('CANCELLED');
    const applied = new Set(lines.filter((l) => l.outcome === 'applied').map((l) => l.user));
    for (const user of added) expect(applied.has(user) || unknown.some((l) => l.user === user)).toBe(true);
    await client.close().catch(() => undefined);
  });
});

describe('the DNS-rebinding policy', () => {
  it('matches Host names (and ports when listed) and Origins by name or exactly', () => {
    const policy = new HostPolicy(['localhost', '127.0.0.1', '[::1]', 'mcp.example.com:443'], ['https://app.example.com']);
    for (const host of ['localhost', 'LOCALHOST:3000', '127.0.0.1:9', '[::1]:80', 'mcp.example.com:443']) expect(policy.hostAllowed(host), host).toBe(true);
    for (const host of [undefined, '', 'evil.example.com', 'localhost.evil.example.com', 'mcp.example.com', 'mcp.example.com:8443', '127.0.0.1@evil.com', 'a b']) {
      expect(policy.hostAllowed(host), String(host)).toBe(false);
    }
    for (const origin of [undefined, 'http://localhost:6274', 'https://127.0.0.1', 'https://app.example.com', 'https://mcp.example.com']) expect(policy.originAllowed(origin), String(origin)).toBe(true);
    for (const origin of ['null', 'http://evil.example.com', 'https://app.example.com.evil.com', 'file:///etc/passwd', 'not a url']) expect(policy.originAllowed(origin), origin).toBe(false);
    expect(new HostPolicy(['*'], ['*']).hostAllowed('anything.example')).toBe(true);
  });
});
