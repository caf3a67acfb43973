import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/core/journal.js';
import type { ProviderKind } from '../../src/core/types.js';
import { CLOCKIFY_SANDBOX_WORKSPACE, clockifyId } from '../../src/sandbox/clockify/seed.js';
import { GORULES_PROJECTS, grId } from '../../src/sandbox/gorules/seed.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { removalResultSchema } from '../../src/tools/schemas.js';
import { connectClient, expectToolError, startTestSandbox, type ToolCallResult } from '../helpers/sandbox.js';

/**
 * The guards of remove_project_members through a real MCP client: the last people who can manage
 * a project stay unless allowLastManager says otherwise, the connection's own account goes only
 * with confirmation, and so do more than ten people at once.
 */

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of open.splice(0)) await stop();
});

async function start(provider: Exclude<ProviderKind, 'zello'>, options: { people?: number; elicit?: (request: ElicitRequest['params']) => ElicitResult } = {}) {
  const box = await startTestSandbox({ only: [provider], people: options.people ?? 0 });
  const journal: JournalEntry[] = [];
  const mcp = await connectClient(box.connections, {
    journal: { record: (entry) => journal.push(entry), close: () => undefined },
    ...(options.elicit ? { elicit: options.elicit } : {}),
  });
  open.push(async () => {
    await mcp.close();
    await box.stop();
  });
  await mcp.client.listTools();
  const remove = async (args: Record<string, unknown>) => (await mcp.client.callTool({ name: 'remove_project_members', arguments: { provider, ...args } })) as ToolCallResult;
  return { sims: box.sandbox.simulators, remove, journal };
}

function removal(result: ToolCallResult) {
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return removalResultSchema.parse(result.structuredContent);
}

