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

/** The first `bytes` bytes of a SHA-256, in hex: enough to notice that a secret changed without keeping anything that reveals it. */
export async function sha256Hex(text: string, bytes: number): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
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
