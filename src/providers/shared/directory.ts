import type { DirectoryCache } from '../../core/cache.js';
import type { DirectoryUser, UserMatch } from '../../core/ledger.js';
import { looksLikeEmail, normalize, UserIndex } from './match.js';

/** What resolves inputs against a list of users: a UserIndex, or a provider's own (which may explain misses). */
export interface UserMatcher<U extends DirectoryUser> {
  readonly users: readonly U[];
  match(input: string): UserMatch<U>;
  get(id: string): U | undefined;
}

/** Thrown by a lookup whose filter the provider refuses: the directory is then read whole instead. */
export class LookupUnavailable extends Error {
  override name = 'LookupUnavailable';
}

/** How one provider's user directory is read: whole, or (for a few emails) one filtered lookup each. */
export interface DirectorySource<U extends DirectoryUser> {
  /** The cache key of this directory (the connection's cache; a workspace's directory has its own). */
  key: string;
  /** Where these users live, for messages ("workspace Acme"). */
  where: string;
  isId(text: string): boolean;
  /** Every user, all pages. */
  readAll(signal: AbortSignal): Promise<U[]>;
  /** The users whose email is `email`, by the provider's own filter (compared exactly here). */
  lookupEmail?: (email: string, signal: AbortSignal) => Promise<U[]>;
  /**
   * Up to this many inputs still to read are looked up one by one, when all are emails; more read
   * the whole directory once. Where the crossover lies is measured by `npm run bench`.
   */
  lookupLimit?: number;
  /** How inputs are matched against users; a UserIndex by default. */
  matcher?: (users: readonly U[]) => UserMatcher<U>;
}

/** What the cache keeps of a directory: all of it, or the users that lookups found. */
interface Cached<U extends DirectoryUser> {
  full?: UserMatcher<U>;
  /** Every user with this (normalized) email, as a lookup found them. */
  byEmail: Map<string, U[]>;
  byId: Map<string, U>;
}

/** Inputs resolved for one call: each to a user or an error, and whether the cache answered it. */
export class Resolution<U extends DirectoryUser> {
  private readonly found = new Map<string, { match: UserMatch<U>; cached: boolean }>();

  set(input: string, match: UserMatch<U>, cached: boolean): void {
    this.found.set(key(input), { match, cached });
  }

  match(input: string): UserMatch<U> {
    const found = this.found.get(key(input));
    if (!found) throw new Error(`"${input}" was not resolved`);
    return found.match;
  }

  /** The user this input resolved to came from the cache (read within its lifetime, maybe not this call). */
  cached(input: string): boolean {
    return this.found.get(key(input))?.cached ?? false;
  }
}

/**
 * A provider's user directory through the connection's cache. Within the cache's lifetime a person
 * found there is taken as found; everything that would keep someone from being tried (no such
 * user, several, or a record the caller does not trust, such as a deactivated one) is read from the
 * provider again first, and such a miss drops the cached directory. So the cache can spare reads,
 * but never turn a person away: what happens to them is decided by the provider's own state.
 */
export class Directory<U extends DirectoryUser> {
  /** The directory as this instance (one call) read it from the provider: never read twice in a call. */
  private fresh: UserMatcher<U> | undefined;

  constructor(
    private readonly cache: DirectoryCache,
    private readonly source: DirectorySource<U>,
  ) {}

  /**
   * Resolves inputs (ids, emails, exact names). Cached answers serve when they name one user that
   * `trusted` accepts; the others are read from the provider: by lookups when they are a few
   * emails, else by reading the whole directory once.
   */
  async resolve(inputs: readonly string[], signal: AbortSignal, options: { trusted?: (user: U) => boolean } = {}): Promise<Resolution<U>> {
    const resolution = new Resolution<U>();
    const cached = this.cache.get<Cached<U>>(this.source.key);
    const pending: string[] = [];
    let miss = false;
    for (const input of unique(inputs)) {
      const match = cached ? this.fromCache(cached, input) : undefined;
      if (match && 'user' in match && (options.trusted?.(match.user) ?? true)) {
        resolution.set(input, match, true);
      } else {
        pending.push(input);
        // The cache had an answer that would turn someone away: it may be stale, so it goes. (An
        // input that lookups have not yet met is merely unknown to it.)
        if (match) miss = true;
      }
    }
    if (miss) this.cache.delete(this.source.key);
    if (pending.length > 0) await this.readFresh(pending, resolution, signal);
    return resolution;
  }

