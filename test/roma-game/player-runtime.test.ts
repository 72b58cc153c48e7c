// The player runtime against a real LMDB store in a temp dir: the actor
// mailbox (order, isolation, a throwing handler), save cadence and dirty
// tracking, retries with backoff after store errors, and version conflicts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GameResult } from '../../src/gen/pantheon/game/v1/common.js';
import { UseItemRequest, UseItemResponse } from '../../src/gen/pantheon/game/v1/inventory.js';
import { GameDataStore } from '../../src/services/roma/gamedata/index.js';
import type { HandlerContext, SessionInfo } from '../../src/services/roma/module-api.js';
import { romaModuleFor } from '../../src/services/roma/runtime/player-module-adapter.js';
import { definePlayerModule, isRecord, playerHandler, type PlayerModule } from '../../src/services/roma/runtime/player-module.js';
import { PlayerRuntime } from '../../src/services/roma/runtime/player-runtime.js';
import { SessionDirectory } from '../../src/services/roma/session-directory.js';
import { StoreError, type PlayerStore } from '../../src/store/index.js';
import { LmdbPlayerStore } from '../../src/store/lmdb/player-store.js';

// Request item_id = how long to wait (ms) before counting; response result = the count after it.
const counter: PlayerModule<{ n: number }> = definePlayerModule<{ n: number }>({
  id: 150,
  name: 'counter',
  initialState: () => ({ n: 0 }),
  loadState: (stored) => ({ n: isRecord(stored) && typeof stored.n === 'number' ? stored.n : 0 }),
  handlers: {
    1: playerHandler(UseItemRequest, UseItemResponse, async (ctx, request) => {
      await new Promise((resolve) => setTimeout(resolve, request.itemId));
      const state = ctx.state(counter);
      state.n++;
      ctx.changed(counter);
      return { result: state.n };
    }),
    2: playerHandler(UseItemRequest, UseItemResponse, () => {
      throw new Error('deliberate handler failure');
    }),
  },
});

let dir: string;
let store: LmdbPlayerStore;
let runtime: PlayerRuntime | undefined;
let failNextSaves = 0;

/** The real store, with saves that fail on demand (the only fault we inject). */
function flakyStore(real: PlayerStore): PlayerStore {
  return Object.assign(Object.create(real) as PlayerStore, {
    save: (...args: Parameters<PlayerStore['save']>) => {
      if (failNextSaves > 0) {
        failNextSaves--;
        return Promise.reject(new StoreError('STORE_UNAVAILABLE', 'injected failure'));
      }
      return real.save(...args);
    },
  });
}

async function startRuntime(saveIntervalMs = 60_000): Promise<PlayerRuntime> {
  runtime = new PlayerRuntime({
    store: flakyStore(store),
    gameData: await GameDataStore.open('gamedata'),
    modules: [counter],
    directory: new SessionDirectory(),
    logger: pino({ level: 'silent' }),
    saveIntervalMs,
    offlineCacheSize: 10,
    retryBaseMs: 20,
    maxRetryMs: 100,
  });
  return runtime;
}

async function newPlayer(rt: PlayerRuntime): Promise<bigint> {
  const playerId = await store.allocatePlayerId();
  await store.create(rt.newDocument(playerId, 7n, 1));
  return playerId;
}

function session(n: number): SessionInfo {
  const id = new Uint8Array(16).fill(n);
  return { id, idHex: Buffer.from(id).toString('hex'), accountId: 7n, playerId: 7n, color: '', gateId: '' };
}

async function call(rt: PlayerRuntime, who: SessionInfo, seq: number, waitMs = 0): Promise<number> {
  const handler = romaModuleFor(counter, rt).handlers[seq];
  const data = await handler({ session: who, data: UseItemRequest.encode({ itemId: waitMs, count: 0 }).finish(), obj: 0n, dataVersion: 0n }, {} as HandlerContext);
  return UseItemResponse.decode(data as Uint8Array).result;
}

