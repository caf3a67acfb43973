import { setMaxListeners } from 'node:events';
import * as z from 'zod';
import type { Connection, Connections } from '../connections.js';
import { DEFAULT_CALL_BUDGET_MS } from '../core/budget.js';
import { cancelledError, MembersError, toMembersError } from '../core/errors.js';
import { NO_JOURNAL, type WriteJournal } from '../core/journal.js';
import type { Logger } from '../core/log.js';
import {
  AjvJsonSchemaValidator,
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  Server,
  SetLevelRequestSchema,
  type CallToolResult,
  type JsonSchemaValidatorProvider,
  type LoggingLevel,
} from './sdk.js';
import { TOOLS } from '../tools/catalog.js';
import { runTool, type ToolContext } from '../tools/define.js';
import { VERSION } from '../version.js';
import { errorResult, invalidArguments } from './errors.js';
import { LISTED_TOOLS } from './listing.js';

export interface ServerOptions {
  connections: Connections;
  logger: Logger;
  journal?: WriteJournal;
  /** Refuse writes (dry runs still allowed). */
  readOnly?: boolean;
  /** Least time between two progress notifications; the last one always goes. */
  progressIntervalMs?: number;
  /** How long a call may wait for rate limits before it answers RATE_LIMITED (MEMBERS_MCP_CALL_BUDGET_MS). */
  callBudgetMs?: number;
}

/**
 * The MCP server. It is built on the SDK's low-level Server rather than McpServer because McpServer
 * validates tool input itself and answers failures as bare text without our error code; here
 * every input error is an `INVALID_ARGUMENT` result naming the field, in the same envelope as
 * every other error.
 */
