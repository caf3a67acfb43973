import type { CallBudgetView } from './budget.js';
import type { WriteJournal } from './journal.js';
import type { Logger } from './log.js';

/** Per-call context handed down from the tool layer. Adapters never see MCP itself. */
export interface OperationContext {
  /** Aborted when the client cancels; adapters pass it to every request and stop scheduling. */
  signal: AbortSignal;
  /** Name of the connection, for the journal and messages. */
  connection: string;
  journal: WriteJournal;
  logger: Logger;
  /** Called each time a member's outcome is decided, or (first) its write answered: the call's progress. */
  onDecided?: (decided: number, total: number, message: string) => void;
  /**
   * The call's time budget and request count on the connection's rate limit (its deadline for
   * waits). The HTTP client finds it through `signal`; adapters declare their planned writes with
   * planWrites() before the first one.
   */
  budget?: CallBudgetView;
  /**
   * Takes the project's turn for changes within this process (see holdProject), held until the
   * call answers. Absent where calls are not serialized (adapter tests).
   */
  exclusive?: (project: { id: string; name?: string | undefined }) => Promise<void>;
}
