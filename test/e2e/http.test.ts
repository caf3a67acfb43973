import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJournal } from '../../src/core/journal.js';
import { errorEnvelopeSchema } from '../../src/tools/schemas.js';
import { runAgentSession } from '../helpers/agent-session.js';
import { connectHttp, messages, post, startHttpProcess, type HttpProcess } from '../helpers/http.js';
import { startIssuer, type TestIssuer } from '../helpers/issuer.js';
import { CLI, cleanEnv } from '../helpers/stdio.js';
import { tempDir } from '../helpers/temp.js';

/** The built server with --http, as a service runs it, through the SDK's Streamable HTTP client. */

const TOKENS = ['e2e-first-token-0123456789', 'e2e-second-token-0123456789'];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/src/cli.js is missing: run `npm run build` (npm test does)');
});

describe('--http --sandbox without authentication', () => {
  let server: HttpProcess;
  beforeAll(async () => {
    server = await startHttpProcess(['--sandbox']);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('listens on loopback and prints the full URL once', () => {
    expect(server.url.hostname).toBe('127.0.0.1');
    expect(server.url.pathname).toBe('/mcp');
    expect(server.stderr.join('').match(/listening on http:\/\/127\.0\.0\.1:\d+\/mcp/g)).toHaveLength(1);
  });

  it('carries the agent session', async () => {
    const client = await connectHttp(server.url);
    try {
      await runAgentSession(client);
    } finally {
      await client.close();
    }
  });

  it('answers /healthz', async () => {
    const response = await fetch(new URL('/healthz', server.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: expect.any(String) });
  });
});

describe('--http with static tokens', () => {
  let server: HttpProcess;
  beforeAll(async () => {
    server = await startHttpProcess(['--sandbox', '--log-level', 'debug'], cleanEnv({ MEMBERS_MCP_HTTP_TOKENS: TOKENS.join(',') }));
  });
  afterAll(async () => {
    await server.stop();
  });

  it('refuses a missing or wrong token with 401 and carries the agent session with a right one', async () => {
    await expect(connectHttp(server.url)).rejects.toMatchObject({ code: 401, message: expect.stringContaining('requires a bearer token') });
    await expect(connectHttp(server.url, { token: 'not-the-token-0123456789' })).rejects.toMatchObject({ code: 401 });
    const client = await connectHttp(server.url, { token: TOKENS[1] });
    try {
      await runAgentSession(client);
    } finally {
      await client.close();
    }
  });

  it('never writes a token to its logs, even at debug level', () => {
    const logs = server.stderr.join('');
    expect(logs).toContain('(token #2)');
    for (const token of TOKENS) expect(logs).not.toContain(token);
  });
});

describe('--http with OAuth access tokens from a local authorization server', () => {
  let issuer: TestIssuer;
  let server: HttpProcess;
  beforeAll(async () => {
    issuer = await startIssuer();
    server = await startHttpProcess(['--sandbox'], cleanEnv({ MEMBERS_MCP_OAUTH_ISSUER: issuer.issuer }));
  });
  afterAll(async () => {
    await server.stop();
    await issuer.stop();
  });

  it('answers 401 pointing at its protected resource metadata, which names the issuer', async () => {
    const refused = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(refused.status).toBe(401);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(refused.headers.get('www-authenticate') ?? '')?.[1];
    expect(metadataUrl).toBe(new URL('/.well-known/oauth-protected-resource/mcp', server.url).href);
    for (const url of [metadataUrl!, new URL('/.well-known/oauth-protected-resource', server.url).href]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ resource: server.url.href, authorization_servers: [issuer.issuer] });
    }
  });

  it('refuses expired and foreign tokens, and carries the agent session with a valid one', async () => {
    const past = Math.floor(Date.now() / 1000) - 600;
    for (const token of [await issuer.sign(server.url.href, {}, { expiresIn: past }), await issuer.sign('https://elsewhere.example.com/mcp'), issuer.unsigned(server.url.href)]) {
      const refused = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: `Bearer ${token}` });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    const client = await connectHttp(server.url, { token: await issuer.sign(server.url.href) });
    try {
      await runAgentSession(client);
    } finally {
      await client.close();
    }
  });
});

describe('the same options on both transports', () => {
  it('--read-only refuses writes over HTTP, and --journal records them', async () => {
    const dir = tempDir('http-e2e-');
    const readOnly = await startHttpProcess(['--sandbox', '--read-only']);
    try {
      const client = await connectHttp(readOnly.url);
      await client.listTools();
      const refused = (await client.callTool({ name: 'add_project_members', arguments: { provider: 'clockify', project: 'Website Redesign', users: ['Diego Rivera'] } })) as { isError?: boolean; structuredContent?: unknown };
      expect(refused.isError).toBe(true);
      expect(errorEnvelopeSchema.parse(refused.structuredContent).error.code).toBe('READ_ONLY');
      await client.close();
    } finally {
      await readOnly.stop();
    }

    const path = join(dir, 'writes.jsonl');
    const journaled = await startHttpProcess(['--sandbox', '--journal', path]);
    try {
      const client = await connectHttp(journaled.url);
      await client.callTool({ name: 'add_project_members', arguments: { provider: 'clockify', project: 'Website Redesign', users: ['chloe.park@acme.example'] } });
      await client.close();
      expect(parseJournal(readFileSync(path, 'utf8')).map((line) => [line.operation, line.outcome])).toEqual([['add', 'planned'], ['add', 'applied']]);
    } finally {
      await journaled.stop();
    }
  });

  it('takes its HTTP settings from the config file too', async () => {
    const dir = tempDir('http-e2e-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ connections: [], http: { tokens: [{ env: 'FILE_TOKEN' }] } }));
    const server = await startHttpProcess(['--config', config], cleanEnv({ FILE_TOKEN: 'file-token-0123456789abcdef' }));
    try {
      expect((await post(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(401);
      const ok = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: 'Bearer file-token-0123456789abcdef' });
      expect(messages(ok.text)[0]).toMatchObject({ id: 1, result: {} });
    } finally {
      await server.stop();
    }
  });
});

describe('starting and stopping', () => {
  it('refuses to listen beyond loopback without authentication, with exit code 2', () => {
    const refused = spawnSync(process.execPath, [CLI, '--http', '--host', '0.0.0.0', '--port', '0', '--sandbox'], { env: cleanEnv(), encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without authentication: set MEMBERS_MCP_HTTP_TOKENS/);
    const weak = spawnSync(process.execPath, [CLI, '--http', '--port', '0'], { env: cleanEnv({ MEMBERS_MCP_HTTP_TOKENS: 'short' }), encoding: 'utf8' });
    expect(weak.status).toBe(2);
    expect(weak.stderr).toMatch(/at least 16/);
    expect(weak.stderr).not.toContain('short,');
  });

  it('takes --http and its port from the environment too', async () => {
    const child = spawn(process.execPath, [CLI], { env: cleanEnv({ MEMBERS_MCP_HTTP: '1', MEMBERS_MCP_HTTP_PORT: '0', MEMBERS_MCP_LOG_LEVEL: 'error' }), stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve) => child.stderr.on('data', (chunk: Buffer) => resolve(chunk.toString())));
      // Printed whatever the log level: it says where to connect.
      expect(line).toMatch(/^\[project-members-mcp\] listening on http:\/\/127\.0\.0\.1:\d+\/mcp /);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('exits cleanly on SIGTERM and stops answering', async () => {
    const server = await startHttpProcess(['--sandbox']);
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
    expect(await server.stop()).toBe(0);
    await expect(fetch(new URL('/healthz', server.url))).rejects.toThrow();
  });
});
