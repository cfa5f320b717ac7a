import { describe, expect, it } from "vitest";
import { accrue, startDigest, takeDigest, type Digest } from "../../src/alerts/digest";
import { DEFAULTS, type FleetConfig } from "../../src/config/fleet";
import type { PassReport, WorkerView } from "../../src/reconcile/report";

const HOUR = 3600_000;
/** 2026-02-06 00:00 UTC. */
const DAY0 = Date.UTC(2026, 1, 6);
const config = (over: Partial<FleetConfig> = {}): FleetConfig => ({ ...DEFAULTS, workers: 2, digestHourUtc: 8, ...over });

function worker(id: number, totalGames: number | null, phase: WorkerView["phase"] = "RUNNING"): WorkerView {
  return {
    id,
    label: `zeb-worker-vast-${id}`,
    slot: id,
    gpu: "RTX 3060",
    machineId: 100 + id,
    status: "running",
    phase,
    detail: "",
    since: DAY0,
    startedAt: DAY0,
    dph: 0.06,
    gamesPerSec: 4,
    batch: 1,
    step: 1,
    totalGames,
    ssh: null,
    hfAuthError: false,
    everRan: true,
    fatalKind: null,
    logsUnreadableSince: null,
    storageDph: null,
    uploadedGames: null,
  };
}

function report(at: number, workers: WorkerView[], dph = 0.12): PassReport {
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
    dph,
  };
}

describe("daily digest: when", () => {
  it.each<[string, number, string | null]>([
    ["a fleet started before the hour gets today's digest", DAY0 + 7 * HOUR, null],
    ["a fleet started at or after the hour waits for tomorrow's", DAY0 + 8 * HOUR, "2026-02-06"],
  ])("%s", (_name, at, day) => {
    expect(startDigest(report(at, []), config()).day).toBe(day);
  });

  it.each<[string, number, number | null, Digest["day"], boolean]>([
    ["before the hour → nothing", DAY0 + 7 * HOUR + 59 * 60_000, 8, null, false],
    ["at the hour → sent", DAY0 + 8 * HOUR, 8, null, true],
    ["later that day, not yet sent → sent", DAY0 + 20 * HOUR, 8, null, true],
    ["already sent today → nothing", DAY0 + 9 * HOUR, 8, "2026-02-06", false],
    ["the next day at the hour → sent", DAY0 + 32 * HOUR, 8, "2026-02-06", true],
    ["digest turned off (ZEB_DIGEST_HOUR_UTC=none) → never", DAY0 + 8 * HOUR, null, null, false],
  ])("%s", (_name, at, hour, day, sent) => {
    const d: Digest = { ...startDigest(report(DAY0, []), config()), day };
    const out = takeDigest(d, report(at, []), config({ digestHourUtc: hour }));
    expect(out.notice !== null).toBe(sent);
    if (sent) expect(out.digest.day).toBe(new Date(at).toISOString().slice(0, 10));
    else expect(out.digest).toEqual(d);
  });
});

describe("daily digest: what", () => {
  it("accrues spend from the $/h between passes and games from each worker's total_games", () => {
    let d = startDigest(report(DAY0 + 9 * HOUR, [worker(1, 1000), worker(2, 500)], 0.12), config());
    // One hour at $0.12/h: worker 1 made 14,400 games; worker 2 restarted (its count fell), worker 3 is new.
    d = accrue(d, report(DAY0 + 10 * HOUR, [worker(1, 15_400), worker(2, 200), worker(3, 2048)], 0.18), 1);
    expect(d.dollars).toBeCloseTo(0.12, 10);
    expect(d.games).toBe(14_400 + 0 + 2048);
    expect(d.replacements).toBe(1);
    // Half an hour at the new $0.18/h; a worker that has not reported yet adds nothing.
    d = accrue(d, report(DAY0 + 10.5 * HOUR, [worker(1, 22_600), worker(2, 7400), worker(3, 2048), worker(4, null, "BOOT")], 0.24), 0);
    expect(d.dollars).toBeCloseTo(0.12 + 0.09, 10);
    expect(d.games).toBe(16_448 + 7200 + 7200);
  });

  it("the message carries fleet size, games, dollars, games per dollar and replacements, then counts again from zero", () => {
    let d = startDigest(report(DAY0 + 9 * HOUR, [worker(1, 0), worker(2, 0)]), config());
    for (let h = 10; h <= 32; h++)
      d = accrue(
        d,
        report(DAY0 + h * HOUR, [worker(1, (h - 9) * 14_400), worker(2, (h - 9) * 14_400, h === 32 ? "SETUP" : "RUNNING")]),
        h === 20 ? 2 : 0,
      );
    const { digest, notice } = takeDigest(d, report(DAY0 + 32 * HOUR, [worker(1, 0), worker(2, 0, "SETUP")]), config());
    expect(notice?.kind).toBe("digest");
    const detail = notice?.detail ?? "";
    expect(detail).toContain("Fleet: 1 running of 2 (target 2), $0.120/h now");
    // 23 hours × 2 workers × 14,400 games; 23 hours × $0.12/h = $2.76; 662,400 / 2.76 = 240,000 games/$.
    expect(detail).toContain("662,400 games, $2.76 spent, 240,000 games/$");
    expect(detail).toContain("Since 2026-02-06T09:00Z");
    expect(detail).toContain("Replacements: 2");
    expect(digest).toMatchObject({ day: "2026-02-07", since: DAY0 + 32 * HOUR, dollars: 0, games: 0, replacements: 0 });
  });

  it("says n/a for games per dollar when nothing was spent", () => {
    const d = startDigest(report(DAY0 + 7 * HOUR, [], 0), config());
    expect(takeDigest(d, report(DAY0 + 8 * HOUR, [], 0), config()).notice?.detail).toContain("0 games, $0.00 spent, n/a games/$");
  });
});
