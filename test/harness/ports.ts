// Free loopback ports for servers a test starts.
//
// Ports come from below the kernel's ephemeral range (32768–60999 on Linux),
// never from it: a port the kernel hands out for `listen(0)` is free only
// until some outgoing connection in another test file takes it as its source
// port, which is how a gate once failed with EADDRINUSE in CI. Each vitest
// worker gets its own slice of 20000–31999, walked in order, so two files
// running at once never pick the same port; bench/ uses 12000–19999.
import { createServer } from 'node:net';

const RANGE_START = 20_000;
const SLICE = 2_000;
const SLICES = 6;

const poolId = Number(process.env.VITEST_POOL_ID ?? process.pid);
const sliceStart = RANGE_START + ((Number.isFinite(poolId) ? poolId : 0) % SLICES) * SLICE;
// A random start inside the slice: a run right after another does not retry the ports it just used.
let cursor = Math.floor(Math.random() * SLICE);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let tried = 0; tried < SLICE; tried += 1) {
    const port = sliceStart + (cursor % SLICE);
    cursor += 1;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port in ${sliceStart}-${sliceStart + SLICE - 1}`);
}

export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await freePort());
  return ports;
}
