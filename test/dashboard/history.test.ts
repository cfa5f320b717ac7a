import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BUCKET_MS, FleetHistory, HISTORY_ROWS, HOURLY_ROWS } from "../../src/fleet/history";
import type { PassReport, WorkerView } from "../../src/reconcile/report";
import type { Phase } from "../../src/reconcile/state";

/** The dashboard's 24-hour history: one row per 5-minute bucket, at most 288, only observed passes. */

function worker(id: number, phase: Phase, dph: number, gamesPerSec: number | null): WorkerView {
  return {
    id,
    label: `h-worker-vast-${id}`,
    slot: id,
    gpu: "RTX 3060",
    machineId: id,
    status: "running",
    phase,
    detail: "",
    since: 0,
    startedAt: 0,
    dph,
    gamesPerSec,
    batch: null,
    step: null,
    totalGames: null,
    ssh: null,
    hfAuthError: false,
    everRan: phase === "RUNNING",
    fatalKind: null,
    logsUnreadableSince: null,
    storageDph: null,
    uploadedGames: null,
  };
}

function report(at: number, workers: WorkerView[], over: Partial<PassReport> = {}): PassReport {
  return {
    at,
    fleet: "h",
    observed: true,
    dryRun: false,
    workers,
    actions: [],
    held: [],
    errors: [],
    phaseChanges: [],
    firstRunning: [],
    subrequests: 0,
    dph: 0,
    ...over,
  };
}

