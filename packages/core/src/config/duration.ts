/** Units a duration may use, in seconds. */
const UNITS: Readonly<Record<string, number>> = Object.freeze({ s: 1, m: 60, h: 3600, d: 86_400 });
const DURATION = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;

/** The longest duration anything in Airlock takes: a year. */
export const MAX_DURATION_SECONDS = 366 * 86_400;

/**
 * Why `text` is not a duration (`90s`, `15m`, `1h`, `8h30m`, `2d`), or undefined when it is one.
 * Units go from largest to smallest, each at most once; the total is 1 s to a year.
 */
export function durationProblem(text: string): string | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null || text.trim() === '') {
    return `"${text}" is not a duration: write a number with a unit, largest first, e.g. 90s, 15m, 1h, 8h30m or 2d`;
  }
  const seconds = secondsOf(match);
  if (seconds < 1) return `"${text}" is zero: a duration is at least 1s`;
  if (seconds > MAX_DURATION_SECONDS) return `"${text}" is longer than a year`;
  return undefined;
}

function secondsOf(match: RegExpExecArray): number {
  const [, d, h, m, s] = match;
  return (
    Number(d ?? 0) * (UNITS['d'] as number) +
    Number(h ?? 0) * (UNITS['h'] as number) +
    Number(m ?? 0) * (UNITS['m'] as number) +
    Number(s ?? 0)
  );
}

/** Seconds in a duration such as `1h` or `8h30m`; throws with durationProblem's message otherwise. */
export function parseDuration(text: string): number {
  const problem = durationProblem(text);
  if (problem !== undefined) throw new RangeError(problem);
  return secondsOf(DURATION.exec(text.trim()) as RegExpExecArray);
}

/** `3600` → `1h`, `5400` → `1h30m`: the shortest text parseDuration reads back. */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.round(seconds));
  let text = '';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text === '' ? '0s' : text;
}
