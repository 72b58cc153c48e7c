import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PacketCode } from '../../src/gen/pantheon/client/v1/packet.js';
import { EnvelopeKind, type Envelope } from '../../src/gen/pantheon/roma/v1/tunnel.js';
import { toHex } from '../../src/protocol/bytes.js';
import { defineModule, RequestRejected, type Handler, type SessionInfo } from '../../src/services/roma/module-api.js';
import { ModuleRegistry } from '../../src/services/roma/module-registry.js';
import { echoModule } from '../../src/services/roma/modules/echo.js';
import { RequestDispatcher, type PacketRequest } from '../../src/services/roma/request-dispatcher.js';
import { SessionDirectory, type SessionOwner } from '../../src/services/roma/session-directory.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Collects what the directory would write to a tunnel stream. */
class CollectingOwner implements SessionOwner {
  readonly sent: Envelope[] = [];
  send(envelope: Envelope): void {
    this.sent.push(envelope);
  }
  release(): void {}
}

function sessionInfo(n: number): SessionInfo {
  const id = new Uint8Array([0xd1, n]);
  return { id, idHex: toHex(id), accountId: BigInt(n), playerId: BigInt(n), color: '', gateId: 'gate-1' };
}

function request(mod: number, seq: number, data = new Uint8Array([1, 2, 3])): PacketRequest {
  return { mod, seq, obj: 0n, index: 1, data, dataVersion: 0n };
}

function setup(handlers: Record<number, Handler>) {
  const { logger, lines } = capturingLogger();
  const directory = new SessionDirectory();
  const registry = new ModuleRegistry([echoModule, defineModule({ id: 100, name: 'test', handlers })]);
  return { dispatcher: new RequestDispatcher(registry, directory, logger), directory, lines };
}

const flushLogs = () => new Promise((resolve) => setImmediate(resolve));

describe('RequestDispatcher', () => {
  it('answers with the data an async handler resolves to and code OK', async () => {
    const { dispatcher } = setup({ 1: async (req) => new Uint8Array([...req.data].reverse()) });
    expect(await dispatcher.answer(sessionInfo(1), request(100, 1))).toEqual({ code: PacketCode.PACKET_CODE_OK, data: new Uint8Array([3, 2, 1]) });
  });

  it('echoes request data through the Echo module', async () => {
    const { dispatcher } = setup({ 1: () => new Uint8Array(0) });
    const data = new TextEncoder().encode('ping');
    expect(await dispatcher.answer(sessionInfo(1), request(2, 1, data))).toEqual({ code: PacketCode.PACKET_CODE_OK, data });
  });

  it('answers UNKNOWN_MODULE and UNKNOWN_SEQ without calling any handler', async () => {
    const { dispatcher } = setup({ 1: () => new Uint8Array(0) });
    expect(await dispatcher.answer(sessionInfo(1), request(555, 1))).toEqual({ code: PacketCode.PACKET_CODE_UNKNOWN_MODULE });
    expect(await dispatcher.answer(sessionInfo(1), request(100, 9))).toEqual({ code: PacketCode.PACKET_CODE_UNKNOWN_SEQ });
  });

  it('answers INTERNAL and logs the error when a handler throws', async () => {
    const { dispatcher, lines } = setup({
      1: () => {
        throw new Error('inventory table missing');
      },
    });
    expect(await dispatcher.answer(sessionInfo(7), request(100, 1))).toEqual({ code: PacketCode.PACKET_CODE_INTERNAL });
    await flushLogs();
    const logged = lines.find((l) => l.event === 'handler_failed');
    expect(logged).toMatchObject({ level: 50, module: 'test', mod: 100, seq: 1, session: toHex(new Uint8Array([0xd1, 7])) });
    expect((logged?.err as { message: string }).message).toBe('inventory table missing');
  });

  it('answers INTERNAL when a handler returns something other than bytes', async () => {
    const { dispatcher, lines } = setup({ 1: (() => 'not bytes') as unknown as Handler });
    expect(await dispatcher.answer(sessionInfo(1), request(100, 1))).toEqual({ code: PacketCode.PACKET_CODE_INTERNAL });
    await flushLogs();
    expect(String(lines.find((l) => l.event === 'handler_failed')?.msg)).toMatch(/must return \(or resolve to\) a Uint8Array/);
  });

  it('answers the code of a RequestRejected and logs it below error level', async () => {
    const { dispatcher, lines } = setup({
      1: () => {
        throw new RequestRejected(PacketCode.PACKET_CODE_BAD_REQUEST, 'item id missing');
      },
    });
    expect(await dispatcher.answer(sessionInfo(1), request(100, 1))).toEqual({ code: PacketCode.PACKET_CODE_BAD_REQUEST });
    await flushLogs();
    expect(lines.some((l) => l.event === 'handler_failed')).toBe(false);
    expect(lines.find((l) => l.event === 'request_rejected')).toMatchObject({ level: 20, reason: 'item id missing' });
  });

  it("lets a handler push to its own and to another session, defaulting mod to the handler's module", async () => {
    const results: boolean[] = [];
    const stranger = new Uint8Array([0xee]);
    const { dispatcher, directory } = setup({
      1: (req, ctx) => {
        results.push(ctx.push({ seq: 5, data: new Uint8Array([9]) }));
        results.push(ctx.pushTo(other.id, { mod: 2, seq: 1, data: new Uint8Array([8]) }));
        results.push(ctx.pushTo(stranger, { seq: 1, data: new Uint8Array(0) }));
        return req.data;
      },
    });
    const [me, other] = [sessionInfo(1), sessionInfo(2)];
    const [myStream, otherStream] = [new CollectingOwner(), new CollectingOwner()];
    directory.open(me, myStream);
    directory.open(other, otherStream);

    await dispatcher.answer(me, request(100, 1));
    expect(results).toEqual([true, true, false]);
    expect(myStream.sent.map((e) => [e.kind, e.mod, e.seq, e.index, [...e.data]])).toEqual([[EnvelopeKind.ENVELOPE_KIND_PUSH, 100, 5, 0, [9]]]);
    expect(otherStream.sent.map((e) => [e.kind, e.mod, e.seq, e.index, [...e.data]])).toEqual([[EnvelopeKind.ENVELOPE_KIND_PUSH, 2, 1, 0, [8]]]);
  });

  it('gives handlers a logger that names the module and the session', async () => {
    const { dispatcher, lines } = setup({
      1: (req, ctx) => {
        ctx.logger.info({ event: 'item_used' }, 'used');
        return req.data;
      },
    });
    await dispatcher.answer(sessionInfo(3), request(100, 1));
    await flushLogs();
    expect(lines.find((l) => l.event === 'item_used')).toMatchObject({ module: 'test', session: toHex(new Uint8Array([0xd1, 3])) });
  });
});
