// What Mercury prints: a progress line on stderr every second (rewritten in
// place on a TTY, one line each otherwise) and the final summary on stdout.
import type { MercuryOptions } from './options.js';
import type { Stats } from './stats.js';

/** Starts the once-a-second progress line; returns a function that stops it. */
export function startProgress(stats: Stats, startedAt: number): () => void {
  const tty = process.stderr.isTTY === true;
  let lastRequests = 0;
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const rate = ((stats.requests - lastRequests) * 1000) / (now - lastAt);
    lastRequests = stats.requests;
    lastAt = now;
    const line = `[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] connected ${stats.connected} active ${stats.active} req/s ${rate.toFixed(1)} errors ${stats.errorCount} p99 ${stats.window.percentileMs(99).toFixed(1)} ms`;
    stats.window.reset();
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }, 1_000);
  return () => {
    clearInterval(timer);
    if (tty) process.stderr.write('\n');
  };
}

export function summary(options: MercuryOptions, stats: Stats, elapsedMs: number): string {
  const lines = [`mercury: scenario ${options.scenario}, ${options.players} players over ${options.transport}, ${(elapsedMs / 1000).toFixed(1)} s against ${options.laresUrl}`, ''];
  const header = ['action', 'ok', 'failed', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
  const rows = [...stats.actions].map(([name, a]) => [
    name,
    String(a.ok),
    String(a.failed),
    ...[50, 90, 99].map((p) => a.latency.percentileMs(p).toFixed(1)),
    (a.latency.maxUs / 1000).toFixed(1),
  ]);
  lines.push(...table([header, ...rows]), '');
  lines.push(`errors: ${stats.errorCount}`);
  for (const [kind, count] of [...stats.errors].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(count).padStart(6)}  ${kind}`);
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '));
}
