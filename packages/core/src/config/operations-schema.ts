import { z } from 'zod';

/**
 * What operators need of a running gateway or agent: an operations listener (metrics, health,
 * readiness), how long a stop waits for calls in flight, and tracing. Shared by both roles.
 */

const listenAddress = (defaultPort: number) =>
  z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(defaultPort),
  });

/**
 * The operations listener: `/metrics` (Prometheus text), `/healthz`, `/readyz`. Absent: none. It
 * has no authentication, so keep it on loopback or a pod network, never on the public address.
 */
export const operationsSchema = (defaultPort: number) =>
  z
    .strictObject({
      listen: listenAddress(defaultPort).prefault({}),
    })
    .optional();

/**
 * A stop (SIGTERM): turn unready, take no new sessions, let calls in flight finish for at most
 * this long, then end what is left. A Kubernetes terminationGracePeriodSeconds must exceed it.
 */
export const shutdownSchema = z
  .strictObject({
    graceSeconds: z.number().min(0).max(3600).default(30),
  })
  .prefault({});

/**
 * OpenTelemetry tracing, exported over OTLP/HTTP (JSON). Absent: no tracing, unless
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export const telemetrySchema = z
  .strictObject({
    tracing: z
      .strictObject({
        /**
         * The collector's traces URL, e.g. `http://otel-collector:4318/v1/traces`; default from
         * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT.
         */
        otlpEndpoint: z.url({ protocol: /^https?$/ }).optional(),
        /** `service.name` of the spans; default `airlock-gateway` / `airlock-agent`. */
        serviceName: z.string().min(1).optional(),
        /** Extra headers for the collector (e.g. an API key); never logged. */
        headers: z.record(z.string(), z.string()).default({}),
      })
      .optional(),
  })
  .prefault({});

/** TLS on the gateway's public MCP listener; the files are read again when they change. */
export const listenerTlsSchema = z
  .strictObject({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
  })
  .optional();

export type OperationsConfig = z.infer<ReturnType<typeof operationsSchema>>;
export type ShutdownConfig = z.infer<typeof shutdownSchema>;
export type TelemetryConfig = z.infer<typeof telemetrySchema>;
export type TracingConfig = NonNullable<TelemetryConfig['tracing']>;
export type ListenerTlsConfig = z.infer<typeof listenerTlsSchema>;
