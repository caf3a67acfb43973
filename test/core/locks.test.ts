import { describe, expect, it } from 'vitest';
import { MembersError } from '../../src/core/errors.js';
import { KeyedLocks, ProjectTurns, StaleRead } from '../../src/core/locks.js';

const open = () => ({ signal: new AbortController().signal, deadline: Date.now() + 60_000, what: 'project "P"' });

describe('KeyedLocks', () => {
  it('gives a key to one holder at a time, in the order asked, and other keys at once', async () => {
    const locks = new KeyedLocks();
    const order: string[] = [];
    const first = await locks.acquire('p1', open());
    const waiting = ['a', 'b'].map(async (name) => {
      const release = await locks.acquire('p1', open());
      order.push(name);
      release();
    });
    const other = await locks.acquire('p2', open()); // not blocked by p1
    other();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    first();
    first(); // a second release changes nothing
    await Promise.all(waiting);
    expect(order).toEqual(['a', 'b']);
    expect(locks.size).toBe(0);
  });

  it('tells whether a key was released since a mark: reads made after the mark may be stale', async () => {
    const locks = new KeyedLocks();
    const before = locks.mark();
    expect(locks.changedSince('p1', before)).toBe(false);
    (await locks.acquire('p1', open()))();
    expect(locks.changedSince('p1', before)).toBe(true);
    expect(locks.changedSince('p2', before)).toBe(false);
    expect(locks.changedSince('p1', locks.mark())).toBe(false);
  });

  it('answers TIMEOUT at the deadline and CANCELLED on abort, leaving the queue', async () => {
    const locks = new KeyedLocks();
    const held = await locks.acquire('p1', open());
    const late = await locks.acquire('p1', { ...open(), deadline: Date.now() + 20 }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(MembersError);
    expect(late).toMatchObject({ code: 'TIMEOUT' });
    expect((late as Error).message).toBe('Another call is still changing project "P"; this call waited for its turn until its time budget ran out, and changed nothing.');
    const controller = new AbortController();
    const cancelled = locks.acquire('p1', { ...open(), signal: controller.signal }).catch((error: unknown) => error);
    controller.abort();
    expect(await cancelled).toMatchObject({ code: 'CANCELLED' });
    held();
    // Neither left anything behind: the key is free.
    expect(locks.size).toBe(0);
    (await locks.acquire('p1', open()))();
  });
});

describe('ProjectTurns', () => {
  const turnsOn = (locks: KeyedLocks, signal = new AbortController().signal) =>
    new ProjectTurns(locks, { signal, deadline: () => Date.now() + 60_000, describe: (project) => `project ${project.id}` });

  it('never waits for a turn of its own: takes of one call at once, and a project twice, are one turn', async () => {
    const locks = new KeyedLocks();
    const turns = turnsOn(locks);
    await Promise.all([turns.take([{ id: 'p1' }]), turns.take([{ id: 'p1' }, { id: 'p1' }]), turns.take([{ id: 'p1' }])]);
    expect(locks.size).toBe(1);
    turns.releaseAll();
    expect(locks.size).toBe(0);
  });

  it('takes turns in ascending order: a call needing a lower one gives back those above first, so two calls never wait in a circle', async () => {
    const locks = new KeyedLocks();
    const first = turnsOn(locks);
    const second = turnsOn(locks);
    await first.take([{ id: 'p2' }]);
    // The second call wants p1 and p2: it takes p1 and waits for p2.
    const secondTakes = second.take([{ id: 'p2' }, { id: 'p1' }]);
    await new Promise((resolve) => setImmediate(resolve));
    // The first now wants p1, below the p2 it holds: holding p2 while it waits would close a circle,
    // so it gives p2 back (unchanged) and takes p1, then p2 again.
    const firstTakes = first.take([{ id: 'p1' }]);
    await secondTakes; // gets p2: given back unchanged, so nothing it read is stale
    second.releaseAll();
    await expect(firstTakes).rejects.toBeInstanceOf(StaleRead); // what the second released counts as changed
    expect(locks.size).toBe(2); // the first holds both again
    first.releaseAll();
    expect(locks.size).toBe(0);
  });

  it('gives turns back unchanged: others waiting for them read nothing stale', async () => {
    const locks = new KeyedLocks();
    const asking = turnsOn(locks);
    const other = turnsOn(locks);
    await asking.take([{ id: 'p1' }]);
    const waiting = other.take([{ id: 'p1' }]);
    asking.giveBack(); // before a question to a person, say
    await waiting; // not StaleRead: nothing was changed under the turn
    other.releaseAll();
    await expect(asking.take([{ id: 'p1' }])).rejects.toBeInstanceOf(StaleRead); // the other's release counts
    asking.releaseAll();
  });
});
