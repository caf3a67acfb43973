import { describe, expect, it } from 'vitest';
import type { OperationContext } from '../../src/core/context.js';
import { MembersError } from '../../src/core/errors.js';
import type { JournalEntry } from '../../src/core/journal.js';
import { MemberLedger } from '../../src/core/ledger.js';
import { silentLogger } from '../../src/core/log.js';
import { guardedWrite, writeEach } from '../../src/core/writes.js';

/**
 * Guarded writes against a fake provider: a set of keys that writes add to, whose replies can be
 * refused or lost. No HTTP: what is checked is the decision to send, re-read or stop.
 */
class FakeProvider {
  readonly applied = new Set<string>();
  readonly sent: string[][] = [];
  reads = 0;
  /** What the next writes do, one script step per call: apply and answer, refuse, or apply some and lose the reply. */
  script: Array<'ok' | 'refuse' | 'lose' | { applyOnly: string[]; lose: true }> = [];

  async write(keys: string[]): Promise<void> {
    this.sent.push([...keys]);
    const step = this.script.shift() ?? 'ok';
    if (step === 'refuse') throw new MembersError('PERMISSION_DENIED', 'Refused.', { status: 403 });
    const reached = typeof step === 'object' ? step.applyOnly : keys;
    for (const key of reached) this.applied.add(key);
    if (step !== 'ok') throw new MembersError('TIMEOUT', 'The reply was lost.', { outcomeUnknown: true });
  }

  async remaining(keys: string[]): Promise<string[]> {
    this.reads += 1;
    return keys.filter((key) => !this.applied.has(key));
  }
}

function context(controller = new AbortController()) {
  const lines: JournalEntry[] = [];
  const operation: OperationContext = {
    signal: controller.signal,
    connection: 'test',
    journal: { record: (entry) => lines.push(entry), close() {} },
    logger: silentLogger(),
  };
  return { operation, lines, controller };
}

function write(provider: FakeProvider, keys: string[], attempts?: number) {
  return {
    keys,
    journal: { provider: 'fake', project: 'p1', operation: 'add', user: (key: string) => key },
    write: (pending: string[]) => provider.write(pending),
    remaining: (pending: string[]) => provider.remaining(pending),
    ...(attempts ? { attempts } : {}),
  };
}

const outcomes = (lines: JournalEntry[]) => lines.map((line) => `${line.user}:${line.outcome}`);

