import { startSandboxProcess } from './dist/bench/processes.js';
import { loadConnections } from './dist/src/config.js';
import { Connections } from './dist/src/connections.js';
import { silentLogger } from './dist/src/core/log.js';
import { NO_JOURNAL } from './dist/src/core/journal.js';
const kind = process.argv[2] ?? 'projectmanager';
const cfg = { projectmanager: ['c3000000-0000-4000-8000-000000000003', 'northwind.example.org'], zello: ['f4000000-0000-4000-a000-000000000001', 'zello.example.net'] }[kind];
const emails = Array.from({ length: 500 }, (_, i) => `person.${String(i + 1).padStart(4, '0')}@${cfg[1]}`);
for (let round = 0; round < 3; round++) {
  const sandbox = await startSandboxProcess({ people: 5000, latencyMs: 20 });
  const logger = silentLogger();
  const connections = Connections.create(loadConnections(sandbox.env).connections, [], { logger, redactor: logger.redactor });
  await connections.preload();
  const c = connections.resolve(kind);
  let firstAnswer, last;
  const t = performance.now();
  const r = await c.provider.addMembers({ project: cfg[0], users: emails, dryRun: false }, { signal: new AbortController().signal, connection: kind, journal: NO_JOURNAL, logger, onDecided: (v, total) => { const now = performance.now() - t; firstAnswer ??= now; if (v === total - 1) last = now; } });
  const end = performance.now() - t;
  console.log(kind, 'total', end.toFixed(0), 'first write answered', firstAnswer.toFixed(0), 'last write answered', last?.toFixed(0), 'confirm', (end - last).toFixed(0), r.results.filter((x) => x.status === 'added').length);
  await connections.close();
  await sandbox.stop();
}
