/**
 * The subset of OData `$filter` the ProjectManager.com simulator understands, as far as the
 * adapter uses it (docs/providers/projectmanager.md, "Lists and paging"): comparisons (eq ne gt ge lt le), and/or/not, parentheses, string
 * literals with '' escaping, bare GUIDs, numbers, true/false/null, tolower/toupper,
 * contains/startswith/endswith, and lambda `any` over a collection (teams/any(t: t/id eq <guid>)).
 * An unsupported expression throws, so that the simulator answers 400 as the real API would.
 */

type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };
type Scope = Record<string, Value>;
type Node = (scope: Scope, item: Value) => Value;

export class ODataError extends Error {}

export function compileFilter(text: string): (item: Record<string, unknown>) => boolean {
  const parser = new Parser(tokenize(text));
  const node = parser.expression();
  parser.end();
  return (item) => node({}, item as Value) === true;
}

interface Token {
  kind: 'string' | 'number' | 'guid' | 'word' | 'punct';
  text: string;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ODataError('unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'string', text: value });
    } else if (GUID.test(rest)) {
      tokens.push({ kind: 'guid', text: rest.slice(0, 36).toLowerCase() });
      i += 36;
    } else if (/^[0-9]/.test(rest)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(rest)!;
      tokens.push({ kind: 'number', text: match[0] });
      i += match[0].length;
    } else if (/^[A-Za-z_]/.test(rest)) {
      const match = /^[A-Za-z_][A-Za-z0-9_/]*/.exec(rest)!;
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    } else if ('(),:'.includes(char)) {
      tokens.push({ kind: 'punct', text: char });
      i++;
    } else {
      throw new ODataError(`unexpected character "${char}"`);
    }
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const STRING_FUNCTIONS = new Set(['tolower', 'toupper', 'contains', 'startswith', 'endswith']);

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  end(): void {
    if (this.position < this.tokens.length) throw new ODataError(`unexpected "${this.tokens[this.position]!.text}"`);
  }

  expression(): Node {
    let left = this.conjunction();
    while (this.acceptWord('or')) {
      const a = left;
      const b = this.conjunction();
      left = (scope, item) => a(scope, item) === true || b(scope, item) === true;
    }
    return left;
  }

  private conjunction(): Node {
    let left = this.negation();
    while (this.acceptWord('and')) {
      const a = left;
      const b = this.negation();
      left = (scope, item) => a(scope, item) === true && b(scope, item) === true;
    }
    return left;
  }

  private negation(): Node {
    if (this.acceptWord('not')) {
      const inner = this.negation();
      return (scope, item) => inner(scope, item) !== true;
    }
    return this.comparison();
  }

  private comparison(): Node {
    const left = this.operand();
    const next = this.tokens[this.position];
    if (next?.kind === 'word' && COMPARISONS.has(next.text)) {
      this.position++;
      const right = this.operand();
      return (scope, item) => compare(next.text, left(scope, item), right(scope, item));
    }
    return left;
  }

  private operand(): Node {
    const token = this.tokens[this.position++];
    if (!token) throw new ODataError('unexpected end of filter');
    if (token.kind === 'string' || token.kind === 'guid') return () => token.text;
    if (token.kind === 'number') return () => Number(token.text);
    if (token.kind === 'punct' && token.text === '(') {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (token.kind !== 'word') throw new ODataError(`unexpected "${token.text}"`);
    if (token.text === 'true') return () => true;
    if (token.text === 'false') return () => false;
    if (token.text === 'null') return () => null;
    if (STRING_FUNCTIONS.has(token.text)) return this.call(token.text);
    if (token.text.endsWith('/any')) return this.any(token.text.slice(0, -'/any'.length));
    const path = token.text.split('/');
    return (scope, item) => resolvePath(path, scope, item);
  }

  private call(name: string): Node {
    this.expect('(');
    const args: Node[] = [this.expression()];
    while (this.accept(',')) args.push(this.expression());
    this.expect(')');
    const arity = name === 'tolower' || name === 'toupper' ? 1 : 2;
    if (args.length !== arity) throw new ODataError(`${name} takes ${arity} argument(s)`);
    const [a, b] = args as [Node, Node];
    return (scope, item) => {
      const x = a(scope, item);
      if (arity === 1) return typeof x === 'string' ? (name === 'tolower' ? x.toLowerCase() : x.toUpperCase()) : null;
      const y = b(scope, item);
      if (typeof x !== 'string' || typeof y !== 'string') return false;
      return name === 'contains' ? x.includes(y) : name === 'startswith' ? x.startsWith(y) : x.endsWith(y);
    };
  }

  private any(collection: string): Node {
    this.expect('(');
    const variable = this.tokens[this.position++];
    if (variable?.kind !== 'word') throw new ODataError('any() needs a lambda variable');
    this.expect(':');
    const body = this.expression();
    this.expect(')');
    const path = collection.split('/');
    return (scope, item) => {
      const list = resolvePath(path, scope, item);
      return Array.isArray(list) && list.some((element) => body({ ...scope, [variable.text]: element }, item) === true);
    };
  }

  private accept(punct: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind === 'punct' && token.text === punct) {
      this.position++;
      return true;
    }
    return false;
  }

  private acceptWord(word: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind === 'word' && token.text === word) {
      this.position++;
      return true;
    }
    return false;
  }

  private expect(punct: string): void {
    if (!this.accept(punct)) throw new ODataError(`expected "${punct}"`);
  }
}

function resolvePath(path: string[], scope: Scope, item: Value): Value {
  let current: Value = path[0]! in scope ? scope[path[0]!] : field(item, path[0]!);
  for (const part of path.slice(1)) current = field(current, part);
  return current;
}

function field(value: Value, name: string): Value {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const found = value[name];
  // GUIDs compare case-insensitively.
  return typeof found === 'string' && GUID.test(found) ? found.toLowerCase() : found;
}

function compare(op: string, a: Value, b: Value): boolean {
  if (op === 'eq') return a === b || (a == null && b == null);
  if (op === 'ne') return !(a === b || (a == null && b == null));
  if (typeof a !== typeof b || a == null || b == null) return false;
  if (op === 'gt') return a > b;
  if (op === 'ge') return a >= b;
  if (op === 'lt') return a < b;
  return a <= b;
}
