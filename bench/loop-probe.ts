/**
 * Loaded with `node --import` into the server a benchmark starts: measures how long the event loop
 * is kept from running (perf_hooks.monitorEventLoopDelay, 10 ms resolution). SIGUSR2 starts the
 * measure over (after start-up); at exit the longest delay is written to BENCH_LOOP_FILE.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  process.on('SIGUSR2', () => histogram.reset());
  process.on('exit', () => {
    // The histogram counts from the last timer tick; its max includes the 10 ms resolution.
    writeFileSync(file, JSON.stringify({ maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 }));
  });
}
