// The character name rule, shared by Character (create) and Profile (rename).
// A name is NFC-normalised, then must be 2-16 Unicode code points, each a
// letter of any script (\p{L}: Latin, CJK, Cyrillic...), a decimal digit
// (\p{Nd}) or "_". No spaces, punctuation, symbols or emoji. Uniqueness is
// per zone and ignores case (PlayerStore.claimName).
import { GameResult } from '../../../gen/pantheon/game/v1/common.js';

export const NAME_MIN_LENGTH = 2;
export const NAME_MAX_LENGTH = 16;
const NAME_CHARACTERS = /^[\p{L}\p{Nd}_]+$/u;

export type NameCheck = { ok: true; name: string } | { ok: false; result: GameResult };

export function checkName(raw: string): NameCheck {
  const name = raw.normalize('NFC');
  const length = [...name].length;
  if (length < NAME_MIN_LENGTH) return { ok: false, result: GameResult.GAME_RESULT_NAME_TOO_SHORT };
  if (length > NAME_MAX_LENGTH) return { ok: false, result: GameResult.GAME_RESULT_NAME_TOO_LONG };
  if (!NAME_CHARACTERS.test(name)) return { ok: false, result: GameResult.GAME_RESULT_NAME_INVALID };
  return { ok: true, name };
}

/** The same folding the store uses for uniqueness: two names that fold alike are one name. */
export function sameName(a: string, b: string): boolean {
  return a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();
}
