import { MembersError } from '../../core/errors.js';
import type { DirectoryUser, UserMatch } from '../../core/ledger.js';

/** Case-insensitive, whitespace-collapsed form for comparing names and emails. */
export function normalize(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export function looksLikeEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(text.trim());
}

export function describeUser(user: DirectoryUser): string {
  const name = user.name ?? user.email ?? user.id;
  return user.email && user.name ? `${name} <${user.email}> (id ${user.id})` : `${name} (id ${user.id})`;
}

/** How a user reference that names nobody begins ("No user with this email in …"); the tools' text adds the way forward once. */
export const USER_NOT_FOUND = 'No user with this';

/**
 * Resolves the contract's user references against a provider's directory: a provider id,
 * an email address (exact, case-insensitive), or a user's exact full name (case-insensitive).
 */
export class UserIndex<U extends DirectoryUser> {
  private readonly byId = new Map<string, U>();
  /** Built on first use: a call that resolves only emails never pays for the names of thousands. */
  private emails: Map<string, U[]> | undefined;
  private names: Map<string, U[]> | undefined;

  constructor(
    readonly users: readonly U[],
    private readonly isId: (text: string) => boolean,
    /** Where these users live, for messages ("workspace Acme Studio"). */
    private readonly where: string,
  ) {
    for (const user of users) this.byId.set(user.id.toLowerCase(), user);
  }

  private get byEmail(): Map<string, U[]> {
    this.emails ??= groupBy(this.users, (user) => (user.email ? normalize(user.email) : undefined));
    return this.emails;
  }

  private get byName(): Map<string, U[]> {
    this.names ??= groupBy(this.users, (user) => (user.name ? normalize(user.name) : undefined));
    return this.names;
  }

  get(id: string): U | undefined {
    return this.byId.get(id.toLowerCase());
  }

  match(input: string): UserMatch<U> {
    const text = input.trim();
    if (this.isId(text)) {
      const user = this.get(text);
      if (user) return { user };
      // An id-shaped string may still be someone's name; fall through to the name lookup.
    }
    if (looksLikeEmail(text)) {
      return this.pick(this.byEmail.get(normalize(text)) ?? [], input, 'email');
    }
    return this.pick(this.byName.get(normalize(text)) ?? [], input, this.isId(text) ? 'id or name' : 'name');
  }

  /**
   * The one user a reference names. A miss does not repeat the input (the entry's `input` has it)
   * nor the way forward (the result's text says it once): batches of misses stay small.
   */
  private pick(candidates: U[], input: string, what: 'email' | 'name' | 'id or name'): UserMatch<U> {
    if (candidates.length === 1) return { user: candidates[0]! };
    if (candidates.length === 0) {
      return { error: { code: 'NOT_FOUND', message: `${USER_NOT_FOUND} ${what} in ${this.where}.` } };
    }
    return {
      error: {
        code: 'AMBIGUOUS',
        message: `"${input.trim()}" matches ${candidates.length} users: ${candidates.map(describeUser).join('; ')}. Pass an email or id instead.`,
      },
    };
  }
}

function groupBy<V>(values: readonly V[], keyOf: (value: V) => string | undefined): Map<string, V[]> {
  const map = new Map<string, V[]>();
  for (const value of values) {
    const key = keyOf(value);
    if (key === undefined) continue;
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }
  return map;
}

/**
 * Picks a project, team or group given by id or exact name (case-insensitive). Several matches
 * are AMBIGUOUS (listing them with ids); none is NOT_FOUND with a way forward.
 */
export function pickByIdOrName<T extends { id: string; name: string }>(
  ref: string,
  items: readonly T[],
  what: 'project' | 'team' | 'group' | 'workspace',
  where: string,
): T {
  const text = ref.trim();
  const byId = items.find((item) => item.id.toLowerCase() === text.toLowerCase());
  if (byId) return byId;
  const wanted = normalize(text);
  const matches = items.filter((item) => normalize(item.name) === wanted);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new MembersError(
      'AMBIGUOUS',
      `The ${what} name "${text}" matches ${matches.length} ${what}s in ${where}: ${matches.map((m) => `"${m.name}" (id ${m.id})`).join(', ')}.`,
      { hint: `Call again with the id of the ${what} you mean.` },
    );
  }
  throw notFound(what, text, where, items);
}

/**
 * NOT_FOUND for a project, team, group or workspace reference. Given the items it was looked up
 * among, the message names the closest ones (see closestNames), so that an agent can retry with
 * the right name at once instead of searching first.
 */
export function notFound(
  what: 'project' | 'team' | 'group' | 'workspace',
  ref: string,
  where: string,
  candidates: readonly { id: string; name: string }[] = [],
): MembersError {
  const searchable = what === 'project' || what === 'team';
  const closest = closestNames(ref, candidates);
  const shown = closest.map((item) => `"${clip(item.name, NAME_SHOWN)}" (id ${clip(item.id, NAME_SHOWN)})`).join(', ');
  return new MembersError('NOT_FOUND', `No ${what} with id or exact name "${clip(ref, NAME_SHOWN)}" in ${where}.${shown ? ` Closest ${what} names: ${shown}.` : ''}`, {
    hint: shown
      ? `Call again with one of these names or ids${searchable ? `, or use search_directory with kind "${what}"` : ''}.`
      : searchable
        ? `Use search_directory with kind "${what}" to find its id or exact name.`
        : `Check the ${what} id or name.`,
  });
}

/** Names and ids shown in a message are cut to this many characters, so that five of them stay short. */
const NAME_SHOWN = 80;
/** The closest names an error lists. */
const CLOSEST_SHOWN = 5;
/** Below this similarity (0 to 1) a name is not worth showing. */
const CLOSEST_THRESHOLD = 0.35;

/**
 * Up to five items whose names are closest to `ref`: names containing it (or contained in it)
 * first, then by the overlap of their letter pairs (Dice's coefficient), which forgives typos,
 * missing words and another word order. Items too unlike it are left out; ties keep list order.
 */
export function closestNames<T extends { name: string }>(ref: string, items: readonly T[], count = CLOSEST_SHOWN): T[] {
  const wanted = normalize(ref);
  if (wanted === '') return [];
  const wantedPairs = letterPairs(wanted);
  return items
    .map((item, index) => {
      const name = normalize(item.name);
      const contains = name !== '' && (name.includes(wanted) || wanted.includes(name));
      return { item, index, score: contains ? 1 + dice(wantedPairs, letterPairs(name)) : dice(wantedPairs, letterPairs(name)) };
    })
    .filter((scored) => scored.score >= CLOSEST_THRESHOLD)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .map((scored) => scored.item);
}

function letterPairs(text: string): Map<string, number> {
  const pairs = new Map<string, number>();
  const compact = text.replace(/\s+/g, ' ');
  for (let i = 0; i < compact.length - 1; i += 1) {
    const pair = compact.slice(i, i + 2);
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  return pairs;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let total = 0;
  let shared = 0;
  for (const count of a.values()) total += count;
  for (const [pair, count] of b) {
    total += count;
    shared += Math.min(count, a.get(pair) ?? 0);
  }
  return total === 0 ? 0 : (2 * shared) / total;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Matches the contract's search semantics: case-insensitive substring of name or email; empty matches all. */
export function matchesQuery(query: string, ...fields: Array<string | undefined>): boolean {
  const needle = normalize(query);
  if (needle === '') return true;
  return fields.some((field) => field !== undefined && normalize(field).includes(needle));
}
