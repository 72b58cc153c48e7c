import { describe, expect, it } from 'vitest';
import { MemoryRouter } from '../../src/controlplane/router/memory-router.js';
import type { ServiceInstance } from '../../src/controlplane/registry/registry.js';

const instance = (id: string, color = '', weight = 100): ServiceInstance => ({ id, service: 'roma', grpcAddress: `127.0.0.1:${id.length}`, color, weight });

describe('memory router', () => {
  it('keeps an account on the same instance while it is live', () => {
    const router = new MemoryRouter();
    const live = [instance('a'), instance('b')];
    const first = router.routeNow({ service: 'roma', color: '', accountId: 7n }, live);
    for (let i = 0; i < 10; i++) expect(router.routeNow({ service: 'roma', color: '', accountId: 7n }, live)).toEqual(first);
  });

  it('replaces a sticky route whose instance is gone', () => {
    const router = new MemoryRouter();
    const first = router.routeNow({ service: 'roma', color: '', accountId: 7n }, [instance('a'), instance('b')]);
    const gone = first.ok ? first.instance.id : '';
    const remaining = [instance('a'), instance('b')].filter((i) => i.id !== gone);
    const second = router.routeNow({ service: 'roma', color: '', accountId: 7n }, remaining);
    expect(second.ok && second.instance.id).toBe(remaining[0].id);
  });

  it('routes an object key to the instance that learned it, refreshes it on use, and forgets it when expired or its instance is gone', () => {
    let now = 1_000;
    const router = new MemoryRouter('', 10_000, () => now);
    const rooms = [{ ...instance('room-1'), service: 'room' }, { ...instance('room-2'), service: 'room' }];
    const room = { service: 'room', key: (1n << 40n) | 1n };
    expect(router.routeKeyNow(room, rooms)).toBeNull();
    router.learnKeyNow(room, 'room-1');
    now += 9_000;
    expect(router.routeKeyNow(room, rooms)?.id).toBe('room-1');
    now += 9_000; // within the TTL of the last use
    expect(router.routeKeyNow(room, rooms)?.id).toBe('room-1');
    expect(router.routeKeyNow({ service: 'roma', key: room.key }, rooms)).toBeNull();
    now += 10_001;
    expect(router.routeKeyNow(room, rooms)).toBeNull();
    router.learnKeyNow(room, 'room-1');
    expect(router.routeKeyNow(room, [rooms[1]])).toBeNull(); // room-1 is dead: dropped, not revived
    expect(router.routeKeyNow(room, rooms)).toBeNull();
  });

  it('spreads new accounts by weight', () => {
    const router = new MemoryRouter();
    const live = [instance('a', '', 300), instance('b', '', 100)];
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let account = 0n; account < 400n; account++) {
      const decision = router.routeNow({ service: 'roma', color: '', accountId: account }, live);
      if (decision.ok) counts[decision.instance.id]++;
    }
    expect(counts).toEqual({ a: 300, b: 100 });
  });

  it('isolates colors and falls back to the default color when a color has no instance', () => {
    const router = new MemoryRouter();
    const live = [instance('plain'), instance('blue-1', 'blue')];
    const blue = router.routeNow({ service: 'roma', color: 'blue', accountId: 1n }, live);
    expect(blue.ok && blue.instance.id).toBe('blue-1');
    const plain = router.routeNow({ service: 'roma', color: '', accountId: 2n }, live);
    expect(plain.ok && plain.instance.id).toBe('plain');
    const green = router.routeNow({ service: 'roma', color: 'green', accountId: 3n }, live);
    expect(green.ok && green.instance.id).toBe('plain');
  });

  it('explains when no instance can serve', () => {
    const decision = new MemoryRouter().routeNow({ service: 'roma', color: '', accountId: 1n }, []);
    expect(decision).toEqual({ ok: false, error: 'no live roma instance for color "" or the default color' });
  });
});
