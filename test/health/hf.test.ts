import { describe, expect, it } from "vitest";
import { conditions, emptyTracking } from "../../src/alerts/conditions";
import { DEFAULTS, type FleetConfig } from "../../src/config/fleet";
import { applyWeights, checkWeights, emptyHealth, HOLD_PREFIX, type HfDeps, runBootstrap, runProgressChecks } from "../../src/health/hf";
import type { PassReport, WorkerView } from "../../src/reconcile/report";
import { emptyState } from "../../src/reconcile/state";
import { hfStandIn } from "../alerts/standins";

const TOKEN = "hf_test_SECRET";
const config: FleetConfig = {
  ...DEFAULTS,
  workers: 2,
  repoId: "me/zeb",
  examplesRepoId: "me/zeb-examples",
  weightsName: "zeb-1",
  learnerStallS: 3600,
  uploadInterval: 240,
};
const deps = (handle: (r: Request) => Promise<Response>, token = TOKEN): HfDeps => ({ fetch: handle, endpoint: "https://hf.test", token });
const T0 = Date.UTC(2026, 5, 1, 3, 0, 0);
const MIN = 60_000;

function worker(id: number, since: number): WorkerView {
  return {
    id,
    label: `zeb-worker-vast-${id}`,
    slot: id,
    gpu: "RTX 3060",
    machineId: 100 + id,
    status: "running",
    phase: "RUNNING",
    detail: "batch",
    since,
    startedAt: since,
    dph: 0.08,
    gamesPerSec: 4,
    batch: 1,
    step: 1,
    totalGames: 256,
    ssh: null,
    hfAuthError: false,
    everRan: true,
    fatalKind: null,
    logsUnreadableSince: null,
    storageDph: null,
    uploadedGames: null,
  };
}
function report(at: number, workers: WorkerView[]): PassReport {
  return {
    at,
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
    dph: 0.16,
  };
}

describe("weights bootstrap check", () => {
  it("HEADs resolve/main/<weights>.pt with the token, without following the CDN redirect: 302 is present", async () => {
    const hf = hfStandIn({ token: TOKEN, repos: { "me/zeb": { "zeb-1.pt": "weights" } } });
    expect((await checkWeights(deps(hf.handle), config)).result).toBe("present");
    expect(hf.seen).toEqual([{ method: "HEAD", path: "/me/zeb/resolve/main/zeb-1.pt", auth: `Bearer ${TOKEN}`, redirect: "manual" }]);
  });

  it("tells a missing file and a missing repo (404 X-Error-Code) from a rejected token (401 Invalid credentials)", async () => {
    const hf = hfStandIn({ token: TOKEN, repos: { "me/zeb": {} } });
    const missing = await checkWeights(deps(hf.handle), config);
    expect(missing.result).toBe("missing");
    expect(missing.detail).toContain("EntryNotFound");
    const noRepo = await checkWeights(deps(hf.handle), { ...config, repoId: "me/other" });
    expect(noRepo.result).toBe("missing");
    expect(noRepo.detail).toContain("RepoNotFound");
    const badToken = await checkWeights(deps(hf.handle, "hf_wrongtoken"), config);
    expect(badToken.result).toBe("unauthorized");
  });

  it("5xx and network errors are unknown, and unknown never changes the hold", async () => {
    const hf = hfStandIn({ token: TOKEN, down: 503 });
    expect((await checkWeights(deps(hf.handle), config)).result).toBe("unknown");
    expect(
      (
        await checkWeights(
          deps(() => Promise.reject(new TypeError("reset"))),
          config,
        )
      ).result,
    ).toBe("unknown");
    expect(applyWeights(null, "unknown", "x")).toBeNull();
    expect(applyWeights(`${HOLD_PREFIX}missing`, "unknown", "x")).toBe(`${HOLD_PREFIX}missing`);
  });

  it("holds launches while missing, lifts only its own hold once present, and re-checks every 10 minutes", async () => {
    const hf = hfStandIn({ token: TOKEN, repos: { "me/zeb": {} } });
    const health = emptyHealth();
    let hold = emptyState().launchHold;
    hold = await runBootstrap(deps(hf.handle), health, hold, config, T0);
    expect(hold).toMatch(/^Hugging Face: zeb-1\.pt not found/);
    hold = await runBootstrap(deps(hf.handle), health, hold, config, T0 + 5 * MIN);
    expect(hf.seen).toHaveLength(1);
    hf.hub.repos["me/zeb"] = { "zeb-1.pt": "weights" };
    hold = await runBootstrap(deps(hf.handle), health, hold, config, T0 + 10 * MIN);
    expect(hold).toBeNull();
    await runBootstrap(deps(hf.handle), health, hold, config, T0 + 60 * MIN);
    expect(hf.seen).toHaveLength(2);
    expect(applyWeights("operator hold", "present", "")).toBe("operator hold");
  });
});

