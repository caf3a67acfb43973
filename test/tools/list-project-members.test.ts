import { describe, expect, it } from 'vitest';
import { clockifyId } from '../../src/sandbox/clockify/seed.js';
import { memberListSchema, removalResultSchema } from '../../src/tools/schemas.js';
import { expectToolError, toolSession } from '../helpers/sandbox.js';

const WEBSITE = clockifyId('project', 1);
const session = toolSession('clockify');
const call = session.call;

describe('list_project_members', () => {
  it('lists members by name, then id, on every provider', async () => {
    for (const [provider, project] of [
      ['clockify', 'Mobile App'],
      ['gorules', 'Claims Rules'],
      ['projectmanager', 'Website Launch'],
      ['zello', 'Vendor Onboarding'],
    ]) {
      const list = memberListSchema.parse((await call('list_project_members', { provider, project, limit: 200 })).structuredContent);
      const names = list.members.map((m) => m.name ?? '');
      expect(names.length, provider).toBeGreaterThan(1);
      expect(names, provider).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    }
  });

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
    expectToolError(await call('list_project_members', { project: WEBSITE, cursor: page1.nextCursor }), 'INVALID_ARGUMENT');
    expectToolError(await call('list_project_members', { project: 'Mobile App', cursor: 'not-a-cursor' }), 'INVALID_ARGUMENT');
  });

  it('neither repeats nor skips a member when others leave or join between pages', async () => {
    const everyone = memberListSchema.parse((await call('list_project_members', { project: 'Mobile App', limit: 200 })).structuredContent).members;
    const page1 = memberListSchema.parse((await call('list_project_members', { project: 'Mobile App', limit: 3 })).structuredContent);
    // Between the pages, the first member shown leaves and the last one shown leaves too.
    for (const gone of [page1.members[0]!, page1.members[2]!]) {
      // The first one is the connection's own account: its removal carries its preview's confirmation.
      const args = { project: 'Mobile App', users: [gone.userId] };
      const { confirmation } = removalResultSchema.parse((await call('remove_project_members', { ...args, dryRun: true })).structuredContent);
      const removed = await call('remove_project_members', { ...args, confirmation });
      expect(removed.isError, JSON.stringify(removed.structuredContent)).toBeFalsy();
    }
    const rest = [];
    let cursor = page1.nextCursor;
    while (cursor) {
      const next = memberListSchema.parse((await call('list_project_members', { project: 'Mobile App', limit: 3, cursor })).structuredContent);
      rest.push(...next.members);
      cursor = next.nextCursor;
    }
    // Every member who stayed throughout is listed once: page 2 starts right after page 1's last.
    expect([...page1.members, ...rest].map((m) => m.userId)).toEqual(everyone.map((m) => m.userId));
  });
});
