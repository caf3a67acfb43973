import { describe, expect, it } from 'vitest';
import { clockifyId } from '../../src/sandbox/clockify/seed.js';
import { GORULES_PROJECTS, GORULES_ROLES, grId } from '../../src/sandbox/gorules/seed.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { zId } from '../../src/sandbox/zello/seed.js';
import { userMembershipsSchema } from '../../src/tools/schemas.js';
import { expectToolError, sandboxSessions } from '../helpers/sandbox.js';

/** list_user_memberships through a real MCP client (which checks every result against the listed schema), on every provider. */

const session = sandboxSessions();

async function review(provider: string, args: Record<string, unknown>, options: Parameters<typeof session>[0] = {}) {
  const { call, simulators } = await session(options);
  const result = await call('list_user_memberships', { provider, ...args });
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return { body: userMembershipsSchema.parse(result.structuredContent), text: result.content[0]!.text, call, simulators };
}

const byProject = (memberships: Array<{ project: { name?: string } }>) => Object.fromEntries(memberships.map((m) => [m.project.name, m]));

describe('Clockify', () => {
  it('finds a person\'s access in every way at once, in four listings', async () => {
    const { body, text, simulators } = await review('clockify', { users: ['Diego Rivera', 'nobody@acme.example', 'diego.rivera@acme.example'] });
    // The same person twice is one entry; an unknown one says so.
    expect(body.users).toEqual([
      { input: 'Diego Rivera', userId: clockifyId('user', 4), name: 'Diego Rivera', email: 'diego.rivera@acme.example', projects: 3 },
      { input: 'nobody@acme.example', error: { code: 'NOT_FOUND', message: 'No user with this email in workspace 64a000000000000000000001.' } },
    ]);
    expect(byProject(body.memberships)).toEqual({
      'Data Platform': { userId: clockifyId('user', 4), project: { id: clockifyId('project', 6), name: 'Data Platform' }, role: 'PROJECT_MANAGER', via: [{ kind: 'direct' }] },
      'Mobile App': { userId: clockifyId('user', 4), project: { id: clockifyId('project', 2), name: 'Mobile App' }, role: 'member', via: [{ kind: 'group', id: clockifyId('group', 2), name: 'Engineering' }] },
      'Internal Tools': { userId: clockifyId('user', 4), project: { id: clockifyId('project', 3), name: 'Internal Tools' }, role: 'member', via: [{ kind: 'public' }] },
    });
    expect(body.memberships.map((m) => m.project.name)).toEqual(['Data Platform', 'Internal Tools', 'Mobile App']);
    expect(body.unreadable).toEqual([]);
    expect(text).toContain('Diego Rivera: 3 projects (Data Platform as PROJECT_MANAGER, direct; Internal Tools as member, public; Mobile App as member, via group "Engineering")');
    expect(text).toContain('"nobody@acme.example": NOT_FOUND');
    expect(text).toContain('For users not found, check the spelling, or find them with search_directory (kind "user").');
    // Users, projects, user groups and managers: not one request per project.
    expect(simulators.clockify.requests.map((r) => `${r.method} ${r.path.replace(/^\/api\/v1\/workspaces\/[0-9a-f]+/, '')}`).sort()).toEqual([
      'GET /projects',
      'GET /user-groups',
      'GET /users',
      'POST /users/info',
    ]);
  });

  it('shows a direct member of a public project both ways', async () => {
    const { body } = await review('clockify', { users: ['Ana Lima'] });
    expect(byProject(body.memberships)['Internal Tools']).toMatchObject({ role: 'PROJECT_MANAGER', via: [{ kind: 'direct' }, { kind: 'public' }] });
    // Archived projects are listed too: a membership there is still access to review.
    expect(body.users[0]!.projects).toBe(6);
  });
});

