// Module 102, Inventory: one stack per item id, each capped by the item's
// stack_limit from game data. Using an item applies its effect (exp to
// Profile, items into this inventory) atomically: when the result would not
// fit, nothing changes. Every change is pushed as InventoryUpdated. Items are
// added only by effects and by operators (grantItems), never by a client.
import { GameModule, GameResult } from '../../../gen/pantheon/game/v1/common.js';
import {
  InventorySeq,
  InventoryUpdated,
  ListItemsRequest,
  ListItemsResponse,
  RemoveItemRequest,
  RemoveItemResponse,
  UseItemRequest,
  UseItemResponse,
  type ItemStack,
} from '../../../gen/pantheon/game/v1/inventory.js';
import { definePlayerModule, isRecord, playerHandler, type PlayerContext } from '../runtime/player-module.js';
import type { PlayerRuntime } from '../runtime/player-runtime.js';
import { grantExp } from './profile.js';

export interface InventoryState {
  /** item id (as a JSON key) -> count, always 1..stack_limit. */
  items: Record<string, number>;
}

const MAX_COUNT = 9999;

export const inventoryModule = definePlayerModule<InventoryState>({
  id: GameModule.GAME_MODULE_INVENTORY,
  name: 'inventory',
  initialState: () => ({ items: {} }),
  loadState(stored) {
    const items: Record<string, number> = {};
    const raw = isRecord(stored) && isRecord(stored.items) ? stored.items : {};
    for (const [id, count] of Object.entries(raw)) if (typeof count === 'number' && Number.isInteger(count) && count > 0) items[id] = count;
    return { items };
  },
  handlers: {
    [InventorySeq.INVENTORY_SEQ_LIST]: playerHandler(ListItemsRequest, ListItemsResponse, (ctx) => ({ result: GameResult.GAME_RESULT_OK, items: stacks(ctx) })),
    [InventorySeq.INVENTORY_SEQ_USE]: playerHandler(UseItemRequest, UseItemResponse, (ctx, request) => ({ result: useItem(ctx, request.itemId, request.count || 1) })),
    [InventorySeq.INVENTORY_SEQ_REMOVE]: playerHandler(RemoveItemRequest, RemoveItemResponse, (ctx, request) => ({ result: removeItem(ctx, request.itemId, request.count) })),
  },
});

export interface ItemGrantRequest {
  itemId: number;
  count: number;
}

/**
 * Adds items to every stack or to none: unknown items and stacks that would
 * pass their limit refuse the whole grant. The admin path and chests use it.
 */
export function addItems(ctx: PlayerContext, grants: readonly ItemGrantRequest[]): GameResult {
  return applyChanges(ctx, grants.map((grant) => ({ itemId: grant.itemId, delta: grant.count })));
}

/** The operators' path (admin API): grants items to a player online or offline and saves at once. */
export function grantItems(runtime: PlayerRuntime, playerId: bigint, grants: readonly ItemGrantRequest[]): Promise<GameResult> {
  return runtime.withPlayer(playerId, (ctx) => addItems(ctx, grants));
}

/** The operators' removal path: takes every listed item or none (NOT_ENOUGH), online or offline, and saves at once. */
export function removeItems(runtime: PlayerRuntime, playerId: bigint, removals: readonly ItemGrantRequest[]): Promise<GameResult> {
  return runtime.withPlayer(playerId, (ctx) => applyChanges(ctx, removals.map((removal) => ({ itemId: removal.itemId, delta: -removal.count }))));
}

export function itemCount(ctx: PlayerContext, itemId: number): number {
  return ctx.state(inventoryModule).items[String(itemId)] ?? 0;
}

function useItem(ctx: PlayerContext, itemId: number, count: number): GameResult {
  if (!validCount(count)) return GameResult.GAME_RESULT_BAD_COUNT;
  const item = ctx.gameData.item(itemId);
  if (!item) return GameResult.GAME_RESULT_ITEM_UNKNOWN;
  if (itemCount(ctx, itemId) < count) return GameResult.GAME_RESULT_ITEM_NOT_ENOUGH;
  const consumed = item.consumable ? [{ itemId, delta: -count }] : [];
  switch (item.use.kind) {
    case 'none':
      return GameResult.GAME_RESULT_ITEM_NOT_USABLE;
    case 'grant_exp': {
      const result = applyChanges(ctx, consumed);
      if (result === GameResult.GAME_RESULT_OK) grantExp(ctx, item.use.amount * count);
      return result;
    }
    case 'grant_items':
      return applyChanges(ctx, [...consumed, ...item.use.items.map((grant) => ({ itemId: grant.item_id, delta: grant.count * count }))]);
  }
}

function removeItem(ctx: PlayerContext, itemId: number, count: number): GameResult {
  if (!validCount(count)) return GameResult.GAME_RESULT_BAD_COUNT;
  if (!ctx.gameData.item(itemId)) return GameResult.GAME_RESULT_ITEM_UNKNOWN;
  return applyChanges(ctx, [{ itemId, delta: -count }]);
}

/** Checks every resulting stack first and writes only when all of them are valid, then pushes the changed stacks. */
function applyChanges(ctx: PlayerContext, changes: readonly { itemId: number; delta: number }[]): GameResult {
  const next = new Map<number, number>();
  for (const { itemId, delta } of changes) {
    const item = ctx.gameData.item(itemId);
    if (!item || !Number.isSafeInteger(delta)) return GameResult.GAME_RESULT_ITEM_UNKNOWN;
    const count = (next.get(itemId) ?? itemCount(ctx, itemId)) + delta;
    if (count < 0) return GameResult.GAME_RESULT_ITEM_NOT_ENOUGH;
    if (count > item.stack_limit) return GameResult.GAME_RESULT_STACK_LIMIT;
    next.set(itemId, count);
  }
  if (next.size === 0) return GameResult.GAME_RESULT_OK;
  const items = ctx.state(inventoryModule).items;
  const changed: ItemStack[] = [];
  for (const [itemId, count] of next) {
    if (count === 0) delete items[String(itemId)];
    else items[String(itemId)] = count;
    changed.push({ itemId, count });
  }
  ctx.changed(inventoryModule);
  ctx.push(GameModule.GAME_MODULE_INVENTORY, InventorySeq.INVENTORY_SEQ_UPDATED, InventoryUpdated.encode({ changed }).finish());
  return GameResult.GAME_RESULT_OK;
}

function stacks(ctx: PlayerContext): ItemStack[] {
  return Object.entries(ctx.state(inventoryModule).items)
    .map(([id, count]) => ({ itemId: Number(id), count }))
    .sort((a, b) => a.itemId - b.itemId);
}

function validCount(count: number): boolean {
  return Number.isInteger(count) && count >= 1 && count <= MAX_COUNT;
}
