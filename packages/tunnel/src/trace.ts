/**
 * Per-subsystem debug switches, grpc-js style: AIRLOCK_TRACE=tunnel,recording (or "all").
 * Read when a component is created, so the hot path only tests a boolean.
 */
export function isTraceEnabled(
  subsystem: string,
  setting: string | undefined = process.env.AIRLOCK_TRACE,
): boolean {
  if (!setting) return false;
  return setting
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .some((s) => s === subsystem || s === 'all' || s === '*');
}
