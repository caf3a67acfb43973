import { readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/providers/module.js';
import { Redactor } from '../../src/core/redact.js';
import { Logger } from '../../src/core/log.js';
import { CLOCKIFY_SANDBOX_KEY, CLOCKIFY_SANDBOX_WORKSPACE as WS, clockifyId } from '../../src/sandbox/clockify/seed.js';
import { LISTED_TOOLS } from '../../src/mcp/server.js';
import { directorySchema, errorEnvelopeSchema, memberListSchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';
import { VERSION } from '../../src/version.js';
import { connectClient, emptyConnections, startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

const WEBSITE = clockifyId('project', 1);

let box: TestSandbox;
let client: Client;
let close: () => Promise<void>;

async function call(name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  return result as { isError?: boolean; content: Array<{ type: string; text: string }>; structuredContent?: Record<string, unknown> };
}

function expectError(result: Awaited<ReturnType<typeof call>>, code: string) {
  expect(result.isError).toBe(true);
  const envelope = errorEnvelopeSchema.parse(result.structuredContent);
  expect(envelope.error.code).toBe(code);
  expect(result.content[0]!.text).toContain(code);
  return envelope.error;
}

beforeEach(async () => {
  box = await startTestSandbox({ only: ['clockify'] });
  ({ client, close } = await connectClient(box.connections));
  // From here on the SDK client validates every structuredContent, error results included.
  await client.listTools();
});

afterEach(async () => {
  await close();
  await box.stop();
});

describe('tools/list', () => {
  it('matches the reviewed snapshot of names, schemas and annotations', async () => {
    const { tools } = await client.listTools();
    await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot('../tools/__snapshots__/tools-list.json');
  });

  it('sets all four annotations on every tool, as the contract says', async () => {
    const { tools } = await client.listTools();
    const annotations = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(annotations).toEqual({
      add_project_members: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      remove_project_members: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      add_team_to_project: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      list_project_members: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      search_directory: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    });
    for (const tool of tools) expect(tool.title, tool.name).toBeTruthy();
  });

  it('stays under 8 KB, since every client sends it to the model', () => {
    const bytes = Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { tools: LISTED_TOOLS } }));
    expect(bytes).toBeLessThan(8 * 1024);
  });

  it('reports the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(client.getServerVersion()).toMatchObject({ name: 'project-members-mcp', version: pkg.version });
    expect(VERSION).toBe(pkg.version);
  });

  it('lists the connections and what they support in the instructions', () => {
    const text = client.getInstructions()!;
    expect(text).toContain('clockify (Clockify, sandbox demo data)');
    expect(text).toContain('manager=PROJECT_MANAGER');
  });
});

describe('mutating tools', () => {
  it('add_project_members: structured per-member results, a summary that adds up, and a readable text', async () => {
    const result = await call('add_project_members', { project: 'Website Redesign', users: ['chloe.park@acme.example', 'ben.carter@acme.example', 'nobody@acme.example'] });
    expect(result.isError).toBeFalsy();
    const body = mutationResultSchema.parse(result.structuredContent);
    expect(body).toMatchObject({ connection: 'clockify', provider: 'clockify', sandbox: true, dryRun: false, project: { id: WEBSITE, name: 'Website Redesign' } });
    expect(body.results.map((r) => r.status)).toEqual(['added', 'already_member', 'failed']);
    expect(body.summary).toEqual({ requested: 3, changed: 1, unchanged: 1, failed: 1 });
    expect(result.content[0]!.text).toBe(
      'Clockify project "Website Redesign": 1 added, 1 already a member, 1 failed. Failed: nobody@acme.example (NOT_FOUND: No user with email "nobody@acme.example" in workspace ' +
        `${WS}; check the spelling or use search_directory (kind "user").).`,
    );
    expect(box.sandbox.simulators.clockify.project(WS, WEBSITE).userIds).toContain(clockifyId('user', 3));
  });

  it('remove_project_members: dry run first, then the removal', async () => {
    const dry = await call('remove_project_members', { project: WEBSITE, users: ['Ben Carter'], dryRun: true });
    expect(mutationResultSchema.parse(dry.structuredContent)).toMatchObject({ dryRun: true, results: [{ status: 'would_remove' }], summary: { changed: 1 } });
    expect(dry.content[0]!.text).toMatch(/^Dry run, nothing changed\./);
    expect(box.sandbox.simulators.clockify.project(WS, WEBSITE).userIds).toContain(clockifyId('user', 2));
    const done = await call('remove_project_members', { project: WEBSITE, users: ['Ben Carter'] });
    expect(mutationResultSchema.parse(done.structuredContent).results[0]!.status).toBe('removed');
    expect(box.sandbox.simulators.clockify.project(WS, WEBSITE).userIds).not.toContain(clockifyId('user', 2));
  });

  it('add_team_to_project: the team and its mode beside one result per member', async () => {
    const result = await call('add_team_to_project', { project: WEBSITE, team: 'Design' });
    const body = teamResultSchema.parse(result.structuredContent);
    expect(body.team).toEqual({ id: clockifyId('group', 1), name: 'Design', mode: 'native' });
    expect(body.summary).toEqual({ requested: 3, changed: 3, unchanged: 0, failed: 0 });
  });

  it('refuses a role the provider cannot express before any request', async () => {
    const before = box.sandbox.simulators.clockify.requests.length;
    const error = expectError(await call('add_project_members', { project: WEBSITE, users: ['Ben Carter'], role: 'owner' }), 'UNSUPPORTED');
    expect(error.message).toContain('manager (PROJECT_MANAGER)');
    expectError(await call('add_team_to_project', { project: WEBSITE, team: 'Design', role: 'manager' }), 'UNSUPPORTED');
    expectError(await call('add_project_members', { project: WEBSITE, users: ['Ben Carter'], groups: ['Admins'] }), 'UNSUPPORTED');
    expect(box.sandbox.simulators.clockify.requests.length).toBe(before);
  });

  it('sends progress notifications in order, ending at the total', async () => {
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const users = ['chloe.park@acme.example', 'diego.rivera@acme.example', 'Emma Brooks', 'nobody@acme.example'];
    const result = await client.callTool({ name: 'add_project_members', arguments: { project: WEBSITE, users } }, CallToolResultSchema, {
      onprogress: (progress) => seen.push(progress),
    });
    expect(result.isError).toBeFalsy();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((p) => p.progress)).toEqual([...seen.map((p) => p.progress)].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ progress: 4, total: 4 });
    expect(seen.every((p) => p.total === 4 && typeof p.message === 'string')).toBe(true);
  });
});

