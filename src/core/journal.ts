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
  /**
   * applied: the provider confirmed it. failed: it refused (see code). unknown: the reply was lost.
   * confirmed: a re-read showed a write with a lost reply had been applied. not_applied: a re-read
   * showed it had not (it is then attempted again, on a line of its own).
   */
  outcome: 'applied' | 'failed' | 'unknown' | 'confirmed' | 'not_applied';
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

/**
 * Appends one JSON line per write outcome with a synchronous write, so a line is on disk before
 * the tool returns, and before the process can be killed after learning the outcome.
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
