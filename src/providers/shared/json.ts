import { MembersError } from '../../core/errors.js';

/**
 * Lenient readers for provider replies: unknown fields are ignored and optional ones may be
 * missing, but a reply of the wrong shape altogether is a PROVIDER_ERROR, not a crash.
 */
export type Json = Record<string, unknown>;

export function asRecord(value: unknown, what: string): Json {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  throw malformed(what, 'an object');
}

export function asArray(value: unknown, what: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw malformed(what, 'a list');
}

export function asRecords(value: unknown, what: string): Json[] {
  return asArray(value, what).filter((item): item is Json => !!item && typeof item === 'object' && !Array.isArray(item));
}

export function str(record: Json, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

export function requiredStr(record: Json, key: string, what: string): string {
  const value = str(record, key);
  if (value === undefined || value === '') throw malformed(`${what}.${key}`, 'a string');
  return value;
}

export function bool(record: Json, key: string): boolean | undefined {
  const value = record[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function strings(record: Json, key: string): string[] {
  const value = record[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function malformed(what: string, expected: string): MembersError {
  return new MembersError('PROVIDER_ERROR', `The provider sent a malformed reply: ${what} is not ${expected}.`, {
    hint: 'The provider API may have changed; retry later or report it.',
  });
}
