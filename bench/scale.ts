/**
 * What a user sees at real directory sizes, on every provider: the standalone sandbox with 500 and
 * 5,000 generated people at 20 ms latency in a process of its own, and our server on stdio in
 * another, as an MCP client starts it.
 *
 * - Adding one person by email: the first call of a fresh process, the real call after its dry run
 *   (the directory cached), and the next person; requests per call and serial round trips before
 *   the write; against the same requests sent straight with undici (`direct`).
 * - Adding 500 people (per-member providers) in a fresh process: against the ideal N × latency /
 *   requests in flight, and the bare writes through undici (the floor here); peak memory and the
 *   longest event-loop delay of the server.
 * - Lookups or the directory: k email lookups against one read of the whole directory, through the
 *   adapters' own typed APIs, to place the crossover (the adapters' LOOKUP_LIMIT).
 */
import { setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';
import { loadConnections } from '../src/config.js';
import { CallBudget } from '../src/http/budget.js';
import { HttpClient } from '../src/http/client.js';
import { silentLogger } from '../src/core/log.js';
import type { ProviderKind, Role } from '../src/core/types.js';
import { ClockifyApi } from '../src/providers/clockify/api.js';
import { GoRulesApi } from '../src/providers/gorules/api.js';
import { ProjectManagerApi } from '../src/providers/projectmanager/api.js';
import { providerModule } from '../src/providers/registry.js';
import { clockifyId } from '../src/sandbox/clockify/seed.js';
import { GORULES_PROJECTS } from '../src/sandbox/gorules/seed.js';
import { pmId } from '../src/sandbox/projectmanager/seed.js';
import type { Exchange } from '../src/sandbox/simulator.js';
import { zId } from '../src/sandbox/zello/seed.js';
import { startSandboxProcess, startServerProcess, type SandboxProcess, type ServerProcess } from './processes.js';
import { mb, median, ms, ratio, spread, timed, type Report } from './stats.js';

const LATENCY_MS = 20;
const padded = (n: number) => String(n).padStart(4, '0');

interface ProviderCase {
  kind: ProviderKind;
  label: string;
  project: string;
  email(n: number): string;
  /** Requests in flight on the connection by default (its maxInFlight). */
  inFlight: number;
  /** The requests one add of `email` to `project` makes, straight with undici, as a hand-written client would send them. */
  direct(sandbox: SandboxProcess, agent: Agent, project: string, email: string): Promise<void>;
}

const json = async (url: string, agent: Agent, init: { method?: string; headers: Record<string, string>; body?: unknown }) => {
  const response = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    dispatcher: agent,
    headers: { accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
};

/** Zello's session token per sandbox, as a running client keeps it. */
const zelloTokens = new WeakMap<SandboxProcess, string>();

const CASES: ProviderCase[] = [
  {
    kind: 'clockify',
    label: 'Clockify',
    project: clockifyId('project', 1),
    email: (n) => `person.${padded(n)}@acme.example`,
    inFlight: 8,
    async direct(sandbox, agent, project, email) {
      const env = sandbox.env;
      const base = `${env.CLOCKIFY_BASE_URL}/v1/workspaces/${env.CLOCKIFY_WORKSPACE_ID}`;
      const headers = { 'x-api-key': env.CLOCKIFY_API_KEY! };
      const [, users] = await Promise.all([
        json(`${base}/projects/${project}`, agent, { headers }),
        json(`${base}/users?email=${encodeURIComponent(email)}&status=ALL&memberships=WORKSPACE&include-roles=false&page=1&page-size=50`, agent, { headers }),
      ]);
      const id = (users as Array<{ id: string }>)[0]!.id;
      await json(`${base}/projects/${project}/memberships`, agent, { method: 'POST', headers, body: { userIds: [id], remove: false } });
    },
  },
  {
    kind: 'projectmanager',
    label: 'ProjectManager.com',
    project: pmId('project', 3),
    email: (n) => `person.${padded(n)}@northwind.example.org`,
    inFlight: 8,
    async direct(sandbox, agent, project, email) {
      const base = `${sandbox.env.PROJECTMANAGER_BASE_URL}/api/data`;
      const headers = { authorization: `Bearer ${sandbox.env.PROJECTMANAGER_API_KEY}` };
      const filter = encodeURIComponent(`tolower(email) eq '${email}'`);
      const [, , resources] = await Promise.all([
        json(`${base}/projects/${project}`, agent, { headers }),
        json(`${base}/projects/${project}/members`, agent, { headers }),
        json(`${base}/resources?$filter=${filter}&$top=500&$skip=0`, agent, { headers }),
      ]);
      const id = (resources as { data: Array<{ id: string }> }).data[0]!.id;
      await json(`${base}/projects/${project}/members/${id}`, agent, { method: 'PUT', headers, body: {} });
      await json(`${base}/projects/${project}/members`, agent, { headers });
    },
  },
  {
    kind: 'gorules',
    label: 'GoRules',
    project: GORULES_PROJECTS.fraud,
    email: (n) => `person.${padded(n)}@acme-insurance.example.com`,
    inFlight: 4,
    async direct(sandbox, agent, project, email) {
      const base = `${sandbox.env.GORULES_BASE_URL}/api`;
      const headers = { authorization: `Bearer ${sandbox.env.GORULES_TOKEN}` };
      const [, , users] = await Promise.all([
        json(`${base}/projects?all=true&page=1&perPage=500`, agent, { headers }),
        json(`${base}/projects/${project}/members?page=1&perPage=500`, agent, { headers }),
        json(`${base}/users?search=${encodeURIComponent(email)}&page=1&perPage=500`, agent, { headers }),
      ]);
      const id = (users as { results: Array<{ id: string }> }).results[0]!.id;
      await json(`${base}/projects/${project}/members`, agent, { method: 'POST', headers, body: { userIds: [id], groupIds: [], owner: false } });
      await json(`${base}/projects/${project}/members?page=1&perPage=500`, agent, { headers });
    },
  },
  {
    kind: 'zello',
    label: 'Zello',
    project: zId('project', 1),
    email: (n) => `person.${padded(n)}@zello.example.net`,
    inFlight: 8,
    async direct(sandbox, agent, project, email) {
      const base = `${sandbox.env.ZELLO_BASE_URL}/api/v1`;
      let token = zelloTokens.get(sandbox);
      if (!token) {
        const login = (await json(`${base}/User/login`, agent, { method: 'POST', headers: {}, body: { username: sandbox.env.ZELLO_USERNAME, password: sandbox.env.ZELLO_PASSWORD } })) as { token: string };
        token = login.token;
        zelloTokens.set(sandbox, token);
      }
      const headers = { authorization: `Bearer ${token}` };
      const [workspaces, users] = (await Promise.all([json(`${base}/Workspaces`, agent, { headers }), json(`${base}/User`, agent, { headers })])) as [
        Array<{ id: string; members: Array<{ id: string; user_id: string }> }>,
        Array<{ id: string; email: string }>,
      ];
      const user = users.find((u) => u.email === email)!;
      const member = workspaces.find((w) => w.id === zId('workspace', 1))!.members.find((m) => m.user_id === user.id)!;
      await json(`${base}/Project/members`, agent, { method: 'POST', headers, body: { project_id: project, workspace_member_id: member.id, access_level: 'Member' } });
      await json(`${base}/Workspaces`, agent, { headers });
    },
  },
];

const caseOf = (kind: ProviderKind): ProviderCase => CASES.find((c) => c.kind === kind)!;

/** Requests of a call, and the serial round trips before its first write (arrivals more than half a latency apart). */
function shape(exchanges: Exchange[]): { requests: number; roundTrips: number } {
  const isWrite = (e: Exchange) => e.method !== 'GET' && !e.path.endsWith('/users/info') && !e.path.endsWith('/User/login');
  const firstWrite = exchanges.findIndex(isWrite);
  const reads = (firstWrite < 0 ? exchanges : exchanges.slice(0, firstWrite)).map((e) => e.receivedAt ?? 0).sort((a, b) => a - b);
  let roundTrips = 0;
  let last = -Infinity;
  for (const at of reads) {
    if (at - last > LATENCY_MS / 2) roundTrips += 1;
    last = at;
  }
  return { requests: exchanges.length, roundTrips };
}

/** Adding one person by email, on every provider, at this directory size. */
export async function addOne(people: number, rounds: number, report: Report): Promise<void> {
  for (const testCase of CASES) {
    /** Adds person n through the server (a dry run only previews it). */
    const add = (server: ServerProcess, n: number, dryRun = false) =>
      server.call('add_project_members', { provider: testCase.kind, project: testCase.project, users: [testCase.email(n)], ...(dryRun ? { dryRun } : {}) });
    const expectAdded = async (result: Promise<{ structuredContent?: Record<string, unknown> }>) => {
      const { structuredContent } = await result;
      const results = (structuredContent as { results?: Array<{ status: string; error?: { message: string } }> } | undefined)?.results;
      if (results?.[0]?.status !== 'added') throw new Error(`${testCase.label}: expected added, got ${JSON.stringify(results ?? structuredContent)}`);
    };
    const direct = (sandbox: SandboxProcess, agent: Agent, n: number) => testCase.direct(sandbox, agent, testCase.project, testCase.email(n));

    // Requests and round trips, from the sandbox's exchange log (a pass of its own: logging costs time).
    const counting = await startSandboxProcess({ people, latencyMs: LATENCY_MS, exchanges: true });
    const counted = await startServerProcess(counting.env);
    counting.takeExchanges();
    await expectAdded(add(counted, 1));
    const first = shape(counting.takeExchanges());
    await add(counted, 2, true);
    counting.takeExchanges();
    await expectAdded(add(counted, 2));
    const warm = shape(counting.takeExchanges());
    await expectAdded(add(counted, 3));
    const next = shape(counting.takeExchanges());
    await counted.stop();
    await counting.stop();

    const firstTimes: number[] = [];
    const warmTimes: number[] = [];
    const nextTimes: number[] = [];
    const directTimes: number[] = [];
    const sandbox = await startSandboxProcess({ people, latencyMs: LATENCY_MS });
    const agent = new Agent({ connections: testCase.inFlight });
    await direct(sandbox, agent, 400); // undici loaded, connections open, as for a running client
    for (let round = 0; round < rounds; round++) {
      const person = 10 + round * 10;
      const server = await startServerProcess(sandbox.env);
      firstTimes.push(await timed(() => expectAdded(add(server, person))));
      await add(server, person + 1, true);
      warmTimes.push(await timed(() => expectAdded(add(server, person + 1))));
      nextTimes.push(await timed(() => expectAdded(add(server, person + 2))));
      await server.stop();
      directTimes.push(await timed(() => direct(sandbox, agent, 200 + round)));
    }
    await agent.close();
    await sandbox.stop();

    const base = median(directTimes);
    const label = `A. ${testCase.label}, add 1 by email, ${people} people`;
    const target = testCase.kind === 'clockify' ? ' (Clockify: ≤ 3 cold, ≤ 2 warm)' : '';
    report(`${label}: first call of a fresh process`, spread(firstTimes), spread(directTimes), ratio(median(firstTimes) / base), `≤ 2 round trips${target}`, `${first.requests} req, ${first.roundTrips} RT`);
    report(`${label}: real call after its dry run (cached)`, spread(warmTimes), spread(directTimes), ratio(median(warmTimes) / base), '', `${warm.requests} req, ${warm.roundTrips} RT`);
    report(`${label}: the next person`, spread(nextTimes), spread(directTimes), ratio(median(nextTimes) / base), '', `${next.requests} req, ${next.roundTrips} RT`);
  }
}

/** A bulk add on the project of the provider's case (CASES), with its people and requests in flight. */
interface BulkCase {
  kind: ProviderKind;
  /** What the measure adds to the provider's label. */
  what?: string;
  role?: Role;
  /** Makes the measured call's people ready (GoRules: members already, so that the call updates them). */
  prepare?(sandbox: SandboxProcess, project: string, emails: string[]): Promise<void>;
  /** The same writes straight through undici, `inFlight` at a time: the floor on this machine. */
  floor(sandbox: SandboxProcess, agent: Agent, project: string, emails: string[]): Promise<void>;
}

const BULK: BulkCase[] = [
  {
    kind: 'projectmanager',
    async floor(sandbox, agent, project, emails) {
      const base = `${sandbox.env.PROJECTMANAGER_BASE_URL}/api/data/projects/${project}/members`;
      const headers = { authorization: `Bearer ${sandbox.env.PROJECTMANAGER_API_KEY}` };
      await pool(emails.map((_, i) => () => json(`${base}/${pmId('person', 1001 + i)}`, agent, { method: 'PUT', headers, body: {} })), 8);
    },
  },
  {
    kind: 'zello',
    async floor(sandbox, agent, project, emails) {
      const base = `${sandbox.env.ZELLO_BASE_URL}/api/v1`;
      const login = (await json(`${base}/User/login`, agent, { method: 'POST', headers: {}, body: { username: sandbox.env.ZELLO_USERNAME, password: sandbox.env.ZELLO_PASSWORD } })) as { token: string };
      const headers = { authorization: `Bearer ${login.token}` };
      const workspace = ((await json(`${base}/Workspaces`, agent, { headers })) as Array<{ id: string; members: Array<{ id: string; user_id: string }> }>).find((w) => w.id === zId('workspace', 1))!;
      const members = new Map(workspace.members.map((m) => [m.user_id, m.id]));
      await pool(
        emails.map((_, i) => () => json(`${base}/Project/members`, agent, { method: 'POST', headers, body: { project_id: project, workspace_member_id: members.get(zId('user', 1001 + i)), access_level: 'Member' } })),
        8,
      );
    },
  },
  {
    kind: 'gorules',
    what: 'updates: owner for 500 members',
    role: 'owner',
    async prepare(sandbox, project, emails) {
      const agent = new Agent({ connections: 1 });
      const base = `${sandbox.env.GORULES_BASE_URL}/api`;
      const headers = { authorization: `Bearer ${sandbox.env.GORULES_TOKEN}` };
      const users = (await json(`${base}/users?search=person.&page=1&perPage=10000`, agent, { headers })) as { results: Array<{ id: string; email: string }> };
      const wanted = new Set(emails);
      const userIds = users.results.filter((u) => wanted.has(u.email)).map((u) => u.id);
      await json(`${base}/projects/${project}/members`, agent, { method: 'POST', headers, body: { userIds, groupIds: [], owner: false } });
      await agent.close();
    },
    async floor(sandbox, agent, project, emails) {
      const base = `${sandbox.env.GORULES_BASE_URL}/api/projects/${project}/members`;
      const headers = { authorization: `Bearer ${sandbox.env.GORULES_TOKEN}` };
      const members = (await json(`${base}?page=1&perPage=10000`, agent, { headers })) as { results: Array<{ id: string; user: { email: string } }> };
      const wanted = new Set(emails);
      const ids = members.results.filter((m) => wanted.has(m.user.email)).map((m) => m.id);
      await pool(ids.map((id) => () => json(`${base}/${id}`, agent, { method: 'PUT', headers, body: { groupIds: [], owner: true } })), 4);
    },
  },
];

async function pool(tasks: Array<() => Promise<unknown>>, width: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < tasks.length) await tasks[next++]!();
  }));
}

