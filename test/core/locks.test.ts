import { describe, expect, it } from 'vitest';
import { MembersError } from '../../src/core/errors.js';
import { KeyedLocks } from '../../src/core/locks.js';

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
