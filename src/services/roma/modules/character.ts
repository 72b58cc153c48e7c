// Module 100, Character: list, create, soft-delete, restore and enter game.
// It is session-scoped (it works before a character is bound) and the only
// place a session gets bound to a player: enter game checks that the
// character belongs to the session's verified account. Deleted characters
// can be restored for `deleteGraceMs`; after that they are purged lazily (on
// the account's next list or create) and their name is freed.
import { PacketCode } from '../../../gen/pantheon/client/v1/packet.js';
import {
  CharacterSeq,
  CreateCharacterRequest,
  CreateCharacterResponse,
  DeleteCharacterRequest,
  DeleteCharacterResponse,
  EnterGameRequest,
  EnterGameResponse,
  ListCharactersRequest,
  ListCharactersResponse,
  RestoreCharacterRequest,
  RestoreCharacterResponse,
  type CharacterSummary,
} from '../../../gen/pantheon/game/v1/character.js';
import { GameModule, GameResult } from '../../../gen/pantheon/game/v1/common.js';
import type { PlayerDoc } from '../../../store/index.js';
import { defineModule, RequestRejected, type RomaModule, type SessionInfo } from '../module-api.js';
import { definePlayerModule, isRecord } from '../runtime/player-module.js';
import type { PlayerRuntime } from '../runtime/player-runtime.js';
import { isBanned } from './moderation.js';
import { checkName } from './names.js';
import { profileModule } from './profile.js';

export interface CharacterState {
  /** 0 = not deleted. */
  deleted_at_ms: number;
  /** Purged: hidden for good, name released; the document stays for audits. */
  purged: boolean;
}

/** The character's own persisted state; registered with the runtime, answered by characterModule below. */
export const characterState = definePlayerModule<CharacterState>({
  id: GameModule.GAME_MODULE_CHARACTER,
  name: 'character',
  initialState: () => ({ deleted_at_ms: 0, purged: false }),
  loadState: (stored) => {
    const s = isRecord(stored) ? stored : {};
    return { deleted_at_ms: typeof s.deleted_at_ms === 'number' ? s.deleted_at_ms : 0, purged: s.purged === true };
  },
  handlers: {},
});

export interface CharacterOptions {
  zone: number;
  maxCharacters: number;
  deleteGraceMs: number;
}

interface Character {
  playerId: bigint;
  name: string;
  level: number;
  createdAtMs: number;
  state: CharacterState;
}

