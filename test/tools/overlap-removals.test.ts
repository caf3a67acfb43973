import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/core/journal.js';
import type { ProviderKind } from '../../src/core/types.js';
import { directorySchema, memberListSchema, mutationResultSchema, removalResultSchema } from '../../src/tools/schemas.js';
import { connectClient, startTestSandbox, type ToolCallResult } from '../helpers/sandbox.js';

/**
 * Removals from several projects overlapping other writing calls on the same projects, in
 * parallel. A removal plans every project without a turn, is confirmed, and only then takes the
 * turns of all its projects, in one order: no two calls wait for each other in a circle, no call
 * waits for itself, and a person's answer holds up no other call. Every call finishes, and each
 * member is reported removed (or added) once. A call waiting in a circle would wait until its
 * time budget (here 8 s) and answer TIMEOUT, which these tests would see as an error.
 */

const CALL_BUDGET_MS = 8_000;

const PROJECTS: Array<[ProviderKind, string, string]> = [
  ['clockify', 'Website Redesign', 'Data Platform'],
  ['gorules', 'Fraud Detection', 'Claims Rules'],
  ['projectmanager', 'Office Move', 'Website Launch'],
];

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of open.splice(0)) await stop();
});

/** One provider's sandbox with generated people, and a client whose person answers each question with `answer`. */
async function start(provider: ProviderKind, answer: (question: string) => Promise<ElicitResult>) {
  const box = await startTestSandbox({ only: [provider], people: 12 });
  const entries: JournalEntry[] = [];
  const journal = { record: (entry: JournalEntry) => void entries.push(entry), close: () => undefined };
  const mcp = await connectClient(box.connections, { journal, callBudgetMs: CALL_BUDGET_MS, elicit: (request) => answer(request.message) });
  open.push(async () => {
    await mcp.close();
    await box.stop();
  });
  await mcp.client.listTools(); // from here on the client checks every result against the listed schema
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = (await mcp.client.callTool({ name, arguments: { provider, ...args } })) as ToolCallResult;
    expect(result.isError, `${name}: ${result.content[0]?.text}`).toBeFalsy();
    return result.structuredContent;
  };
  const people = directorySchema.parse(await call('search_directory', { kind: 'user', query: 'person.00', limit: 50 })).entries.map((person) => person.email!);
  expect(people.length).toBeGreaterThanOrEqual(8);
  const members = async (project: string) => memberListSchema.parse(await call('list_project_members', { project, limit: 200 })).members.map((member) => member.email);
  return { call, people, members, journal: entries };
}

/** A promise and the function that settles it. */
function signal<T = void>() {
  let settle!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle };
}

const yes: ElicitResult = { action: 'accept', content: { confirm: true } };

/** Each (project, input) of several removals' results: the statuses it got, over all calls. */
function statusesByMember(results: Array<ReturnType<typeof removalResultSchema.parse>>): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const result of results) {
    for (const project of result.projects!) {
      for (const entry of project.results) {
        const key = `${project.project.name}/${entry.input}`;
        seen.set(key, [...(seen.get(key) ?? []), entry.status]);
      }
    }
  }
  return seen;
}

describe('overlapping removals from several projects', () => {
  for (const [provider, first, second] of PROJECTS) {
    it(`two removals naming the projects in opposite orders both finish, each member removed once (${provider})`, async () => {
      // Both calls are asked before either gets its answer: both have planned before either writes.
      const questions: string[] = [];
      const bothAsked = signal();
      const { call, people, members } = await start(provider, async (question) => {
        questions.push(question);
        if (questions.length === 2) bothAsked.settle();
        await bothAsked.promise;
        return yes;
      });
      const six = people.slice(0, 6);
      for (const project of [first, second]) await call('add_project_members', { project, users: six });

      const [a, b] = await Promise.all([
        call('remove_project_members', { projects: [first, second], users: six.slice(0, 4) }),
        call('remove_project_members', { projects: [second, first], users: six.slice(2, 6) }),
      ]);
      const statuses = statusesByMember([removalResultSchema.parse(a), removalResultSchema.parse(b)]);
      for (const project of [first, second]) {
        for (const [index, person] of six.entries()) {
          // Removed by exactly one call; the other call (for those both named) found them gone.
          const expected = index === 2 || index === 3 ? ['not_member', 'removed'] : ['removed'];
          expect([...statuses.get(`${project}/${person}`)!].sort(), `${project}/${person}`).toEqual(expected);
        }
        expect((await members(project)).filter((email) => six.includes(email!))).toEqual([]);
      }
      // The call that got its turns second read again, found a smaller change, and asked about that one.
      expect(questions).toHaveLength(3);
      expect(questions[2]).toMatch(/^Remove 2 people from 2 projects/);
    });
  }

  it('a single-project add goes through while a removal from several projects waits for the person, and the removal is not asked twice', async () => {
    const asked = signal();
    const added = signal();
    const questions: string[] = [];
    const { call, people, members, journal } = await start('clockify', async (question) => {
      questions.push(question);
      asked.settle();
      await added.promise; // the person answers only once the add has finished
      return yes;
    });
    const [first, second] = ['Website Redesign', 'Data Platform'];
    const leaving = people.slice(0, 3);
    const joining = people.slice(3, 6);
    for (const project of [first, second]) await call('add_project_members', { project, users: leaving });
    const before = journal.length;

    const removal = call('remove_project_members', { projects: [first, second], users: leaving });
    await asked.promise;
    // Would wait until its budget, and fail, if the removal held the project's turn while asking.
    const add = mutationResultSchema.parse(await call('add_project_members', { project: first, users: joining }));
    added.settle();
    expect(add.results.map((entry) => entry.status)).toEqual(['added', 'added', 'added']);

    // The add changed a project the removal had read: it read again, found the same change, and went on.
    const removed = removalResultSchema.parse(await removal);
    expect(removed.projects!.flatMap((project) => project.results.map((entry) => entry.status))).toEqual(Array(6).fill('removed'));
    expect(questions).toHaveLength(1);
    expect(await members(first)).toEqual(expect.arrayContaining(joining));
    for (const project of [first, second]) expect((await members(project)).filter((email) => leaving.includes(email!))).toEqual([]);

    // The removal's journal lines: each request planned before it was sent, and each line confirmed by the person.
    const lines = journal.slice(before).filter((entry) => entry.operation === 'remove');
    expect(lines.filter((entry) => entry.outcome === 'planned').length).toBeGreaterThan(0);
    expect(lines.every((entry) => entry.confirmedBy === 'elicitation' && entry.write !== undefined)).toBe(true);
    expect(journal.slice(before).filter((entry) => entry.operation === 'add').every((entry) => entry.confirmedBy === undefined)).toBe(true);
  });

  it('a removal naming one project twice never waits for its own turn', async () => {
    const { call, people, members } = await start('clockify', async () => yes);
    const project = 'Website Redesign';
    await call('add_project_members', { project, users: people.slice(0, 2) });
    const { project: resolved } = memberListSchema.parse(await call('list_project_members', { project }));
    const result = removalResultSchema.parse(await call('remove_project_members', { projects: [project, resolved.id], users: people.slice(0, 2) }));
    expect(result.projects!.map((p) => [p.project.id, p.results.map((entry) => entry.status)])).toEqual([[resolved.id, ['removed', 'removed']]]);
    expect((await members(project)).filter((email) => people.slice(0, 2).includes(email!))).toEqual([]);
  });
});
