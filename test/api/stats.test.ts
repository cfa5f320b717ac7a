import { beforeEach, describe, expect, it } from "vitest";
import { call, callJson, createFleet, resetMarket, sim } from "./helpers";

interface Stats {
  gpus: { gpu: string; gamesPerSec: number | null; samples: number; expected: number; gamesPerDollar: number | null }[];
  hosts: { machineId: number; blocked: boolean; reason: string | null; strikes: number }[];
  duds: { weights: Record<string, number>; ran: number; duds: number; kinds: Record<string, number>; dudRate: number | null };
}

/** Runs simulated minutes, a pass after each, as the cron would. */
async function minutes(fleet: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await sim("/__sim/advance", { seconds: 60 });
    await callJson(`/reconcile?fleet=${fleet}`, { method: "POST" });
  }
}

describe("/stats and /hosts: what the fleet learned, visible and clearable", () => {
  beforeEach(() => resetMarket(17));

  it("measures throughput per GPU model from batch lines, blocks a No CUDA host, and forgets it on request", async () => {
    await sim("/__sim/control", { forceFault: { next: "no_cuda" } });
    await createFleet("learn", { workers: 2, maxConcurrentUpgrades: 0 });
    await minutes("learn", 20);

    const stats = await callJson<Stats>("/stats?fleet=learn");
    const measured = stats.gpus.filter((g) => g.samples > 0);
    expect(measured.length).toBeGreaterThan(0);
    for (const g of measured) expect(g.gamesPerSec).toBeGreaterThan(0);
    // The forced No CUDA host is blocked: for No CUDA when the dead container's logs were read in
    // time, else because it failed before its first batch. A dud from the warmed-up market may be
    // too. Each says why.
    const blocked = stats.hosts.filter((h) => h.blocked);
    expect(blocked.length).toBeGreaterThanOrEqual(1);
    for (const h of blocked)
      expect(h.reason).toMatch(
        /No CUDA on this host|^dead \(|^fatal for |^fatal before its first batch|^no container after |^stuck in setup |^waiting with no progress |^stalled: |^upgrade trial |gave it back/,
      );

    // The dud model learned from the launches' outcomes: the No CUDA one among its duds, the rest ran.
    const { duds } = stats;
    expect(duds.kinds.no_cuda).toBeGreaterThanOrEqual(1);
    expect(Object.values(duds.kinds).reduce((a, b) => a + b, 0)).toBe(duds.duds);
    expect(duds.ran).toBeGreaterThanOrEqual(1);
    expect(duds.dudRate).toBeCloseTo(duds.duds / (duds.duds + duds.ran), 9);
    expect(Object.keys(duds.weights)).toEqual(["intercept", "reliability", "unverified", "cuda", "inet", "dlperf", "price", "struck"]);

    const text = await call("/stats?fleet=learn&format=text");
    expect(text.text).toMatch(new RegExp(`^dud model: ${duds.ran} launch\\(es\\) ran, ${duds.duds} dud\\(s\\)`, "m"));
    expect(text.text).toMatch(/^GPU\s+games\/s\s+samples\s+expected\s+\$\/hr\s+games\/\$$/m);
    expect(text.text).toMatch(new RegExp(`${blocked.length} blocked: .*${blocked[0]!.machineId} \\(`));

    const { hosts } = await callJson<{ hosts: Stats["hosts"] }>("/hosts?fleet=learn");
    expect(hosts).toEqual(stats.hosts);
    const machine = blocked[0]!.machineId;
    expect(await callJson(`/hosts/${machine}?fleet=learn`, { method: "DELETE" })).toMatchObject({ cleared: machine });
    expect((await callJson<Stats>("/stats?fleet=learn")).hosts.some((h) => h.machineId === machine)).toBe(false);
    const again = await call(`/hosts/${machine}?fleet=learn`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(again.text).toContain("machineId");
  });
});
