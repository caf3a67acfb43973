import { MembersError } from '../core/errors.js';

/**
 * Builds a request path from a template whose `{name}` placeholders are filled with values that
 * may come from input. Every value is checked (and, where the caller knows the provider's id
 * grammar, matched against it) before it is percent-encoded, so input can never add a path
 * segment, climb with `..`, or start a query string.
 */
export function buildPath(
  template: string,
  values: Record<string, string>,
  patterns: Record<string, RegExp> = {},
): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`buildPath: no value for {${name}} in ${template}`);
    return encodeSegment(name, value, patterns[name]);
  });
}

export function encodeSegment(name: string, value: string, pattern?: RegExp): string {
  const problem = segmentProblem(value, pattern);
  if (problem) {
    throw new MembersError('INVALID_ARGUMENT', `Invalid ${name} "${printable(value)}": ${problem}.`);
  }
  return encodeURIComponent(value);
}

function segmentProblem(value: string, pattern?: RegExp): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value === '.' || value === '..') return 'it is a relative path segment';
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'it contains control characters';
  if (pattern && !pattern.test(value)) return `it is not a valid id (expected ${describePattern(pattern)})`;
  return undefined;
}

function describePattern(pattern: RegExp): string {
  return pattern.source === UUID.source ? 'a UUID' : pattern.source === HEX24.source ? '24 hexadecimal characters' : `/${pattern.source}/`;
}

function printable(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 80);
}

export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const HEX24 = /^[0-9a-fA-F]{24}$/;

/** Appends a query string; undefined values are left out, arrays repeat the key. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined | readonly string[]> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}
