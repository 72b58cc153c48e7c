// Module 101, Profile: the character's name (rename under the same rules as
// create), level and exp on the game-data level curve, stats derived from the
// level, and login/logout/online times. Other modules grant exp through
// grantExp; nothing here touches sessions or the store's versioning.
import { GameModule, GameResult } from '../../../gen/pantheon/game/v1/common.js';
import { GetProfileRequest, GetProfileResponse, ProfileSeq, ProfileUpdated, RenameRequest, RenameResponse, type Profile } from '../../../gen/pantheon/game/v1/profile.js';
import { definePlayerModule, isRecord, playerHandler, type PlayerContext } from '../runtime/player-module.js';
import { checkName, sameName } from './names.js';

export interface ProfileState {
  name: string;
  exp: number;
  created_at_ms: number;
  last_login_ms: number;
  last_logout_ms: number;
  total_online_ms: number;
  /** When online time was last added to the total; 0 while offline. */
  online_since_ms: number;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

export const profileModule = definePlayerModule<ProfileState>({
  id: GameModule.GAME_MODULE_PROFILE,
  name: 'profile',
  initialState: () => ({ name: '', exp: 0, created_at_ms: 0, last_login_ms: 0, last_logout_ms: 0, total_online_ms: 0, online_since_ms: 0 }),
  loadState(stored) {
    const s = isRecord(stored) ? stored : {};
    return {
      name: typeof s.name === 'string' ? s.name : '',
      exp: num(s.exp),
      created_at_ms: num(s.created_at_ms),
      last_login_ms: num(s.last_login_ms),
      last_logout_ms: num(s.last_logout_ms),
      total_online_ms: num(s.total_online_ms),
      // A crash left it set: the time since the last accrual is unknown, so it is not counted.
      online_since_ms: 0,
    };
  },
  hooks: {
    onCreate(ctx) {
      ctx.state(profileModule).created_at_ms = ctx.now();
      ctx.changed(profileModule);
    },
    onLogin(ctx) {
      const state = ctx.state(profileModule);
      state.last_login_ms = ctx.now();
      state.online_since_ms = state.last_login_ms;
      ctx.changed(profileModule);
    },
    // Accrued every minute so a crash loses at most a minute of online time.
    onMinute: (ctx) => accrueOnlineTime(ctx),
    onLogout(ctx) {
      accrueOnlineTime(ctx);
      const state = ctx.state(profileModule);
      state.last_logout_ms = ctx.now();
      state.online_since_ms = 0;
      ctx.changed(profileModule);
    },
  },
  handlers: {
    [ProfileSeq.PROFILE_SEQ_GET]: playerHandler(GetProfileRequest, GetProfileResponse, (ctx) => ({ result: GameResult.GAME_RESULT_OK, profile: profileView(ctx) })),
    [ProfileSeq.PROFILE_SEQ_RENAME]: playerHandler(RenameRequest, RenameResponse, async (ctx, request) => {
      const result = await rename(ctx, request.name);
      return { result, profile: profileView(ctx) };
    }),
  },
});

/**
 * Claims the new name first, saves the profile with it, and only then frees
 * the old one, so at no moment does the character hold no name.
 */
async function rename(ctx: PlayerContext, requested: string): Promise<GameResult> {
  const checked = checkName(requested);
  if (!checked.ok) return checked.result;
  const state = ctx.state(profileModule);
  const old = state.name;
  const claim = await ctx.store.claimName(ctx.zone, checked.name, ctx.playerId);
  if (!claim.ok) return GameResult.GAME_RESULT_NAME_TAKEN;
  state.name = checked.name;
  ctx.changed(profileModule);
  if (!(await ctx.save())) {
    // Another instance owns the player now; its document keeps the old name, so the new claim is undone.
    await ctx.store.releaseName(ctx.zone, checked.name, ctx.playerId);
    throw new Error(`player ${ctx.playerId} was taken over during a rename`);
  }
  if (old !== '' && !sameName(old, checked.name)) await ctx.store.releaseName(ctx.zone, old, ctx.playerId);
  return GameResult.GAME_RESULT_OK;
}

/** Adds exp (capped at a safe integer), recomputes the level from the curve and pushes the new profile. */
export function grantExp(ctx: PlayerContext, amount: number): void {
  const state = ctx.state(profileModule);
  state.exp = Math.min(Number.MAX_SAFE_INTEGER, state.exp + amount);
  ctx.changed(profileModule);
  ctx.push(GameModule.GAME_MODULE_PROFILE, ProfileSeq.PROFILE_SEQ_UPDATED, ProfileUpdated.encode({ profile: profileView(ctx) }).finish());
}

export function levelOf(ctx: PlayerContext): number {
  return ctx.gameData.levelFor(ctx.state(profileModule).exp);
}

export function profileView(ctx: PlayerContext): Profile {
  const state = ctx.state(profileModule);
  const data = ctx.gameData;
  const level = data.levelFor(state.exp);
  const nextStart = level < data.maxLevel ? (data.levelStartExp(level + 1) ?? state.exp) : state.exp;
  const online = state.online_since_ms > 0 ? Math.max(0, ctx.now() - state.online_since_ms) : 0;
  return {
    playerId: ctx.playerId,
    name: state.name,
    level,
    exp: BigInt(state.exp),
    expToNext: BigInt(Math.max(0, nextStart - state.exp)),
    // Derived from the level, so a game-data change of the curve never leaves stale stats in documents.
    stats: { strength: 10 + 2 * (level - 1), agility: 10 + (level - 1), intellect: 10 + (level - 1) },
    createdAtMs: BigInt(state.created_at_ms),
    lastLoginMs: BigInt(state.last_login_ms),
    lastLogoutMs: BigInt(state.last_logout_ms),
    totalOnlineMs: BigInt(state.total_online_ms + online),
  };
}

function accrueOnlineTime(ctx: PlayerContext): void {
  const state = ctx.state(profileModule);
  if (state.online_since_ms === 0) return;
  const now = ctx.now();
  state.total_online_ms += Math.max(0, now - state.online_since_ms);
  state.online_since_ms = now;
  ctx.changed(profileModule);
}
