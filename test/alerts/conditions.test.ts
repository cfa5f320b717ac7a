import { describe, expect, it } from "vitest";
import { conditions, emptyTracking } from "../../src/alerts/conditions";
import { DEFAULTS } from "../../src/config/fleet";
import { emptyHealth } from "../../src/health/hf";
import type { PassReport, WorkerView } from "../../src/reconcile/report";
import { emptyState, type FleetState } from "../../src/reconcile/state";

const NOW = Date.UTC(2026, 1, 6, 12);

function worker(id: number, hfAuthError: boolean): WorkerView {
  return {
    id,
    label: `zeb-worker-vast-${id}`,
    slot: id,
    gpu: "RTX 3060",
    machineId: 100 + id,
    status: "running",
    phase: "RUNNING",
    detail: "batch",
    since: NOW - 3_600_000,
    startedAt: NOW - 3_600_000,
    dph: 0.06,
    gamesPerSec: 4,
    batch: 9,
    step: 1,
    totalGames: 2304,
    ssh: null,
    hfAuthError,
    everRan: true,
    fatalKind: null,
    logsUnreadableSince: null,
    storageDph: null,
    uploadedGames: null,
  };
}

function report(workers: WorkerView[]): PassReport {
  return {
    at: NOW,
    fleet: "zeb",
    observed: true,
    dryRun: false,
    workers,
    actions: [],
    held: [],
    errors: [],
    phaseChanges: [],
    firstRunning: [],
    subrequests: 0,
    dph: 0.12,
  };
}

const hfAlerts = (workers: WorkerView[], state: FleetState) =>
  conditions({
    fleet: "zeb",
    report: report(workers),
    state,
    config: DEFAULTS,
    health: emptyHealth(),
    tracking: emptyTracking(),
    alerted: new Set(),
  }).conditions.filter((c) => c.kind === "hf_auth");

describe("alert conditions: Hugging Face rejects HF_TOKEN", () => {
  const held: FleetState = { ...emptyState(), hfAuthHold: { since: NOW - 60_000, token: "fp" } };

  it("fires while the pass holds launches for the token, naming the workers that show it", () => {
    const [alert, ...rest] = hfAlerts([worker(0, true), worker(1, false)], held);
    expect(rest).toEqual([]);
    expect(alert?.detail).toContain("zeb-worker-vast-0");
    expect(alert?.detail).not.toContain("zeb-worker-vast-1");
  });

  it("stays quiet when a peer vouched for the token (no hold): that host is replaced, the token is fine", () => {
    expect(hfAlerts([worker(0, true), worker(1, false)], emptyState())).toEqual([]);
  });
});

describe("alert conditions: a FATAL worker not replaced after its grace and two minutes", () => {
  const unhealthy = (over: Partial<WorkerView>) =>
    conditions({
      fleet: "zeb",
      report: report([{ ...worker(0, false), phase: "FATAL", detail: "fatal", everRan: false, ...over }]),
      state: emptyState(),
      config: DEFAULTS,
      health: emptyHealth(),
      tracking: emptyTracking(),
      alerted: new Set(),
    }).conditions.filter((c) => c.kind === "worker_unhealthy");

  // The planner's grace (fatalGraceS): errGraceS (300 s) for a traceback, none for a worker that never started and cannot.
  it.each<[string, Partial<WorkerView>, boolean]>([
    ["a traceback, FATAL 419 s", { fatalKind: "traceback", since: NOW - 419_000 }, false],
    ["a traceback, FATAL 420 s", { fatalKind: "traceback", since: NOW - 420_000 }, true],
    ["No CUDA before its first batch, FATAL 119 s", { fatalKind: "no_cuda", since: NOW - 119_000 }, false],
    ["No CUDA before its first batch, FATAL 120 s", { fatalKind: "no_cuda", since: NOW - 120_000 }, true],
    ["No CUDA in a worker that ran, FATAL 120 s", { fatalKind: "no_cuda", everRan: true, since: NOW - 120_000 }, false],
  ])("%s → alert: %s", (_name, over, fires) => {
    expect(unhealthy(over)).toHaveLength(fires ? 1 : 0);
  });
});
