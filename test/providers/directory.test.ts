import { describe, expect, it } from 'vitest';
import { DirectoryCache } from '../../src/core/cache.js';
import { Directory, LookupUnavailable } from '../../src/providers/shared/directory.js';

/**
 * The directory every adapter resolves people through (providers/shared/directory.ts), on a small
 * fake provider that counts its reads: lookups for a few emails, the whole list for more, and the
 * cache's rules (a miss is read again and drops the cache; nothing turns a person away unread).
 */

interface Person {
  id: string;
  name: string;
  email: string;
  active: boolean;
}

function provider(options: { lookupLimit?: number; refuseLookups?: boolean } = {}) {
  const people: Person[] = [
    { id: 'u1', name: 'Ana Lima', email: 'ana@example.com', active: true },
    { id: 'u2', name: 'Ben Carter', email: 'ben@example.com', active: true },
    { id: 'u3', name: 'Chloe Park', email: 'chloe@example.com', active: false },
  ];
  const reads = { all: 0, lookups: [] as string[] };
  const cache = new DirectoryCache({ ttlMs: 60_000, maxItems: 1000 });
  const directory = () =>
    new Directory<Person>(cache, {
      key: 'users',
      where: 'the test directory',
      isId: (text) => /^u\d+$/.test(text),
      readAll: async () => {
        reads.all += 1;
        return people.map((person) => ({ ...person }));
      },
      lookupEmail: async (email) => {
        reads.lookups.push(email);
        if (options.refuseLookups) throw new LookupUnavailable('refused');
        // A substring filter, as Clockify's: compared exactly by the directory.
        return people.filter((person) => person.email.includes(email.toLowerCase())).map((person) => ({ ...person }));
      },
      lookupLimit: options.lookupLimit ?? 2,
    });
  const signal = new AbortController().signal;
  const resolve = async (inputs: string[], trusted?: (person: Person) => boolean) => {
    const resolution = await directory().resolve(inputs, signal, trusted ? { trusted } : {});
    return inputs.map((input) => {
      const match = resolution.match(input);
      return 'user' in match ? match.user.id : match.error.code;
    });
  };
  return { people, reads, cache, directory, resolve, signal };
}

describe('Directory', () => {
  it('looks a few emails up, reads the whole directory for more, and serves both from the cache afterwards', async () => {
    const fake = provider();
    expect(await fake.resolve(['ANA@example.com', 'ben@example.com'])).toEqual(['u1', 'u2']);
    expect(fake.reads).toEqual({ all: 0, lookups: ['ANA@example.com', 'ben@example.com'] });
    // Found by lookups: served from the cache, by email or id.
    expect(await fake.resolve(['ana@example.com', 'u2'])).toEqual(['u1', 'u2']);
    expect(fake.reads.lookups).toHaveLength(2);
    // A name is never answered from what lookups found (another user may share it): the whole directory.
    expect(await fake.resolve(['Ben Carter'])).toEqual(['u2']);
    expect(fake.reads.all).toBe(1);
    // Three inputs, over the limit of two: the directory, which is now cached.
    fake.cache.invalidate();
    expect(await fake.resolve(['ana@example.com', 'ben@example.com', 'u3'])).toEqual(['u1', 'u2', 'u3']);
    expect(await fake.resolve(['Ana Lima', 'chloe@example.com'])).toEqual(['u1', 'u3']);
    expect(fake.reads.all).toBe(2);
  });

  it('reads an unknown person again before saying NOT_FOUND, and drops the cache on such a miss', async () => {
    const fake = provider();
    await fake.resolve(['ana@example.com', 'ben@example.com', 'u3']); // the whole directory, cached
    fake.people.push({ id: 'u4', name: 'Dana Wu', email: 'dana@example.com', active: true });
    expect(await fake.resolve(['dana@example.com'])).toEqual(['u4']);
    expect(fake.reads.lookups).toEqual(['dana@example.com']);
    expect(await fake.resolve(['nobody@example.com'])).toEqual(['NOT_FOUND']);
    expect(fake.reads.lookups).toEqual(['dana@example.com', 'nobody@example.com']);
    // The miss dropped the whole cached directory: Ana is read again too.
    expect(await fake.resolve(['Ana Lima'])).toEqual(['u1']);
    expect(fake.reads.all).toBe(2);
  });

  it('never turns a person away on a cached record the caller does not trust', async () => {
    const fake = provider();
    const active = (person: Person) => person.active;
    expect(await fake.resolve(['chloe@example.com'], active)).toEqual(['u3']);
    expect(fake.reads.lookups).toHaveLength(1);
    // Cached as inactive: read again (she may have been reactivated meanwhile).
    fake.people[2]!.active = true;
    const directory = fake.directory();
    const resolution = await directory.resolve(['chloe@example.com'], fake.signal, { trusted: active });
    expect(fake.reads.lookups).toHaveLength(2);
    expect(resolution.cached('chloe@example.com')).toBe(false);
    expect(resolution.match('chloe@example.com')).toMatchObject({ user: { active: true } });
    // Trusted, then checked again on the caller's word (recheck).
    const again = await directory.resolve(['chloe@example.com'], fake.signal, { trusted: active });
    expect(again.cached('chloe@example.com')).toBe(true);
    await directory.recheck(again, ['chloe@example.com'], fake.signal);
    expect(again.cached('chloe@example.com')).toBe(false);
    expect(fake.reads.lookups).toHaveLength(3);
  });

  it('reads the whole directory once when the provider refuses the lookups', async () => {
    const fake = provider({ refuseLookups: true });
    expect(await fake.resolve(['ana@example.com', 'nobody@example.com'])).toEqual(['u1', 'NOT_FOUND']);
    expect(fake.reads.all).toBe(1);
  });

  it('keeps the directory after writes that took effect, and drops it after one that did not', async () => {
    const fake = provider();
    await fake.resolve(['ana@example.com']);
    fake.directory().afterWrites([{ result: { status: 'added' } }]);
    expect(fake.cache.size).toBe(1);
    fake.directory().afterWrites([{ result: { status: 'added' } }, { result: { status: 'failed' } }]);
    expect(fake.cache.size).toBe(0);
  });

  it('reads the whole directory again when the cached one lacks an id asked for', async () => {
    const fake = provider();
    const first = fake.directory();
    await first.all(fake.signal);
    await first.all(fake.signal, { ids: ['u9'] }); // read once per call at most
    expect(fake.reads.all).toBe(1);
    fake.people.push({ id: 'u9', name: 'New Person', email: 'new@example.com', active: true });
    const index = await fake.directory().all(fake.signal, { ids: ['u1', 'u9'] });
    expect(index.get('u9')?.name).toBe('New Person');
    expect(fake.reads.all).toBe(2);
    await fake.directory().all(fake.signal, { ids: ['u1', 'u9'] });
    expect(fake.reads.all).toBe(2);
  });
});
