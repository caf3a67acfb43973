import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry, WriteJournal } from '../../src/core/journal.js';
import type { ProviderKind } from '../../src/core/types.js';
import type { SandboxSimulators as Simulators } from '../../src/sandbox/index.js';
import { CLOCKIFY_SANDBOX_WORKSPACE, clockifyId } from '../../src/sandbox/clockify/seed.js';
import { GORULES_PROJECTS, grId } from '../../src/sandbox/gorules/seed.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { removalResultSchema } from '../../src/tools/schemas.js';
import { connectClient, expectToolError, startTestSandbox, type ToolCallResult } from '../helpers/sandbox.js';

/**
 * Offboarding through a real MCP client, on every provider that can remove: a person taken out of
 * every project they are in (projects: "all"), previewed, then confirmed by elicitation or by the
 * dry run's value, declined, or refused because the state moved since the preview.
 */

interface Case {
  provider: Exclude<ProviderKind, 'zello'>;
  person: string;
  /** Puts the person in a second project where the seed has them in one. */
  setup?: (sims: Simulators) => void;
  /** The projects "all" finds, by name, with the status each entry gets in a dry run. */
  planned: Array<[project: string, status: string]>;
  /** Is the person still in this project (by name)? */
  isIn: (sims: Simulators, project: string) => boolean;
  /** Someone else changes the person's memberships between the preview and the call. */
  meanwhile: (sims: Simulators) => void;
}

const WS = CLOCKIFY_SANDBOX_WORKSPACE;
const clockifyProject = (sims: Simulators, name: string) => sims.clockify.workspace(WS).projects.find((p) => p.name === name)!;
const pmProject = (sims: Simulators, name: string) => sims.projectmanager.state.projects.find((p) => p.name === name)!;
const DIEGO = clockifyId('user', 4);
const DEV = grId('user', 4);
const MARCUS = pmId('person', 2);

const CASES: Case[] = [
  {
    provider: 'clockify',
    person: 'diego.rivera@acme.example',
    setup: (sims) => clockifyProject(sims, 'Website Redesign').userIds.push(DIEGO),
    // Mobile App only through the Engineering group: reported, not removed.
    planned: [['Data Platform', 'would_remove'], ['Mobile App', 'failed'], ['Website Redesign', 'would_remove']],
    isIn: (sims, name) => clockifyProject(sims, name).userIds.includes(DIEGO) || sims.clockify.isManager(DIEGO, clockifyProject(sims, name).id),
    meanwhile: (sims) => {
      const website = clockifyProject(sims, 'Website Redesign');
      website.userIds = website.userIds.filter((id) => id !== DIEGO);
    },
  },
  {
    provider: 'gorules',
    person: 'Dev Patel',
    planned: [['Claims Rules', 'would_remove'], ['Pricing Engine', 'would_remove']],
    isIn: (sims, name) => sims.gorules.state.projects.find((p) => p.name === name)!.members.some((m) => m.userId === DEV),
    // Added to a third project: "all" now means more than was previewed.
    meanwhile: (sims) => {
      sims.gorules.project(GORULES_PROJECTS.fraud).members.push({ id: grId('member', 99), userId: DEV, owner: false, groupIds: [], createdAt: '2026-02-01T00:00:00.000Z', updatedAt: '2026-02-01T00:00:00.000Z' });
    },
  },
  {
    provider: 'projectmanager',
    person: 'Marcus Reed',
    setup: (sims) => pmProject(sims, 'Warehouse Rollout').members.set(MARCUS, 'Editor'),
    planned: [['Warehouse Rollout', 'would_remove'], ['Website Launch', 'would_remove']],
    isIn: (sims, name) => pmProject(sims, name).members.has(MARCUS),
    meanwhile: (sims) => pmProject(sims, 'Warehouse Rollout').members.delete(MARCUS),
  },
];

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of open.splice(0)) await stop();
});

/** A sandbox of one provider and a client that has listed the tools; with `elicit`, a client that can be asked. */
async function start(testCase: Case, options: { elicit?: (request: ElicitRequest['params']) => ElicitResult } = {}) {
  const box = await startTestSandbox({ only: [testCase.provider] });
  const journal = memoryJournal();
  const mcp = await connectClient(box.connections, { journal, ...(options.elicit ? { elicit: options.elicit } : {}) });
  open.push(async () => {
    await mcp.close();
    await box.stop();
  });
  await mcp.client.listTools(); // from here on the client checks every result against the listed schema
  const sims = box.sandbox.simulators;
  testCase.setup?.(sims);
  const call = async (args: Record<string, unknown>) =>
    (await mcp.client.callTool({ name: 'remove_project_members', arguments: { provider: testCase.provider, users: [testCase.person], projects: 'all', ...args } })) as ToolCallResult;
  const writes = () => sims[testCase.provider].requests.filter((r) => r.method !== 'GET' && !(r.method === 'POST' && /users\/info$/.test(r.path))).length;
  return { sims, call, journal, writes };
}

