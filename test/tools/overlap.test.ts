import { describe, expect, it } from 'vitest';
import { directorySchema, memberListSchema, mutationResultSchema } from '../../src/tools/schemas.js';
import { appliedAdds, repeated } from '../helpers/applied.js';
import { sandboxSessions } from '../helpers/sandbox.js';

/**
 * Overlapping calls on one project, in parallel, as an agent fanning out a batch does: calls that
 * change the same project take turns within the process, and each re-plans from what the one
 * before it did. Every member is written once and reported `added` once, by one call.
 */

const open = sandboxSessions();

const PROJECTS = [
  ['clockify', 'Website Redesign'],
  ['gorules', 'Fraud Detection'],
  ['projectmanager', 'Office Move'],
  ['zello', 'Vendor Onboarding'],
] as const;

describe('overlapping calls on the same project', () => {
  for (const [provider, project] of PROJECTS) {
    for (const reading of provider === 'gorules' ? (['skip', 'conflict'] as const) : ([undefined] as const)) {
      it(`add each member once, each reported added by one call only (${provider}${reading ? `, invites of members: ${reading}` : ''})`, async () => {
        const { simulators, call } = await open({ only: [provider], people: 12 });
        if (reading) simulators.gorules.readings.inviteExisting = reading;
        const people = directorySchema.parse((await call('search_directory', { provider, kind: 'user', query: 'person.00', limit: 50 })).structuredContent).entries;
        expect(people).toHaveLength(12);
        const emails = people.map((person) => person.email!);
        const { project: resolved } = memberListSchema.parse((await call('list_project_members', { provider, project })).structuredContent);
        // Five calls, windows of the list that overlap, naming the project by name or by id.
        const windows = [[0, 6], [3, 9], [6, 12], [0, 12], [2, 10]];
        const results = await Promise.all(
          windows.map(async ([from, to], index) => {
            const result = await call('add_project_members', { provider, project: index % 2 === 0 ? project : resolved.id, users: emails.slice(from, to) });
            expect(result.isError, JSON.stringify(result.structuredContent)).toBeFalsy();
            return mutationResultSchema.parse(result.structuredContent).results;
          }),
        );
        const entries = results.flat();
        expect(entries.filter((entry) => !['added', 'already_member'].includes(entry.status))).toEqual([]);
        const added = entries.filter((entry) => entry.status === 'added').map((entry) => entry.input);
        expect(added.sort()).toEqual([...emails].sort());
        // One applied write per member, however the calls overlapped.
        const writes = appliedAdds(provider, simulators[provider].requests);
        expect(repeated(writes)).toEqual([]);
        expect(writes).toHaveLength(12);
      });
    }
  }
});