describe('GoRules BRMS', () => {
  it('finds memberships and organisation roles, from the project list alone', async () => {
    const { body, simulators } = await review('gorules', { users: ['Dev Patel', 'Elif Demir'] });
    const dev = grId('user', 4);
    const elif = grId('user', 5);
    expect(body.memberships).toEqual([
      { userId: dev, project: { id: GORULES_PROJECTS.claims, name: 'Claims Rules' }, role: 'member', via: [{ kind: 'direct' }] },
      { userId: dev, project: { id: GORULES_PROJECTS.pricing, name: 'Pricing Engine' }, role: 'member', via: [{ kind: 'direct' }, { kind: 'role', id: GORULES_ROLES.pricing, name: 'Pricing Analysts' }] },
      { userId: elif, project: { id: GORULES_PROJECTS.claims, name: 'Claims Rules' }, role: 'member', via: [{ kind: 'direct' }] },
      // Access through the role alone: no membership, so no level.
      { userId: elif, project: { id: GORULES_PROJECTS.pricing, name: 'Pricing Engine' }, via: [{ kind: 'role', id: GORULES_ROLES.pricing, name: 'Pricing Analysts' }] },
    ]);
    expect(body.users.map((u) => u.projects)).toEqual([2, 2]);
    expect(simulators.gorules.requests.filter((r) => r.path.includes('/members'))).toEqual([]);
  });

  it('reads each project\'s members when the project list leaves them out, and reports the owner flag', async () => {
    const { call, simulators } = await session();
    simulators.gorules.readings.projectListMembers = 'absent';
    const result = await call('list_user_memberships', { provider: 'gorules', users: ['ada.novak@acme-insurance.example.com'] });
    const body = userMembershipsSchema.parse(result.structuredContent);
    expect(body.memberships.map((m) => [m.project.name, m.role])).toEqual([
      ['Claims Rules', 'owner'],
      ['Fraud Detection', 'owner'],
      ['Pricing Engine', 'owner'],
    ]);
    expect(simulators.gorules.requests.filter((r) => /\/api\/projects\/[^/]+\/members$/.test(r.path))).toHaveLength(4);
  });

  it('says which projects it could not read', async () => {
    const { call, simulators } = await session();
    simulators.gorules.readings.projectListMembers = 'absent';
    simulators.gorules.injectFault({ match: { path: `/api/projects/${GORULES_PROJECTS.fraud}/members` }, status: 403, json: { statusCode: 403, message: 'Forbidden resource', error: 'Forbidden' } });
    const result = await call('list_user_memberships', { provider: 'gorules', users: ['Ada Novak'] });
    const body = userMembershipsSchema.parse(result.structuredContent);
    expect(body.unreadable).toEqual([{ project: { id: GORULES_PROJECTS.fraud, name: 'Fraud Detection' }, error: { code: 'PERMISSION_DENIED', message: expect.any(String) } }]);
    expect(body.memberships.map((m) => m.project.name)).toEqual(['Claims Rules', 'Pricing Engine']);
    expect(result.content[0]!.text).toContain('1 project could not be read, so access there is unknown');
  });
});

describe('ProjectManager.com', () => {
  it('reads the projects\' members concurrently, and reports a project it may not read', async () => {
    const { call, simulators } = await session();
    const office = pmId('project', 3);
    simulators.projectmanager.injectFault({ match: { path: `/api/data/projects/${office}/members` }, status: 403, json: { error: { message: 'Forbidden' }, success: false, hasError: true, statusCode: 'Forbidden', data: null } });
    const result = await call('list_user_memberships', { provider: 'projectmanager', users: ['olivia.hart@northwind.example.org', 'Marcus Reed'] });
    const body = userMembershipsSchema.parse(result.structuredContent);
    expect(body.memberships.map((m) => [m.userId, m.project.name, m.role, m.via])).toEqual([
      [pmId('person', 1), 'Warehouse Rollout', 'Manager', [{ kind: 'direct' }]],
      [pmId('person', 1), 'Website Launch', 'Manager', [{ kind: 'direct' }]],
      [pmId('person', 2), 'Website Launch', 'Collaborate', [{ kind: 'direct' }]],
    ]);
    expect(body.unreadable).toEqual([{ project: { id: office, name: 'Office Move' }, error: { code: 'PERMISSION_DENIED', message: expect.stringContaining('HTTP 403') } }]);
  });
});

