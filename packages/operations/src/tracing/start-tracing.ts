import type { TracingConfig } from '@airlock/core';
import type { Logger } from 'pino';
import type { RelayTracer } from './tracer.js';

/** Whether tracing is asked for: the config section, or the standard OpenTelemetry variables. */
export function tracingRequested(
  config: TracingConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return (
    config !== undefined ||
    Boolean(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) ||
    Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'])
  );
}

/**
 * Starts OpenTelemetry tracing when it is asked for, else returns undefined. The SDK and the OTLP
 * exporter are imported here, on demand: a process without tracing never loads them.
 */
export async function startTracing(
  config: TracingConfig | undefined,
  defaultServiceName: string,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RelayTracer | undefined> {
  if (!tracingRequested(config, env)) return undefined;
  const { createOtelTracer } = await import('./otel-tracer.js');
  const tracer = createOtelTracer({
    serviceName: config?.serviceName ?? env['OTEL_SERVICE_NAME'] ?? defaultServiceName,
    ...(config?.otlpEndpoint ? { url: config.otlpEndpoint } : {}),
    headers: config?.headers ?? {},
  });
  // The endpoint only: headers may hold a collector's API key.
  logger.info(
    { otlpEndpoint: config?.otlpEndpoint ?? '(from OTEL_EXPORTER_OTLP_* variables)' },
    'exporting traces over OTLP/HTTP',
  );
  return tracer;
}
