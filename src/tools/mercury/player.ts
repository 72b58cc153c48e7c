// One simulated player, start to finish: register (or log in) at Lares, take
// a token, connect and handshake, create a character if it has none, enter
// the game, then play its scenario with think times until the run ends.
// Every step is timed and every failure counted in Stats; nothing is thrown.
import { randomBytes } from 'node:crypto';
import { ConnectionClosedError, connectWithToken, LaresError, LaresClient, type AccountSession, type PantheonClient } from '../../sdk/node.js';
import { gameCalls, type GameCalls } from './game-calls.js';
import type { MercuryOptions } from './options.js';
import { createScenario, type Action } from './scenarios.js';
import { errorKind, type Stats } from './stats.js';

export interface RunContext {
  options: MercuryOptions;
  stats: Stats;
  /** Unix ms at which players stop playing and disconnect. */
  endsAt: number;
  /** Shared by this run's account names, so a rerun with the same id logs the same accounts in. */
  runId: string;
}

export async function runPlayer(ctx: RunContext, index: number): Promise<void> {
  const label = `mercury_${ctx.runId}_${index}`;
  let client: PantheonClient | null = null;
  let lost = null as ConnectionClosedError | null; // set by the onClose callback
  let ended: unknown = null;
  try {
    const lares = new LaresClient(ctx.options.laresUrl);
    const account = await timed(ctx, 'account', () => registerOrLogin(lares, label));
    const grant = await timed(ctx, 'token', () => lares.issueToken(account.session));
    client = await timed(ctx, 'connect', () => connectWithToken(grant, { transport: ctx.options.transport }));
    ctx.stats.connected++;
    client.onClose((reason) => {
      ctx.stats.connected--;
      if (reason.code !== 'CLOSED_BY_CLIENT') lost = reason;
    });
    const calls = gameCalls(client);
    await enterGame(ctx, calls);
    ctx.stats.active++;
    try {
      await play(ctx, calls, label);
    } finally {
      ctx.stats.active--;
    }
  } catch (error) {
    // Already counted by timed(); a failed setup step or a lost connection ends this player.
    ended = error;
  } finally {
    client?.close();
  }
  // A connection lost while the player was thinking failed no request, so count it here.
  if (lost !== null && !(ended instanceof ConnectionClosedError)) ctx.stats.recordError(errorKind(lost));
}

async function registerOrLogin(lares: LaresClient, username: string): Promise<AccountSession> {
  const password = `pw-${username}`;
  try {
    return await lares.register(username, password);
  } catch (error) {
    if (error instanceof LaresError && error.code === 'USERNAME_TAKEN') return lares.login(username, password);
    throw error;
  }
}

async function enterGame(ctx: RunContext, calls: GameCalls): Promise<void> {
  const list = await timed(ctx, 'character.list', () => calls.characters());
  let playerId = list.characters.find((c) => c.deletedAtMs === 0n)?.playerId;
  if (playerId === undefined) {
    const name = `m${randomBytes(5).toString('hex')}`;
    playerId = (await timed(ctx, 'character.create', () => calls.createCharacter(name))).character!.playerId;
  }
  const chosen = playerId;
  await timed(ctx, 'character.enter', () => calls.enterGame(chosen));
}

async function play(ctx: RunContext, calls: GameCalls, label: string): Promise<void> {
  const scenario = createScenario(ctx.options.scenario, calls, label);
  while (Date.now() < ctx.endsAt) {
    await think(ctx);
    if (Date.now() >= ctx.endsAt) break;
    await attempt(ctx, scenario.next());
  }
  const last = scenario.finish();
  if (last) await attempt(ctx, last);
}

/** Runs one scenario action; a refused request is counted and play goes on, a lost connection ends it. */
async function attempt(ctx: RunContext, action: Action): Promise<void> {
  try {
    await timed(ctx, action.name, () => action.run());
  } catch (error) {
    if (error instanceof ConnectionClosedError) throw error;
    // Counted by timed(); the player carries on like a real one would after a refusal.
  }
}

function think(ctx: RunContext): Promise<void> {
  const pause = ctx.options.thinkMs * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(pause, ctx.endsAt - Date.now()))));
}

/** Times `step`, records it under `action`, counts a failure by kind and rethrows it (a player has one request in flight, so a lost connection is counted once). */
async function timed<T>(ctx: RunContext, action: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await step();
    ctx.stats.recordOk(action, (performance.now() - started) * 1000);
    return result;
  } catch (error) {
    ctx.stats.recordFailed(action, (performance.now() - started) * 1000);
    ctx.stats.recordError(errorKind(error));
    throw error;
  }
}
