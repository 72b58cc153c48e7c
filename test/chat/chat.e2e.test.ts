// Chat (module 103) end to end with Redis routing: two gates, two Roma
// instances (roma-1 default color, roma-blue for tokens of color "blue"),
// LMDB on one data dir, players as SDK clients. World messages cross gates,
// private messages cross Roma instances, world history is shared in Redis.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketCode } from '../../src/gen/pantheon/client/v1/packet.js';
import { ChatChannel } from '../../src/gen/pantheon/game/v1/chat.js';
import { GameModule, GameResult } from '../../src/gen/pantheon/game/v1/common.js';
import { connectWebSocket } from '../../src/sdk/node.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { addGate, addRoma, type ExtraGate, type ExtraProcess } from '../harness/extra-processes.js';
import { newPlayer } from '../harness/player.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { accountsOn } from '../harness/roma-sessions.js';
import { game, type GameClient } from '../roma-game/game-client.js';
import { chat } from './chat-client.js';

const PREFIX = `chat${randomBytes(3).toString('hex')}`;
let redis: TestRedis;
let cluster: TestCluster;
let gate2: ExtraGate;
let romaBlue: ExtraProcess;
const clients: GameClient[] = [];

/** A new account and character in the game, connected to `gateUrl` with a token of `color`. */
async function inGame(gateUrl = cluster.wsUrl, color = '') {
  const player = await newPlayer(cluster);
  const grant = await player.grant(color);
  const g = game(await connectWebSocket(gateUrl, { token: grant.token, gateKeys: grant.gate_keys }));
  clients.push(g);
  const name = `c${randomBytes(5).toString('hex')}`;
  const created = await g.create(name);
  expect(created.result).toBe(GameResult.GAME_RESULT_OK);
  const playerId = created.character!.playerId;
  expect((await g.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
  return { g, c: chat(g), playerId, name, accountId: BigInt(player.accountId) };
}

beforeAll(async () => {
  redis = await startRedis();
  cluster = await createTestCluster({ services: [], overrides: { router: { kind: 'redis' }, redis: { url: redis.url, key_prefix: PREFIX } } });
  romaBlue = await addRoma(cluster, 'roma-blue', { color: 'blue' });
  gate2 = await addGate(cluster, 'gate-2');
  cluster.writeConfig();
  await Promise.all([cluster.start('roma'), romaBlue.start(), cluster.start('lares')]);
  await Promise.all([cluster.start('gate'), gate2.start()]);
}, 60_000);

afterAll(async () => {
  for (const g of clients) g.client.close();
  await cluster?.stop();
  await redis?.dispose();
});

describe('world channel', () => {
  it('reaches every player of the zone on both gates, with sender id, name, text and time', async () => {
    const [sender, onGate1, onGate2] = await Promise.all([inGame(), inGame(), inGame(gate2.wsUrl, 'blue')]);
    const text = `hello world ${randomBytes(3).toString('hex')}`;
    const before = Date.now();
    const sent = await sender.c.world(text);
    expect(sent.result).toBe(GameResult.GAME_RESULT_OK);
    for (const listener of [onGate1, onGate2, sender]) {
      const message = await listener.c.received(text);
      expect(message).toMatchObject({ channel: ChatChannel.CHAT_CHANNEL_WORLD, senderPlayerId: sender.playerId, senderName: sender.name, text, zone: 1 });
      expect(Number(message.sentAtMs)).toBeGreaterThanOrEqual(before - 1_000);
    }
  });

  it('refuses more than the burst with CHAT_RATE_LIMITED and accepts again after the refill', async () => {
    const { c } = await inGame();
    // gamedata/chat.json world: burst 3, 0.5 per second.
    for (let i = 0; i < 3; i++) expect((await c.world(`burst ${i}`)).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await c.world('one too many')).result).toBe(GameResult.GAME_RESULT_CHAT_RATE_LIMITED);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await c.world('after the refill')).result).toBe(GameResult.GAME_RESULT_OK);
  });

  it('refuses a text over max_message_length (counted in code points) and accepts one at it', async () => {
    const { c } = await inGame();
    expect((await c.world('字'.repeat(201))).result).toBe(GameResult.GAME_RESULT_CHAT_TEXT_TOO_LONG);
    expect((await c.world('字'.repeat(200))).result).toBe(GameResult.GAME_RESULT_OK);
  });

  it('gives a late joiner on another Roma instance the last messages, oldest first', async () => {
    const early = await inGame();
    const texts = [`first ${randomBytes(3).toString('hex')}`, `second ${randomBytes(3).toString('hex')}`];
    for (const text of texts) expect((await early.c.world(text)).result).toBe(GameResult.GAME_RESULT_OK);
    const late = await inGame(gate2.wsUrl, 'blue');
    expect(await accountsOn(romaBlue.grpcAddress)).toContain(late.accountId);
    const history = await late.c.history();
    expect(history.result).toBe(GameResult.GAME_RESULT_OK);
    expect(history.messages.slice(-2).map((m) => [m.text, m.senderPlayerId])).toEqual(texts.map((text) => [text, early.playerId]));
    expect(history.messages.length).toBeLessThanOrEqual(50);
  });
});

