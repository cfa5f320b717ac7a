/**
 * Formatting shared by the core, alerts, the API's views and the CLI: one way to write a duration,
 * to round a figure, to lay out a table for a terminal, and to fingerprint a secret.
 * @module
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

/**
 * Fingerprints already taken, by length and text. Every pass fingerprints the same HF token, and
 * in Node WebCrypto's digest is a thread-pool job: a fifth of the fleet benchmark's CPU before.
 * The texts kept are secrets the process holds anyway (its env); nothing leaves memory.
 */
const fingerprints = new Map<string, string>();
const FINGERPRINTS_KEPT = 16;

/** The first `bytes` bytes of a SHA-256, in hex: enough to notice that a secret changed without keeping anything that reveals it. */
export async function sha256Hex(text: string, bytes: number): Promise<string> {
  const key = `${bytes}:${text}`;
  const known = fingerprints.get(key);
  if (known !== undefined) return known;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const hex = [...new Uint8Array(digest).slice(0, bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (fingerprints.size >= FINGERPRINTS_KEPT) fingerprints.clear();
  fingerprints.set(key, hex);
  return hex;
}

/** A column of a terminal table: its title, its cell for a row, and whether it is right-aligned (numbers). */
export interface TextColumn<T> {
  title: string;
  right?: boolean;
  cell: (row: T) => string;
}

/** Title, rule, one line per row, rule: columns two spaces apart, as `vast_status.sh` prints them. */
export function textTable<T>(columns: readonly TextColumn<T>[], rows: readonly T[]): string[] {
  const cells = rows.map((row) => columns.map((col) => col.cell(row)));
  const widths = columns.map((col, k) => Math.max(col.title.length, ...cells.map((r) => (r[k] ?? "").length)));
  const line = (values: string[]) =>
    values
      .map((cell, k) => (columns[k]?.right ? cell.padStart(widths[k] ?? 0) : cell.padEnd(widths[k] ?? 0)))
      .join("  ")
      .trimEnd();
  const rule = "-".repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [line(columns.map((c) => c.title)), rule, ...cells.map(line), rule];
}
