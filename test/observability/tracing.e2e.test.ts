// Tracing end to end: the real gate and Roma export OTLP/HTTP (JSON) to a
// collector this test runs, and one Echo request yields a gate span whose
// child is Roma's span, linked through the envelope's traceparent.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/protocol/bytes.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer } from '../harness/player.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: OtlpAttribute[];
  service: string;
}

interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: Omit<OtlpSpan, 'service'>[] }[] }[];
}

/** The smallest OTLP/HTTP traces receiver: keeps every span it is sent, tagged with its service.name. */
async function startCollector(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.headers['content-type']?.startsWith('application/json')) {
        for (const resourceSpans of (JSON.parse(body) as OtlpExport).resourceSpans) {
          const service = String(attribute(resourceSpans.resource.attributes, 'service.name'));
          for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/traces`, spans };
}

function attribute(attributes: OtlpAttribute[], key: string): string | number | boolean | undefined {
  const value = attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue;
}

describe('request tracing across gate and Roma', () => {
  let cluster: TestCluster;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector();
    cluster = await createTestCluster({
      services: ['roma', 'lares', 'gate'],
      overrides: { tracing: { enabled: true, sample_ratio: 1, otlp_endpoint: collector.url } },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    collector?.server.close();
  });

  it("makes Roma's span a child of the gate's span for one Echo request", async () => {
    const player = await newPlayer(cluster);
    const client = await player.connect('ws');
    const reply = await client.request(2, 1, utf8('traced'));
    expect(Buffer.from(reply.data).toString()).toBe('traced');
    await client.heartbeat(); // System packets are answered by the gate itself and get no span
    const sessionHex = Buffer.from(client.sessionId).toString('hex');
    client.close();
    // Stopping flushes each process's (and each gate worker's) span buffer to the collector.
    await cluster.processes.gate!.stop();
    await cluster.processes.roma!.stop();

    const gateSpans = collector.spans.filter((s) => s.service === 'pantheon-gate' && s.name === 'gate.request');
    const romaSpans = collector.spans.filter((s) => s.service === 'pantheon-roma' && s.name === 'roma.request');
    expect(gateSpans).toHaveLength(1);
    expect(romaSpans).toHaveLength(1);
    const [gate] = gateSpans;
    const [roma] = romaSpans;
    expect(roma.traceId).toBe(gate.traceId);
    expect(roma.parentSpanId).toBe(gate.spanId);
    expect(gate.parentSpanId ?? '').toBe('');

    expect(attribute(gate.attributes, 'pantheon.module')).toBe(2);
    expect(attribute(gate.attributes, 'pantheon.seq')).toBe(1);
    expect(attribute(gate.attributes, 'pantheon.session_id')).toBe(sessionHex);
    expect(attribute(gate.attributes, 'pantheon.gate_id')).toBe('gate-1');
    expect(attribute(gate.attributes, 'pantheon.roma_instance')).toBe('roma-1');
    expect(attribute(gate.attributes, 'pantheon.code')).toBe(0);
    expect(attribute(roma.attributes, 'pantheon.module')).toBe(2);
    expect(attribute(roma.attributes, 'pantheon.session_id')).toBe(sessionHex);
    expect(attribute(roma.attributes, 'pantheon.roma_instance')).toBe('roma-1');
    expect(attribute(roma.attributes, 'pantheon.gate_id')).toBe('gate-1');
  });
});