/** 500 members added (or updated) in one call of a fresh process, 5,000 people in the directory. */
export async function bulk(rounds: number, report: Report): Promise<void> {
  const people = 5000;
  const count500 = 500;
  for (const testCase of BULK) {
    const provider = caseOf(testCase.kind);
    const { project, inFlight } = provider;
    const label = `${provider.label}${testCase.what ? ` (${testCase.what})` : ''}`;
    const emails = Array.from({ length: count500 }, (_, i) => provider.email(i + 1));
    const times: number[] = [];
    const peaks: number[] = [];
    const loops: number[] = [];
    const floors: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const sandbox = await startSandboxProcess({ people, latencyMs: LATENCY_MS });
      await testCase.prepare?.(sandbox, project, emails);
      const server = await startServerProcess(sandbox.env, { loopProbe: true });
      await server.resetLoopDelay(); // after start-up and the preload that follows initialize
      const args = { provider: testCase.kind, project, users: emails, ...(testCase.role ? { role: testCase.role } : {}) };
      times.push(
        await timed(async () => {
          const result = await server.call('add_project_members', args);
          const summary = (result.structuredContent as { summary?: { changed: number; failed: number } } | undefined)?.summary;
          if (summary?.changed !== count500) throw new Error(`${label}: changed ${JSON.stringify(result.structuredContent).slice(0, 400)}`);
        }),
      );
      peaks.push(server.peakRssMb());
      loops.push((await server.stop()) ?? NaN);
      await sandbox.stop();

      const bare = await startSandboxProcess({ people, latencyMs: LATENCY_MS });
      await testCase.prepare?.(bare, project, emails);
      const agent = new Agent({ connections: inFlight });
      floors.push(await timed(() => testCase.floor(bare, agent, project, emails)));
      await agent.close();
      await bare.stop();
    }
    const ideal = (count500 * LATENCY_MS) / inFlight;
    const row = `B. ${label}, ${count500} in one call, first call of a fresh process, ${people} people, ${inFlight} in flight`;
    report(`${row}, vs ideal ${count500}×${LATENCY_MS} ms/${inFlight}`, spread(times), ms(ideal), ratio(median(times) / ideal), '≤ 1.10×', '');
    report(`${row}, vs the bare writes through undici (the floor here)`, spread(times), spread(floors), ratio(median(times) / median(floors)), '(diagnostic)', `floor ${ratio(median(floors) / ideal)} of ideal`);
    report(`${row}: the server's peak memory (VmHWM)`, spread(peaks, mb), '', '', '(information)', '');
    report(`${row}: the longest event-loop delay in the server`, spread(loops), '50 ms', ratio(Math.max(...loops) / 50), '≤ 50 ms', '');
  }
}

