// Module 103, Chat: world messages to every online player of the sender's
// zone on every gate (PushClient broadcast with the zone filter), private
// messages to one player by player id, and the world history for late
// joiners. Length and rate limits come from game data (chat.json). It keeps
// no player state in the document and never trusts a sender id from the
// client: the sender is the player the session entered the game with.
import { errorMessage } from '../../../common/errors.js';
import {
  ChatChannel,
  ChatHistoryRequest,
  ChatHistoryResponse,
  ChatMessage,
  ChatSeq,
  SendPrivateRequest,
  SendPrivateResponse,
  SendWorldRequest,
  SendWorldResponse,
} from '../../../gen/pantheon/game/v1/chat.js';
import { GameModule, GameResult } from '../../../gen/pantheon/game/v1/common.js';
import type { GatePush } from '../admin/gate-push.js';
import type { ChatChannel as ChatChannelRow } from '../gamedata/index.js';
import { profileModule } from '../modules/profile.js';
import { definePlayerModule, playerHandler, type PlayerContext, type PlayerModule } from '../runtime/player-module.js';
import type { PlayerRuntime } from '../runtime/player-runtime.js';
import type { ChatHistory } from './chat-history.js';
import { ChatRateLimiter } from './rate-limiter.js';

export interface ChatDeps {
  runtime: PlayerRuntime;
  push: GatePush;
  history: ChatHistory;
}

/** Game-data channel ids (chat.json rows). */
const WORLD = 'world';
const PRIVATE = 'private';

type Checked = { ok: true; channel: ChatChannelRow } | { ok: false; result: GameResult };

/**
 * Nothing is stored in the player document (initialState is never saved:
 * the module is served through the runtime but not part of its document
 * modules); rate buckets live in this instance's memory.
 */
