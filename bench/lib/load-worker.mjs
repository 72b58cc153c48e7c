// One load-generator thread (node:worker_threads). It owns a share of the
// client connections and runs one command at a time from the pool
// (client-pool.mjs): connect, closed-loop or open-loop load, handshakes,
// close, and the room-relay commands of relay-clients.mjs. Hot path: send times live in a Float64Array ring per connection
// (responses come back in order per connection), writes are corked and
// flushed once per event-loop turn, latencies go into one HDR histogram.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { sealToken } from '../../dist/security/token.js';
import { loadTokenKeys } from '../../dist/security/keys.js';
import { histogramOptions } from './client-pool.mjs';
import { addRooms, closeRooms, relayMeasured } from './relay-clients.mjs';
import { corkedWriter, gateKeyMap, handshake, openSocket, packetEncoder, scanPacket } from './fast-client.mjs';

const { threadIndex, threads } = workerData;
const connections = [];
let tokenKey = null;
let gateKeys = null;
let keysFrom = null; // each scenario's cluster has its own secrets dir
let accountId = BigInt(threadIndex + 1);

const newHistogram = () => hdr.build(histogramOptions);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function nextToken() {
  const now = BigInt(Date.now());
  const claims = { accountId, color: '', serverId: 1n, status: 1, issuedAtMs: now, expiresAtMs: now + 600_000n, jti: randomBytes(16) };
  accountId += BigInt(threads); // distinct accounts across threads: the gate kicks a duplicate login
  return sealToken(claims, tokenKey);
}

function loadKeys(secrets) {
  if (keysFrom === secrets) return;
  keysFrom = secrets;
  tokenKey = loadTokenKeys(secrets, false).current;
  gateKeys = gateKeyMap(JSON.parse(readFileSync(join(secrets, 'gate-signing-keys.json'), 'utf8')));
}

const write = corkedWriter();
const send = (conn, body) => write(conn.socket, body);

// ---- per-connection state ----
const RING = 4096; // outstanding requests one connection can track (depth or open-loop backlog)
const scan = { index: 0, code: 0 };
const run = { hist: null, recording: false, count: 0, errors: 0, inflight: 0, onReply: null };

function attach(conn) {
  conn.times = new Float64Array(RING);
  conn.head = 0; // next slot to write
  conn.tail = 0; // oldest outstanding
  conn.index = 0;
  conn.socket.on('message', (body) => {
    if (conn.opener) {
      const plain = conn.opener.open(body);
      if (!plain) { run.errors++; conn.socket.terminate(); return; }
      scanPacket(plain, scan);
      if (scan.index === 0) return; // a push (e.g. ServerLogout), not an answer
      if (scan.code !== 0) run.errors++;
    }
    const sentAt = conn.times[conn.tail++ & (RING - 1)];
    run.inflight--;
    if (run.recording) {
      run.count++;
      run.hist.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
    }
    run.onReply?.(conn);
  });
  conn.socket.on('error', () => run.errors++);
}

function request(conn, scheduledAt) {
  if (conn.head - conn.tail >= RING) return false;
  conn.times[conn.head++ & (RING - 1)] = scheduledAt;
  run.inflight++;
  if (conn.opener) {
    conn.index = (conn.index + 1) >>> 0 || 1;
    send(conn, conn.sealer.seal(conn.encode(conn.index)));
  } else send(conn, conn.payload);
  return true;
}

async function connect({ mode, url, secrets, count, localAddresses, concurrency }) {
  if (mode === 'pantheon') loadKeys(secrets);
  let next = 0, failed = 0, firstError = null;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      // Global index spreads sockets evenly over the loopback source addresses.
      const localAddress = localAddresses[(i * threads + threadIndex) % localAddresses.length];
      try {
        const conn = mode === 'pantheon' ? await handshake(url, nextToken(), gateKeys, { localAddress }) : { socket: await openSocket(url, localAddress) };
        attach(conn);
        connections.push(conn);
      } catch (error) {
        failed++;
        firstError ??= String(error.message ?? error);
      }
    }
  }));
  return { connected: connections.length, failed, firstError };
}

