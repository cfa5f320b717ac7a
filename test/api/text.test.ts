import { describe, expect, it } from "vitest";
import { formatAge, statusText } from "../../src/api/text";
import { grandTotals } from "../../src/api/totals";
import type { FleetStatus, InstanceStatus } from "../../src/fleet/status";
import { call, callJson, createFleet, resetMarket } from "./helpers";

/** `/status?format=text`: the table a curl user reads, like the runbook's vast_status.sh. */

const HEADER = /^Label\s+GPU\s+Phase\s+Status\s+Age\s+\$\/hr\s+Cap\s+Bid\s+games\/s\s+batch\s+ID\s+Machine\s+SSH$/;

function worker(slot: number, over: Partial<InstanceStatus>): InstanceStatus {
  return {
    id: 87654321 + slot,
    label: `zeb-worker-vast-${slot}`,
    slot,
    gpu: "RTX 3070",
    machineId: 1000 + slot,
    status: "running",
    phase: "RUNNING",
    detail: "batch 12",
    since: 0,
    startedAt: 0,
    dph: 0.102,
    gamesPerSec: 4.61,
    batch: 12,
    step: 142,
    totalGames: 3072,
    ssh: `ssh -p ${12345 + slot} root@ssh5.vast.ai`,
    hfAuthError: false,
    everRan: true,
    fatalKind: null,
    logsUnreadableSince: null,
    storageDph: null,
    uploadedGames: null,
    ageS: 3725,
    phaseForS: 100,
    ...over,
  };
}

describe("formatAge", () => {
  it("reads XhYYm from an hour on and MmSSs below", () => {
    expect(formatAge(3725)).toBe("1h02m");
    expect(formatAge(125)).toBe("2m05s");
    expect(formatAge(0)).toBe("0m00s");
    expect(formatAge(50 * 3600)).toBe("50h00m");
    expect(formatAge(null)).toBe("-");
  });
});

describe("statusText", () => {
  it("prints the exact columns sorted by label, dashed rules, the totals line and why the fleet is idle", async () => {
    await resetMarket();
    await createFleet("txt", { workers: 0 });
    const base = (await callJson<{ fleets: FleetStatus[] }>("/status?fleet=txt")).fleets[0];
    if (!base) throw new Error("no status");
    const now = 1_770_000_000_000;
    const fleet: FleetStatus = {
      ...base,
      fleet: "zeb",
      now,
      target: 3,
      paused: true,
      configErrors: ["maxDph (ZEB_MAX_DPH): must be positive"],
      breaker: {
        open: true,
        reason: "5 launches in a row failed",
        since: now - 600_000,
        failures: 5,
        recentFailures: [],
        lastProbeAt: null,
      },
      instances: [
        worker(10, {
          gpu: "RTX 3060 Ti",
          dph: 0.089,
          ageS: 125,
          phase: "BOOT",
          status: "loading",
          gamesPerSec: null,
          batch: null,
          ssh: null,
        }),
        worker(2, {}),
        worker(1, { dph: 0.093, capacity: "interruptible", bid: 0.0412 }),
      ],
      totals: { instances: 3, running: 2, dph: 0.284, dpd: 6.82, gamesPerSec: 9.22, gamesPerDollar: null },
      lastPass: {
        at: now - 42_000,
        observed: true,
        actions: [],
        held: ["launches held: fleet cost cap"],
        errors: ["list failed: HTTP 503"],
        subrequests: 3,
      },
      money: {
        since: now - 86_400_000,
        spent: { today: 1.2345, last24h: 2.5, total: 10.75 },
        games: { today: 14_000, last24h: 29_000, total: 123_456 },
        gamesPerDollar: { today: 11_341, last24h: 11_600, total: 11_484 },
      },
    };
    const text = statusText([fleet], grandTotals([fleet]));
    expect(text).toBe(
      [
        "Label               GPU          Phase    Status     Age   $/hr  Cap     Bid  games/s  batch        ID  Machine  SSH",
        "-".repeat(143),
        "zeb-worker-vast-1   RTX_3070     RUNNING  running  1h02m  0.093  BID  0.0412      4.6     12  87654322     1001  ssh -p 12346 root@ssh5.vast.ai",
        "zeb-worker-vast-2   RTX_3070     RUNNING  running  1h02m  0.102  OD        -      4.6     12  87654323     1002  ssh -p 12347 root@ssh5.vast.ai",
        "zeb-worker-vast-10  RTX_3060_Ti  BOOT     loading  2m05s  0.089  OD        -        -      -  87654331     1010  -",
        "-".repeat(143),
        "Total: 3 instances, $0.284/hr ($6.82/day)",
        "zeb: target 3, 2 running, last pass 0m42s ago, 0 action(s)",
        "zeb: spent $1.23 today · $2.50 24h · $10.75 total; 123456 games; 11484 games/$",
        "zeb: PAUSED: no autonomous actions (POST /resume?fleet=zeb)",
        `zeb: circuit breaker OPEN since ${new Date(now - 600_000).toISOString()}: 5 launches in a row failed`,
        "zeb: config error: maxDph (ZEB_MAX_DPH): must be positive",
        "zeb: held: launches held: fleet cost cap",
        "zeb: last pass error: list failed: HTTP 503",
        "",
      ].join("\n"),
    );
  });

  it("is what curl gets with ?format=text or Accept: text/plain, with real instances", async () => {
    await resetMarket();
    await createFleet("curl", { workers: 2, maxDph: 1 });
    // The status shows what the last pass observed: one pass launches, the next sees them.
    await callJson("/reconcile?fleet=curl", { method: "POST" });
    await callJson("/reconcile?fleet=curl", { method: "POST" });
    for (const res of [
      await call("/status?fleet=curl&format=text"),
      await call("/status?fleet=curl", { headers: { accept: "text/plain" } }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      const lines = res.text.split("\n");
      expect(lines[0]).toMatch(HEADER);
      expect(lines[1]).toMatch(/^-+$/);
      const rows = lines.slice(2, 4);
      expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(["curl-worker-vast-0", "curl-worker-vast-1"]);
      for (const r of rows)
        expect(r).toMatch(/^curl-worker-vast-\d\s+RTX_\S+\s+[A-Z_]+\s+\S+\s+(\d+h\d\dm|\d+m\d\ds|-)\s+\d\.\d{3}\s+OD\s+-\s/);
      expect(lines[4]).toMatch(/^-+$/);
      expect(lines[5]).toMatch(/^Total: 2 instances, \$\d+\.\d{3}\/hr \(\$\d+\.\d{2}\/day\)$/);
    }
    const json = await call("/status?fleet=curl");
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(json.json()).toMatchObject({ fleets: [{ fleet: "curl", target: 2 }], totals: { instances: 2 } });
  });
});
