import type { RequestRecord } from '../../src/sandbox/simulator.js';

type Record = Pick<RequestRecord, 'method' | 'path' | 'body' | 'handled'>;

/**
 * Who each add the simulator applied was for, one entry per member per applied request (a member
 * twice in the list was written twice): requests the simulator handled with a 2xx, whatever reply
 * the client got (a fault after handling loses or replaces the reply, not the change). Members are
 * named as the request names them: user ids, and on Zello workspace membership ids.
 */
export function appliedAdds(provider: string, records: readonly Record[]): string[] {
  const applied = records.filter((record) => record.handled !== undefined && record.handled >= 200 && record.handled < 300);
  const body = (record: Record) => (record.body ?? {}) as { userIds?: string[]; remove?: boolean; workspace_member_id?: string };
  switch (provider) {
    case 'clockify':
      return applied.filter((r) => r.method === 'POST' && /\/memberships$/.test(r.path) && body(r).remove === false).flatMap((r) => body(r).userIds ?? []);
    case 'gorules':
      return applied.filter((r) => r.method === 'POST' && /^\/api\/projects\/[^/]+\/members$/.test(r.path)).flatMap((r) => body(r).userIds ?? []);
    case 'projectmanager':
      return applied.filter((r) => r.method === 'PUT' && /\/members\/[^/]+$/.test(r.path)).map((r) => r.path.split('/').at(-1)!);
    case 'zello':
      return applied.filter((r) => r.method === 'POST' && /\/project\/members$/i.test(r.path)).map((r) => body(r).workspace_member_id!);
    default:
      throw new Error(`no applied-add reading for ${provider}`);
  }
}

/** Entries that occur more than once. */
export function repeated(items: readonly string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(items.filter((item) => seen.has(item) || !seen.add(item)))];
}