export function createServer(options: ServerOptions): Server {
  const { connections, logger } = options;
  const journal = options.journal ?? NO_JOURNAL;
  const readOnly = options.readOnly ?? false;
  const callBudgetMs = options.callBudgetMs ?? DEFAULT_CALL_BUDGET_MS;
  const server = new Server(
    { name: 'project-members-mcp', title: 'Project members', version: VERSION },
    { capabilities: { tools: { listChanged: false }, logging: {} }, instructions: instructions(connections, readOnly, callBudgetMs), jsonSchemaValidator: SHARED_VALIDATOR },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: LISTED_TOOLS }));

  server.setRequestHandler(CallToolAsSent, async (request, extra): Promise<CallToolResult> => {
    const tool = TOOLS_BY_NAME.get(request.params.name);
    if (!tool) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${request.params.name}"; available: ${TOOLS.map((t) => t.name).join(', ')}.`);
    }
    const parsed = tool.inputSchema.safeParse(request.params.arguments ?? {});
    if (!parsed.success) return errorResult(invalidArguments(parsed.error, tool));
    const input = parsed.data as Record<string, unknown>;
    if (!tool.annotations.readOnlyHint && readOnly && input.dryRun !== true) {
      return errorResult(
        new MembersError('READ_ONLY', `The server runs read-only, so ${tool.name} cannot change anything.`, {
          hint: 'Call again with dryRun: true to see what would change, or restart the server without --read-only.',
        }),
      );
    }
    const progressToken = request.params._meta?.progressToken;
    // The call's own signal: aborted when the client cancels or goes away, and when the call has
    // answered, so that nothing it left waiting (a read queued for the rate limit beside one that
    // was refused) is sent later.
    const call = new AbortController();
    const cancel = () => call.abort(extra.signal.reason);
    if (extra.signal.aborted) cancel();
    else extra.signal.addEventListener('abort', cancel, { once: true });
    // A batch legitimately puts one abort listener per request in flight (and per back-off wait) on this signal.
    setMaxListeners(256, call.signal);
    const context: ToolContext = { connections, signal: call.signal, journal, logger, startedAt: Date.now(), callBudgetMs };
    // Over the stateless HTTP transport a fresh server never saw the client's capabilities: no question can be asked there.
    if (server.getClientCapabilities()?.elicitation?.form) {
      context.confirm = (question) => askToConfirm(server, question, { signal: call.signal, relatedRequestId: extra.requestId });
    }
    if (progressToken !== undefined) {
      const progress = progressReporter(options.progressIntervalMs ?? 100, (params) =>
        extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...params } }),
      );
      context.onDecided = progress.decided;
      context.onWait = progress.waiting;
    }
    try {
      const output = await runTool(tool, input, context);
      return { content: [{ type: 'text', text: output.text }], structuredContent: output.structured };
    } catch (error) {
      if (!(error instanceof MembersError)) {
        logger.error(`${tool.name} failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      return errorResult(toMembersError(error));
    } finally {
      extra.signal.removeEventListener('abort', cancel);
      call.abort();
    }
  });

  // MCP logging only once the client asks for it (logging/setLevel); stderr always.
  let clientLevel: LoggingLevel | undefined;
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    clientLevel = request.params.level;
    return {};
  });
  const detach = logger.addSink((level, message) => {
    if (clientLevel === undefined || severity(level) < severity(clientLevel)) return;
    server.sendLoggingMessage({ level, logger: 'project-members-mcp', data: message }).catch(() => undefined);
  });
  const previousOnClose = server.onclose;
  server.onclose = () => {
    detach();
    previousOnClose?.();
  };
  return server;
}

const TOOLS_BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));

/**
 * tools/call with its arguments as they were sent. The SDK's schema copies them into a new object,
 * which silently drops a `__proto__` key; left as sent, the tools' strict input schemas refuse it
 * by name like any other unknown key. (The SDK still checks the request against its own schema.)
 */
const CallToolAsSent = CallToolRequestSchema.extend({
  params: CallToolRequestSchema.shape.params.extend({ arguments: z.unknown().optional() }),
});

/** How long a confirmation question waits for the person before it counts as unanswered. */
const CONFIRM_TIMEOUT_MS = 10 * 60_000;

/**
 * One yes-or-no question by form elicitation: accept with confirm true is a yes; accept with
 * false, decline and cancel are not. Sent on the tool call's own stream, and withdrawn when the
 * call is cancelled.
 */
async function askToConfirm(server: Server, question: string, options: { signal: AbortSignal; relatedRequestId: string | number }): Promise<'accept' | 'decline' | 'cancel'> {
  let result: Awaited<ReturnType<Server['elicitInput']>>;
  try {
    result = await server.elicitInput(
      {
        mode: 'form',
        message: question,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Remove them', description: 'Yes to remove them as listed; no changes nothing.', default: false } },
          required: ['confirm'],
        },
      },
      { signal: options.signal, relatedRequestId: options.relatedRequestId, timeout: CONFIRM_TIMEOUT_MS },
    );
  } catch (error) {
    if (options.signal.aborted) throw cancelledError();
    throw error;
  }
  if (result.action !== 'accept') return result.action;
  return result.content?.confirm === true ? 'accept' : 'decline';
}

/**
 * The validator of elicitation answers, shared: each Server otherwise builds its own Ajv, and over
 * HTTP a server is made per request (that construction was a tenth of the CPU, bench/http-load).
 * Built at the first answer it checks: most sessions never ask, and building it costs start-up
 * a few milliseconds.
 */
let answerValidator: AjvJsonSchemaValidator | undefined;
const SHARED_VALIDATOR: JsonSchemaValidatorProvider = {
  getValidator(schema) {
    answerValidator ??= new AjvJsonSchemaValidator();
    return answerValidator.getValidator(schema);
  },
};

interface ProgressParams {
  progress: number;
  total?: number;
  message: string;
}

/**
 * Progress counts members decided or answered (the ledger holds the last step back for the read
 * that confirms the writes): at most one notification per interval, always increasing, always
 * ending at total. A wait for a rate limit is reported too; as progress must increase
 * with every notification, a wait moves it half-way to the next whole member, never reaching it.
 */
function progressReporter(
  intervalMs: number,
  send: (params: ProgressParams) => Promise<void>,
): { decided: (decided: number, total: number, message: string) => void; waiting: (message: string) => void } {
  let lastSentAt = 0;
  let lastProgress = 0;
  let lastTotal: number | undefined;
  const emit = (params: ProgressParams) => {
    lastSentAt = Date.now();
    lastProgress = params.progress;
    send(params).catch(() => undefined);
  };
  return {
    decided(decided, total, message) {
      lastTotal = total;
      if (decided <= lastProgress) return;
      if (decided < total && Date.now() - lastSentAt < intervalMs) return;
      emit({ progress: decided, total, message });
    },
    waiting(message) {
      const progress = lastProgress + (Math.floor(lastProgress) + 1 - lastProgress) / 2;
      emit(lastTotal === undefined ? { progress, message } : { progress, total: lastTotal, message });
    },
  };
}

function severity(level: string): number {
  const order: string[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
  return order.indexOf(level);
}

/** Sent at initialize: what is configured and what each connection can do, in a few lines. */
export function instructions(connections: Connections, readOnly: boolean, callBudgetMs: number = DEFAULT_CALL_BUDGET_MS): string {
  const lines = [
    'Manage who belongs to projects. Tools read current members first, are idempotent, and take dryRun to preview; use search_directory to find exact ids or names.',
    'list_user_memberships reviews which projects people can access. A removal from several projects (projects), of more than 10 people, or of the connection\'s own account needs confirmation: the user is asked when the client supports elicitation; otherwise pass the confirmation value of its dry run, once the user agrees.',
  ];
  if (connections.list.length === 0) {
    lines.push('No provider connection is configured: every tool answers NOT_CONFIGURED until one is.');
  } else {
    lines.push('Connections (pass the name as provider when there are several):');
    for (const connection of connections.list) lines.push(connectionLine(connection));
    lines.push(
      `A call waits at most ${Math.round(callBudgetMs / 1000)} s for a rate limit; beyond that it answers RATE_LIMITED at once with retryAt and retryAfterSeconds, before any write when the whole plan cannot fit. A dry run's budget field says how many requests the real call takes and whether they fit now.`,
    );
  }
  for (const problem of connections.problems) lines.push(`Unusable: ${problem.message}.`);
  if (readOnly) lines.push('Read-only mode: writes answer READ_ONLY; dryRun still works.');
  return lines.join('\n');
}