  /** Reads these inputs from the provider again (their cached answer would turn someone away). */
  async recheck(resolution: Resolution<U>, inputs: readonly string[], signal: AbortSignal): Promise<void> {
    if (inputs.length === 0) return;
    this.cache.delete(this.source.key);
    await this.readFresh(unique(inputs), resolution, signal);
  }

  /**
   * The whole directory: the cached one while it knows every id in `ids` with a record `trusted`
   * accepts, else read now.
   */
  async all(signal: AbortSignal, options: { ids?: readonly string[]; trusted?: (user: U) => boolean } = {}): Promise<UserMatcher<U>> {
    if (this.fresh) return this.fresh;
    const full = this.cache.get<Cached<U>>(this.source.key)?.full;
    const usable = (index: UserMatcher<U>) =>
      (options.ids ?? []).every((id) => {
        const user = index.get(id);
        return user !== undefined && (options.trusted?.(user) ?? true);
      });
    if (full && usable(full)) return full;
    return this.readAll(signal);
  }

  /**
   * After a call's writes: one that was refused or did not take effect drops the cached directory,
   * since the record it was planned from may be stale (a person removed meanwhile). No membership
   * write changes the directory itself, so a call whose writes all took effect keeps it.
   */
  afterWrites(written: ReadonlyArray<{ result?: { status: string } | undefined }>): void {
    if (written.some((entry) => entry.result?.status === 'failed')) this.cache.delete(this.source.key);
  }

  private fromCache(cached: Cached<U>, input: string): UserMatch<U> | undefined {
    if (cached.full) return cached.full.match(input);
    const text = input.trim();
    if (this.source.isId(text)) {
      const user = cached.byId.get(text.toLowerCase());
      if (user) return { user };
    }
    if (!looksLikeEmail(text)) return undefined;
    const users = cached.byEmail.get(normalize(text));
    return users ? this.index(users).match(input) : undefined;
  }

  /**
   * Reads these inputs from the provider: lookups add what they find to the users found by earlier
   * lookups (still in the cache); a whole read replaces the cached directory.
   */
  private async readFresh(inputs: string[], resolution: Resolution<U>, signal: AbortSignal): Promise<void> {
    const { lookupEmail, lookupLimit = 0 } = this.source;
    if (lookupEmail && inputs.length <= lookupLimit && inputs.every(looksLikeEmail)) {
      try {
        const found = await Promise.all(inputs.map(async (input) => (await lookupEmail(input.trim(), signal)).filter((user) => sameEmail(user, input))));
        const earlier = this.cache.get<Cached<U>>(this.source.key);
        const state: Cached<U> = earlier && !earlier.full ? earlier : { byEmail: new Map(), byId: new Map() };
        inputs.forEach((input, index) => {
          const users = found[index]!;
          resolution.set(input, this.index(users).match(input), false);
          if (users.length === 0) return;
          state.byEmail.set(normalize(input), users);
          for (const user of users) state.byId.set(user.id.toLowerCase(), user);
        });
        this.cache.set(this.source.key, state, state.byId.size, { extending: state === earlier });
        return;
      } catch (error) {
        if (!(error instanceof LookupUnavailable)) throw error;
      }
    }
    const index = await this.readAll(signal);
    for (const input of inputs) resolution.set(input, index.match(input), false);
  }

  private async readAll(signal: AbortSignal): Promise<UserMatcher<U>> {
    const users = await this.source.readAll(signal);
    const index = this.index(users);
    this.fresh = index;
    this.cache.set(this.source.key, { full: index, byEmail: new Map(), byId: new Map() } satisfies Cached<U>, users.length);
    return index;
  }

  private index(users: readonly U[]): UserMatcher<U> {
    return this.source.matcher?.(users) ?? new UserIndex(users, this.source.isId, this.source.where);
  }
}

function sameEmail(user: DirectoryUser, email: string): boolean {
  return user.email !== undefined && normalize(user.email) === normalize(email);
}

/** Inputs are told apart as the ledger tells them apart: trimmed, without case. */
function key(input: string): string {
  return input.trim().toLowerCase();
}

/** Inputs trimmed, each once. */
function unique(inputs: readonly string[]): string[] {
  const seen = new Set<string>();
  return inputs.map((input) => input.trim()).filter((input) => !seen.has(key(input)) && !!seen.add(key(input)));
}
