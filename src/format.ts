/**
 * @module
 * Formatting shared by the core, alerts and the API's views: one way to write a duration, to
 * round a figure, and to fingerprint a secret.
 */

/** `1h05m` from an hour up, `4m07s` below. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

export const HOUR_MS = 3600_000;

/** `x` to `digits` decimals. */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The first `bytes` bytes of a SHA-256, in hex: enough to notice that a secret changed without keeping anything that reveals it. */
export async function sha256Hex(text: string, bytes: number): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