describe('read tools', () => {
  it('list_project_members pages with an opaque cursor bound to the project', async () => {
    const first = await call('list_project_members', { project: 'Mobile App', limit: 3 });
    const page1 = memberListSchema.parse(first.structuredContent);
    expect(page1.members).toHaveLength(3);
    expect(page1.nextCursor).toBeDefined();
    const all = [...page1.members];
    let cursor = page1.nextCursor;
    while (cursor) {
      const next = memberListSchema.parse((await call('list_project_members', { project: 'Mobile App', limit: 3, cursor })).structuredContent);
      all.push(...next.members);
      cursor = next.nextCursor;
    }
    expect(new Set(all.map((m) => m.userId)).size).toBe(all.length);
    expect(all).toHaveLength(7);
    expectError(await call('list_project_members', { project: WEBSITE, cursor: page1.nextCursor }), 'INVALID_ARGUMENT');
    expectError(await call('list_project_members', { project: 'Mobile App', cursor: 'not-a-cursor' }), 'INVALID_ARGUMENT');
  });

  it('search_directory returns entries with ids', async () => {
    const result = await call('search_directory', { kind: 'user', query: 'Chloe' });
    const body = directorySchema.parse(result.structuredContent);
    expect(body).toMatchObject({ kind: 'user', truncated: false, entries: [{ id: clockifyId('user', 3), name: 'Chloe Park', email: 'chloe.park@acme.example' }] });
    expect(result.content[0]!.text).toContain('Chloe Park <chloe.park@acme.example>');
  });
});

