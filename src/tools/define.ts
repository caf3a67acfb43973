import type * as z from 'zod';
import type { Connection, Connections } from '../connections.js';
import type { OperationContext } from '../core/context.js';
import { MembersError } from '../core/errors.js';
import { ProjectTurns, StaleRead } from '../core/locks.js';
import type { WriteJournal } from '../core/journal.js';
import type { Logger } from '../core/log.js';
import type { Role } from '../core/types.js';
import { requireCapabilities, type ToolNeed } from './capabilities.js';

/** All four MCP tool annotations, always set explicitly. */
export interface ToolAnnotations {
  /** false: the tool changes provider state, so a read-only server refuses it unless dryRun is set. */
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What the MCP layer hands a tool call besides its input. */
export interface ToolContext {
  connections: Connections;
  signal: AbortSignal;
  journal: WriteJournal;
  logger: Logger;
  /** Called each time a member's outcome is decided (drives MCP progress notifications). */
  onDecided?: (decided: number, total: number, message: string) => void;
  /** Called when the call starts waiting for a rate limit, and every few seconds while it waits. */
  onWait?: (message: string) => void;
  /** When the call began (epoch ms); with callBudgetMs, its deadline for rate-limit waits. */
  startedAt: number;
  callBudgetMs: number;
  /**
   * Asks the person at the client to confirm a change (MCP elicitation), when the client can be
   * asked; absent otherwise (the call must then carry the dry run's confirmation value).
   */
  confirm?: Confirm;
}

/** One yes-or-no question to the person at the client; rejects when it could not be asked. */
export type Confirm = (question: string) => Promise<'accept' | 'decline' | 'cancel'>;

/** What a handler works with: the connection its input names, already checked, and the adapter's context. */
export interface ToolCall {
  connection: Connection;
  operation: OperationContext;
  /** See ToolContext.confirm. */
  confirm?: Confirm;
  /**
   * Starts the call's rate-limit budget afresh, from now: after a person has taken their time to
   * answer a question, the waits still ahead get the whole budget.
   */
  restartBudget(): void;
  /**
   * The call's turns on projects, held until it answers (operation.exclusive takes one). A tool
   * that changes several projects takes them all at once, before its first write (see ProjectTurns).
   */
  turns: ProjectTurns;
  /**
   * The confirmation value of a change the person at the client said yes to in an earlier run of
   * this call (a call runs again when another one changed a project it read): the same change is
   * not asked about twice.
   */
  personConfirmed?: string;
}

export interface ToolOutput {
  structured: Record<string, unknown>;
  /** One or two sentences a person can read. */
  text: string;
}

/** A tool of the catalog: one file each under src/tools/. */
export interface ToolDefinition<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  /** What the provider must offer beyond the basics; refused before any request when it does not. */
  needs?: ToolNeed;
  inputSchema: Input;
  /** The success shape; the server adds the error envelope to what it lists. */
  outputSchema: z.ZodObject;
  handler(input: z.output<Input>, call: ToolCall): Promise<ToolOutput>;
}

/** Keeps each tool file's handler typed by its own schema. */
export function defineTool<Input extends z.ZodObject>(tool: ToolDefinition<Input>): ToolDefinition<Input> {
  return tool;
}

/** The input fields every tool shares, where it has them: which connection, and what it asks of the provider. */
interface SharedFields {
  provider?: string;
  workspaceId?: string;
  role?: Role;
  groups?: string[];
}

/** Runs of a call after the first that another call's change on the same project may cause (see holdProject). */
const MAX_REPLANS = 3;

/**
 * Runs a tool on validated input: resolves the connection the input names, refuses what its
 * provider cannot do (before any request), and gives the handler the adapter's context with the
 * call's budget on the connection's rate limit and its turns on projects (released when it
 * answers). A call that finds, on getting its turn, that another call changed the project since it
 * began reading is run again from its reads.
 */
export async function runTool(tool: ToolDefinition, input: Record<string, unknown>, context: ToolContext): Promise<ToolOutput> {
  const shared = input as SharedFields;
  const connection = context.connections.resolve(shared.provider);
  requireCapabilities(connection, { workspaceId: shared.workspaceId, role: shared.role, groups: shared.groups, needs: tool.needs });
  const { signal, startedAt, callBudgetMs: budgetMs, onWait } = context;
  const budget = (from: number) => connection.callBudget({ signal, startedAt: from, budgetMs, onWait });
  const operation: OperationContext = {
    signal,
    connection: connection.name,
    journal: context.journal,
    logger: context.logger,
    budget: budget(startedAt),
  };
  if (context.onDecided) operation.onDecided = context.onDecided;
  let budgetFrom = startedAt;
  const turns = new ProjectTurns(connection.locks, {
    signal,
    // Waits for a turn end with the call's budget, which starts afresh after a person's answer.
    deadline: () => budgetFrom + budgetMs,
    describe: (project) => `project ${project.name ? `"${project.name}"` : project.id} on connection "${connection.name}"`,
  });
  operation.exclusive = (project) => turns.take([project]);
  const call: ToolCall = {
    connection,
    operation,
    turns,
    restartBudget: () => {
      budgetFrom = Date.now();
      operation.budget = budget(budgetFrom);
    },
  };
  if (context.confirm) call.confirm = context.confirm;
  try {
    for (let run = 0; ; run++) {
      try {
        return await tool.handler(input, call);
      } catch (error) {
        if (!(error instanceof StaleRead)) throw error;
        if (run >= MAX_REPLANS) {
          throw new MembersError('PROVIDER_ERROR', `Other calls kept changing ${error.message} while this call read it; it changed nothing.`, {
            hint: 'Call again once the other calls have answered.',
          });
        }
        context.logger.debug(`${tool.name}: another call changed ${error.message} while this one read it; reading again`);
        turns.reread();
      }
    }
  } finally {
    turns.releaseAll();
  }
}
