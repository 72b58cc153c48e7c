// Operator sanctions stored in the player document (key "moderation"): a ban
// keeps the character out of the game until it is lifted. No client
// messages; the admin API writes it, Character's enter game reads it.
import { definePlayerModule, isRecord, type PlayerContext } from '../runtime/player-module.js';
import type { PlayerRuntime } from '../runtime/player-runtime.js';

export interface ModerationState {
  banned: boolean;
  ban_reason: string;
  banned_at_ms: number;
}

export const moderationModule = definePlayerModule<ModerationState>({
  // Not a client module: it has no handlers, so it is never registered under this id.
  id: 0,
  name: 'moderation',
  initialState: () => ({ banned: false, ban_reason: '', banned_at_ms: 0 }),
  loadState(stored) {
    const s = isRecord(stored) ? stored : {};
    return {
      banned: s.banned === true,
      ban_reason: typeof s.ban_reason === 'string' ? s.ban_reason : '',
      banned_at_ms: typeof s.banned_at_ms === 'number' ? s.banned_at_ms : 0,
    };
  },
  handlers: {},
});

/** Live state when the player is loaded here, else the stored document (a ban is saved at once, so the store is current). */
export async function isBanned(runtime: PlayerRuntime, playerId: bigint): Promise<boolean> {
  const actor = runtime.loadedActor(playerId);
  if (actor) return actor.ctx.state(moderationModule).banned;
  const doc = await runtime.store.load(playerId);
  return doc ? moderationModule.loadState(doc.modules[moderationModule.name]).banned : false;
}

/** Sets or lifts the ban; returns whether the player was banned before. */
export function setBan(ctx: PlayerContext, ban: { reason: string } | null): boolean {
  const state = ctx.state(moderationModule);
  const was = state.banned;
  if (ban) Object.assign(state, { banned: true, ban_reason: ban.reason, banned_at_ms: ctx.now() });
  else Object.assign(state, { banned: false, ban_reason: '', banned_at_ms: 0 });
  ctx.changed(moderationModule);
  return was;
}
