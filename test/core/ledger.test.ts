import { describe, expect, it } from 'vitest';
import type { OperationContext } from '../../src/core/context.js';
import { MemberLedger, type UserMatch } from '../../src/core/ledger.js';
import { NO_JOURNAL } from '../../src/core/journal.js';
import { silentLogger } from '../../src/core/log.js';

/** The ledger on its own, with a three-person directory and a progress recorder: no provider, no HTTP. */
interface Person {
  id: string;
  name: string;
  email: string;
}
const ADA: Person = { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.org' };
const ALAN: Person = { id: 'u2', name: 'Alan Turing', email: 'alan@example.org' };
const GRACE: Person = { id: 'u3', name: 'Grace Hopper', email: 'grace@example.org' };
const PEOPLE = [ADA, ALAN, GRACE];

function match(input: string): UserMatch<Person> {
  const text = input.trim().toLowerCase();
  const user = PEOPLE.find((p) => p.id === text || p.email === text || p.name.toLowerCase() === text);
  return user ? { user } : { error: { code: 'NOT_FOUND', message: `No user "${input.trim()}".` } };
}

function context(controller = new AbortController()) {
  const progress: Array<[number, number, string]> = [];
  const operation: OperationContext = {
    signal: controller.signal,
    connection: 'test',
    journal: NO_JOURNAL,
    logger: silentLogger(),
    onDecided: (decided, total, message) => progress.push([decided, total, message]),
  };
  return { operation, progress, controller };
}

describe('MemberLedger', () => {
  it('keeps one entry per distinct input, trimmed and case-insensitive, in input order', () => {
    const ledger = MemberLedger.fromInputs<Person>([' ada@example.org', 'Alan Turing', 'ADA@example.org ', 'alan turing'], context().operation, false);
    expect(ledger.entries.map((e) => e.input)).toEqual(['ada@example.org', 'Alan Turing']);
  });

  it('reports a user named twice (by email and by id) once, and unknown inputs as failed', () => {
    const { operation, progress } = context();
    const ledger = MemberLedger.fromInputs<Person>(['ada@example.org', 'nobody', 'u1', 'Grace Hopper'], operation, false);
    ledger.resolve(match);
    expect(ledger.entries.map((e) => e.input)).toEqual(['ada@example.org', 'nobody', 'Grace Hopper']);
    expect(ledger.open().map((e) => e.user.id)).toEqual(['u1', 'u3']);
    // The failure was decided after the duplicate was dropped: the total never shrinks.
    expect(progress).toEqual([[1, 3, 'nobody: failed']]);
    for (const entry of ledger.open()) ledger.decide(entry, 'already_member', { role: 'member' });
    expect(ledger.results()).toEqual([
      { input: 'ada@example.org', userId: 'u1', name: 'Ada Lovelace', email: 'ada@example.org', status: 'already_member', role: 'member' },
      { input: 'nobody', status: 'failed', error: { code: 'NOT_FOUND', message: 'No user "nobody".' } },
      { input: 'Grace Hopper', userId: 'u3', name: 'Grace Hopper', email: 'grace@example.org', status: 'already_member', role: 'member' },
    ]);
    expect(progress.map(([decided, total]) => [decided, total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('decides each entry once, and leaves role out where a member has none', () => {
    const ledger = MemberLedger.fromUsers<Person>([ADA, ALAN, GRACE, ADA], context().operation, false);
    expect(ledger.entries.map((e) => e.input)).toEqual(['ada@example.org', 'alan@example.org', 'grace@example.org']);
    const [ada, alan, grace] = ledger.open();
    ledger.plan(ada!, 'remove', 'Editor');
    ledger.decide(ada!, 'removed');
    ledger.decide(ada!, 'failed', { error: { code: 'PROVIDER_ERROR', message: 'too late' } });
    ledger.plan(alan!, 'add', 'Editor');
    ledger.decide(alan!, 'added');
    ledger.decide(grace!, 'not_member', { role: 'Guest' });
    expect(ledger.results().map((r) => [r.status, r.role])).toEqual([
      ['removed', undefined],
      ['added', 'Editor'],
      ['not_member', undefined],
    ]);
  });

  it('reports planned entries as would_* in a dry run', () => {
    const ledger = MemberLedger.fromUsers<Person>(PEOPLE, context().operation, true);
    const [ada, alan, grace] = ledger.open();
    ledger.plan(ada!, 'add', 'member');
    ledger.plan(alan!, 'update', 'manager');
    ledger.plan(grace!, 'remove');
    expect(ledger.results().map((r) => [r.status, r.role])).toEqual([
      ['would_add', 'member'],
      ['would_update', 'manager'],
      ['would_remove', undefined],
    ]);
  });

  it('fails what was planned but never decided outside a dry run, as cancelled when the call was', () => {
    const unfinished = MemberLedger.fromUsers<Person>([ADA], context().operation, false);
    unfinished.plan(unfinished.open()[0]!, 'add');
    expect(unfinished.results()[0]).toMatchObject({ status: 'failed', error: { code: 'PROVIDER_ERROR', message: expect.stringContaining('Not processed') } });

    const { operation, controller } = context();
    const cancelled = MemberLedger.fromUsers<Person>([ADA], operation, false);
    cancelled.plan(cancelled.open()[0]!, 'add');
    controller.abort();
    expect(cancelled.results()[0]).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' } });
  });
});
