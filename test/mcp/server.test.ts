import { readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/providers/module.js';
import { Redactor } from '../../src/core/redact.js';
import { Logger } from '../../src/core/log.js';
import { CLOCKIFY_SANDBOX_KEY, CLOCKIFY_SANDBOX_WORKSPACE as WS, clockifyId } from '../../src/sandbox/clockify/seed.js';
import { directorySchema, errorEnvelopeSchema, mutationResultSchema } from '../../src/tools/schemas.js';
import { instructions } from '../../src/mcp/server.js';
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

describe('initialize', () => {
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

  it('says each fact of every connection once: the capability fields, then only what the provider\'s notes add', async () => {
    const all = await startTestSandbox();
    try {
      const lines = instructions(all.connections, false).split('\n').filter((line) => line.startsWith('- '));
      expect(lines).toHaveLength(4);
      for (const line of lines) {
        const clauses = line.slice(line.indexOf(': ') + 2).split(/[;,.](?:\s+|$)/).map((clause) => clause.trim().toLowerCase()).filter(Boolean);
        expect(clauses.filter((clause, index) => clauses.indexOf(clause) !== index), line).toEqual([]);
        for (const phrase of ['no teams', 'no member removal', 'takes workspaceId', 'takes groups']) {
          expect(line.split(phrase).length - 1, `${phrase} in ${line}`).toBeLessThanOrEqual(1);
        }
      }
      expect(lines.find((line) => line.startsWith('- zello '))).toContain('no teams; no member removal; takes workspaceId. roles cannot be changed once granted;');
      // The notes never restate what the fields say: teams, removal, groups and workspaces are the fields' to state.
      for (const connection of all.connections.list) {
        for (const note of connection.provider.capabilities.notes) expect(note).not.toMatch(/\bteams?\b|member removal|\bgroups\b|workspaceId/i);
      }
    } finally {
      await all.stop();
    }
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
    // As JSON carries it: an own key named __proto__ (an object literal would set the prototype instead).
    ['a __proto__ key', 'remove_project_members', JSON.parse(`{"project": "${WEBSITE}", "users": ["Ben Carter"], "__proto__": {"dryRun": true}}`) as Record<string, unknown>, 'INVALID_ARGUMENT', /unknown argument "__proto__"/],
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

describe('progress', () => {
  it('sends notifications in order, ending at the total', async () => {
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
