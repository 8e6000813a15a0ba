export { Readiness, type ReadinessCheck, type ReadinessReport } from './health/readiness.js';
export { serveHealth } from './health/health-routes.js';
export { CallsInFlight } from './shutdown/calls-in-flight.js';
export { spoolWritable } from './health/spool-writable.js';
export { AgentMetrics, type AgentObservations } from './metrics/agent-metrics.js';
export { CALL_DURATION_BUCKETS, CallMetrics, type CallOutcome } from './metrics/call-metrics.js';
export { GatewayMetrics, type GatewayObservations } from './metrics/gateway-metrics.js';
export { methodLabel } from './metrics/method-label.js';
export {
  registerRecordingMetrics,
  type ObservedDelivery,
  type ObservedRecording,
} from './metrics/recording-metrics.js';
export {
  startOperationsListener,
  type OperationsListener,
  type OperationsListenerOptions,
} from './operations-listener.js';
export { startTracing, tracingRequested } from './tracing/start-tracing.js';
export { formatTraceparent, parseTraceparent, type TraceParent } from './tracing/traceparent.js';
export type { RelaySpan, RelayTracer, SpanAttributes } from './tracing/tracer.js';
export { HELPER_THREAD_NICE, keepHelperThreadsLow, lowerHelperThreads } from './scheduling/helper-threads.js';
