import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { formatTraceparent, parseTraceparent } from './traceparent.js';
import type { RelaySpan, RelayTracer, SpanAttributes } from './tracer.js';

export interface OtelTracerOptions {
  readonly serviceName: string;
  /** Default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  readonly url?: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The OpenTelemetry SDK behind RelayTracer: spans batched and exported as OTLP/HTTP JSON. Loaded
 * only by startTracing. No global provider is registered, so nothing else in the process (or a
 * library's own instrumentation) starts tracing because of it.
 */
export function createOtelTracer(options: OtelTracerOptions): RelayTracer {
  const exporter = new OTLPTraceExporter({
    ...(options.url ? { url: options.url } : {}),
    headers: { ...options.headers },
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('airlock');
  return {
    startSpan(name: string, parent: string | undefined, attributes: SpanAttributes): RelaySpan {
      const remote = parseTraceparent(parent);
      const parentContext: Context = remote
        ? trace.setSpanContext(context.active(), {
            traceId: remote.traceId,
            spanId: remote.spanId,
            traceFlags: remote.flags & TraceFlags.SAMPLED,
            isRemote: true,
          })
        : context.active();
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.SERVER, attributes: { ...attributes } },
        parentContext,
      );
      const own = span.spanContext();
      return {
        traceparent: formatTraceparent({ traceId: own.traceId, spanId: own.spanId, flags: own.traceFlags }),
        fail(message) {
          span.setStatus({ code: SpanStatusCode.ERROR, message });
        },
        end() {
          span.end();
        },
      };
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
