/**
 * The dashboard's 24-hour charts: one row per 5-minute bucket in the fleet object's SQLite store.
 * Written by the first observed pass of each bucket only, so a fleet adds at most 288 rows a day
 * (plus as many deletes) however often passes run: the Free plan allows 100,000 rows written a day.
 * @module
 */

import { z } from "zod";
import type { PassReport } from "../reconcile/report";

export const BUCKET_MS = 5 * 60_000;
export const HISTORY_ROWS = 288;

export const HistoryPoint = z.object({
  /** Start of the 5-minute bucket (ms, the fleet's clock: the simulator's under `npm start`). */
  at: z.number(),
  gamesPerSec: z.number(),
  dph: z.number(),
  running: z.number(),
  instances: z.number(),
});
export type HistoryPoint = z.infer<typeof HistoryPoint>;

type Row = { bucket: number; games_per_sec: number; dph: number; running: number; instances: number };

export class FleetHistory {
  /** The last bucket written, so that the passes in between do not even reach SQLite. */
  private lastBucket: number | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS history (bucket INTEGER PRIMARY KEY, games_per_sec REAL NOT NULL, dph REAL NOT NULL, running INTEGER NOT NULL, instances INTEGER NOT NULL)",
    );
  }

  /** Samples a pass; only passes that saw the fleet count (an empty report would draw a false zero). */
  record(report: PassReport): void {
    if (!report.observed || report.dryRun) return;
    const bucket = Math.floor(report.at / BUCKET_MS);
    if (this.lastBucket !== null && bucket <= this.lastBucket) return;
    this.lastBucket = bucket;
    // Same sums as /status's totals: games only from RUNNING workers, dollars from every worker billed.
    const gps = report.workers.reduce((s, w) => s + (w.phase === "RUNNING" ? (w.gamesPerSec ?? 0) : 0), 0);
    const dph = report.workers.reduce((s, w) => s + (w.dph ?? 0), 0);
    const running = report.workers.filter((w) => w.phase === "RUNNING").length;
    // OR IGNORE: after a restart the in-memory bucket is gone and the row may already exist.
    const cursor = this.sql.exec(
      "INSERT OR IGNORE INTO history (bucket, games_per_sec, dph, running, instances) VALUES (?, ?, ?, ?, ?)",
      bucket,
      gps,
      dph,
      running,
      report.workers.length,
    );
    if (cursor.rowsWritten > 0) this.sql.exec("DELETE FROM history WHERE bucket <= ?", bucket - HISTORY_ROWS);
  }

  /** The last 24 hours before `now`, oldest first. */
  points(now: number): HistoryPoint[] {
    const from = Math.floor(now / BUCKET_MS) - HISTORY_ROWS + 1;
    return this.sql
      .exec<Row>("SELECT bucket, games_per_sec, dph, running, instances FROM history WHERE bucket >= ? ORDER BY bucket", from)
      .toArray()
      .map((r) => ({
        at: Number(r.bucket) * BUCKET_MS,
        gamesPerSec: Math.round(Number(r.games_per_sec) * 100) / 100,
        dph: Math.round(Number(r.dph) * 10_000) / 10_000,
        running: Number(r.running),
        instances: Number(r.instances),
      }));
  }

  clear(): void {
    this.sql.exec("DELETE FROM history");
    this.lastBucket = null;
  }
}
