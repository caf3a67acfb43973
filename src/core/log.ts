import { Redactor } from './redact.js';

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogSink = (level: LogLevel, message: string) => void;

/**
 * Logs go to stderr (stdout belongs to the protocol) and to any further sink, such as MCP
 * logging once a client is connected. Every line is redacted first.
 */
export class Logger {
  private readonly sinks: LogSink[] = [];

  constructor(
    private readonly minLevel: LogLevel = 'info',
    readonly redactor: Redactor = new Redactor(),
    writeStderr: boolean = true,
  ) {
    if (writeStderr) {
      this.sinks.push((level, message) => {
        if (rank(level) >= rank(this.minLevel)) process.stderr.write(`[project-members-mcp] ${level}: ${message}\n`);
      });
    }
  }

  addSink(sink: LogSink): () => void {
    this.sinks.push(sink);
    return () => {
      const index = this.sinks.indexOf(sink);
      if (index >= 0) this.sinks.splice(index, 1);
    };
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warning(message: string): void {
    this.log('warning', message);
  }
  error(message: string): void {
    this.log('error', message);
  }

  log(level: LogLevel, message: string): void {
    const safe = this.redactor.redact(message);
    for (const sink of this.sinks) {
      try {
        sink(level, safe);
      } catch {
        // A failing sink (a closed transport) must not break the operation being logged.
      }
    }
  }
}

function rank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

export function parseLogLevel(text: string | undefined): LogLevel {
  if (text === undefined || text === '') return 'info';
  const level = text.toLowerCase() === 'warn' ? 'warning' : text.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`invalid log level "${text}" (expected one of ${LOG_LEVELS.join(', ')})`);
  }
  return level as LogLevel;
}

/** A logger that drops everything; for tests and benchmarks. */
export function silentLogger(): Logger {
  return new Logger('error', new Redactor(), false);
}