describe('paging', () => {
  it('neither repeats nor skips a membership when one shown goes between pages (the cursor marks the last one shown)', async () => {
    const olivia = pmId('person', 1);
    const { body: all, call, simulators } = await review('projectmanager', { users: ['Olivia Hart'] });
    expect(all.memberships.length).toBeGreaterThanOrEqual(3);
    const first = userMembershipsSchema.parse((await call('list_user_memberships', { provider: 'projectmanager', users: ['Olivia Hart'], limit: 1 })).structuredContent);
    expect(first.memberships.map((m) => m.project.id)).toEqual([all.memberships[0]!.project.id]);
    // Between the pages, she leaves the project the first page showed: a position would now skip the next one.
    simulators.projectmanager.state.projects.find((p) => p.id === first.memberships[0]!.project.id)!.members.delete(olivia);
    const rest = [];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = userMembershipsSchema.parse((await call('list_user_memberships', { provider: 'projectmanager', users: ['Olivia Hart'], limit: 1, cursor })).structuredContent);
      rest.push(...page.memberships);
      cursor = page.nextCursor;
    }
    expect(rest.map((m) => m.project.id)).toEqual(all.memberships.slice(1).map((m) => m.project.id));
  });
});

describe('Zello', () => {
  it('finds every workspace\'s projects in one read, pages them, and keeps its cursor to the same people', async () => {
    const { body, call } = await review('zello', { users: ['admin@zello.example.net'], limit: 3 });
    expect(body.users[0]).toMatchObject({ userId: zId('user', 1), projects: 4 });
    expect(body.memberships.map((m) => [m.project.name, m.role])).toEqual([
      ['Design System', 'Owner'],
      ['Design System', 'Owner'],
      ['Roadmap Board', 'Owner'],
    ]);
    expect(body.nextCursor).toBeDefined();
    const next = userMembershipsSchema.parse((await call('list_user_memberships', { provider: 'zello', users: ['admin@zello.example.net'], limit: 3, cursor: body.nextCursor })).structuredContent);
    expect(next.memberships.map((m) => m.project.name)).toEqual(['Vendor Onboarding']);
    expect(next.nextCursor).toBeUndefined();
    expectToolError(await call('list_user_memberships', { provider: 'zello', users: ['Maja Holm'], cursor: body.nextCursor }), 'INVALID_ARGUMENT');
    // workspaceId narrows to one workspace.
    const product = userMembershipsSchema.parse((await call('list_user_memberships', { provider: 'zello', workspaceId: zId('workspace', 1), users: ['System Admin'] })).structuredContent);
    expect(product.memberships.map((m) => m.project.id)).toEqual([zId('project', 2), zId('project', 1)]);
  });

  it('has memberships to review but none to remove: offboarding is UNSUPPORTED before any request', async () => {
    const { call, simulators } = await session();
    const before = simulators.zello.requests.length;
    const error = expectToolError(await call('remove_project_members', { provider: 'zello', users: ['Maja Holm'], projects: 'all' }), 'UNSUPPORTED');
    expect(error.message).toContain('no operation to remove a project member');
    expect(simulators.zello.requests).toHaveLength(before);
  });
});

describe('bad input', () => {
  it('refuses 51 users and an empty list before any request', async () => {
    const { call, simulators } = await session();
    const users = Array.from({ length: 51 }, (_, i) => `user${i}@acme.example`);
    expect(expectToolError(await call('list_user_memberships', { provider: 'clockify', users }), 'INVALID_ARGUMENT').message).toMatch(/"users" must list at most 50 users/);
    expect(expectToolError(await call('list_user_memberships', { provider: 'clockify', users: [] }), 'INVALID_ARGUMENT').message).toMatch(/"users" must list at least one user/);
    expect(simulators.clockify.requests).toHaveLength(0);
  });
});
