// Spans for client requests at the gate: one per non-System packet, from its
// receipt in the worker until its response is sent, continued in Roma through
// the envelope's traceparent. The tracer exists only when tracing.enabled is
// true; with it off the data path pays one null check per packet and nothing
// else (no span objects, no maps).
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { PacketCode, type Packet } from '../gen/pantheon/client/v1/packet.js';
import { traceContextOf } from '../common/tracing.js';

/** Open request spans of one session, by Packet.index. */
export type RequestTraces = Map<number, Span>;

export interface Traced {
  sessionId: Buffer | null;
  traces: RequestTraces | null;
}

export class RequestTracer {
  constructor(private readonly tracer: Tracer, private readonly gateId: string) {}

  /** Starts the span of a client request that just arrived. */
  begin(session: Traced, packet: Packet): void {
    // Pushes carry index 0, so a response to index 0 could not be told from one.
    if (packet.index === 0) return;
    const span = this.tracer.startSpan('gate.request', {
      kind: SpanKind.SERVER,
      attributes: { 'pantheon.module': packet.mod, 'pantheon.seq': packet.seq, 'pantheon.gate_id': this.gateId },
    });
    // Hex costs a string per request: only for spans that will be exported.
    if (span.isRecording() && session.sessionId) span.setAttribute('pantheon.session_id', session.sessionId.toString('hex'));
    const traces = (session.traces ??= new Map());
    // A client reusing an index still in flight: the older span ends here rather than never.
    traces.get(packet.index)?.end();
    traces.set(packet.index, span);
  }
}

/** A traced request leaves for Roma: records the instance and puts the trace context on the envelope. */
export function traceForwarded(traces: RequestTraces, index: number, instanceId: string, envelope: { traceparent: string; tracestate: string }): void {
  const span = traces.get(index);
  if (!span) return;
  span.setAttribute('pantheon.roma_instance', instanceId);
  const { traceparent, tracestate } = traceContextOf(span);
  envelope.traceparent = traceparent;
  envelope.tracestate = tracestate;
}

/** The response to request `index` was sent: ends its span, if it was traced. */
export function endRequestTrace(traces: RequestTraces, index: number, code: number): void {
  const span = traces.get(index);
  if (!span) return;
  traces.delete(index);
  span.setAttribute('pantheon.code', code);
  if (code !== PacketCode.PACKET_CODE_OK) span.setStatus({ code: SpanStatusCode.ERROR, message: PacketCode[code] ?? String(code) });
  span.end();
}

/** The session closed with requests unanswered: their spans end as errors. */
export function endAllTraces(traces: RequestTraces, reason: string): void {
  for (const span of traces.values()) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    span.end();
  }
  traces.clear();
}
