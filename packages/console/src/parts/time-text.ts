/** A recorded time as the person reads it: local date and time to the second. */
export function timeText(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

/** `+1.234 s` from the session's start. */
export function offsetText(ms: number): string {
  return `+${(ms / 1000).toFixed(3)} s`;
}