describe('guardedWrite', () => {
  it('journals an applied write once per key, without reading again', async () => {
    const provider = new FakeProvider();
    const { operation, lines } = context();
    await guardedWrite(operation, write(provider, ['a', 'b']));
    expect(provider.sent).toEqual([['a', 'b']]);
    expect(provider.reads).toBe(0);
    expect(outcomes(lines)).toEqual(['a:applied', 'b:applied']);
    expect(lines[0]).toMatchObject({ connection: 'test', provider: 'fake', project: 'p1', operation: 'add' });
  });

  it('throws a refusal at once, journaled with its code, and never re-reads or resends', async () => {
    const provider = new FakeProvider();
    provider.script = ['refuse'];
    const { operation, lines } = context();
    await expect(guardedWrite(operation, write(provider, ['a']))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(provider.sent).toHaveLength(1);
    expect(provider.reads).toBe(0);
    expect(lines).toEqual([expect.objectContaining({ user: 'a', outcome: 'failed', code: 'PERMISSION_DENIED', message: 'Refused.' })]);
  });

  it('re-reads after a lost reply and sends again only the keys it did not reach', async () => {
    const provider = new FakeProvider();
    provider.script = [{ applyOnly: ['a'], lose: true }, 'ok'];
    const { operation, lines } = context();
    await guardedWrite(operation, write(provider, ['a', 'b']));
    expect(provider.sent).toEqual([['a', 'b'], ['b']]);
    expect([...provider.applied].sort()).toEqual(['a', 'b']);
    expect(outcomes(lines)).toEqual(['a:unknown', 'b:unknown', 'a:confirmed', 'b:not_applied', 'b:applied']);
  });

  it('is done when the re-read shows a lost reply had been applied', async () => {
    const provider = new FakeProvider();
    provider.script = ['lose'];
    const { operation, lines } = context();
    await guardedWrite(operation, write(provider, ['a']));
    expect(provider.sent).toHaveLength(1);
    expect(outcomes(lines)).toEqual(['a:unknown', 'a:confirmed']);
  });

  it('gives up after its attempts with the lost-reply error', async () => {
    const provider = new FakeProvider();
    provider.script = [
      { applyOnly: [], lose: true },
      { applyOnly: [], lose: true },
    ];
    const { operation } = context();
    await expect(guardedWrite(operation, write(provider, ['a'], 2))).rejects.toMatchObject({ code: 'TIMEOUT', outcomeUnknown: true });
    expect(provider.sent).toHaveLength(2);
  });

  it('reports the lost reply rather than guessing when the re-read fails', async () => {
    const provider = new FakeProvider();
    provider.script = ['lose'];
    provider.remaining = async () => {
      throw new MembersError('PROVIDER_ERROR', 'Cannot read.');
    };
    const { operation } = context();
    await expect(guardedWrite(operation, write(provider, ['a']))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(provider.sent).toHaveLength(1);
  });

  it('sends nothing once the call is cancelled, and does not re-read after a write cancelled in flight', async () => {
    const provider = new FakeProvider();
    const before = context();
    before.controller.abort();
    await expect(guardedWrite(before.operation, write(provider, ['a']))).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(provider.sent).toHaveLength(0);

    const during = context();
    provider.write = async (keys) => {
      provider.sent.push(keys);
      during.controller.abort();
      throw new MembersError('CANCELLED', 'Cancelled in flight.', { outcomeUnknown: true });
    };
    await expect(guardedWrite(during.operation, write(provider, ['a']))).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(provider.reads).toBe(0);
    expect(outcomes(during.lines)).toEqual(['a:unknown']);
  });
});

describe('writeEach', () => {
  const people = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, email: `${id}@example.org` }));

  it('writes each member within the cap and decides each: done, already so, or failed with context', async () => {
    const { operation, lines } = context();
    const ledger = MemberLedger.fromUsers(people, operation, false);
    for (const entry of ledger.open()) ledger.plan(entry, 'add', 'member');
    let inFlight = 0;
    let most = 0;
    await writeEach(operation, ledger, ledger.planned('add'), {
      provider: 'fake',
      project: 'p1',
      operation: 'add',
      concurrency: 2,
      write: async (entry) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        if (entry.user.id === 'c') throw new MembersError('NOT_FOUND', 'Gone already.', { status: 404 });
        if (entry.user.id === 'd') throw new MembersError('PERMISSION_DENIED', 'Refused.', { status: 403 });
      },
      hasTakenEffect: async () => true,
      done: () => ({ status: 'added' }),
      alreadyDone: (failure) => (failure.status === 404 ? 'already_member' : undefined),
      failureMessage: (entry, failure) => `While adding ${entry.user.id}: ${failure.message}`,
    });
    expect(most).toBe(2);
    expect(ledger.results().map((r) => [r.userId, r.status, r.role, r.error?.message])).toEqual([
      ['a', 'added', 'member', undefined],
      ['b', 'added', 'member', undefined],
      ['c', 'already_member', undefined, undefined],
      ['d', 'failed', undefined, 'While adding d: Refused.'],
      ['e', 'added', 'member', undefined],
    ]);
    expect(outcomes(lines)).toEqual(['a:applied', 'b:applied', 'c:failed', 'd:failed', 'e:applied']);
  });

  it('decides as cancelled the members whose write a cancellation kept from starting', async () => {
    const { operation, controller } = context();
    const ledger = MemberLedger.fromUsers(people, operation, false);
    for (const entry of ledger.open()) ledger.plan(entry, 'remove');
    const written: string[] = [];
    await writeEach(operation, ledger, ledger.planned('remove'), {
      provider: 'fake',
      project: 'p1',
      operation: 'remove',
      concurrency: 1,
      write: async (entry) => {
        written.push(entry.user.id);
        if (written.length === 2) controller.abort();
      },
      hasTakenEffect: async () => true,
      done: () => ({ status: 'removed' }),
    });
    expect(written).toEqual(['a', 'b']);
    // Decided by writeEach itself, before anyone asks for results.
    expect(ledger.entries.map((e) => e.result?.status)).toEqual(['removed', 'removed', 'failed', 'failed', 'failed']);
    expect(ledger.entries[2]!.result!.error!.code).toBe('CANCELLED');
  });
});
