/**
 * @module
 * Formatting shared by the core, alerts and the API's text views: one way to write a duration.
 */

/** `1h05m` from an hour up, `4m07s` below. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

export const HOUR_MS = 3600_000;