describe("learner progress and examples flow", () => {
  const kinds = (health: ReturnType<typeof emptyHealth>, at: number, workers: WorkerView[]) =>
    conditions({
      fleet: "zeb",
      report: report(at, workers),
      state: emptyState(),
      config,
      health,
      tracking: emptyTracking(),
      alerted: new Set<number>(),
    }).conditions.map((c) => c.kind);

  it("alerts when workers run and the learner's step has not advanced for learnerStallS; resolves when it moves", async () => {
    const hf = hfStandIn({
      token: TOKEN,
      repos: { "me/zeb": { "zeb-1.pt": "w", "zeb-1-state.json": JSON.stringify({ step: 40, total_games: 1000 }) } },
      commits: { "me/zeb-examples": [] },
    });
    const health = emptyHealth();
    const workers = [worker(1, T0)];
    const fired: string[][] = [];
    for (let m = 0; m <= 80; m += 10) {
      hf.hub.commits["me/zeb-examples"] = [{ id: `c${m}`, title: "upload", date: new Date(T0 + m * MIN).toISOString() }];
      await runProgressChecks(deps(hf.handle), health, workers, config, T0 + m * MIN);
      fired.push(kinds(health, T0 + m * MIN, workers));
    }
    expect(fired.slice(0, 7).every((k) => k.length === 0)).toBe(true);
    expect(fired[7]).toEqual(["learner_stalled"]);
    hf.hub.repos["me/zeb"]!["zeb-1-state.json"] = JSON.stringify({ step: 41 });
    await runProgressChecks(deps(hf.handle), health, workers, config, T0 + 90 * MIN);
    expect(kinds(health, T0 + 90 * MIN, workers)).toEqual([]);
  });

  it("alerts when workers run and nothing was committed for 3 upload intervals; not while no worker runs", async () => {
    const hf = hfStandIn({
      token: TOKEN,
      repos: { "me/zeb": { "zeb-1-state.json": JSON.stringify({ step: 1 }) } },
      commits: { "me/zeb-examples": [{ id: "old", title: "upload", date: new Date(T0).toISOString() }] },
    });
    const health = emptyHealth();
    await runProgressChecks(deps(hf.handle), health, [], config, T0 + 60 * MIN);
    expect(hf.seen).toHaveLength(0);
    const workers = [worker(1, T0 - 60 * MIN)];
    await runProgressChecks(deps(hf.handle), health, workers, config, T0 + 10 * MIN);
    expect(kinds(health, T0 + 10 * MIN, workers)).toEqual([]);
    await runProgressChecks(deps(hf.handle), health, workers, config, T0 + 20 * MIN);
    const silent = conditions({
      fleet: "zeb",
      report: report(T0 + 20 * MIN, workers),
      state: emptyState(),
      config,
      health,
      tracking: emptyTracking(),
      alerted: new Set<number>(),
    }).conditions;
    expect(silent.map((c) => c.kind)).toEqual(["examples_silent"]);
    expect(silent[0]?.todo).toContain("Upload failed");
    expect(hf.seen.filter((s) => s.path.includes("/commits/")).length).toBe(2);
  });

  it("the missing-weights alert carries the learner command", () => {
    const health = {
      ...emptyHealth(),
      weights: { key: "me/zeb/zeb-1", result: "missing" as const, detail: "zeb-1.pt not found", checkedAt: T0 },
    };
    const c = conditions({
      fleet: "zeb",
      report: report(T0, []),
      state: emptyState(),
      config,
      health,
      tracking: emptyTracking(),
      alerted: new Set<number>(),
    }).conditions;
    expect(c.map((x) => x.kind)).toEqual(["weights_missing"]);
    expect(c[0]?.todo).toContain(
      "python -u -m forge.zeb.learner.run --repo-id me/zeb --examples-repo-id me/zeb-examples --weights-name zeb-1 --checkpoint YOUR_CHECKPOINT.pt --lr 1e-4 --batch-size 64 --wandb",
    );
  });
});
