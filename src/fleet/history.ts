/**
 * The dashboard's charts: one row per 5-minute bucket for 24 hours, and one per hour for 7 days
 * (the mean of that hour's 5-minute rows), in the fleet object's SQLite store. Written by the first
 * observed pass of each 5-minute bucket only, so a fleet adds at most 288 rows a day to each table
 * (plus as many deletes) however often passes run: the Free plan allows 100,000 rows written a day.
 * @module
 */
import { z } from "zod";
import { HOUR_MS, round } from "../format";
import { gamesPerDollar } from "../reconcile/offers";
import type { PassReport } from "../reconcile/report";

export const BUCKET_MS = 5 * 60_000;
export const HISTORY_ROWS = 288;
/** 7 days of hourly rows. */
export const HOURLY_ROWS = 168;

export const HISTORY_WINDOWS = ["24h", "7d"] as const;
export const HistoryWindow = z.enum(HISTORY_WINDOWS);
export type HistoryWindow = z.infer<typeof HistoryWindow>;

export const GpuPoint = z.object({ gpu: z.string(), gamesPerSec: z.number(), dph: z.number() });
export type GpuPoint = z.infer<typeof GpuPoint>;
const GpuPoints = z.array(GpuPoint);

export const HistoryPoint = z.object({
  /** Start of the bucket (ms, the fleet's clock: the simulator's under `npm start`). */
  at: z.number(),
  gamesPerSec: z.number(),
  dph: z.number(),
  running: z.number(),
  instances: z.number(),
  /** Expected games per dollar at that rate; null while the fleet cost nothing. */
  gamesPerDollar: z.number().nullable(),
  /** The same by GPU model, so that games per dollar can be drawn per model. */
  byGpu: GpuPoints,
});
export type HistoryPoint = z.infer<typeof HistoryPoint>;

export const windowBucketMs = (window: HistoryWindow): number => (window === "7d" ? HOUR_MS : BUCKET_MS);

type Row = { bucket: number; games_per_sec: number; dph: number; running: number; instances: number; by_gpu: string };

const COLUMNS =
  "games_per_sec REAL NOT NULL, dph REAL NOT NULL, running REAL NOT NULL, instances REAL NOT NULL, by_gpu TEXT NOT NULL DEFAULT '[]'";

/** Same sums as /status's totals: games only from RUNNING workers, dollars from every worker billed. */
function sample(report: PassReport): Omit<Row, "bucket"> {
  const byGpu = new Map<string, GpuPoint>();
  for (const w of report.workers) {
    const gpu = w.gpu ?? "unknown";
    const p = byGpu.get(gpu) ?? { gpu, gamesPerSec: 0, dph: 0 };
    p.gamesPerSec += w.phase === "RUNNING" ? (w.gamesPerSec ?? 0) : 0;
    p.dph += w.dph ?? 0;
    byGpu.set(gpu, p);
  }
  const gpus = [...byGpu.values()].sort((a, b) => a.gpu.localeCompare(b.gpu));
  return {
    games_per_sec: gpus.reduce((s, p) => s + p.gamesPerSec, 0),
    dph: gpus.reduce((s, p) => s + p.dph, 0),
    running: report.workers.filter((w) => w.phase === "RUNNING").length,
    instances: report.workers.length,
    by_gpu: JSON.stringify(gpus),
  };
}

function gpusOf(text: string): GpuPoint[] {
  let raw: unknown = null;
  try {
    raw = JSON.parse(text);
  } catch {
    // A row that is not JSON draws no models, like one from before they were kept.
  }
  const parsed = GpuPoints.safeParse(raw);
  return parsed.success ? parsed.data : [];
}

/** The mean of `rows` (the 5-minute samples of one hour), models averaged over every sample. */
function mean(rows: Row[]): Omit<Row, "bucket"> {
  const n = rows.length;
  const avg = (pick: (r: Row) => number) => rows.reduce((s, r) => s + pick(r), 0) / n;
  const byGpu = new Map<string, GpuPoint>();
  for (const r of rows)
    for (const p of gpusOf(r.by_gpu)) {
      const m = byGpu.get(p.gpu) ?? { gpu: p.gpu, gamesPerSec: 0, dph: 0 };
      m.gamesPerSec += p.gamesPerSec / n;
      m.dph += p.dph / n;
      byGpu.set(p.gpu, m);
    }
  return {
    games_per_sec: avg((r) => Number(r.games_per_sec)),
    dph: avg((r) => Number(r.dph)),
    running: avg((r) => Number(r.running)),
    instances: avg((r) => Number(r.instances)),
    by_gpu: JSON.stringify([...byGpu.values()].sort((a, b) => a.gpu.localeCompare(b.gpu))),
  };
}