function memoryJournal(): WriteJournal & { entries: JournalEntry[] } {
  const entries: JournalEntry[] = [];
  return { entries, record: (entry) => entries.push(entry), close: () => undefined };
}

function removal(result: ToolCallResult) {
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return removalResultSchema.parse(result.structuredContent);
}

/**
 * A confirmed removal's journal: each request's `planned` line (written before it was sent) and
 * its `applied` line share a write id, and every line says what confirmed it.
 */
function expectPlannedThenApplied(lines: JournalEntry[], confirmedBy: JournalEntry['confirmedBy']) {
  const planned = lines.filter((entry) => entry.outcome === 'planned');
  expect(planned.length).toBeGreaterThan(0);
  expect(lines.filter((entry) => entry.confirmedBy !== confirmedBy)).toEqual([]);
  expect(lines.filter((entry) => entry.outcome !== 'planned' && entry.outcome !== 'applied')).toEqual([]);
  const key = (entry: JournalEntry) => `${entry.write}/${entry.project}/${entry.user}`;
  expect(lines.filter((entry) => entry.outcome === 'applied').map(key).sort()).toEqual(planned.map(key).sort());
  expect(planned.every((entry) => lines.indexOf(entry) < lines.findIndex((other) => other.outcome === 'applied' && key(other) === key(entry)))).toBe(true);
}

const accept = (): ElicitResult => ({ action: 'accept', content: { confirm: true } });

describe.each(CASES)('offboarding on $provider', (testCase) => {
  const names = testCase.planned.map(([name]) => name);
  const removed = testCase.planned.filter(([, status]) => status === 'would_remove').map(([name]) => name);

  it('previews every project the person is in, per project, with the confirmation the real call needs', async () => {
    const { sims, call, writes } = await start(testCase);
    const result = await call({ dryRun: true });
    const body = removal(result);
    expect(body.projects!.map((p) => [p.project.name, p.results[0]!.status])).toEqual(testCase.planned);
    expect(body.summary).toEqual({ requested: names.length, changed: removed.length, unchanged: 0, failed: names.length - removed.length });
    expect(body.confirmation).toMatch(/^rm1-[A-Za-z0-9_-]{22}$/);
    expect(body.budget?.requests).toBeGreaterThan(0);
    expect(result.content[0]!.text).toContain(`Confirmation needed for these ${removed.length} removals (${removed.length} projects)`);
    expect(result.content[0]!.text).toContain(body.confirmation);
    for (const name of removed) expect(testCase.isIn(sims, name), name).toBe(true);
    expect(writes()).toBe(0);
  });

  it('asks the person at the client one question naming the people and projects, and removes on yes', async () => {
    const questions: string[] = [];
    const { sims, call, journal } = await start(testCase, { elicit: (request) => (questions.push(request.message), accept()) });
    const body = removal(await call({}));
    expect(body.projects!.map((p) => p.results[0]!.status)).toEqual(testCase.planned.map(([, status]) => (status === 'would_remove' ? 'removed' : status)));
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain(`from ${removed.length} projects`);
    for (const name of removed) expect(questions[0]).toContain(name);
    expect(questions[0]).toMatch(/People: [^\n]*(Diego Rivera|Dev Patel|Marcus Reed)/);
    for (const name of removed) expect(testCase.isIn(sims, name), name).toBe(false);
    const removals = journal.entries.filter((entry) => entry.operation === 'remove');
    expect(removals.length).toBeGreaterThanOrEqual(removed.length);
    expectPlannedThenApplied(removals, 'elicitation');
  });

  it('takes the dry run\'s confirmation value from a client that cannot be asked', async () => {
    const { sims, call, journal } = await start(testCase);
    const { confirmation } = removal(await call({ dryRun: true }));
    const body = removal(await call({ confirmation }));
    expect(body.summary.changed).toBe(removed.length);
    for (const name of removed) expect(testCase.isIn(sims, name), name).toBe(false);
    expectPlannedThenApplied(journal.entries.filter((entry) => entry.operation === 'remove'), 'value');
  });

  it('changes nothing when the person declines, and says so', async () => {
    const { sims, call, journal, writes } = await start(testCase, { elicit: () => ({ action: 'decline' }) });
    const error = expectToolError(await call({}), 'DECLINED');
    expect(error.message).toContain('The user declined, so nothing was changed');
    for (const name of removed) expect(testCase.isIn(sims, name), name).toBe(true);
    expect(writes()).toBe(0);
    expect(journal.entries).toEqual([]);
  });

  it('changes nothing without a confirmation when the client cannot be asked', async () => {
    const { sims, call, writes } = await start(testCase);
    const error = expectToolError(await call({}), 'CONFIRMATION_REQUIRED');
    expect(error.message).toContain(`${removed.length} projects`);
    expect(error.hint).toContain('dryRun: true');
    for (const name of removed) expect(testCase.isIn(sims, name), name).toBe(true);
    expect(writes()).toBe(0);
  });

  it('asks for a new preview when the state changed since the dry run', async () => {
    const { sims, call, writes } = await start(testCase);
    const { confirmation } = removal(await call({ dryRun: true }));
    testCase.meanwhile(sims);
    const stale = expectToolError(await call({ confirmation }), 'CONFIRMATION_REQUIRED');
    expect(stale.message).toContain('does not match this change');
    expect(writes()).toBe(0);
    // A new preview gives the new change's value, which goes through.
    const fresh = removal(await call({ dryRun: true }));
    expect(fresh.confirmation).not.toBe(confirmation);
    expect(removal(await call({ confirmation: fresh.confirmation })).summary.changed).toBe(fresh.summary.changed);
  });
});