describe('private messages', () => {
  it('reach a player on another Roma instance and another gate', async () => {
    const [sender, target] = await Promise.all([inGame(), inGame(gate2.wsUrl, 'blue')]);
    expect(await accountsOn(`127.0.0.1:${cluster.ports.romaGrpc}`)).toContain(sender.accountId);
    expect(await accountsOn(romaBlue.grpcAddress)).toContain(target.accountId);
    const text = `psst ${randomBytes(3).toString('hex')}`;
    const sent = await sender.c.whisper(target.playerId, text);
    expect(sent.result).toBe(GameResult.GAME_RESULT_OK);
    const message = await target.c.received(text);
    expect(message).toMatchObject({ channel: ChatChannel.CHAT_CHANNEL_PRIVATE, senderPlayerId: sender.playerId, senderName: sender.name, targetPlayerId: target.playerId });
  });

  it('reach a player on the same instance', async () => {
    const [sender, target] = await Promise.all([inGame(), inGame()]);
    const text = `near ${randomBytes(3).toString('hex')}`;
    expect((await sender.c.whisper(target.playerId, text)).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await target.c.received(text)).senderPlayerId).toBe(sender.playerId);
  });

  it('answers CHAT_TARGET_OFFLINE for a character nobody plays and CHAT_TARGET_UNKNOWN for an id no character has', async () => {
    const sender = await inGame();
    const absent = await inGame();
    absent.g.client.close();
    await expect.poll(async () => (await sender.c.whisper(absent.playerId, 'are you there')).result, { timeout: 5_000 }).toBe(GameResult.GAME_RESULT_CHAT_TARGET_OFFLINE);
    expect((await sender.c.whisper(absent.playerId + 1_000_000n, 'anyone')).result).toBe(GameResult.GAME_RESULT_CHAT_TARGET_UNKNOWN);
    expect((await sender.c.whisper(0n, 'nobody')).result).toBe(GameResult.GAME_RESULT_CHAT_TARGET_UNKNOWN);
  });
});

describe('bad inputs', () => {
  it('refuses empty and blank texts without using up the rate', async () => {
    const { c, playerId } = await inGame();
    for (const text of ['', '   ', '\n\t']) expect((await c.world(text)).result).toBe(GameResult.GAME_RESULT_CHAT_TEXT_EMPTY);
    expect((await c.whisper(playerId, '')).result).toBe(GameResult.GAME_RESULT_CHAT_TEXT_EMPTY);
    expect((await c.world('still allowed')).result).toBe(GameResult.GAME_RESULT_OK);
  });

  it('answers NOT_IN_GAME before enter game', async () => {
    const player = await newPlayer(cluster);
    const g = game(await player.connect('ws'));
    clients.push(g);
    const c = chat(g);
    expect((await c.world('too early')).result).toBe(GameResult.GAME_RESULT_NOT_IN_GAME);
    expect((await c.whisper(1n, 'too early')).result).toBe(GameResult.GAME_RESULT_NOT_IN_GAME);
    expect((await c.history()).result).toBe(GameResult.GAME_RESULT_NOT_IN_GAME);
  });

  it('has no history for private messages and rejects undecodable data with BAD_REQUEST', async () => {
    const { g, c } = await inGame();
    expect((await c.history(ChatChannel.CHAT_CHANNEL_PRIVATE)).result).toBe(GameResult.GAME_RESULT_CHAT_CHANNEL_UNKNOWN);
    await expect(g.client.request(GameModule.GAME_MODULE_CHAT, 1, new Uint8Array([0xff, 0xff, 0xff]))).rejects.toMatchObject({ code: PacketCode.PACKET_CODE_BAD_REQUEST });
  });
});
