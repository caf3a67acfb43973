#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { callBudgetMs, ConfigError, envFlag, loadConnections, logLevelSetting, type LoadedConnections } from './config.js';
import { Connections } from './connections.js';
import { FileJournal, NO_JOURNAL, type WriteJournal } from './core/journal.js';
import { Logger } from './core/log.js';
import { PROVIDER_MODULES } from './providers/registry.js';
import type { Sandbox } from './sandbox/index.js';
import { createServer } from './mcp/server.js';
import { LineStdioTransport } from './mcp/stdio.js';
import { VERSION } from './version.js';

const USAGE = `project-members-mcp ${VERSION}: an MCP server (stdio, or Streamable HTTP) that manages project membership.

Usage: project-members-mcp [options]
       project-members-mcp sandbox [--people N] [--latency MS]   the simulators in a process of their own (sandbox --help)
       project-members-mcp doctor [--json] [--sandbox] [--config FILE]   check every connection, changing nothing (doctor --help)

  --http             serve MCP over Streamable HTTP at /mcp instead of stdio (also MEMBERS_MCP_HTTP=1)
  --port N           HTTP port, 0 for a free one (also MEMBERS_MCP_HTTP_PORT; default 3000)
  --host H           HTTP address (also MEMBERS_MCP_HTTP_HOST; default 127.0.0.1; others need auth)
  --sandbox          start in-process simulators with demo data and use only them (also MEMBERS_MCP_SANDBOX=1)
  --read-only        refuse writes (dry runs still work)
  --config FILE      JSON file with connections (also MEMBERS_MCP_CONFIG)
  --journal FILE     append every write (before it is sent) and its outcome as JSON lines (also MEMBERS_MCP_JOURNAL)
  --log-level LEVEL  debug, info, warning or error on stderr (also MEMBERS_MCP_LOG_LEVEL; default info)
  --help, --version

Connections from the environment (one per provider, named after it):
${PROVIDER_MODULES.map(
  (module) =>
    `  ${module.label}:\n${module.settings
      .map((s) => `    ${s.env.padEnd(28)} ${s.description}${s.required ? ' (required)' : ''}${s.default ? ` [default ${s.default}]` : ''}`)
      .join('\n')}\n    ${`${module.envPrefix}_RATE_LIMIT`.padEnd(28)} e.g. 50/s, 30/h or off\n    ${`${module.envPrefix}_MAX_IN_FLIGHT`.padEnd(28)} requests at once on this connection`,
).join('\n')}

HTTP behaviour, all connections:
  MEMBERS_MCP_TIMEOUT_MS          response timeout per attempt [30000]
  MEMBERS_MCP_CONNECT_TIMEOUT_MS  connect timeout [10000]
  MEMBERS_MCP_RETRY_ATTEMPTS      attempts per request, first included [5]
  MEMBERS_MCP_RETRY_BUDGET_MS     no retry starts later than this after the first attempt [30000]
  MEMBERS_MCP_CALL_BUDGET_MS      longest a tool call waits for rate limits before it answers RATE_LIMITED [45000]
  MEMBERS_MCP_MAX_REPLY_BYTES     largest provider reply read; a larger one fails its request [33554432]
  MEMBERS_MCP_SHARE_RATE_LIMIT=1  count every process's requests against each rate limit (state under ~/.cache)

HTTP transport (with --http; see the README for the security model):
  MEMBERS_MCP_HTTP_TOKENS         comma-separated static bearer tokens (16+ characters each)
  MEMBERS_MCP_OAUTH_ISSUER        accept OAuth access tokens (JWT) from this issuer
  MEMBERS_MCP_OAUTH_JWKS_URL      its JWKS (default: discovered from the issuer's metadata)
  MEMBERS_MCP_OAUTH_SCOPES        scopes every token must carry
  MEMBERS_MCP_HTTP_PUBLIC_URL     the /mcp URL as clients reach it (the OAuth resource and audience)
  MEMBERS_MCP_HTTP_ALLOWED_HOSTS  Host names accepted besides localhost (comma-separated; * for any)
  MEMBERS_MCP_HTTP_ALLOWED_ORIGINS  browser Origins accepted besides those of allowed hosts
  MEMBERS_MCP_HTTP_MAX_BODY_BYTES request body limit [1048576]
  MEMBERS_MCP_HTTP_SHUTDOWN_MS    on SIGTERM, how long calls in flight may finish [20000]

stdout carries only MCP messages; logs go to stderr.`;

/** How long a stdio server may take to stop once its stdin has closed. */
const STDIN_END_GRACE_MS = 5_000;