function point(r: Row, bucketMs: number): HistoryPoint {
  const gamesPerSec = Number(r.games_per_sec);
  const dph = Number(r.dph);
  return {
    at: Number(r.bucket) * bucketMs,
    gamesPerSec: round(gamesPerSec, 2),
    dph: round(dph, 4),
    running: round(Number(r.running), 1),
    instances: round(Number(r.instances), 1),
    gamesPerDollar: dph > 0 ? Math.round(gamesPerDollar(gamesPerSec, dph)) : null,
    byGpu: gpusOf(r.by_gpu).map((p) => ({ gpu: p.gpu, gamesPerSec: round(p.gamesPerSec, 2), dph: round(p.dph, 4) })),
  };
}

export class FleetHistory {
  /** The last bucket written, so that the passes in between do not even reach SQLite. */
  private lastBucket: number | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS history (bucket INTEGER PRIMARY KEY, ${COLUMNS})`);
    sql.exec(`CREATE TABLE IF NOT EXISTS history_hourly (bucket INTEGER PRIMARY KEY, ${COLUMNS})`);
    // Tables created before the models were kept gain the column; their rows read as no models.
    const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('history')").toArray();
    if (!columns.some((c) => c.name === "by_gpu")) sql.exec("ALTER TABLE history ADD COLUMN by_gpu TEXT NOT NULL DEFAULT '[]'");
  }

  /** Samples a pass; only passes that saw the fleet count (an empty report would draw a false zero). */
  record(report: PassReport): void {
    if (!report.observed || report.dryRun) return;
    const bucket = Math.floor(report.at / BUCKET_MS);
    if (this.lastBucket !== null && bucket <= this.lastBucket) return;
    this.lastBucket = bucket;
    const s = sample(report);
    // OR IGNORE: after a restart the in-memory bucket is gone and the row may already exist.
    const cursor = this.sql.exec(
      "INSERT OR IGNORE INTO history (bucket, games_per_sec, dph, running, instances, by_gpu) VALUES (?, ?, ?, ?, ?, ?)",
      bucket,
      s.games_per_sec,
      s.dph,
      s.running,
      s.instances,
      s.by_gpu,
    );
    if (cursor.rowsWritten === 0) return;
    this.sql.exec("DELETE FROM history WHERE bucket <= ?", bucket - HISTORY_ROWS);
    this.rollUp(Math.floor(report.at / HOUR_MS));
  }

  /** The hour's row becomes the mean of its 5-minute rows so far. */
  private rollUp(hour: number): void {
    const per = HOUR_MS / BUCKET_MS;
    const rows = this.sql.exec<Row>("SELECT * FROM history WHERE bucket >= ? AND bucket < ?", hour * per, (hour + 1) * per).toArray();
    if (rows.length === 0) return;
    const m = mean(rows);
    this.sql.exec(
      "INSERT OR REPLACE INTO history_hourly (bucket, games_per_sec, dph, running, instances, by_gpu) VALUES (?, ?, ?, ?, ?, ?)",
      hour,
      m.games_per_sec,
      m.dph,
      m.running,
      m.instances,
      m.by_gpu,
    );
    this.sql.exec("DELETE FROM history_hourly WHERE bucket <= ?", hour - HOURLY_ROWS);
  }

  /** The window before `now`, oldest first: 24 hours of 5-minute points, or 7 days of hourly ones. */
  points(now: number, window: HistoryWindow = "24h"): HistoryPoint[] {
    const bucketMs = windowBucketMs(window);
    const [table, rows] = window === "7d" ? ["history_hourly", HOURLY_ROWS] : ["history", HISTORY_ROWS];
    const from = Math.floor(now / bucketMs) - rows + 1;
    return this.sql
      .exec<Row>(`SELECT * FROM ${table} WHERE bucket >= ? ORDER BY bucket`, from)
      .toArray()
      .map((r) => point(r, bucketMs));
  }

  clear(): void {
    this.sql.exec("DELETE FROM history");
    this.sql.exec("DELETE FROM history_hourly");
    this.lastBucket = null;
  }
}
