// RomaGameAdmin over gRPC: operators' player tools (inspect, search, kick,
// ban, items), online counts, game-data reload and system broadcasts. Each
// call is checked against the admin credential first; the work itself goes
// through the player runtime and the modules' exported functions, never
// around them.
import { status, type UntypedHandleCall } from '@grpc/grpc-js';
import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { LogoutCode } from '../../../gen/pantheon/client/v1/packet.js';
import { ChatSeq, ChatSystemMessage } from '../../../gen/pantheon/game/v1/chat.js';
import { GameModule } from '../../../gen/pantheon/game/v1/common.js';
import type { ChangeItemsRequest, RomaGameAdminServer } from '../../../gen/pantheon/roma/v1/admin.js';
import type { GameDataStore } from '../gamedata/index.js';
import { grantItems, removeItems } from '../modules/inventory.js';
import { moderationModule, setBan } from '../modules/moderation.js';
import type { PlayerRuntime } from '../runtime/player-runtime.js';
import type { SessionDirectory } from '../session-directory.js';
import { AdminError, adminUnary } from './admin-call.js';
import type { GatePush } from './gate-push.js';

export interface GameAdminDeps {
  token: string;
  runtime: PlayerRuntime;
  directory: SessionDirectory;
  gameData: GameDataStore;
  push: GatePush;
  zone: number;
  logger: Logger;
}

const MAX_TEXT = 500;
const MAX_REASON = 200;
const MAX_ITEM_COUNT = 9999;

export function romaGameAdminService(deps: GameAdminDeps): RomaGameAdminServer {
  const { runtime } = deps;
  const unary = <Req, Res>(name: string, work: (request: Req) => Promise<Res>): UntypedHandleCall =>
    adminUnary<Req, Res>({ service: 'RomaGameAdmin', token: deps.token, logger: deps.logger }, name, work);

  /** NOT_FOUND before touching the runtime, so a typo never creates work (or a confusing INTERNAL). */
  const requirePlayer = async (playerId: bigint): Promise<void> => {
    if (playerId <= 0n) throw new AdminError(status.INVALID_ARGUMENT, `player_id must be a positive player id, got ${playerId}`);
    if (!runtime.loadedActor(playerId) && !(await runtime.store.load(playerId))) throw new AdminError(status.NOT_FOUND, `player ${playerId} does not exist`);
  };

  const changeItems = (name: string, apply: typeof grantItems) =>
    unary<ChangeItemsRequest, { result: number }>(name, async ({ playerId, items }) => {
      if (items.length === 0) throw new AdminError(status.INVALID_ARGUMENT, `${name} needs at least one item`);
      const bad = items.find((item) => !Number.isInteger(item.count) || item.count < 1 || item.count > MAX_ITEM_COUNT);
      if (bad) throw new AdminError(status.INVALID_ARGUMENT, `item ${bad.itemId}: count must be 1..${MAX_ITEM_COUNT}, got ${bad.count}`);
      await requirePlayer(playerId);
      return { result: await apply(runtime, playerId, items) };
    });

  return {
    getPlayer: unary('GetPlayer', async ({ playerId }: { playerId: bigint }) => {
      await requirePlayer(playerId);
      const live = runtime.loadedActor(playerId);
      const doc = live ? live.snapshot() : (await runtime.store.load(playerId))!;
      return {
        playerId,
        accountId: doc.accountId,
        zone: doc.zone,
        version: BigInt(doc.version),
        modulesJson: JSON.stringify(doc.modules),
        online: runtime.isOnline(playerId),
        banned: moderationModule.loadState(doc.modules[moderationModule.name]).banned,
      };
    }),
    searchPlayers: unary('SearchPlayers', async ({ zone, prefix, limit }: { zone: number; prefix: string; limit: number }) => {
      const length = [...prefix].length;
      if (length < 1 || length > 16) throw new AdminError(status.INVALID_ARGUMENT, `prefix must be 1..16 characters, got ${length}`);
      if (limit < 0 || limit > 100) throw new AdminError(status.INVALID_ARGUMENT, `limit must be 0 (= 20) .. 100, got ${limit}`);
      const found = await runtime.store.searchByName(zone, prefix.normalize('NFC'), limit || 20);
      return { players: found.map((entry) => ({ playerId: entry.playerId, name: entry.name })) };
    }),
    kickPlayer: unary('KickPlayer', async ({ playerId, reason }: { playerId: bigint; reason: string }) => {
      await requirePlayer(playerId);
      const kicked = await runtime.kickPlayer(playerId, LogoutCode.LOGOUT_CODE_KICKED, reason.slice(0, MAX_REASON) || 'kicked by an operator');
      return { kicked };
    }),
    banPlayer: unary('BanPlayer', async ({ playerId, reason }: { playerId: bigint; reason: string }) => {
      if (reason.trim().length === 0 || reason.length > MAX_REASON) throw new AdminError(status.INVALID_ARGUMENT, `reason is required and at most ${MAX_REASON} characters (got ${reason.length})`);
      await requirePlayer(playerId);
      // Saved before the kick, so the player cannot slip back in between.
      await runtime.withPlayer(playerId, (ctx) => setBan(ctx, { reason }));
      const kicked = await runtime.kickPlayer(playerId, LogoutCode.LOGOUT_CODE_BANNED, `banned: ${reason}`);
      deps.logger.info({ event: 'player_banned', player: String(playerId), kicked }, `player ${playerId} banned: ${reason}`);
      return { kicked };
    }),
    unbanPlayer: unary('UnbanPlayer', async ({ playerId }: { playerId: bigint }) => {
      await requirePlayer(playerId);
      const wasBanned = await runtime.withPlayer(playerId, (ctx) => setBan(ctx, null));
      deps.logger.info({ event: 'player_unbanned', player: String(playerId) }, `player ${playerId} unbanned`);
      return { wasBanned };
    }),
    grantItems: changeItems('GrantItems', grantItems),
    removeItems: changeItems('RemoveItems', removeItems),
    getOnlineCounts: unary('GetOnlineCounts', async () => ({ players: runtime.onlineCount, sessions: deps.directory.size })),
    reloadGameData: unary('ReloadGameData', async () => {
      const outcome = await deps.gameData.reload();
      if (outcome.ok) deps.logger.info({ event: 'gamedata_reloaded', version: outcome.version }, 'game data reloaded by an operator');
      return { ok: outcome.ok, error: outcome.ok ? '' : outcome.error.message, version: BigInt(outcome.version) };
    }),
    broadcastSystemMessage: unary('BroadcastSystemMessage', async ({ text, zone }: { text: string; zone?: number }) => {
      const length = [...text].length;
      if (length < 1 || length > MAX_TEXT) throw new AdminError(status.INVALID_ARGUMENT, `text must be 1..${MAX_TEXT} characters, got ${length}`);
      const data = ChatSystemMessage.encode({ text, sentAtMs: BigInt(Date.now()) }).finish();
      try {
        return await deps.push.broadcastToZone(zone ?? deps.zone, { mod: GameModule.GAME_MODULE_CHAT, seq: ChatSeq.CHAT_SEQ_SYSTEM, data });
      } catch (error) {
        throw new AdminError(status.UNAVAILABLE, errorMessage(error));
      }
    }),
  } as RomaGameAdminServer;
}
