// OpenTelemetry tracing for one thread: a tracer provider of its own (gate
// workers each build one; nothing is registered globally), sampled by
// tracing.sample_ratio unless the caller's trace decided already, exporting
// over OTLP/HTTP when tracing.otlp_endpoint is set. When tracing.enabled is
// false there is no provider at all and callers hold null.
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { PantheonConfig } from './config/index.js';

export type TracingConfig = PantheonConfig['tracing'];

/** A shutdown that has not flushed by then gives up, so a dead collector cannot hold a process open. */
const SHUTDOWN_TIMEOUT_MS = 2_000;
const propagator = new W3CTraceContextPropagator();

export interface Tracing {
  readonly tracer: Tracer;
  /** Exports what is buffered, then stops; bounded by SHUTDOWN_TIMEOUT_MS. */
  shutdown(): Promise<void>;
}

export interface TracedService {
  /** e.g. "pantheon-gate" */
  name: string;
  /** Config id of the process, e.g. "gate-1". */
  instance: string;
  /** Extra resource attributes, e.g. the worker index. */
  attributes?: Record<string, string | number>;
}

export function startTracing(config: TracingConfig, service: TracedService): Tracing | null {
  if (!config.enabled) return null;
  const spanProcessors: SpanProcessor[] = config.otlp_endpoint ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlp_endpoint }))] : [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service.name, 'service.instance.id': service.instance, ...service.attributes }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sample_ratio) }),
    spanProcessors,
  });
  return {
    tracer: provider.getTracer('pantheon'),
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolveTimeout) => (timer = setTimeout(resolveTimeout, SHUTDOWN_TIMEOUT_MS)));
      await Promise.race([provider.shutdown(), timeout]);
      clearTimeout(timer);
    },
  };
}

/** The W3C trace context of `span`, for a message that carries it to the next process. */
export function traceContextOf(span: Span): { traceparent: string; tracestate: string } {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return { traceparent: carrier.traceparent ?? '', tracestate: carrier.tracestate ?? '' };
}

/** The parent context a received traceparent describes (the root context when there is none or it is malformed). */
export function contextFromTraceparent(traceparent: string, tracestate: string): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, tracestate ? { traceparent, tracestate } : { traceparent }, defaultTextMapGetter);
}