export function chatModule(deps: ChatDeps): PlayerModule<Record<string, never>> {
  const limiter = new ChatRateLimiter();

  /** Text rules first, then the rate: a refused text does not use up the sender's budget. */
  const check = (ctx: PlayerContext, channelId: string, text: string): Checked => {
    const channel = ctx.gameData.chatChannel(channelId);
    if (!channel) return { ok: false, result: GameResult.GAME_RESULT_CHAT_CHANNEL_UNKNOWN };
    if (text.trim() === '') return { ok: false, result: GameResult.GAME_RESULT_CHAT_TEXT_EMPTY };
    if ([...text].length > channel.max_message_length) return { ok: false, result: GameResult.GAME_RESULT_CHAT_TEXT_TOO_LONG };
    if (!limiter.take(ctx.playerId, channelId, channel, ctx.now())) return { ok: false, result: GameResult.GAME_RESULT_CHAT_RATE_LIMITED };
    return { ok: true, channel };
  };

  const messageFrom = (ctx: PlayerContext, channel: ChatChannel, text: string, targetPlayerId = 0n): ChatMessage => ({
    channel,
    senderPlayerId: ctx.playerId,
    senderName: ctx.state(profileModule).name,
    text,
    sentAtMs: BigInt(ctx.now()),
    zone: ctx.zone,
    targetPlayerId,
  });

  const sendWorld = async (ctx: PlayerContext, text: string): Promise<SendWorldResponse> => {
    const checked = check(ctx, WORLD, text);
    if (!checked.ok) return { result: checked.result, message: undefined };
    const message = messageFrom(ctx, ChatChannel.CHAT_CHANNEL_WORLD, text);
    try {
      await deps.push.broadcastToZone(ctx.zone, { mod: GameModule.GAME_MODULE_CHAT, seq: ChatSeq.CHAT_SEQ_MESSAGE, data: ChatMessage.encode(message).finish() });
    } catch (error) {
      ctx.logger.warn({ event: 'chat_world_undelivered', err: error }, `world message not delivered, the sender is told to retry: ${errorMessage(error)}`);
      return { result: GameResult.GAME_RESULT_CHAT_UNAVAILABLE, message: undefined };
    }
    try {
      await deps.history.append(ctx.zone, message, checked.channel.history_size);
    } catch (error) {
      // The message already reached every online player; only late joiners miss it, so the send still succeeded.
      ctx.logger.error({ event: 'chat_history_append_failed', err: error }, `world message delivered but not added to the history: ${errorMessage(error)}`);
    }
    return { result: GameResult.GAME_RESULT_OK, message };
  };

  const sendPrivate = async (ctx: PlayerContext, targetPlayerId: bigint, text: string): Promise<SendPrivateResponse> => {
    if (targetPlayerId <= 0n) return { result: GameResult.GAME_RESULT_CHAT_TARGET_UNKNOWN, message: undefined };
    const checked = check(ctx, PRIVATE, text);
    if (!checked.ok) return { result: checked.result, message: undefined };
    const message = messageFrom(ctx, ChatChannel.CHAT_CHANNEL_PRIVATE, text, targetPlayerId);
    const result = await deliverPrivate(deps, ctx, message);
    return { result, message: result === GameResult.GAME_RESULT_OK ? message : undefined };
  };

  const history = async (ctx: PlayerContext, channel: ChatChannel): Promise<ChatHistoryResponse> => {
    const row = channel === ChatChannel.CHAT_CHANNEL_WORLD ? ctx.gameData.chatChannel(WORLD) : undefined;
    if (!row) return { result: GameResult.GAME_RESULT_CHAT_CHANNEL_UNKNOWN, messages: [] };
    try {
      return { result: GameResult.GAME_RESULT_OK, messages: await deps.history.recent(ctx.zone, row.history_size) };
    } catch (error) {
      ctx.logger.warn({ event: 'chat_history_read_failed', err: error }, `cannot read the world history: ${errorMessage(error)}`);
      return { result: GameResult.GAME_RESULT_CHAT_UNAVAILABLE, messages: [] };
    }
  };

  return definePlayerModule<Record<string, never>>({
    id: GameModule.GAME_MODULE_CHAT,
    name: 'chat',
    initialState: () => ({}),
    loadState: () => ({}),
    handlers: {
      [ChatSeq.CHAT_SEQ_SEND_WORLD]: playerHandler(SendWorldRequest, SendWorldResponse, (ctx, request) => sendWorld(ctx, request.text)),
      [ChatSeq.CHAT_SEQ_SEND_PRIVATE]: playerHandler(SendPrivateRequest, SendPrivateResponse, (ctx, request) => sendPrivate(ctx, request.targetPlayerId, request.text)),
      [ChatSeq.CHAT_SEQ_HISTORY]: playerHandler(ChatHistoryRequest, ChatHistoryResponse, (ctx, request) => history(ctx, request.channel)),
    },
  });
}

/**
 * A target in the game on this instance gets the push directly. Otherwise,
 * with Redis routing, the target's account is found through the gates'
 * player records and every session of that account is pushed; in memory mode
 * a target elsewhere cannot be found and counts as offline.
 */
async function deliverPrivate(deps: ChatDeps, ctx: PlayerContext, message: ChatMessage): Promise<GameResult> {
  const data = ChatMessage.encode(message).finish();
  const local = deps.runtime.loadedActor(message.targetPlayerId);
  if (local?.session && !local.stopped) {
    local.ctx.push(GameModule.GAME_MODULE_CHAT, ChatSeq.CHAT_SEQ_MESSAGE, data);
    return GameResult.GAME_RESULT_OK;
  }
  const target = await deps.runtime.store.load(message.targetPlayerId);
  if (!target) return GameResult.GAME_RESULT_CHAT_TARGET_UNKNOWN;
  if (!deps.push.locatesPlayers) return GameResult.GAME_RESULT_CHAT_TARGET_OFFLINE;
  const outcome = await deps.push.client.pushToPlayer(target.accountId, { mod: GameModule.GAME_MODULE_CHAT, seq: ChatSeq.CHAT_SEQ_MESSAGE, data });
  if (outcome.sessions > 0) return GameResult.GAME_RESULT_OK;
  if (outcome.unreachable.length > 0) {
    ctx.logger.warn({ event: 'chat_private_undelivered', gate: outcome.unreachable[0].gateId }, `private message not delivered: ${outcome.unreachable[0].error}`);
    return GameResult.GAME_RESULT_CHAT_UNAVAILABLE;
  }
  return GameResult.GAME_RESULT_CHAT_TARGET_OFFLINE;
}
