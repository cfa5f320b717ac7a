import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BUCKET_MS, FleetHistory, HISTORY_ROWS } from "../../src/fleet/history";
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
        { at: t0, gamesPerSec: 4, dph: 0.15, running: 1, instances: 2 },
        { at: t0 + 2 * BUCKET_MS, gamesPerSec: 8, dph: 0.3, running: 2, instances: 2 },
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
