// Roma's span for one request: a child of the gate's span when the envelope
// carries the gate's traceparent (otherwise a root, sampled by
// tracing.sample_ratio), from arrival on the tunnel until the response is
// queued. Exists only when tracing.enabled is true.
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { contextFromTraceparent } from '../../common/tracing.js';
import { PacketCode } from '../../gen/pantheon/client/v1/packet.js';
import type { Envelope } from '../../gen/pantheon/roma/v1/tunnel.js';
import type { SessionInfo } from './module-api.js';

export class RomaRequestTracer {
  constructor(
    private readonly tracer: Tracer,
    private readonly instanceId: string,
  ) {}

  start(request: Envelope, session: SessionInfo): Span {
    const span = this.tracer.startSpan(
      'roma.request',
      {
        kind: SpanKind.SERVER,
        attributes: { 'pantheon.module': request.mod, 'pantheon.seq': request.seq, 'pantheon.roma_instance': this.instanceId, 'pantheon.gate_id': session.gateId },
      },
      contextFromTraceparent(request.traceparent, request.tracestate),
    );
    if (span.isRecording()) span.setAttribute('pantheon.session_id', session.idHex);
    return span;
  }

  finish(span: Span, code: PacketCode): void {
    span.setAttribute('pantheon.code', code);
    if (code !== PacketCode.PACKET_CODE_OK) span.setStatus({ code: SpanStatusCode.ERROR, message: PacketCode[code] ?? String(code) });
    span.end();
  }
}
