import { describe, expect, it } from 'vitest';
import { DirectoryCache } from '../../src/core/cache.js';

function cache(ttlMs: number, maxItems: number) {
  let now = 1_000;
  const store = new DirectoryCache({ ttlMs, maxItems }, () => now);
  return { store, advance: (ms: number) => (now += ms) };
}

describe('DirectoryCache', () => {
  it('serves an entry for its lifetime, and not a moment longer', () => {
    const { store, advance } = cache(60_000, 100);
    store.set('users', ['ana']);
    advance(59_999);
    expect(store.get('users')).toEqual(['ana']);
    advance(1);
    expect(store.get('users')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('keeps nothing when its lifetime is 0 (off)', () => {
    const { store } = cache(0, 100);
    store.set('users', ['ana']);
    expect(store.enabled).toBe(false);
    expect(store.get('users')).toBeUndefined();
  });

  it('stays within its bound, dropping the least recently used entries first', () => {
    const { store } = cache(60_000, 10);
    store.set('a', 'A', 4);
    store.set('b', 'B', 4);
    expect(store.get('a')).toBe('A'); // a is now the most recently used
    store.set('c', 'C', 4);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBe('A');
    expect(store.get('c')).toBe('C');
    expect(store.size).toBe(8);
    // A list larger than the whole bound is not kept at all, and takes nothing with it.
    store.set('huge', 'H', 11);
    expect(store.get('huge')).toBeUndefined();
    expect(store.size).toBe(8);
  });

  it('keeps the first end of an entry that is added to, so nothing serves past its lifetime', () => {
    const { store, advance } = cache(60_000, 100);
    store.set('users', ['ana']);
    advance(50_000);
    store.set('users', ['ana', 'ben'], 2, { extending: true });
    advance(10_000);
    expect(store.get('users')).toBeUndefined();
    store.set('users', ['ana'], 1, { extending: true }); // nothing to extend: a lifetime of its own
    advance(59_000);
    expect(store.get('users')).toEqual(['ana']);
  });

  it('drops the entries under a prefix, or all of them', () => {
    const { store } = cache(60_000, 100);
    store.set('users:ws1', 1);
    store.set('users:ws2', 2);
    store.set('workspaces', 3);
    store.invalidate('users:');
    expect([store.get('users:ws1'), store.get('users:ws2'), store.get('workspaces')]).toEqual([undefined, undefined, 3]);
    store.invalidate();
    expect(store.size).toBe(0);
  });
});
