import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, beforeEach, expect } from 'vitest';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { Connection, Connections, type ConnectionDeps } from '../../src/connections.js';
import { NO_JOURNAL, type WriteJournal } from '../../src/core/journal.js';
import type { ProviderKind } from '../../src/core/types.js';
import { Redactor } from '../../src/core/redact.js';
import { Logger, silentLogger } from '../../src/core/log.js';
import type { ConnectionConfig } from '../../src/providers/module.js';
import type { MembershipProvider } from '../../src/providers/types.js';
import type { OperationContext } from '../../src/core/context.js';
import { sandboxConnections, startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { createServer } from '../../src/mcp/server.js';
import { errorEnvelopeSchema } from '../../src/tools/schemas.js';

/** Fast retries so that fault-injection tests do not wait for production back-off. */
export const TEST_ENV = {
  MEMBERS_MCP_TIMEOUT_MS: '2000',
  MEMBERS_MCP_CONNECT_TIMEOUT_MS: '2000',
  MEMBERS_MCP_RETRY_ATTEMPTS: '4',
  MEMBERS_MCP_RETRY_BUDGET_MS: '5000',
};

export interface TestSandbox {
  sandbox: Sandbox;
  connections: Connections;
  logger: Logger;
  stop(): Promise<void>;
}

/** Starts the simulators and real adapters against them, over loopback HTTP. */
export async function startTestSandbox(
  options: SandboxOptions & {
    /** Variables over TEST_ENV: HTTP settings, `<PROVIDER>_MAX_IN_FLIGHT`, `<PROVIDER>_RATE_LIMIT`. */
    env?: Record<string, string>;
    logger?: Logger;
    /** Keep only these connections, so that calls may leave provider out. */
    only?: ProviderKind[];
    configure?: (configs: ConnectionConfig[]) => ConnectionConfig[];
  } = {},
): Promise<TestSandbox> {
  const sandbox = await startSandbox(options);
  const logger = options.logger ?? silentLogger();
  const { connections: all, problems } = sandboxConnections(sandbox, { ...TEST_ENV, ...options.env });
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
  const kept = (options.only ? all.filter((c) => options.only!.includes(c.kind)) : all).map(fastDocumentedBackoff);
  const configs = options.configure ? options.configure(kept) : kept;
  const connections = Connections.create(configs, [], { logger, redactor: logger.redactor });
  return {
    sandbox,
    connections,
    logger,
    async stop() {
      await connections.close();
      await sandbox.stop();
    },
  };
}

/**
 * A provider's documented 429 back-off (ProjectManager.com: 1 s, then 5 s) at a hundredth of its
 * length, so that tests keep its shape (how many retries, in which order) without its wait.
 */
export function fastDocumentedBackoff(config: ConnectionConfig): ConnectionConfig {
  const steps = config.http.retry.rateLimitBackoffMs;
  if (!steps) return config;
  return { ...config, http: { ...config.http, retry: { ...config.http.retry, rateLimitBackoffMs: steps.map((ms) => ms / 100) } } };
}

/** An adapter with close(), which closes the connection it runs on (adapter tests). */
export type TestAdapter = MembershipProvider & { close(): Promise<void> };

/** The adapter of a connection of its own, as the server would build it. */
export function openAdapter(config: ConnectionConfig, deps: ConnectionDeps): TestAdapter {
  const connection = new Connection(config, deps);
  // The adapter itself (reached through the prototype), plus the connection's close().
  return Object.assign(Object.create(connection.provider) as MembershipProvider, { close: () => connection.close() });
}

/** An adapter-level operation context. */
export function operationContext(overrides: Partial<OperationContext> = {}): OperationContext {
  return {
    signal: new AbortController().signal,
    connection: 'test',
    journal: NO_JOURNAL,
    logger: silentLogger(),
    ...overrides,
  };
}

/** A real SDK Client talking to our server over the SDK's in-memory transport. */
export async function connectClient(
  connections: Connections,
  options: {
    readOnly?: boolean;
    journal?: WriteJournal;
    logger?: Logger;
    progressIntervalMs?: number;
    callBudgetMs?: number;
    /** Declares the elicitation capability and answers each question with this (the person at the client). */
    elicit?: (request: ElicitRequest['params'], signal: AbortSignal) => ElicitResult | Promise<ElicitResult>;
  } = {},
): Promise<{ client: Client; close(): Promise<void> }> {
  const server = createServer({
    connections,
    logger: options.logger ?? silentLogger(),
    journal: options.journal ?? NO_JOURNAL,
    readOnly: options.readOnly ?? false,
    progressIntervalMs: options.progressIntervalMs ?? 0,
    ...(options.callBudgetMs !== undefined ? { callBudgetMs: options.callBudgetMs } : {}),
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-client', version: '0.0.0' }, options.elicit ? { capabilities: { elicitation: { form: {} } } } : {});
  const elicit = options.elicit;
  if (elicit) client.setRequestHandler(ElicitRequestSchema, async (request, extra) => elicit(request.params, extra.signal));
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

export function emptyConnections(): Connections {
  return new Connections([], []);
}

export { Redactor };

export type ToolCallResult = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ text: string }> };

/** Asserts an error result with this code, in the envelope and in the text; returns the envelope's error. */
export function expectToolError(result: ToolCallResult, code: string) {
  expect(result.isError).toBe(true);
  const envelope = errorEnvelopeSchema.parse(result.structuredContent);
  expect(envelope.error.code).toBe(code);
  expect(result.content[0]!.text).toContain(code);
  return envelope.error;
}

/**
 * Sandboxes started by a test when it needs them (with its own options), each with a connected
 * client that has listed the tools; all are stopped after each test (a vitest hook).
 */
export function sandboxSessions() {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of open.splice(0)) await stop();
  });
  return async (options: Parameters<typeof startTestSandbox>[0] = {}) => {
    const box = await startTestSandbox(options);
    const mcp = await connectClient(box.connections);
    open.push(async () => {
      await mcp.close();
      await box.stop();
    });
    await mcp.client.listTools(); // from here on the client validates every structuredContent
    const call = async (name: string, args: Record<string, unknown>) => (await mcp.client.callTool({ name, arguments: args })) as ToolCallResult;
    return { simulators: box.sandbox.simulators, call };
  };
}

/**
 * A sandbox and a connected client for each test of a file (vitest hooks), with `call` naming the
 * provider's connection. Read `box` and `client` inside tests, after the hooks have run.
 */
export function toolSession(provider: ProviderKind) {
  const session = {
    box: undefined as unknown as TestSandbox,
    client: undefined as unknown as Client,
    close: async () => {},
    async call(name: string, args: Record<string, unknown>): Promise<ToolCallResult> {
      return (await session.client.callTool({ name, arguments: { provider, ...args } })) as ToolCallResult;
    },
  };
  beforeEach(async () => {
    session.box = await startTestSandbox();
    ({ client: session.client, close: session.close } = await connectClient(session.box.connections));
    await session.client.listTools(); // from here on the client validates every structuredContent
  });
  afterEach(async () => {
    await session.close();
    await session.box.stop();
  });
  return session;
}