async function main(): Promise<void> {
  if (process.argv[2] === 'sandbox') {
    const { runSandboxCommand } = await import('./sandbox/standalone.js');
    return runSandboxCommand(process.argv.slice(3));
  }
  // `doctor` and `--doctor` are the same command.
  const doctorCommand = process.argv[2] === 'doctor';
  const { values } = parseArgs({
    args: process.argv.slice(doctorCommand ? 3 : 2),
    options: {
      doctor: { type: 'boolean' },
      json: { type: 'boolean' },
      http: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      sandbox: { type: 'boolean' },
      'read-only': { type: 'boolean' },
      config: { type: 'string' },
      journal: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
    strict: true,
  });
  const doctor = doctorCommand || values.doctor === true;
  if (values.help) return void process.stdout.write(`${doctor ? (await import('./doctor/index.js')).DOCTOR_USAGE : USAGE}\n`);
  if (values.version) return void process.stdout.write(`${VERSION}\n`);

  const env = process.env;
  const logger = new Logger(logLevelSetting(values['log-level'], env));
  const configFile = values.config ?? env.MEMBERS_MCP_CONFIG;
  // The environment form lets clients that set only env (an MCP bundle's settings) turn it on.
  const sandboxMode = values.sandbox === true || envFlag(env, 'MEMBERS_MCP_SANDBOX');
  if (doctor) {
    const refused = (['http', 'port', 'host', 'read-only', 'journal'] as const).filter((flag) => values[flag] !== undefined);
    if (refused.length > 0) throw new ConfigError(`doctor takes --json, --sandbox, --config and --log-level, not ${refused.map((flag) => `--${flag}`).join(', ')}`);
    const { runDoctor } = await import('./doctor/index.js');
    process.exitCode = await runDoctor({
      env,
      configFile,
      sandbox: sandboxMode,
      json: values.json === true,
      logger,
      write: (text) => process.stdout.write(text),
    });
    return;
  }
  if (values.json !== undefined) throw new ConfigError('--json goes with doctor');
  const httpMode = values.http === true || envFlag(env, 'MEMBERS_MCP_HTTP');
  if (!httpMode && (values.port !== undefined || values.host !== undefined)) throw new ConfigError('--port and --host go with --http');
  // Loaded only for HTTP, and checked before anything starts.
  const http = httpMode ? await import('./mcp/http-config.js') : undefined;
  const httpSettings = http?.loadHttpSettings({ port: values.port, host: values.host }, env, configFile);
  // Opened before anything starts, so that a path that cannot be opened stops the server with one line.
  const journalPath = values.journal ?? env.MEMBERS_MCP_JOURNAL;
  const journal: WriteJournal = journalPath ? openJournal(journalPath) : NO_JOURNAL;
  let sandbox: Sandbox | undefined;
  let loaded: LoadedConnections;
  if (sandboxMode) {
    // Loaded only when asked for: a configured server never pays for the simulators.
    const { sandboxConnections, startSandbox } = await import('./sandbox/index.js');
    sandbox = await startSandbox();
    loaded = sandboxConnections(sandbox, env);
    logger.info(`sandbox: simulators started for ${loaded.connections.map((c) => c.name).join(', ')} (demo data, nothing leaves this machine)`);
  } else {
    loaded = loadConnections(env, configFile);
  }
  for (const problem of loaded.problems) logger.error(problem.message);
  if (loaded.connections.length === 0 && loaded.problems.length === 0) {
    logger.warning('no provider connection is configured: tools will answer NOT_CONFIGURED. See --help for the environment variables, or try --sandbox.');
  }

  const connections = Connections.create(loaded.connections, loaded.problems, { logger, redactor: logger.redactor });
  const readOnly = values['read-only'] === true || envFlag(env, 'MEMBERS_MCP_READ_ONLY');
  const serverOptions = { connections, logger, journal, readOnly, callBudgetMs: callBudgetMs(env) };
  let stopTransport: () => Promise<unknown> = async () => undefined;

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    // Over HTTP this drains: calls in flight finish up to the deadline, the rest are cut (their
    // writes in flight are journaled as unknown before the journal closes below).
    await stopTransport().catch(() => undefined);
    await connections.close().catch(() => undefined);
    await sandbox?.stop().catch(() => undefined);
    journal.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  if (http && httpSettings) {
    const transport = await http.startHttpTransport(httpSettings, { createServer: () => createServer(serverOptions), logger, version: VERSION });
    stopTransport = () => transport.shutdown();
    void connections.preload(); // what the first call needs, now that the server listens
    // Whatever the log level: this is the line that says where to connect.
    process.stderr.write(`[project-members-mcp] listening on ${transport.url.href} (Streamable HTTP, stateless; ${http.describeAuth(httpSettings)})\n`);
  } else {
    const server = createServer(serverOptions);
    stopTransport = () => server.close();
    // Once initialize is answered (the client says so at once), load what the first call needs:
    // start-up does not wait for it, and the first call finds it ready.
    server.oninitialized = () => void connections.preload();
    process.stdin.on('end', () => {
      // The client is gone: stop, and do not let anything left in flight keep the process alive.
      setTimeout(() => process.exit(0), STDIN_END_GRACE_MS).unref();
      void shutdown();
    });
    await server.connect(new LineStdioTransport({ logger }));
  }
  logger.info(
    `ready (${VERSION}): ${connections.list.length === 0 ? 'no connections' : connections.describe()}${readOnly ? ', read-only' : ''}${journalPath ? `, journal ${journalPath}` : ''}`,
  );
}

function openJournal(path: string): WriteJournal {
  try {
    return new FileJournal(path);
  } catch (error) {
    throw new ConfigError(`cannot open the journal file ${path} for appending: ${(error as Error).message}`);
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ? (error as Error).message
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error);
  process.stderr.write(`[project-members-mcp] error: ${message}\n${(error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 'See --help.\n' : ''}`);
  process.exit(2);
});
