import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from './index.js';
import type { FaultSpec, HttpSimulator } from './simulator.js';

/**
 * The standalone sandbox's control channel, for tests only (MEMBERS_MCP_SANDBOX_CONTROL=1; off by
 * default): what the in-process tests do with a simulator's methods (inject faults, switch a
 * reading, read the request log), over HTTP for a sandbox in a process of its own. It listens on
 * 127.0.0.1 on a port of its own, apart from the simulators, so that its traffic is never taken
 * for a provider's (nor checked against a provider's API description), and it answers only
 * requests that carry the random token printed in the sandbox's JSON line.
 *
 *   POST /faults   {"provider": "clockify", "fault": FaultSpec}   match.path as {"regex": "..."} or a
 *                  string; "times": "all" for until cleared
 *   POST /clear    {"provider"?: "clockify"}                      clears faults (of every simulator)
 *   POST /reseed   {"seed": 7}                                    reseeds every simulator's dice
 *   POST /readings {"provider": "gorules", "readings": {...}}     sets a simulator's readings
 *   GET  /requests?provider=clockify&from=N                       its request log from N: records
 *                  without headers, and the total
 */
export interface SandboxControl {
  url: string;
  token: string;
  stop(): Promise<void>;
}

export const CONTROL_ENV = 'MEMBERS_MCP_SANDBOX_CONTROL';

/** A fault as JSON carries it. */
type FaultJson = Omit<FaultSpec, 'times' | 'match' | 'effect'> & {
  times?: number | 'all';
  match?: { method?: string; path?: string | { regex: string } };
};

export async function startControl(sandbox: Sandbox): Promise<SandboxControl> {
  const token = randomBytes(24).toString('hex');
  const simulators = sandbox.simulators as unknown as Record<string, HttpSimulator & { readings?: object }>;
  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => reply(res, 400, { error: (error as Error).message }));
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req.headers.authorization, token)) return reply(res, 401, { error: 'a bearer token is required' });
    const url = new URL(req.url ?? '/', 'http://control.invalid');
    const body = req.method === 'POST' ? ((JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>)) : {};
    const simulator = (name: unknown) => {
      const found = typeof name === 'string' ? simulators[name] : undefined;
      if (!found) throw new Error(`no simulator "${String(name)}"; known: ${Object.keys(simulators).join(', ')}`);
      return found;
    };
    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /faults') {
      simulator(body.provider).injectFault(faultFromJson(body.fault as FaultJson));
      return reply(res, 200, { ok: true });
    }
    if (route === 'POST /clear') {
      for (const sim of body.provider === undefined ? Object.values(simulators) : [simulator(body.provider)]) sim.clearFaults();
      return reply(res, 200, { ok: true });
    }
    if (route === 'POST /reseed') {
      for (const sim of Object.values(simulators)) sim.reseed(Number(body.seed));
      return reply(res, 200, { ok: true });
    }
    if (route === 'POST /readings') {
      const sim = simulator(body.provider);
      if (!sim.readings) throw new Error('this simulator has no readings');
      Object.assign(sim.readings, body.readings);
      return reply(res, 200, { readings: sim.readings });
    }
    if (route === 'GET /requests') {
      const sim = simulator(url.searchParams.get('provider'));
      const from = Number(url.searchParams.get('from') ?? 0);
      const records = sim.requests.slice(from).map(({ headers: _headers, ...record }) => record);
      return reply(res, 200, { total: sim.requests.length, records });
    }
    return reply(res, 404, { error: `no route ${route}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function faultFromJson(json: FaultJson): FaultSpec {
  if (!json || typeof json !== 'object') throw new Error('"fault" must be an object');
  const { times, match, ...rest } = json;
  const spec: FaultSpec = { ...rest };
  if (times !== undefined) spec.times = times === 'all' ? Infinity : times;
  if (match) {
    spec.match = {};
    if (match.method !== undefined) spec.match.method = match.method;
    if (typeof match.path === 'string') spec.match.path = match.path;
    else if (match.path) spec.match.path = new RegExp(match.path.regex);
  }
  return spec;
}

function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