/** k email lookups against one read of the whole directory, with the adapters' own typed APIs. */
export async function crossover(people: number, rounds: number, report: Report): Promise<void> {
  const sandbox = await startSandboxProcess({ people, latencyMs: LATENCY_MS });
  const { connections } = loadConnections(sandbox.env);
  const logger = silentLogger();
  const clients: HttpClient[] = [];
  const client = (kind: ProviderKind) => {
    const config = connections.find((c) => c.kind === kind)!;
    const module = providerModule(kind)!;
    const http = new HttpClient({
      label: module.label,
      baseUrl: module.http.baseUrl(config.values),
      headers: module.http.headers?.(config.values),
      redactor: logger.redactor,
      logger,
      limits: config.http.limits,
      describeError: module.http.describeError,
    });
    clients.push(http);
    return { http, values: config.values };
  };
  const clockify = client('clockify');
  const pm = client('projectmanager');
  const gorules = client('gorules');
  const strategies: Array<{ label: string; lookup: (email: string, signal: AbortSignal) => Promise<unknown>; whole: (signal: AbortSignal) => Promise<unknown>; email: (n: number) => string }> = [
    {
      label: 'Clockify',
      lookup: (email, signal) => new ClockifyApi(clockify.http).usersWithEmail(clockify.values.workspaceId!, email, signal),
      whole: (signal) => new ClockifyApi(clockify.http).users(clockify.values.workspaceId!, signal),
      email: caseOf('clockify').email,
    },
    {
      label: 'ProjectManager.com',
      lookup: (email, signal) => new ProjectManagerApi(pm.http).resourcesWithEmail(email, signal),
      whole: (signal) => new ProjectManagerApi(pm.http).resources(signal),
      email: caseOf('projectmanager').email,
    },
    {
      label: 'GoRules',
      lookup: (email, signal) => new GoRulesApi(gorules.http).usersMatching(email, signal),
      whole: (signal) => new GoRulesApi(gorules.http).users({ includeService: true }, signal),
      email: caseOf('gorules').email,
    },
  ];
  /** Time and requests of one strategy (requests counted by a call budget on its signal). */
  const measure = async (run: (signal: AbortSignal) => Promise<unknown>) => {
    const times: number[] = [];
    let requests = 0;
    for (let i = 0; i < rounds; i++) {
      const signal = new AbortController().signal;
      setMaxListeners(64, signal); // k requests at once on one signal
      const budget = new CallBudget({ connection: 'bench', signal, startedAt: Date.now(), budgetMs: 60_000 });
      times.push(await timed(() => run(signal)));
      requests = budget.requests;
    }
    return { time: median(times), requests };
  };
  for (const strategy of strategies) {
    await measure(strategy.whole); // connections open
    const whole = await measure(strategy.whole);
    const cells: string[] = [];
    let crossing: number | undefined;
    for (const k of [1, 2, 4, 8, 16, 32]) {
      const lookups = await measure((signal) => Promise.all(Array.from({ length: k }, (_, i) => strategy.lookup(strategy.email(i + 1), signal))));
      cells.push(`k=${k}: ${ms(lookups.time)}/${lookups.requests} req`);
      if (crossing === undefined && lookups.time > whole.time) crossing = k;
    }
    report(
      `C. lookups or the directory, ${strategy.label}, ${people} people: k lookups at once (${cells.join('; ')})`,
      `crossover ${crossing === undefined ? 'above 32' : `at k=${crossing}`}`,
      `directory ${ms(whole.time)}/${whole.requests} req`,
      '',
      '(information)',
      '',
    );
  }
  await Promise.all(clients.map((http) => http.close()));
  await sandbox.stop();
}