describe('bad input: a clear error, and nothing changes', () => {
  const cases: Array<[string, string, Record<string, unknown>, string, RegExp]> = [
    ['empty users', 'add_project_members', { project: WEBSITE, users: [] }, 'INVALID_ARGUMENT', /"users" must list at least one user/],
    ['501 users', 'add_project_members', { project: WEBSITE, users: Array.from({ length: 501 }, (_, i) => `u${i}@acme.example`) }, 'INVALID_ARGUMENT', /"users" must list at most 500/],
    ['non-string user entries', 'add_project_members', { project: WEBSITE, users: ['Ben Carter', 42, null] }, 'INVALID_ARGUMENT', /"users\[1\]" must be a string/],
    ['unknown role', 'add_project_members', { project: WEBSITE, users: ['Ben Carter'], role: 'admin' }, 'INVALID_ARGUMENT', /"role" must be one of viewer, member, editor, manager, owner/],
    ['missing project', 'remove_project_members', { users: ['Ben Carter'] }, 'INVALID_ARGUMENT', /"project" is required/],
    ['misspelt dryRun', 'remove_project_members', { project: WEBSITE, users: ['Ben Carter'], dryrun: true }, 'INVALID_ARGUMENT', /unknown argument "dryrun"/],
    ['dryRun not a boolean', 'remove_project_members', { project: WEBSITE, users: ['Ben Carter'], dryRun: 'yes' }, 'INVALID_ARGUMENT', /"dryRun" must be true or false/],
    ['control characters', 'add_project_members', { project: 'Web\u0000site', users: ['Ben Carter'] }, 'INVALID_ARGUMENT', /"project" must not contain control characters/],
    ['unknown connection', 'remove_project_members', { provider: 'jira', project: WEBSITE, users: ['Ben Carter'] }, 'NOT_CONFIGURED', /No connection named "jira"/],
    ['project with a slash', 'remove_project_members', { project: `${WEBSITE}/memberships`, users: ['Ben Carter'] }, 'NOT_FOUND', /No project with id or exact name/],
    ['project with ..', 'remove_project_members', { project: '../projects', users: ['Ben Carter'] }, 'NOT_FOUND', /No project/],
    ['project with ?', 'remove_project_members', { project: `${WEBSITE}?remove=true`, users: ['Ben Carter'] }, 'NOT_FOUND', /No project/],
    ['project with %', 'remove_project_members', { project: `${WEBSITE}%2F..`, users: ['Ben Carter'] }, 'NOT_FOUND', /No project/],
    ['bad workspace id', 'remove_project_members', { workspaceId: '../x', project: WEBSITE, users: ['Ben Carter'] }, 'INVALID_ARGUMENT', /workspaceId/],
    ['limit out of range', 'list_project_members', { project: WEBSITE, limit: 0 }, 'INVALID_ARGUMENT', /"limit" must be at least 1/],
    ['unknown search kind', 'search_directory', { kind: 'group', query: '' }, 'INVALID_ARGUMENT', /"kind" must be one of user, team, project/],
  ];

  it.each(cases)('%s', async (_label, tool, args, code, message) => {
    const sim = box.sandbox.simulators.clockify;
    const before = JSON.stringify(sim.state);
    const error = expectError(await call(tool, args), code);
    expect(error.message).toMatch(message);
    expect(sim.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/users/info'))).toEqual([]);
    expect(JSON.stringify(sim.state)).toBe(before);
  });

  it('rejects an unknown tool as a protocol error', async () => {
    await expect(client.callTool({ name: 'delete_project', arguments: {} })).rejects.toThrow(/Unknown tool "delete_project"/);
  });
});

describe('connections', () => {
  it('answers NOT_CONFIGURED with the environment variables when nothing is configured', async () => {
    const bare = await connectClient(emptyConnections());
    try {
      await bare.client.listTools();
      const result = (await bare.client.callTool({ name: 'list_project_members', arguments: { project: 'x' } })) as Awaited<ReturnType<typeof call>>;
      const error = expectError(result, 'NOT_CONFIGURED');
      expect(error.hint).toContain('CLOCKIFY_API_KEY');
      expect(error.hint).toContain('--sandbox');
      expect(bare.client.getInstructions()).toContain('No provider connection is configured');
    } finally {
      await bare.close();
    }
  });

  it('requires provider when several connections exist, and finds each by name', async () => {
    const two = await startTestSandbox({
      only: ['clockify'],
      configure: (configs: ConnectionConfig[]) => [
        { ...configs[0]!, name: 'acme' },
        { ...configs[0]!, name: 'acme-backup' },
      ],
    });
    const session = await connectClient(two.connections);
    try {
      await session.client.listTools();
      const missing = (await session.client.callTool({ name: 'search_directory', arguments: { kind: 'team', query: '' } })) as Awaited<ReturnType<typeof call>>;
      expect(expectError(missing, 'INVALID_ARGUMENT').message).toContain('acme-backup');
      const named = (await session.client.callTool({ name: 'search_directory', arguments: { provider: 'acme-backup', kind: 'team', query: 'qa' } })) as Awaited<ReturnType<typeof call>>;
      expect(directorySchema.parse(named.structuredContent)).toMatchObject({ connection: 'acme-backup', entries: [{ name: 'QA' }] });
    } finally {
      await session.close();
      await two.stop();
    }
  });
});

describe('logging', () => {
  it('sends log messages over MCP only once the client sets a level, redacted', async () => {
    const logger = new Logger('error', new Redactor().add(CLOCKIFY_SANDBOX_KEY), false);
    const session = await connectClient(box.connections, { logger });
    const received: string[] = [];
    session.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      received.push(String(notification.params.data));
    });
    try {
      await session.client.listTools();
      logger.info(`before the level is set; key ${CLOCKIFY_SANDBOX_KEY}`);
      await session.client.setLoggingLevel('info');
      logger.debug('below the level');
      logger.info(`after the level is set; key ${CLOCKIFY_SANDBOX_KEY}`);
      await session.client.listTools(); // a round trip, so that the notification has arrived
      expect(received).toEqual(['after the level is set; key [REDACTED]']);
    } finally {
      await session.close();
    }
  });
});

describe('read-only mode', () => {
  it('refuses writes with READ_ONLY but still answers dry runs and reads', async () => {
    const session = await connectClient(box.connections, { readOnly: true });
    try {
      await session.client.listTools();
      const refused = (await session.client.callTool({ name: 'add_project_members', arguments: { project: WEBSITE, users: ['Chloe Park'] } })) as Awaited<ReturnType<typeof call>>;
      expectError(refused, 'READ_ONLY');
      const dry = (await session.client.callTool({ name: 'add_project_members', arguments: { project: WEBSITE, users: ['Chloe Park'], dryRun: true } })) as Awaited<ReturnType<typeof call>>;
      expect(mutationResultSchema.parse(dry.structuredContent).results[0]!.status).toBe('would_add');
      expect(box.sandbox.simulators.clockify.project(WS, WEBSITE).userIds).not.toContain(clockifyId('user', 3));
    } finally {
      await session.close();
    }
  });
});