describe('the last people who can manage a project', () => {
  it('GoRules: the last owner is a failed entry saying how to proceed, in the dry run too; allowLastManager removes them', async () => {
    const { sims, remove } = await start('gorules');
    const gwen = grId('user', 7);
    for (const dryRun of [true, false]) {
      const body = removal(await remove({ project: 'Rules Archive', users: ['Gwen Lloyd'], dryRun }));
      expect(body.results).toEqual([
        expect.objectContaining({ input: 'Gwen Lloyd', userId: gwen, status: 'failed', error: { code: 'LAST_MANAGER', message: expect.stringContaining('is the last owner of project "Rules Archive"') } }),
      ]);
      expect(body.results![0]!.error!.message).toContain('Make someone else owner first, or call again with allowLastManager: true.');
    }
    expect(sims.gorules.membership(GORULES_PROJECTS.archive, gwen)).toBeDefined();
    const allowed = removal(await remove({ project: 'Rules Archive', users: ['Gwen Lloyd'], allowLastManager: true }));
    expect(allowed.results![0]!.status).toBe('removed');
    expect(sims.gorules.membership(GORULES_PROJECTS.archive, gwen)).toBeUndefined();
  });

  it('GoRules: removing every owner at once fails each of them; an owner who stays lets the others go', async () => {
    const { sims, remove } = await start('gorules');
    // Bruno becomes a second owner of Claims Rules, beside Ada.
    sims.gorules.membership(GORULES_PROJECTS.claims, grId('user', 2))!.owner = true;
    sims.gorules.membership(GORULES_PROJECTS.claims, grId('user', 3))!.owner = true;
    const all = removal(await remove({ project: 'Claims Rules', users: ['Bruno Costa', 'Carla Rossi', 'Ada Novak', 'Dev Patel'], allowLastManager: false, dryRun: true }));
    expect(all.results!.map((r) => [r.input, r.status, r.error?.code])).toEqual([
      ['Bruno Costa', 'failed', 'LAST_MANAGER'],
      ['Carla Rossi', 'failed', 'LAST_MANAGER'],
      ['Ada Novak', 'failed', 'LAST_MANAGER'],
      ['Dev Patel', 'would_remove', undefined],
    ]);
    expect(all.results![0]!.error!.message).toContain('one of the last owners (with Carla Rossi, Ada Novak, also removed by this call)');
    const some = removal(await remove({ project: 'Claims Rules', users: ['Bruno Costa', 'Carla Rossi'] }));
    expect(some.results!.map((r) => r.status)).toEqual(['removed', 'removed']);
  });

  it('GoRules: two calls at once, each removing one of the last two owners: one goes, the other is guarded', async () => {
    const { sims, remove } = await start('gorules');
    // Bruno and Carla are the only owners of Claims Rules.
    sims.gorules.membership(GORULES_PROJECTS.claims, grId('user', 1))!.owner = false;
    for (const n of [2, 3]) sims.gorules.membership(GORULES_PROJECTS.claims, grId('user', n))!.owner = true;
    // Each read two owners; the call that gets its turn second reads again, and finds one.
    const results = await Promise.all(['Bruno Costa', 'Carla Rossi'].map(async (user) => removal(await remove({ project: 'Claims Rules', users: [user] })).results![0]!));
    expect(results.map((r) => r.status).sort()).toEqual(['failed', 'removed']);
    expect(results.find((r) => r.status === 'failed')!.error).toMatchObject({ code: 'LAST_MANAGER', message: expect.stringContaining('the last owner of project "Claims Rules"') });
    expect([2, 3].filter((n) => sims.gorules.membership(GORULES_PROJECTS.claims, grId('user', n))?.owner)).toHaveLength(1);
  });

  it('ProjectManager.com: the last Manager stays; allowed, the own account still needs confirmation', async () => {
    const { sims, remove, journal } = await start('projectmanager');
    const office = pmId('project', 3);
    const olivia = pmId('person', 1);
    const guarded = removal(await remove({ project: 'Office Move', users: ['Olivia Hart'] }));
    expect(guarded.results![0]).toMatchObject({ status: 'failed', error: { code: 'LAST_MANAGER', message: expect.stringContaining('the last Manager of project "Office Move"') } });

    const own = expectToolError(await remove({ project: 'Office Move', users: ['Olivia Hart'], allowLastManager: true }), 'CONFIRMATION_REQUIRED');
    expect(own.message).toContain('the connection\'s own account (Olivia Hart <olivia.hart@northwind.example.org>)');
    expect(sims.projectmanager.members(office)[olivia]).toBe('Manager');

    const dry = await remove({ project: 'Office Move', users: ['Olivia Hart'], allowLastManager: true, dryRun: true });
    const preview = removal(dry);
    expect(preview.results![0]!.status).toBe('would_remove');
    expect(dry.content[0]!.text).toContain('Confirmation needed for these 1 removal (the connection\'s own account (Olivia Hart');
    const done = removal(await remove({ project: 'Office Move', users: ['Olivia Hart'], allowLastManager: true, confirmation: preview.confirmation }));
    expect(done.results![0]!.status).toBe('removed');
    expect(sims.projectmanager.members(office)[olivia]).toBeUndefined();
    // Journaled before it was sent and after, under one write id, with what confirmed it.
    const lines = journal.filter((entry) => entry.operation === 'remove');
    expect(lines).toEqual([
      expect.objectContaining({ user: olivia, outcome: 'planned', confirmedBy: 'value', write: expect.any(String) }),
      expect.objectContaining({ user: olivia, outcome: 'applied', confirmedBy: 'value', write: lines[0]!.write }),
    ]);
  });
});

describe('the connection\'s own account', () => {
  it('Clockify: needs confirmation even alone; the question says it is the own account', async () => {
    const questions: string[] = [];
    const { sims, remove } = await start('clockify', { elicit: (request) => (questions.push(request.message), { action: 'decline' }) });
    const onboarding = clockifyId('project', 4);
    const refused = expectToolError(await remove({ project: onboarding, users: ['Ana Lima'] }), 'DECLINED');
    expect(refused.message).toContain('the connection\'s own account (Ana Lima <ana.lima@acme.example>)');
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain('Remove 1 person from 1 project on Clockify (connection "clockify", sandbox): 1 removal in all?');
    expect(questions[0]).toContain('Asked because of: the connection\'s own account (Ana Lima <ana.lima@acme.example>).');
    questions.length = 0;
    expect(sims.clockify.project(CLOCKIFY_SANDBOX_WORKSPACE, onboarding).userIds).toContain(clockifyId('user', 1));
    // Anyone else alone from one project goes through without a question.
    const { remove: again } = await start('clockify', { elicit: () => (questions.push('asked'), { action: 'accept', content: { confirm: true } }) });
    expect(removal(await again({ project: 'Website Redesign', users: ['Ben Carter'] })).results![0]!.status).toBe('removed');
    expect(questions).toEqual([]);
  });

  it('GoRules: when the token\'s user cannot be told, every removal asks to be confirmed', async () => {
    const { sims, remove } = await start('gorules');
    sims.gorules.readings.profile = 'none';
    const refused = expectToolError(await remove({ project: 'Claims Rules', users: ['Luis Ortega'] }), 'CONFIRMATION_REQUIRED');
    expect(refused.message).toContain('the connection\'s own account could not be identified');
    const preview = removal(await remove({ project: 'Claims Rules', users: ['Luis Ortega'], dryRun: true }));
    expect(removal(await remove({ project: 'Claims Rules', users: ['Luis Ortega'], confirmation: preview.confirmation })).results![0]!.status).toBe('removed');
  });
});

