/**
 * A connection's directory cache: what a provider says about its people (ids, names, emails,
 * status) and other lists that no membership write changes, kept for a short while so that a
 * second call does not read them again. Short-lived (entries expire `ttlMs` after they were read),
 * bounded (at most `maxItems` items in all; the least recently used entries go first, and a list
 * larger than the bound is not kept at all), and off when `ttlMs` is 0. The rules that keep results
 * right (a miss is re-read before anything is refused; what a membership write can change is never
 * cached) are the callers' (providers/shared/directory.ts).
 */
export interface DirectoryCacheSettings {
  /** How long an entry serves after it was read; 0 turns the cache off. */
  ttlMs: number;
  /** Items (people, projects, …) kept in all, across every entry of the connection. */
  maxItems: number;
}

/** MEMBERS_MCP_DIRECTORY_CACHE_MS: a minute, so that a second call within a minute reads no directory. */
export const DEFAULT_DIRECTORY_CACHE: DirectoryCacheSettings = { ttlMs: 60_000, maxItems: 50_000 };

interface Entry {
  value: unknown;
  items: number;
  expires: number;
}

export class DirectoryCache {
  private readonly entries = new Map<string, Entry>();
  private items = 0;

  constructor(
    readonly settings: DirectoryCacheSettings = DEFAULT_DIRECTORY_CACHE,
    private readonly clock: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.settings.ttlMs > 0;
  }

  /** The value stored under `key`, while it is fresh; an expired one is dropped. */
  get<T>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.clock()) {
      this.delete(key);
      return undefined;
    }
    // Most recently used last: eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value as T;
  }

  /**
   * Keeps `value` (which counts `items` against the bound) until the lifetime ends; nothing when
   * off. With `extending`, a value that adds to the entry already there keeps that entry's end, so
   * that nothing serves longer than the lifetime after it was read.
   */
  set(key: string, value: unknown, items = 1, options: { extending?: boolean } = {}): void {
    const previous = options.extending ? this.entries.get(key) : undefined;
    this.delete(key);
    if (!this.enabled || items > this.settings.maxItems) return;
    this.entries.set(key, { value, items, expires: previous?.expires ?? this.clock() + this.settings.ttlMs });
    this.items += items;
    for (const [oldest, entry] of this.entries) {
      if (this.items <= this.settings.maxItems) break;
      this.entries.delete(oldest);
      this.items -= entry.items;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.items -= entry.items;
  }

  /** Drops every entry whose key starts with `prefix` (all of them without one). */
  invalidate(prefix = ''): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }

  /** Items held now (for tests and the bench). */
  get size(): number {
    return this.items;
  }
}
