import { afterEach, describe, expect, it } from "vitest";
import { actionEvents, fleet, owned, resetMarket, run, simState, slots, startFleet, stopFleet, until } from "./harness";
import { minUploadInterval } from "../../src/config/fleet";

/**
 * Issue 3 "Done when": a fleet grows from zero to target; a healthy fleet sees no action over
 * hours; a target of 12 fills slots 0..11 exactly once. All through the real cron handler.
 */

let current: string | null = null;
afterEach(async () => {
  if (current) await stopFleet(current);
  current = null;
});

async function allRunning(name: string, n: number): Promise<boolean> {
  const s = await fleet(name).status(name);
  return s.instances.length === n && s.instances.every((i) => i.phase === "RUNNING");
}

describe("fleet growth through the scheduled handler", () => {
  it("grows from zero to 4, all RUNNING within 15 simulated minutes, slots 0..3 once each", async () => {
    current = "grow4";
    const t0 = await resetMarket(11);
    await startFleet("grow4", 4);
    const reached = await until(15, () => allRunning("grow4", 4), "4 RUNNING workers");

    const market = await simState();
    const mine = owned(market, "grow4");
    expect(slots(mine, "grow4")).toEqual([0, 1, 2, 3]);
    expect(mine.every((i) => i.actual_status === "running")).toBe(true);
    // Nothing foreign and nothing extra exists in the market.
    expect(market.instances).toHaveLength(4);
    // No churn on the way: four launches, no destroy.
    const acts = await actionEvents("grow4");
    expect(acts.filter((e) => e.action === "launch" && e.ok)).toHaveLength(4);
    expect(acts.filter((e) => e.action === "destroy")).toHaveLength(0);
    console.log(`grow4: 4/4 RUNNING after ${(reached - t0) / 1000}s simulated`);
  });

  it("a healthy fleet sees no destroy and no launch over 6 simulated hours after reaching target", { timeout: 300_000 }, async () => {
    current = "healthy";
    await resetMarket(23);
    await startFleet("healthy", 3);
    const reached = await until(20, () => allRunning("healthy", 3), "3 RUNNING workers");
    const ids = owned(await simState(), "healthy").map((i) => i.id).sort();

    let notRunning = 0;
    await run(6 * 60, async () => {
      // Every pass must still see the whole fleet RUNNING: a demotion would be a near-miss even without action.
      if (!(await allRunning("healthy", 3))) notRunning++;
    });

    const after = owned(await simState(), "healthy");
    expect(after.map((i) => i.id).sort()).toEqual(ids);
    expect(after.every((i) => i.actual_status === "running")).toBe(true);
    expect(await actionEvents("healthy", reached + 1)).toEqual([]);
    expect(notRunning).toBe(0);
    const s = await fleet("healthy").status("healthy");
    expect(s.lastPass?.errors).toEqual([]);
  });

  it("a target of 12 fills slots 0..11 exactly once", { timeout: 120_000 }, async () => {
    current = "twelve";
    await resetMarket(5);
    await startFleet("twelve", 12, { uploadInterval: minUploadInterval(12) });
    await until(25, () => allRunning("twelve", 12), "12 RUNNING workers");

    const mine = owned(await simState(), "twelve");
    expect(slots(mine, "twelve")).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const launches = (await actionEvents("twelve")).filter((e) => e.action === "launch" && e.ok);
    // Each slot launched once: no slot was filled twice on the way.
    expect(launches.map((e) => e.label).sort()).toEqual(mine.map((i) => i.label).sort());
    // Keep running a while: still exactly one instance per slot.
    await run(30);
    expect(slots(owned(await simState(), "twelve"), "twelve")).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