const stored = async (playerId: bigint) => ((await store.load(playerId))!.modules.counter as { n: number }).n;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roma-runtime-'));
  store = LmdbPlayerStore.open(dir);
  failNextSaves = 0;
});

afterEach(async () => {
  await runtime?.shutdown(2_000);
  runtime = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('player actor mailbox', () => {
  it('runs one player\'s messages one at a time in arrival order', async () => {
    const rt = await startRuntime();
    const a = session(1);
    await rt.enter(a, await newPlayer(rt));
    // Earlier messages wait longer, so any overlap would reorder the counts.
    const results = await Promise.all([30, 20, 10, 0].map((wait) => call(rt, a, 1, wait)));
    expect(results).toEqual([1, 2, 3, 4]);
  });

  it('keeps players apart and answers NOT_IN_GAME to a session that entered with no character', async () => {
    const rt = await startRuntime();
    const [a, b] = [session(1), session(2)];
    await rt.enter(a, await newPlayer(rt));
    await rt.enter(b, await newPlayer(rt));
    expect(await call(rt, a, 1)).toBe(1);
    expect(await call(rt, a, 1)).toBe(2);
    expect(await call(rt, b, 1)).toBe(1);
    expect(await call(rt, session(3), 1)).toBe(GameResult.GAME_RESULT_NOT_IN_GAME);
  });

  it('rejects the request of a throwing handler and keeps the actor serving', async () => {
    const rt = await startRuntime();
    const a = session(1);
    await rt.enter(a, await newPlayer(rt));
    await expect(call(rt, a, 2)).rejects.toThrow('deliberate handler failure');
    expect(await call(rt, a, 1)).toBe(1);
  });
});

describe('player saves', () => {
  it('saves dirty players on the interval and skips clean ones', async () => {
    const rt = await startRuntime(50);
    const a = session(1);
    const playerId = await newPlayer(rt);
    await rt.enter(a, playerId);
    await call(rt, a, 1);
    await waitUntil(async () => (await stored(playerId)) === 1);
    const version = (await store.load(playerId))!.version;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await store.load(playerId))!.version).toBe(version);
  });

  it('retries a failed save with backoff until it succeeds, keeping the state dirty meanwhile', async () => {
    const rt = await startRuntime();
    const a = session(1);
    const playerId = await newPlayer(rt);
    await rt.enter(a, playerId);
    await call(rt, a, 1);
    failNextSaves = 3;
    const started = Date.now();
    await rt.leave(a);
    // 20 + 40 + 80 ms of backoff before the fourth attempt.
    expect(Date.now() - started).toBeGreaterThanOrEqual(130);
    expect(failNextSaves).toBe(0);
    expect(await stored(playerId)).toBe(1);
  });

  it('stops the actor when someone else saved the player (version conflict)', async () => {
    const rt = await startRuntime();
    const a = session(1);
    const playerId = await newPlayer(rt);
    await rt.enter(a, playerId);
    await waitUntil(async () => rt.loadedActor(playerId)?.isDirty === false);
    const doc = (await store.load(playerId))!;
    await store.save(playerId, doc.version, { ...doc.modules, counter: { n: 42 } }, Date.now());
    await call(rt, a, 1);
    await rt.leave(a);
    expect(rt.loadedActor(playerId)).toBeUndefined();
    expect(await stored(playerId)).toBe(42);
    // The next enter loads the newer document.
    await rt.enter(session(2), playerId);
    expect(await call(rt, session(2), 1)).toBe(43);
  });

  it('flushes every dirty player on shutdown', async () => {
    const rt = await startRuntime();
    const ids = [await newPlayer(rt), await newPlayer(rt)];
    await rt.enter(session(1), ids[0]);
    await rt.enter(session(2), ids[1]);
    await call(rt, session(1), 1);
    await call(rt, session(2), 1);
    await rt.shutdown(2_000);
    runtime = undefined;
    expect([await stored(ids[0]), await stored(ids[1])]).toEqual([1, 1]);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
