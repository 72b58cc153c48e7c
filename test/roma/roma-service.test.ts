// startRoma in this process with game modules of the test's own, over a real
// gRPC server on free ports: proves modules plug in without runtime changes
// and that a slow or failing session does not hold up the others.
import { status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/common/config/index.js';
import type { RunningService } from '../../src/common/process.js';
import { PacketCode } from '../../src/gen/pantheon/client/v1/packet.js';
import { defineModule } from '../../src/services/roma/module-api.js';
import { startRoma } from '../../src/services/roma/roma-service.js';
import { echoRequest, GateWorker, newSessionId, sessionOpen, text } from './gate-worker.js';

const SLOW = 100;
const slowModule = defineModule({
  id: SLOW,
  name: 'slow',
  handlers: {
    // Waits as many milliseconds as the request says, then answers with them.
    1: async (request) => {
      await new Promise((resolve) => setTimeout(resolve, Number(new TextDecoder().decode(request.data))));
      return request.data;
    },
    2: () => {
      throw new Error('deliberate failure');
    },
  },
});

let roma: RunningService | undefined;
const workers: GateWorker[] = [];

async function startTestRoma(): Promise<string> {
  const config = validateConfig({ profile: 'dev', log: { level: 'silent' }, roma: { grpc: { port: 0 }, http: { port: 0 } } }, 'roma-service test');
  roma = await startRoma({ config, configPath: 'test', logger: pino({ level: 'silent' }) }, [slowModule]);
  return roma.endpoints.grpc;
}

function openWorker(address: string): GateWorker {
  const worker = new GateWorker(address);
  workers.push(worker);
  return worker;
}

afterEach(async () => {
  for (const worker of workers.splice(0)) worker.close();
  await roma?.stop();
  roma = undefined;
});

describe('startRoma with custom modules', () => {
  it("answers a fast session while another session's slow request is still running", async () => {
    const gate = openWorker(await startTestRoma());
    const [slow, fast] = [newSessionId(), newSessionId()];
    gate.send(sessionOpen(slow, 1n), sessionOpen(fast, 2n), echoRequest(slow, 1, text('300'), { mod: SLOW }), echoRequest(fast, 1, text('0'), { mod: SLOW }));
    await gate.untilReceived(2);
    expect(gate.received.map((e) => new TextDecoder().decode(e.data))).toEqual(['0', '300']);
  });

  it("answers one session's requests in order even when an earlier one is slower", async () => {
    const gate = openWorker(await startTestRoma());
    const id = newSessionId();
    gate.send(sessionOpen(id, 1n), echoRequest(id, 1, text('80'), { mod: SLOW }), echoRequest(id, 2, text('0'), { mod: SLOW }), echoRequest(id, 3, text('20'), { mod: SLOW }));
    await gate.untilReceived(3);
    expect(gate.responsesFor(id).map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('answers INTERNAL for a failing handler and keeps serving that session and others', async () => {
    const gate = openWorker(await startTestRoma());
    const [a, b] = [newSessionId(), newSessionId()];
    gate.send(sessionOpen(a, 1n), sessionOpen(b, 2n), echoRequest(a, 1, text(''), { mod: SLOW, seq: 2 }), echoRequest(a, 2, text('1'), { mod: SLOW }), echoRequest(b, 1, text('1'), { mod: SLOW }));
    await gate.untilReceived(3);
    expect(gate.responsesFor(a).map((e) => [e.index, e.code])).toEqual([
      [1, PacketCode.PACKET_CODE_INTERNAL],
      [2, PacketCode.PACKET_CODE_OK],
    ]);
    expect(gate.responsesFor(b).map((e) => e.code)).toEqual([PacketCode.PACKET_CODE_OK]);
  });

  it('serves only the modules it was given', async () => {
    const gate = openWorker(await startTestRoma());
    const id = newSessionId();
    gate.send(sessionOpen(id, 1n), echoRequest(id, 1, text('echo is not loaded')));
    await gate.untilReceived(1);
    expect(gate.received[0].code).toBe(PacketCode.PACKET_CODE_UNKNOWN_MODULE);
  });

  it('ends every tunnel stream with status OK on stop', async () => {
    const gate = openWorker(await startTestRoma());
    gate.send(sessionOpen(newSessionId(), 1n));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = roma!.stop();
    roma = undefined;
    await gate.until(() => gate.ended || gate.error !== undefined, 5_000, 'the stream to end');
    await stopping;
    expect(gate.error?.code ?? status.OK).toBe(status.OK);
  });
});
