/**
 * Preloaded into the Foyer child in soak mode (`node --import bench/soak-probe.mjs bin/foyer.js start`):
 * measures the event-loop delay of the real server process, unchanged, and answers the bench's `sample`
 * messages over the IPC channel with the histogram since the previous sample. Plain JavaScript, so the
 * soaked process loads no TypeScript loader and runs dist/ exactly as production does.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
// The histogram holds the time between timer ticks (≈ 10 ms when idle): report the delay beyond it.
const ms = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);

process.on('message', (message) => {
  if (message?.type !== 'sample') return;
  process.send?.({
    type: 'sample',
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
    meanMs: ms(histogram.mean),
  });
  histogram.reset();
});
// The channel must not keep Foyer alive when it is told to stop.
process.channel?.unref();
