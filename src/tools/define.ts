import type * as z from 'zod';
import type { Connections } from '../connections.js';
import type { WriteJournal } from '../core/journal.js';
import type { Logger } from '../log.js';

/** All four MCP tool annotations, always set explicitly. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool handler gets besides its validated input. */
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
  /** The tool changes provider state (a read-only server refuses it unless dryRun is set). */
  writes: boolean;
  inputSchema: Input;
  /** The success shape; the server adds the error envelope to what it lists. */
  outputSchema: z.ZodObject;
  handler(input: z.output<Input>, context: ToolContext): Promise<ToolOutput>;
}

/** Keeps each tool file's handler typed by its own schema. */
export function defineTool<Input extends z.ZodObject>(tool: ToolDefinition<Input>): ToolDefinition<Input> {
  return tool;
}
