import { AirlockError } from '@airlock/core/client';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 2h`, `--since 2026-01-31T09:00:00Z`: an ISO time for the API. */
export function parseSessionTime(value: string, option: string, now = Date.now()): string {
  const relative = /^(\d+)([smhd])$/.exec(value.trim());
  if (relative)
    return new Date(now - Number(relative[1]) * (UNITS[relative[2] as string] as number)).toISOString();
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new AirlockError(
      'invalid_params',
      `--${option} "${value}" is not a time: give ISO-8601 (2026-01-31T09:00:00Z) or an age like 30m, 2h, 7d.`,
    );
  }
  return new Date(ms).toISOString();
}
