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
      return this.pick(this.byEmail.get(normalize(text)) ?? [], input, `email "${text}"`);
    }
    return this.pick(this.byName.get(normalize(text)) ?? [], input, `name "${text}"`, this.isId(text) ? `id or name "${text}"` : undefined);
  }

  private pick(candidates: U[], input: string, what: string, notFoundWhat?: string): UserMatch<U> {
    if (candidates.length === 1) return { user: candidates[0]! };
    if (candidates.length === 0) {
      return {
        error: {
          code: 'NOT_FOUND',
          message: `No user with ${notFoundWhat ?? what} in ${this.where}; check the spelling or use search_directory (kind "user").`,
        },
      };
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
  throw notFound(what, text, where);
}

export function notFound(what: 'project' | 'team' | 'group' | 'workspace', ref: string, where: string): MembersError {
  const searchable = what === 'project' || what === 'team';
  return new MembersError('NOT_FOUND', `No ${what} with id or exact name "${ref}" in ${where}.`, {
    hint: searchable
      ? `Use search_directory with kind "${what}" to find its id or exact name.`
      : `Check the ${what} id or name.`,
  });
}

/** Matches the contract's search semantics: case-insensitive substring of name or email; empty matches all. */
export function matchesQuery(query: string, ...fields: Array<string | undefined>): boolean {
  const needle = normalize(query);
  if (needle === '') return true;
  return fields.some((field) => field !== undefined && normalize(field).includes(needle));
}