async function withHistory<T>(name: string, body: (h: FleetHistory, sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(env.FLEET.getByName(name), (_instance, state) => body(new FleetHistory(state.storage.sql), state.storage.sql));
}

describe("fleet history", () => {
  it("samples the first observed pass of each bucket, with games only from RUNNING workers", async () => {
    await withHistory("history-sample", (h) => {
      const t0 = 1000 * BUCKET_MS;
      h.record(report(t0 + 1000, [worker(1, "RUNNING", 0.1, 4), worker(2, "BOOT", 0.05, 9)]));
      h.record(report(t0 + 60_000, [worker(1, "RUNNING", 0.1, 100)])); // same bucket: ignored
      h.record(report(t0 + BUCKET_MS, [], { observed: false })); // an empty report is no evidence of zero
      h.record(report(t0 + BUCKET_MS + 5, [worker(1, "RUNNING", 0.1, 5)], { dryRun: true }));
      h.record(report(t0 + 2 * BUCKET_MS, [worker(1, "RUNNING", 0.2, 5), worker(2, "RUNNING", 0.1, 3)]));
      expect(h.points(t0 + 2 * BUCKET_MS)).toEqual([
        {
          at: t0,
          gamesPerSec: 4,
          dph: 0.15,
          running: 1,
          instances: 2,
          gamesPerDollar: 96_000,
          byGpu: [{ gpu: "RTX 3060", gamesPerSec: 4, dph: 0.15 }],
        },
        {
          at: t0 + 2 * BUCKET_MS,
          gamesPerSec: 8,
          dph: 0.3,
          running: 2,
          instances: 2,
          gamesPerDollar: 96_000,
          byGpu: [{ gpu: "RTX 3060", gamesPerSec: 8, dph: 0.3 }],
        },
      ]);
    });
  });

  it("keeps at most a day of rows and answers only the last 24 hours", async () => {
    await withHistory("history-cap", (h, sql) => {
      const t0 = 5000 * BUCKET_MS;
      const n = HISTORY_ROWS + 40;
      for (let i = 0; i < n; i++) h.record(report(t0 + i * BUCKET_MS, [worker(1, "RUNNING", 0.1, i)]));
      const rows = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM history").one().n;
      expect(rows).toBe(HISTORY_ROWS);
      const now = t0 + (n - 1) * BUCKET_MS;
      const points = h.points(now);
      expect(points).toHaveLength(HISTORY_ROWS);
      expect(points[0]?.at).toBe(now - (HISTORY_ROWS - 1) * BUCKET_MS);
      expect(points.at(-1)?.gamesPerSec).toBe(n - 1);
      // Twelve hours later, half of it has aged out of the window.
      expect(h.points(now + 144 * BUCKET_MS)).toHaveLength(HISTORY_ROWS - 144);
    });
  });

  it("splits each point by GPU model, and answers null games per dollar while nothing costs", async () => {
    await withHistory("history-gpus", (h) => {
      const t0 = 3000 * BUCKET_MS;
      h.record(report(t0, []));
      h.record(report(t0 + BUCKET_MS, [worker(1, "RUNNING", 0.1, 4), { ...worker(2, "RUNNING", 0.2, 6), gpu: "RTX 3090" }]));
      const [idle, busy] = h.points(t0 + BUCKET_MS);
      expect(idle).toMatchObject({ dph: 0, gamesPerDollar: null, byGpu: [] });
      expect(busy?.byGpu).toEqual([
        { gpu: "RTX 3060", gamesPerSec: 4, dph: 0.1 },
        { gpu: "RTX 3090", gamesPerSec: 6, dph: 0.2 },
      ]);
      expect(busy?.gamesPerDollar).toBe(Math.round((10 * 3600) / 0.3));
    });
  });

  it("keeps 7 days of hourly means of the 5-minute rows", async () => {
    await withHistory("history-7d", (h, sql) => {
      const hour = 12 * BUCKET_MS;
      const t0 = 400_000 * hour;
      const n = (HOURLY_ROWS + 10) * 12;
      // Within each hour the games/s climb 0..11: the hour's mean is 5.5.
      for (let i = 0; i < n; i++) h.record(report(t0 + i * BUCKET_MS, [worker(1, "RUNNING", 0.1 * (1 + (i % 2)), i % 12)]));
      expect(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM history_hourly").one().n).toBe(HOURLY_ROWS);
      const now = t0 + (n - 1) * BUCKET_MS;
      const points = h.points(now, "7d");
      expect(points).toHaveLength(HOURLY_ROWS);
      expect(points[0]?.at).toBe(now - (now % hour) - (HOURLY_ROWS - 1) * hour);
      for (const p of points) expect(p).toMatchObject({ gamesPerSec: 5.5, dph: 0.15, running: 1, instances: 1 });
      expect(points.at(-1)?.byGpu).toEqual([{ gpu: "RTX 3060", gamesPerSec: 5.5, dph: 0.15 }]);
      expect(h.points(now)).toHaveLength(HISTORY_ROWS);
    });
  });

  it("adds the GPU column to a table made before it, its old rows drawing no models", async () => {
    await withHistory("history-migrate", (_h, sql) => {
      sql.exec("DROP TABLE history");
      sql.exec(
        "CREATE TABLE history (bucket INTEGER PRIMARY KEY, games_per_sec REAL NOT NULL, dph REAL NOT NULL, running INTEGER NOT NULL, instances INTEGER NOT NULL)",
      );
      sql.exec("INSERT INTO history VALUES (?, 4, 0.1, 1, 1)", 9000);
      const h = new FleetHistory(sql);
      h.record(report(9001 * BUCKET_MS, [worker(1, "RUNNING", 0.1, 5)]));
      expect(h.points(9001 * BUCKET_MS).map((p) => p.byGpu.length)).toEqual([0, 1]);
    });
  });

  it("survives a restart of the object without a second row in the bucket", async () => {
    await withHistory("history-restart", (h, sql) => {
      const t0 = 7000 * BUCKET_MS;
      h.record(report(t0, [worker(1, "RUNNING", 0.1, 1)]));
      new FleetHistory(sql).record(report(t0 + 1000, [worker(1, "RUNNING", 0.1, 50)]));
      expect(h.points(t0).map((p) => p.gamesPerSec)).toEqual([1]);
      h.clear();
      expect(h.points(t0)).toEqual([]);
    });
  });
});