describe('a question left unanswered', () => {
  it('is withdrawn when the client cancels the call, and nothing is written', async () => {
    let asked!: () => void;
    let withdrawn!: () => void;
    const question = new Promise<void>((resolve) => (asked = resolve));
    const questionWithdrawn = new Promise<void>((resolve) => (withdrawn = resolve));
    let questions = 0;
    const box = await startTestSandbox({ only: ['gorules'] });
    const mcp = await connectClient(box.connections, {
      elicit: (_request, signal) => {
        // The SDK's client ignores the cancellation of a request whose id is 0 (a falsy check): the
        // first question, the server's request 0, is answered; the second is left open.
        if (questions++ === 0) return { action: 'accept', content: { confirm: true } };
        signal.addEventListener('abort', () => withdrawn(), { once: true });
        asked();
        return new Promise<ElicitResult>(() => undefined); // the person never answers
      },
    });
    open.push(async () => {
      await mcp.close();
      await box.stop();
    });
    await mcp.client.listTools();
    const sim = box.sandbox.simulators.gorules;
    removal((await mcp.client.callTool({ name: 'remove_project_members', arguments: { users: ['Dev Patel'], projects: 'all' } })) as ToolCallResult);
    const writes = sim.requests.filter((r) => r.method !== 'GET').length;

    const cancel = new AbortController();
    const args = { users: ['Ada Novak'], project: 'Fraud Detection', allowLastManager: true }; // the token's own user
    const pending = mcp.client.callTool({ name: 'remove_project_members', arguments: args }, undefined, { signal: cancel.signal });
    await question;
    cancel.abort();
    await expect(pending).rejects.toThrow();
    await questionWithdrawn; // the server cancelled its question (notifications/cancelled)
    // A call after it has gone the whole way round: the cancelled one wrote nothing meanwhile.
    await mcp.client.callTool({ name: 'list_user_memberships', arguments: { users: ['Ada Novak'] } });
    expect(sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(writes);
    expect(sim.membership(GORULES_PROJECTS.fraud, grId('user', 1))).toBeDefined();
  });
});

describe('more than ten people', () => {
  it('need confirmation on one project; the dry run\'s value lets them go', async () => {
    const { sims, remove } = await start('projectmanager', { people: 12 });
    const office = sims.projectmanager.state.projects.find((p) => p.name === 'Office Move')!;
    const people = Array.from({ length: 12 }, (_, i) => `person.${String(i + 1).padStart(4, '0')}@northwind.example.org`);
    for (const resource of sims.projectmanager.state.resources.filter((r) => r.email && people.includes(r.email))) office.members.set(resource.id, 'Editor');
    const ten = removal(await remove({ project: 'Office Move', users: people.slice(0, 10), dryRun: true }));
    expect(ten.confirmation).toBeUndefined();
    expect(expectToolError(await remove({ project: 'Office Move', users: people }), 'CONFIRMATION_REQUIRED').message).toContain('12 people');
    const preview = removal(await remove({ project: 'Office Move', users: people, dryRun: true }));
    const done = removal(await remove({ project: 'Office Move', users: people, confirmation: preview.confirmation }));
    expect(done.summary).toEqual({ requested: 12, changed: 12, unchanged: 0, failed: 0 });
    expect(office.members.size).toBe(1);
  });
});