function prepare({ mod, seq, payloadBytes, data }) {
  const body = data ? Buffer.from(data) : randomBytes(payloadBytes);
  for (const conn of connections) {
    if (conn.opener) conn.encode = packetEncoder(mod, seq, body);
    else conn.payload = body;
  }
}

/** Runs `driver` for warmup + duration with recording on only during the measured window; waits for the tail to drain. */
async function measured({ warmupMs, durationMs }, driver) {
  Object.assign(run, { hist: newHistogram(), recording: false, count: 0, errors: 0 });
  const stop = driver();
  await sleep(warmupMs);
  run.recording = true;
  await sleep(durationMs);
  run.recording = false;
  stop();
  for (let waited = 0; run.inflight > 0 && waited < 5_000; waited += 10) await sleep(10);
  const result = { count: run.count, errors: run.errors, hist: hdr.encodeIntoCompressedBase64(run.hist) };
  run.hist.destroy();
  run.onReply = null;
  return result;
}

function closedLoop({ depth }) {
  let running = true;
  run.onReply = (conn) => { if (running) request(conn, performance.now()); };
  for (const conn of connections) for (let d = 0; d < depth; d++) request(conn, performance.now());
  return () => { running = false; };
}

/** Open loop at a fixed rate, round robin over connections; latency counts from the scheduled send time (no coordinated omission). */
function openLoop({ ratePerS }) {
  const start = performance.now();
  let sent = 0, next = 0;
  const timer = setInterval(() => {
    // Request k is due at start + k / rate, so k + 1 requests are due once that time has passed.
    const due = Math.floor(((performance.now() - start) * ratePerS) / 1000) + 1;
    while (sent < due && connections.length) {
      const conn = connections[next++ % connections.length];
      if (!request(conn, start + (sent * 1000) / ratePerS)) run.errors++; // backlog full: counted, not hidden
      sent++;
    }
  }, 1);
  return () => clearInterval(timer);
}

/** Connect + PANTHEON/1 + close in `concurrency` loops; latency per completed handshake. */
function handshakeLoops({ url, secrets, concurrency }) {
  loadKeys(secrets);
  let running = true;
  let done = 0;
  for (let c = 0; c < concurrency; c++) {
    (async () => {
      while (running) {
        const t = performance.now();
        run.inflight++;
        try {
          // Every 64th handshake verifies the gate's signature; the rest skip the client-only Ed25519 verify
          // (slower than the gate's sign) so the client does not cap what is measured: the gate's work is the same.
          const { socket } = await handshake(url, nextToken(), gateKeys, { verifySignature: done++ % 64 === 0 });
          socket.terminate();
          if (run.recording) { run.count++; run.hist.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000))); }
        } catch {
          run.errors++; // counted in the result; the loop goes on so one refusal does not end the run
        }
        run.inflight--;
      }
    })();
  }
  return () => { running = false; };
}

const commands = {
  connect,
  closed: (args) => { prepare(args); return measured(args, () => closedLoop(args)); },
  open: (args) => { prepare(args); return measured(args, () => openLoop(args)); },
  handshakes: (args) => measured(args, () => handshakeLoops(args)),
  addRooms: (args) => addRooms(args, (localAddress) => {
    loadKeys(args.secrets);
    return handshake(args.url, nextToken(), gateKeys, { localAddress });
  }),
  relay: relayMeasured,
  closeRooms,
  async close() {
    for (const conn of connections) conn.socket.terminate();
    connections.length = 0;
    return {};
  },
};

parentPort.on('message', async ({ id, command, args }) => {
  try {
    parentPort.postMessage({ id, result: await commands[command](args) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error.stack ?? error) });
  }
});
