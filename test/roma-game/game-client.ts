// Typed helpers for the game modules over a real SDK client, so the e2e tests
// read as game actions (create, enter, use) rather than bytes.
import { CharacterSeq, CreateCharacterRequest, CreateCharacterResponse, DeleteCharacterRequest, DeleteCharacterResponse, EnterGameRequest, EnterGameResponse, ListCharactersRequest, ListCharactersResponse, RestoreCharacterRequest, RestoreCharacterResponse } from '../../src/gen/pantheon/game/v1/character.js';
import { GameModule } from '../../src/gen/pantheon/game/v1/common.js';
import { InventorySeq, ListItemsRequest, ListItemsResponse, RemoveItemRequest, RemoveItemResponse, UseItemRequest, UseItemResponse } from '../../src/gen/pantheon/game/v1/inventory.js';
import { GetProfileRequest, GetProfileResponse, ProfileSeq, RenameRequest, RenameResponse } from '../../src/gen/pantheon/game/v1/profile.js';
import type { PantheonClient } from '../../src/sdk/node.js';

export interface Pushed {
  mod: number;
  seq: number;
  data: Uint8Array;
}

const C = GameModule.GAME_MODULE_CHARACTER;
const P = GameModule.GAME_MODULE_PROFILE;
const I = GameModule.GAME_MODULE_INVENTORY;

export function game(client: PantheonClient) {
  const pushes: Pushed[] = [];
  client.onPush((packet) => pushes.push({ mod: packet.mod, seq: packet.seq, data: packet.data }));
  const call = async <T>(mod: number, seq: number, data: Uint8Array, type: { decode(d: Uint8Array): T }) => type.decode((await client.request(mod, seq, data)).data);
  return {
    client,
    pushes,
    async nextPush(mod: number, seq: number, timeoutMs = 5_000): Promise<Pushed> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = pushes.findIndex((p) => p.mod === mod && p.seq === seq);
        if (found >= 0) return pushes.splice(found, 1)[0];
        if (Date.now() > deadline) throw new Error(`no push ${mod}/${seq} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    list: () => call(C, CharacterSeq.CHARACTER_SEQ_LIST, ListCharactersRequest.encode({}).finish(), ListCharactersResponse),
    create: (name: string) => call(C, CharacterSeq.CHARACTER_SEQ_CREATE, CreateCharacterRequest.encode({ name }).finish(), CreateCharacterResponse),
    remove: (playerId: bigint) => call(C, CharacterSeq.CHARACTER_SEQ_DELETE, DeleteCharacterRequest.encode({ playerId }).finish(), DeleteCharacterResponse),
    restore: (playerId: bigint) => call(C, CharacterSeq.CHARACTER_SEQ_RESTORE, RestoreCharacterRequest.encode({ playerId }).finish(), RestoreCharacterResponse),
    enter: (playerId: bigint) => call(C, CharacterSeq.CHARACTER_SEQ_ENTER, EnterGameRequest.encode({ playerId }).finish(), EnterGameResponse),
    profile: () => call(P, ProfileSeq.PROFILE_SEQ_GET, GetProfileRequest.encode({}).finish(), GetProfileResponse),
    rename: (name: string) => call(P, ProfileSeq.PROFILE_SEQ_RENAME, RenameRequest.encode({ name }).finish(), RenameResponse),
    items: () => call(I, InventorySeq.INVENTORY_SEQ_LIST, ListItemsRequest.encode({}).finish(), ListItemsResponse),
    use: (itemId: number, count = 1) => call(I, InventorySeq.INVENTORY_SEQ_USE, UseItemRequest.encode({ itemId, count }).finish(), UseItemResponse),
    removeItem: (itemId: number, count: number) => call(I, InventorySeq.INVENTORY_SEQ_REMOVE, RemoveItemRequest.encode({ itemId, count }).finish(), RemoveItemResponse),
  };
}

export type GameClient = ReturnType<typeof game>;
