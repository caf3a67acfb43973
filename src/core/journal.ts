import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

/** One line of the write journal: an attempted write and what came of it. No secrets, ever. */
export interface JournalEntry {
  connection: string;
  provider: string;
  project: string;
  /** The member the write was about (a user id), when it was about one. */
  user?: string;
  /** What was attempted: add, remove, set_role, unset_role, add_team, … */
  operation: string;
  /** One request: its `planned` line and the lines of its outcome carry the same id. */
  write: string;
  /**
   * planned: about to be sent (written before the request leaves, so that after a crash the
   * journal names every write that may have landed). applied: the provider accepted it. failed:
   * it refused (see code). unknown: the reply was lost or ambiguous. confirmed: a re-read showed
   * the change in place after such a reply. not_applied: a re-read showed it was not (it is then
   * sent again, as a new write with its own id).
   */
  outcome: 'planned' | 'applied' | 'failed' | 'unknown' | 'confirmed' | 'not_applied';
  code?: string;
  message?: string;
  /** A write of a removal that needed confirmation: how it was confirmed (the user asked by elicitation, or the dry run's value). */
  confirmedBy?: 'elicitation' | 'value';
}

export interface WriteJournal {
  record(entry: JournalEntry): void;
  close(): void;
}

export const NO_JOURNAL: WriteJournal = { record() {}, close() {} };

/** A fresh id for one write request's lines. */
export function newWriteId(): string {
  return randomUUID().slice(0, 13);
}

/**
 * Appends one JSON line per write intent and outcome with a synchronous write, so that a write's
 * `planned` line is on disk before its request is sent, and its outcome before the tool returns.
 */
export class FileJournal implements WriteJournal {
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  record(entry: JournalEntry): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads a journal file back (for operators' scripts and tests). */
export function parseJournal(text: string): Array<JournalEntry & { time: string }> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JournalEntry & { time: string });
}
