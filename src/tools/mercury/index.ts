// `npm run mercury`: the player simulator. Starts --players simulated players
// spread over --ramp-ms, each playing --scenario against the cluster behind
// --lares for --duration-s, then prints per-action latencies and every error
// by kind. With --check it exits 1 if anything failed, so it doubles as an
// end-to-end smoke test. Options are documented in README.md (Mercury).
import { randomBytes } from 'node:crypto';
import { parseOptions } from './options.js';
import { runPlayer, type RunContext } from './player.js';
import { startProgress, summary } from './report.js';
import { Stats } from './stats.js';

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const stats = new Stats();
  const startedAt = Date.now();
  const ctx: RunContext = { options, stats, endsAt: startedAt + options.durationS * 1000, runId: randomBytes(3).toString('hex') };
  const stopProgress = startProgress(stats, startedAt);
  const players: Promise<void>[] = [];
  for (let index = 0; index < options.players; index++) {
    const delay = options.players === 1 ? 0 : (options.rampMs * index) / (options.players - 1);
    players.push(new Promise((resolve) => setTimeout(resolve, delay)).then(() => runPlayer(ctx, index)));
  }
  await Promise.all(players);
  stopProgress();
  process.stdout.write(summary(options, stats, Date.now() - startedAt));
  return options.check && stats.errorCount > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`mercury failed: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