export function characterModule(runtime: PlayerRuntime, options: CharacterOptions): RomaModule {
  const store = () => runtime.store;

  /** The account's characters as this instance knows them now (live actors win over stored documents). */
  const describe = (doc: PlayerDoc): Character => {
    const actor = runtime.loadedActor(doc.playerId);
    if (actor) {
      const profile = actor.ctx.state(profileModule);
      return { playerId: doc.playerId, name: profile.name, level: actor.ctx.gameData.levelFor(profile.exp), createdAtMs: profile.created_at_ms, state: { ...actor.ctx.state(characterState) } };
    }
    const profile = profileModule.loadState(doc.modules[profileModule.name]);
    const state = characterState.loadState(doc.modules[characterState.name]);
    return { playerId: doc.playerId, name: profile.name, level: runtime.gameData.current.levelFor(profile.exp), createdAtMs: profile.created_at_ms, state };
  };

  const summary = (c: Character): CharacterSummary => ({
    playerId: c.playerId,
    name: c.name,
    level: c.level,
    createdAtMs: BigInt(c.createdAtMs),
    deletedAtMs: BigInt(c.state.deleted_at_ms),
    purgeAtMs: c.state.deleted_at_ms > 0 ? BigInt(c.state.deleted_at_ms + options.deleteGraceMs) : 0n,
  });

  const expired = (c: Character) => c.state.deleted_at_ms > 0 && runtime.now() >= c.state.deleted_at_ms + options.deleteGraceMs;

  const purge = async (c: Character): Promise<void> => {
    await runtime.withPlayer(c.playerId, async (ctx) => {
      const state = ctx.state(characterState);
      state.purged = true;
      ctx.changed(characterState);
    });
    if (c.name !== '') await store().releaseName(options.zone, c.name, c.playerId);
  };

  /** Live characters of the account, purging the ones whose grace period is over. */
  const listLive = async (accountId: bigint): Promise<Character[]> => {
    const live: Character[] = [];
    for (const doc of await store().listByAccount(accountId)) {
      const c = describe(doc);
      if (c.state.purged) continue;
      if (expired(c)) await purge(c);
      else live.push(c);
    }
    return live;
  };

  /** A live character of this account, or the result code that says why not. */
  const findOwned = async (session: SessionInfo, playerId: bigint): Promise<Character | GameResult> => {
    const doc = playerId > 0n ? await store().load(playerId) : undefined;
    if (!doc || doc.accountId !== session.accountId) return GameResult.GAME_RESULT_CHARACTER_NOT_FOUND;
    const c = describe(doc);
    if (c.state.purged) return GameResult.GAME_RESULT_CHARACTER_NOT_FOUND;
    if (expired(c)) {
      await purge(c);
      return GameResult.GAME_RESULT_CHARACTER_NOT_FOUND;
    }
    return c;
  };

  const create = async (session: SessionInfo, requested: string): Promise<CreateCharacterResponse> => {
    const checked = checkName(requested);
    if (!checked.ok) return { result: checked.result, character: undefined };
    if ((await listLive(session.accountId)).length >= options.maxCharacters) return { result: GameResult.GAME_RESULT_TOO_MANY_CHARACTERS, character: undefined };
    const playerId = await store().allocatePlayerId();
    if (!(await store().claimName(options.zone, checked.name, playerId)).ok) return { result: GameResult.GAME_RESULT_NAME_TAKEN, character: undefined };
    const doc = runtime.newDocument(playerId, session.accountId, options.zone, (ctx) => {
      ctx.state(profileModule).name = checked.name;
    });
    try {
      await store().create(doc);
    } catch (error) {
      // The name must not stay held by a character that was never stored.
      await store().releaseName(options.zone, checked.name, playerId);
      throw error;
    }
    return { result: GameResult.GAME_RESULT_OK, character: summary(describe(doc)) };
  };

  const setDeleted = async (c: Character, deletedAtMs: number): Promise<Character> => {
    await runtime.withPlayer(c.playerId, (ctx) => {
      ctx.state(characterState).deleted_at_ms = deletedAtMs;
      ctx.changed(characterState);
    });
    return { ...c, state: { ...c.state, deleted_at_ms: deletedAtMs } };
  };

  return defineModule({
    id: GameModule.GAME_MODULE_CHARACTER,
    name: 'character',
    handlers: {
      [CharacterSeq.CHARACTER_SEQ_LIST]: async (request) => {
        decode(ListCharactersRequest, request.data);
        const characters = (await listLive(request.session.accountId)).map(summary);
        return ListCharactersResponse.encode({ result: GameResult.GAME_RESULT_OK, characters, maxCharacters: options.maxCharacters }).finish();
      },
      [CharacterSeq.CHARACTER_SEQ_CREATE]: async (request) => {
        const { name } = decode(CreateCharacterRequest, request.data);
        return CreateCharacterResponse.encode(await create(request.session, name)).finish();
      },
      [CharacterSeq.CHARACTER_SEQ_DELETE]: async (request) => {
        const found = await findOwned(request.session, decode(DeleteCharacterRequest, request.data).playerId);
        let result: GameResult = GameResult.GAME_RESULT_OK;
        let character: CharacterSummary | undefined;
        if (typeof found === 'number') result = found;
        else if (found.state.deleted_at_ms > 0) result = GameResult.GAME_RESULT_CHARACTER_DELETED;
        else if (runtime.isOnline(found.playerId)) result = GameResult.GAME_RESULT_CHARACTER_ONLINE;
        else character = summary(await setDeleted(found, runtime.now()));
        return DeleteCharacterResponse.encode({ result, character }).finish();
      },
      [CharacterSeq.CHARACTER_SEQ_RESTORE]: async (request) => {
        const found = await findOwned(request.session, decode(RestoreCharacterRequest, request.data).playerId);
        let result: GameResult = GameResult.GAME_RESULT_OK;
        let character: CharacterSummary | undefined;
        if (typeof found === 'number') result = found;
        else if (found.state.deleted_at_ms === 0) result = GameResult.GAME_RESULT_CHARACTER_NOT_DELETED;
        else character = summary(await setDeleted(found, 0));
        return RestoreCharacterResponse.encode({ result, character }).finish();
      },
      [CharacterSeq.CHARACTER_SEQ_ENTER]: async (request, ctx) => {
        const found = await findOwned(request.session, decode(EnterGameRequest, request.data).playerId);
        if (typeof found === 'number') return EnterGameResponse.encode({ result: found, character: undefined }).finish();
        if (found.state.deleted_at_ms > 0) return EnterGameResponse.encode({ result: GameResult.GAME_RESULT_CHARACTER_DELETED, character: undefined }).finish();
        if (await isBanned(runtime, found.playerId)) return EnterGameResponse.encode({ result: GameResult.GAME_RESULT_BANNED, character: undefined }).finish();
        await runtime.enter(request.session, found.playerId);
        // The gate then stamps this player on every later envelope of the session, to any service (rooms).
        ctx.bindSession(found.playerId);
        return EnterGameResponse.encode({ result: GameResult.GAME_RESULT_OK, character: summary({ ...found, ...liveView(runtime, found) }) }).finish();
      },
    },
  });
}

function liveView(runtime: PlayerRuntime, c: Character): Partial<Character> {
  const actor = runtime.loadedActor(c.playerId);
  return actor ? { level: actor.ctx.gameData.levelFor(actor.ctx.state(profileModule).exp) } : {};
}

function decode<T>(type: { decode(data: Uint8Array): T }, data: Uint8Array): T {
  try {
    return type.decode(data);
  } catch (error) {
    throw new RequestRejected(PacketCode.PACKET_CODE_BAD_REQUEST, `character: request data is not a valid message: ${String(error)}`);
  }
}