describe('removal from a list of projects', () => {
  const clockify = CASES[0]!;

  it('merges two names for one project, and refuses the whole call when one project does not exist', async () => {
    const { sims, call, writes } = await start(clockify);
    const dataPlatform = clockifyId('project', 6);
    const twice = removal(await call({ projects: ['Data Platform', dataPlatform], dryRun: true }));
    expect(twice.projects!.map((p) => p.project.id)).toEqual([dataPlatform]);
    expect(twice.confirmation).toBeUndefined(); // one project, one person: no confirmation needed

    const missing = expectToolError(await call({ projects: ['Data Platform', 'No Such Project'], confirmation: twice.confirmation }), 'NOT_FOUND');
    expect(missing.message).toMatch(/^Project "No Such Project": No project with id or exact name "No Such Project".*Nothing was changed in any project\.$/);
    expect(clockify.isIn(sims, 'Data Platform')).toBe(true);
    expect(writes()).toBe(0);
  });

  it('refuses "all" when a user cannot be found, and bad combinations of project and projects', async () => {
    const { call, writes } = await start(clockify);
    const unknown = expectToolError(await call({ users: ['Diego Rivera', 'nobody@acme.example'] }), 'NOT_FOUND');
    expect(unknown.message).toContain('"nobody@acme.example"');
    expect(expectToolError(await call({ projects: [] }), 'INVALID_ARGUMENT').message).toMatch(/"projects" must list at least one project/);
    expect(expectToolError(await call({ project: 'Data Platform' }), 'INVALID_ARGUMENT').message).toMatch(/"projects" cannot be given with "project"/);
    expect(expectToolError(await call({ projects: undefined }), 'INVALID_ARGUMENT').message).toMatch(/"project" is required \(or "projects" for several projects\)/);
    expect(writes()).toBe(0);
  });

  it('answers "all" for someone in no project with no project, and nothing to confirm', async () => {
    const { call } = await start(clockify);
    const result = await call({ users: ['Ivy Chen'] }); // invited, in a group assigned to no project
    const body = removal(result);
    expect(body).toMatchObject({ projects: [], summary: { requested: 0, changed: 0, unchanged: 0, failed: 0 } });
    expect(body.confirmation).toBeUndefined();
    expect(result.content[0]!.text).toContain('0 projects: none of these users is in a project.');
  });

  it('plans the writes of every project against the rate limit before the first one', async () => {
    const box = await startTestSandbox({ only: ['clockify'], env: { CLOCKIFY_RATE_LIMIT: '18/h' } });
    const mcp = await connectClient(box.connections);
    open.push(async () => {
      await mcp.close();
      await box.stop();
    });
    await mcp.client.listTools();
    const sims = box.sandbox.simulators;
    clockify.setup!(sims);
    const args = { provider: 'clockify', users: [clockify.person], projects: ['Website Redesign', 'Data Platform'] };
    const dry = removal((await mcp.client.callTool({ name: 'remove_project_members', arguments: { ...args, dryRun: true } })) as ToolCallResult);
    // Each project's reads (the project, the person looked up, the user groups, the managers), the
    // key's own user, and per project a batch removal, whose reply confirms it (on Data Platform
    // also the manager role, and the managers read again): 13. The dry run uses 9 of the hour's
    // 18; the real call finds the person cached, and its 6 reads leave 3 for its 4 writes and read.
    expect(dry.budget).toMatchObject({ limit: '18/h', requests: 13, fits: false });
    const refused = expectToolError((await mcp.client.callTool({ name: 'remove_project_members', arguments: { ...args, confirmation: dry.confirmation } })) as ToolCallResult, 'RATE_LIMITED');
    expect(refused.message).toContain('Refused before any change');
    expect(sims.clockify.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/users/info'))).toEqual([]);
    expect(clockify.isIn(sims, 'Website Redesign') && clockify.isIn(sims, 'Data Platform')).toBe(true);
  });
});
