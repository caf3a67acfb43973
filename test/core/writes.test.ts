import { describe, expect, it } from 'vitest';
import type { OperationContext } from '../../src/core/context.js';
import { MembersError } from '../../src/core/errors.js';
import type { JournalEntry } from '../../src/core/journal.js';
import { MemberLedger, type ResolvedEntry } from '../../src/core/ledger.js';
import { silentLogger } from '../../src/core/log.js';
import { confirmWrites, guardedWrite, readPatiently, Replies, writeEach } from '../../src/core/writes.js';

/**
 * Guarded writes against a fake provider: a set of keys that writes add to, whose replies can be
 * refused or lost. No HTTP: what is checked is the decision to send, re-read or stop.
 */
class FakeProvider {
  readonly applied = new Set<string>();
  readonly sent: string[][] = [];
  reads = 0;
  /**
   * What the next writes do, one script step per call: apply and answer, refuse, apply some and
   * lose the reply, or refuse the whole batch because some of its keys are already there (409).
   */
  script: Array<'ok' | 'refuse' | 'lose' | 'conflict' | { applyOnly: string[]; lose: true }> = [];

  async write(keys: string[]): Promise<void> {
    this.sent.push([...keys]);
    const step = this.script.shift() ?? 'ok';
    if (step === 'refuse') throw new MembersError('PERMISSION_DENIED', 'Refused.', { status: 403 });
    if (step === 'conflict') throw new MembersError('PROVIDER_ERROR', 'Already a member.', { status: 409 });
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

/** A member of the fake providers' directories. */
type Person = { id: string; email: string };

const outcomes = (lines: JournalEntry[]) => lines.map((line) => `${line.user}:${line.outcome}`);

describe('guardedWrite', () => {
  it('journals each key\'s write before it is sent, then its outcome under the same id, without reading again', async () => {
    const provider = new FakeProvider();
    const { operation, lines } = context();
    const send = provider.write.bind(provider);
    let journaledBeforeSending: string[] = [];
    provider.write = async (keys) => {
      journaledBeforeSending = outcomes(lines);
      return send(keys);
    };
    await guardedWrite(operation, write(provider, ['a', 'b']));
    expect(provider.sent).toEqual([['a', 'b']]);
    expect(provider.reads).toBe(0);
    expect(journaledBeforeSending).toEqual(['a:planned', 'b:planned']);
    expect(outcomes(lines)).toEqual(['a:planned', 'b:planned', 'a:applied', 'b:applied']);
    expect(lines[0]).toMatchObject({ connection: 'test', provider: 'fake', project: 'p1', operation: 'add' });
    expect(new Set(lines.map((line) => line.write)).size).toBe(1);
    expect(lines[0]!.write).toMatch(/^[0-9a-f-]{8,}$/);
  });

  it('throws a refusal at once, journaled with its code, and never re-reads or resends', async () => {
    const provider = new FakeProvider();
    provider.script = ['refuse'];
    const { operation, lines } = context();
    await expect(guardedWrite(operation, write(provider, ['a']))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(provider.sent).toHaveLength(1);
    expect(provider.reads).toBe(0);
    expect(lines).toEqual([
      expect.objectContaining({ user: 'a', outcome: 'planned' }),
      expect.objectContaining({ user: 'a', outcome: 'failed', code: 'PERMISSION_DENIED', message: 'Refused.' }),
    ]);
  });

  it('re-reads after a lost reply and sends again only the keys it did not reach', async () => {
    const provider = new FakeProvider();
    provider.script = [{ applyOnly: ['a'], lose: true }, 'ok'];
    const { operation, lines } = context();
    await guardedWrite(operation, write(provider, ['a', 'b']));
    expect(provider.sent).toEqual([['a', 'b'], ['b']]);
    expect([...provider.applied].sort()).toEqual(['a', 'b']);
    expect(outcomes(lines)).toEqual(['a:planned', 'b:planned', 'a:unknown', 'b:unknown', 'a:confirmed', 'b:not_applied', 'b:planned', 'b:applied']);
    // The second request has an id of its own; every line of the first carries the first's.
    const [first, second] = [lines[0]!.write, lines[6]!.write];
    expect(first).not.toBe(second);
    expect(lines.map((line) => line.write)).toEqual([first, first, first, first, first, first, second, second]);
  });

  it('after a refusal for members already there, reads, leaves those out and sends the rest again', async () => {
    const provider = new FakeProvider();
    provider.applied.add('b'); // someone else added b since the call read the members
    provider.script = ['conflict', 'ok'];
    const { operation, lines } = context();
    const existing = await guardedWrite(operation, { ...write(provider, ['a', 'b', 'c']), refusedForExisting: (error) => error.status === 409 });
    expect(provider.sent).toEqual([['a', 'b', 'c'], ['a', 'c']]);
    expect([...existing.keys()]).toEqual(['b']);
    expect(existing.get('b')).toMatchObject({ status: 409 });
    expect(outcomes(lines)).toEqual(['a:planned', 'b:planned', 'c:planned', 'a:failed', 'b:failed', 'c:failed', 'b:confirmed', 'a:not_applied', 'c:not_applied', 'a:planned', 'c:planned', 'a:applied', 'c:applied']);

    // A 409 that no member explains is a refusal like any other: thrown, nothing sent again.
    const other = new FakeProvider();
    other.script = ['conflict'];
    await expect(guardedWrite(context().operation, { ...write(other, ['a']), refusedForExisting: (error) => error.status === 409 })).rejects.toMatchObject({ status: 409 });
    expect(other.sent).toHaveLength(1);
  });

  it('is done when the re-read shows a lost reply had been applied', async () => {
    const provider = new FakeProvider();
    provider.script = ['lose'];
    const { operation, lines } = context();
    await guardedWrite(operation, write(provider, ['a']));
    expect(provider.sent).toHaveLength(1);
    expect(outcomes(lines)).toEqual(['a:planned', 'a:unknown', 'a:confirmed']);
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

  it('tries a failing re-read again before deciding, and reports the lost reply rather than guessing when it keeps failing', async () => {
    const provider = new FakeProvider();
    provider.script = ['lose'];
    const read = provider.remaining.bind(provider);
    let failures = 1;
    provider.remaining = async (keys) => {
      if (failures-- > 0) throw new MembersError('PROVIDER_ERROR', 'Cannot read.');
      return read(keys);
    };
    const { operation, lines } = context();
    await guardedWrite(operation, write(provider, ['a']));
    expect(outcomes(lines)).toEqual(['a:planned', 'a:unknown', 'a:confirmed']);

    const broken = new FakeProvider();
    broken.script = ['lose'];
    let reads = 0;
    broken.remaining = async () => {
      reads += 1;
      throw new MembersError('PROVIDER_ERROR', 'Cannot read.');
    };
    await expect(guardedWrite(context().operation, write(broken, ['a']))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(broken.sent).toHaveLength(1);
    expect(reads).toBe(3);
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
    expect(outcomes(during.lines)).toEqual(['a:planned', 'a:unknown']);
  });
});

describe('writeEach', () => {
  const people: Person[] = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, email: `${id}@example.org` }));

  /** Plans `action` for every person and writes them with writeEach, `concurrency` at a time. */
  async function writeEveryone(operation: OperationContext, action: 'add' | 'remove', concurrency: number, write: (entry: ResolvedEntry<Person>) => Promise<void>) {
    const ledger = MemberLedger.fromUsers(people, operation, false);
    for (const entry of ledger.open()) ledger.plan(entry, action, action === 'add' ? 'member' : undefined);
    const replies = new Replies(ledger);
    await writeEach(operation, ledger.planned(action), { provider: 'fake', project: 'p1', operation: action, concurrency, write, hasTakenEffect: async () => true }, replies);
    return { ledger, replies };
  }

  it('writes each member within the cap and records each reply, deciding nothing itself', async () => {
    const { operation, lines } = context();
    let inFlight = 0;
    let most = 0;
    const { ledger, replies } = await writeEveryone(operation, 'add', 2, async (entry) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (entry.user.id === 'd') throw new MembersError('PERMISSION_DENIED', 'Refused.', { status: 403 });
    });
    expect(most).toBe(2);
    expect([...replies].map(([id, reply]) => [id, reply?.code]).sort()).toEqual([
      ['a', undefined],
      ['b', undefined],
      ['c', undefined],
      ['d', 'PERMISSION_DENIED'],
      ['e', undefined],
    ]);
    // The replies are not outcomes: confirmWrites decides every entry from a read.
    expect(ledger.entries.every((entry) => entry.result === undefined)).toBe(true);
    expect(outcomes(lines).filter((line) => !line.endsWith(':planned'))).toEqual(['a:applied', 'b:applied', 'c:applied', 'd:failed', 'e:applied']);
  });

  it('leaves without a reply the members whose write a cancellation kept from starting', async () => {
    const { operation, controller } = context();
    const written: string[] = [];
    const { replies } = await writeEveryone(operation, 'remove', 1, async (entry) => {
      written.push(entry.user.id);
      if (written.length === 2) controller.abort();
    });
    expect(written).toEqual(['a', 'b']);
    expect([...replies.keys()]).toEqual(['a', 'b']);
  });
});

/**
 * confirmWrites against a fake provider state: members by id with their level, read once after
 * the writes. What is checked: an entry is done only when the read shows it, whatever the reply.
 */
describe('confirmWrites', () => {
  const person = (id: string): Person => ({ id, email: `${id}@example.org` });

  /** A ledger with these entries planned, and a fake state read by `reread`. */
  function setup(plans: Array<[string, 'add' | 'update' | 'remove', string?]>, options: { controller?: AbortController; onDecided?: OperationContext['onDecided'] } = {}) {
    const operation: OperationContext = { ...context(options.controller).operation, ...(options.onDecided ? { onDecided: options.onDecided } : {}) };
    const ledger = MemberLedger.fromUsers(plans.map(([id]) => person(id)), operation, false);
    for (const entry of ledger.open()) {
      const [, action, role] = plans.find(([id]) => id === entry.user.id)!;
      ledger.plan(entry, action, role);
    }
    const state = new Map<string, string | undefined>();
    let reads = 0;
    const confirmation = {
      label: 'Fake',
      reread: async () => {
        reads += 1;
        const seen = new Map(state);
        return (entry: { user: Person }) => (seen.has(entry.user.id) ? { member: true, role: seen.get(entry.user.id) } : { member: false });
      },
    };
    return { operation, ledger, state, confirmation, reads: () => reads };
  }

  /** Replies as writeEach records them. */
  const recorded = (ledger: MemberLedger<Person>, replies: Iterable<[string, MembersError | undefined]> = []) => {
    const map = new Replies(ledger);
    for (const [id, reply] of replies) map.set(id, reply);
    return map;
  };

  const results = (ledger: MemberLedger<Person>) => ledger.results().map((r) => [r.userId, r.status, r.role, r.error?.code, r.error?.message]);

  it('reports a write done only when the read shows it, at the level the read shows', async () => {
    const { operation, ledger, state, confirmation, reads } = setup([
      ['a', 'add', 'Editor'],
      ['b', 'add'],
      ['c', 'update', 'Manager'],
      ['d', 'remove'],
    ]);
    state.set('a', 'Editor').set('b', 'Guest').set('c', 'Manager');
    const replies = recorded(ledger, ['a', 'b', 'c', 'd'].map((id) => [id, undefined]));
    await confirmWrites(operation, ledger, ledger.open(), replies, confirmation);
    expect(reads()).toBe(1);
    expect(results(ledger)).toEqual([
      ['a', 'added', 'Editor', undefined, undefined],
      ['b', 'added', 'Guest', undefined, undefined], // no level asked for: any level, reported as the read shows it
      ['c', 'updated', 'Manager', undefined, undefined],
      ['d', 'removed', undefined, undefined, undefined],
    ]);
  });

  it('fails an accepted write the read does not show, saying what the provider answered and what the read shows', async () => {
    const { operation, ledger, state, confirmation } = setup([
      ['a', 'add', 'Editor'],
      ['b', 'remove'],
      ['c', 'add', 'Editor'],
    ]);
    state.set('b', 'Member').set('c', 'Guest');
    await confirmWrites(operation, ledger, ledger.open(), recorded(ledger, ['a', 'b', 'c'].map((id) => [id, undefined])), confirmation);
    expect(results(ledger)).toEqual([
      ['a', 'failed', undefined, 'PROVIDER_ERROR', 'Fake accepted the addition, but a re-read shows they are not in the project.'],
      ['b', 'failed', undefined, 'PROVIDER_ERROR', 'Fake accepted the removal, but a re-read shows them in the project as Member.'],
      ['c', 'failed', undefined, 'PROVIDER_ERROR', 'Fake accepted the addition, but a re-read shows them in the project as Guest.'],
    ]);
  });

  it('reports a refused write whose goal holds anyway as already so, and one whose goal does not hold with the refusal and the read', async () => {
    const { operation, ledger, state, confirmation } = setup([
      ['a', 'add', 'Editor'],
      ['b', 'remove'],
      ['c', 'add', 'Editor'],
      ['d', 'remove'],
    ]);
    state.set('a', 'Editor').set('d', 'Member'); // someone else added a and removed b meanwhile
    const refused = (message: string, status: number) => new MembersError('PROVIDER_ERROR', message, { status });
    const replies = recorded(ledger, [
      ['a', refused('Fake answered HTTP 400: already a member.', 400)],
      ['b', refused('Fake answered HTTP 404: not found.', 404)],
      ['c', new MembersError('PERMISSION_DENIED', 'Fake answered HTTP 403: forbidden.', { status: 403 })],
      ['d', refused('Fake answered HTTP 404: not found.', 404)],
    ]);
    await confirmWrites(operation, ledger, ledger.open(), replies, confirmation);
    expect(results(ledger)).toEqual([
      ['a', 'already_member', 'Editor', undefined, undefined],
      ['b', 'not_member', undefined, undefined, undefined],
      ['c', 'failed', undefined, 'PERMISSION_DENIED', 'Fake answered HTTP 403: forbidden; a re-read shows they are not in the project.'],
      ['d', 'failed', undefined, 'PROVIDER_ERROR', 'Fake answered HTTP 404: not found; a re-read shows them in the project as Member.'],
    ]);
  });

  it('decides an ambiguous reply (lost, a 5xx) by the read alone: done when the read shows it', async () => {
    const { operation, ledger, state, confirmation } = setup([
      ['a', 'add'],
      ['b', 'add'],
    ]);
    state.set('a', 'member'); // a landed although the provider answered 500; b did not
    const ambiguous = new MembersError('PROVIDER_ERROR', 'Fake answered HTTP 500 to POST /members: oops.', { status: 500, outcomeUnknown: true });
    await confirmWrites(operation, ledger, ledger.open(), recorded(ledger, [['a', ambiguous], ['b', ambiguous]]), confirmation);
    expect(results(ledger)).toEqual([
      ['a', 'added', 'member', undefined, undefined],
      ['b', 'failed', undefined, 'PROVIDER_ERROR', 'Fake answered HTTP 500 to POST /members: oops; a re-read shows they are not in the project.'],
    ]);
  });

  it('tries the confirming read again when it fails, and decides from it', async () => {
    const { operation, ledger, state, confirmation, reads } = setup([['a', 'add']]);
    state.set('a', 'member');
    let failures = 2;
    const reread = confirmation.reread;
    await confirmWrites(operation, ledger, ledger.open(), recorded(ledger, [['a', undefined]]), {
      ...confirmation,
      reread: async () => {
        if (failures-- > 0) throw new MembersError('PROVIDER_ERROR', 'Connection dropped.');
        return reread();
      },
    });
    expect(reads()).toBe(1);
    expect(results(ledger)).toEqual([['a', 'added', 'member', undefined, undefined]]);
  });

  it('takes the provider\'s own goal and message where it gives them', async () => {
    const { operation, ledger, state, confirmation } = setup([
      ['a', 'add', 'owner'],
      ['b', 'remove'],
    ]);
    state.set('a', 'member').set('b', 'member');
    await confirmWrites(operation, ledger, ledger.open(), recorded(ledger, [['a', undefined], ['b', new MembersError('NOT_FOUND', 'No such route.', { status: 404 })]]), {
      ...confirmation,
      reached: (entry, observed) => (entry.action === 'remove' ? !observed.member : observed.member), // any level will do
      explain: (_entry, reply, observed) => (reply && observed.member ? { code: 'UNSUPPORTED', message: `${reply.message} They stay.` } : undefined),
    });
    expect(results(ledger)).toEqual([
      ['a', 'added', 'member', undefined, undefined],
      ['b', 'failed', undefined, 'UNSUPPORTED', 'No such route. They stay.'],
    ]);
  });

  it('claims nothing when the read keeps failing: accepted writes fail as unconfirmed with the read\'s code, refusals keep theirs', async () => {
    const { operation, ledger, confirmation } = setup([
      ['a', 'add'],
      ['b', 'add'],
    ]);
    const replies = recorded(ledger, [['a', undefined], ['b', new MembersError('PERMISSION_DENIED', 'Refused.', { status: 403 })]]);
    await confirmWrites(operation, ledger, ledger.open(), replies, {
      ...confirmation,
      reread: async () => {
        throw new MembersError('TIMEOUT', 'The read timed out.');
      },
    });
    expect(results(ledger)).toEqual([
      ['a', 'failed', undefined, 'TIMEOUT', 'Fake accepted the addition, but it could not be confirmed: The read timed out.'],
      ['b', 'failed', undefined, 'PERMISSION_DENIED', 'Refused.'],
    ]);
  });

  it('reads nothing once the call is cancelled: replies decide, and members never reached are cancelled', async () => {
    const controller = new AbortController();
    const { operation, ledger, confirmation, reads } = setup(
      [
        ['a', 'add'],
        ['b', 'add'],
        ['c', 'add'],
      ],
      { controller },
    );
    controller.abort();
    const replies = recorded(ledger, [['a', undefined], ['b', new MembersError('CANCELLED', 'Cancelled in flight.')]]);
    await confirmWrites(operation, ledger, ledger.open(), replies, confirmation);
    expect(reads()).toBe(0);
    expect(results(ledger).map(([id, status, , code]) => [id, status, code])).toEqual([
      ['a', 'added', undefined],
      ['b', 'failed', 'CANCELLED'],
      ['c', 'failed', 'CANCELLED'],
    ]);
  });

  it('fails a member the call never reached, without cancellation, as not processed; and reads nothing when nothing was sent', async () => {
    const { operation, ledger, confirmation, reads } = setup([['a', 'add']]);
    await confirmWrites(operation, ledger, ledger.open(), recorded(ledger), confirmation);
    expect(reads()).toBe(0);
    expect(results(ledger)[0]).toEqual(['a', 'failed', undefined, 'PROVIDER_ERROR', 'Not processed: the operation ended before reaching this member.']);
  });

  it('moves the progress on as writes are answered, and ends it at the total once the read has decided every member', async () => {
    const progress: Array<[number, number, string]> = [];
    const { operation, ledger, state, confirmation } = setup(
      [
        ['a', 'add'],
        ['b', 'add'],
        ['c', 'add'],
      ],
      { onDecided: (decided, total, message) => progress.push([decided, total, message]) },
    );
    ledger.decide(ledger.open()[2]!, 'already_member');
    const replies = recorded(ledger, [['a', undefined], ['b', new MembersError('PERMISSION_DENIED', 'Refused.')]]);
    // The last step waits for the read that confirms the writes.
    expect(progress).toEqual([
      [1, 3, 'c@example.org: already_member'],
      [2, 3, 'a@example.org: written'],
    ]);
    state.set('a', 'member');
    await confirmWrites(operation, ledger, ledger.open(), replies, confirmation);
    expect(progress.slice(2)).toEqual([[3, 3, 'b@example.org: failed']]);
    expect(ledger.results().map((r) => r.status)).toEqual(['added', 'failed', 'already_member']);
  });

  it('leaves entries decided before the writes alone, and then reads nothing', async () => {
    const { operation, ledger, confirmation, reads } = setup([['a', 'add', 'Editor']]);
    ledger.decide(ledger.open()[0]!, 'already_member', { role: 'Editor' });
    await confirmWrites(operation, ledger, ledger.entries as Array<ResolvedEntry<Person>>, recorded(ledger, [['a', undefined]]), confirmation);
    expect(reads()).toBe(0);
    expect(results(ledger)[0]).toEqual(['a', 'already_member', 'Editor', undefined, undefined]);
  });
});

describe('readPatiently', () => {
  it('gives up at once on what waiting will not change, and on cancellation', async () => {
    for (const code of ['AUTH_FAILED', 'PERMISSION_DENIED', 'RATE_LIMITED', 'NOT_FOUND'] as const) {
      let reads = 0;
      await expect(
        readPatiently(context().operation, async () => {
          reads += 1;
          throw new MembersError(code, 'No.');
        }),
      ).rejects.toMatchObject({ code });
      expect(reads, code).toBe(1);
    }
    const { operation, controller } = context();
    let reads = 0;
    const pending = readPatiently(operation, async () => {
      reads += 1;
      throw new MembersError('TIMEOUT', 'Slow.');
    });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(reads).toBe(1);
  });
});
