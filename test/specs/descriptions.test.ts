import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/sandbox/simulator.js';
import { ADAPTER_USER_AGENT, checkExchange, descriptionOf } from '../helpers/openapi.js';

/**
 * The check every simulator exchange goes through (test/helpers/spec-check.ts) finds what a wrong
 * adapter or simulator would send: these exchanges are made up to be wrong in one way each.
 */
function exchange(provider: string, method: string, target: string, options: { body?: unknown; status?: number; reply?: unknown; replyType?: string; userAgent?: string; fault?: string } = {}): Exchange {
  const [path, query] = target.split('?');
  const reply = options.reply === undefined || options.reply === '' ? '' : typeof options.reply === 'string' && options.replyType?.startsWith('text/') ? options.reply : JSON.stringify(options.reply);
  return {
    provider,
    method,
    path: path!,
    query: query ? `?${query}` : '',
    headers: { 'user-agent': options.userAgent ?? ADAPTER_USER_AGENT, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    rawBody: options.body === undefined ? '' : JSON.stringify(options.body),
    response: { status: options.status ?? 200, headers: { 'content-type': options.replyType ?? 'application/json; charset=utf-8' }, body: reply },
    fault: options.fault,
  };
}

const PM_PROJECT = 'c3000000-0000-4000-8000-000000000001';
const PM_USER = 'a1000000-0000-4000-8000-000000000002';
const envelope = (data: unknown) => ({ error: null, success: true, hasError: false, statusCode: 'OK', data });
const member = { id: PM_USER, projectId: PM_PROJECT, initials: 'MR', name: 'Marcus Reed', avatarUrl: null, permission: 'Editor', role: 'Editor', color: '#2E7D32', permissionOptions: { none: true, guest: true, collaborate: true, editor: true, manager: true } };

describe('checking exchanges against the API descriptions', () => {
  it('passes a ProjectManager.com upsert and reply that match, and flags a field the reply schema does not have', () => {
    const upsert = (reply: unknown) => exchange('projectmanager', 'PUT', `/api/data/projects/${PM_PROJECT}/members/${PM_USER}`, { body: { role: 'Editor' }, reply: envelope(reply) });
    expect(checkExchange(upsert(member))).toEqual([]);
    expect(checkExchange(upsert({ ...member, email: 'marcus@example.org' })).join('\n')).toContain('must NOT have additional properties');
    const badRole = exchange('projectmanager', 'PUT', `/api/data/projects/${PM_PROJECT}/members/${PM_USER}`, { body: { role: 'Owner' }, reply: envelope(member) });
    expect(checkExchange(badRole).join('\n')).toContain('request body: /role must be equal to one of the allowed values');
  });

  it('flags a query parameter the description does not list, and an operation it does not have', () => {
    expect(checkExchange(exchange('clockify', 'GET', '/api/v1/workspaces/64a000000000000000000001/users?include-roles=false&pagesize=5', { reply: [] })).join('\n')).toContain('query parameter "pagesize" is not in the description');
    expect(checkExchange(exchange('clockify', 'GET', '/api/v1/workspaces/64a000000000000000000001/users?page=1', { reply: [] })).join('\n')).toContain('required query parameter "include-roles" is missing');
    expect(checkExchange(exchange('clockify', 'PATCH', '/api/v1/workspaces/64a000000000000000000001/projects/64d000000000000000000001/memberships', { body: {} })).join('\n')).toContain('no such operation');
  });

  it('checks Zello against the corrected copy: snake_case and levels by name', () => {
    const body = { project_id: 'f4000000-0000-4000-a000-000000000001', workspace_member_id: 'f3000000-0000-4000-a000-000000000005', access_level: 'Member' };
    const created = { id: 'f5000000-0000-4000-a000-000000000063', ...body, created_date: '2024-11-01T00:00:00Z' };
    expect(checkExchange(exchange('zello', 'POST', '/api/v1/Project/members', { body, status: 201, reply: created }))).toEqual([]);
    // What the published description says (camelCase, integer levels) is what the corrected copy refuses.
    const published = { projectId: body.project_id, workspaceMemberId: body.workspace_member_id, accessLevel: 10 };
    expect(checkExchange(exchange('zello', 'POST', '/api/v1/Project/members', { body: published, status: 201, reply: created })).join('\n')).toContain('must NOT have additional properties');
    // A business refusal is a bare string; a permission refusal a bodiless 500.
    expect(checkExchange(exchange('zello', 'POST', '/api/v1/Project/members', { body, status: 400, reply: 'Member already exists in project', replyType: 'text/plain; charset=utf-8' }))).toEqual([]);
    expect(checkExchange(exchange('zello', 'POST', '/api/v1/Project/members', { body, status: 500, reply: '' }))).toEqual([]);
    expect(descriptionOf('zello')!.provider).toBe('zello');
  });

  it('checks GoRules requests against the shapes of its documentation, the inferred removal included', () => {
    const project = 'e2000000-0000-4000-9000-000000000001';
    expect(checkExchange(exchange('gorules', 'POST', `/api/projects/${project}/members`, { body: { userIds: [project], groupIds: [], owner: false }, reply: [] }))).toEqual([]);
    expect(checkExchange(exchange('gorules', 'POST', `/api/projects/${project}/members`, { body: { users: [project] } })).join('\n')).toContain("must have required property 'userIds'");
    expect(checkExchange(exchange('gorules', 'DELETE', `/api/projects/${project}/members/${project}`))).toEqual([]);
    expect(checkExchange(exchange('gorules', 'GET', '/api/projects?all=yes&page=1&perPage=100'))).not.toEqual([]);
  });

  it('leaves out requests the tests make themselves, and replies an injected fault replaced', () => {
    expect(checkExchange(exchange('zello', 'POST', '/api/v1/Project/members', { body: { projectId: 'x' }, userAgent: 'undici' }))).toEqual([]);
    const faulted = exchange('projectmanager', 'GET', `/api/data/projects/${PM_PROJECT}/members`, { status: 200, reply: { not: 'an envelope' }, fault: 'after: status 200' });
    expect(checkExchange(faulted)).toEqual([]);
    expect(checkExchange({ ...faulted, fault: undefined })).not.toEqual([]);
  });
});