/**
 * One connection: what its capability fields say (roles, teams, groups, removal, workspaces), then
 * its provider's notes, which add only what those fields cannot say, so that each fact is said once.
 */
function connectionLine(connection: Connection): string {
  const caps = connection.provider.capabilities;
  const facts = [
    `roles ${Object.entries(caps.roles).map(([role, level]) => `${role}=${level}`).join(', ')}`,
    caps.teams.mode === 'none' ? 'no teams' : `teams: ${caps.teams.what ?? caps.teams.mode}`,
    caps.groups ? 'takes groups (project groups, for finer access)' : '',
    caps.remove ? '' : 'no member removal',
    caps.workspaces ? 'takes workspaceId' : '',
  ].filter(Boolean);
  const notes = caps.notes.length ? ` ${caps.notes.join('; ')}.` : '';
  const rate = connection.budgetStatus();
  const budget = rate
    ? ` Rate limit ${rate.limit}: ${rate.available} of ${rate.capacity} requests left now${rate.nextAt !== undefined ? `, the next at ${new Date(rate.nextAt).toISOString()}` : ''}${rate.sharedFile ? ' (shared with other processes on this machine)' : ''}.`
    : ' No rate limit.';
  return `- ${connection.name} (${connection.label}${connection.sandbox ? ', sandbox demo data' : ''}): ${facts.join('; ')}.${notes}${budget}`;
}
