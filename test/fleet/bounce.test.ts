import { afterEach, describe, expect, it } from "vitest";
import { control, fleet, fleetState, marketState, resetMarket, run, startFleet, stopFleet } from "./harness";
import { RUNBOOK_GPU_PRIORS } from "../../src/config/fleet";

/**
 * Market memory through the real scheduled handler and the fleet's Durable Object: hosts that
 * the simulator's other renters rent and give back (they cannot start a container) are noticed
 * from the fleet's own searches and blocked, with the reason GET /hosts shows.
 */

let current: string | null = null;
afterEach(async () => {
  if (current) await stopFleet(current);
  current = null;
});

describe("market memory in the fleet's object", () => {
  it("blocks listed duds that other renters give back", { timeout: 180_000 }, async () => {
    const name = "bounce";
    current = name;
    await resetMarket(31);
    // The best-value listed machines become hosts that never start a container: other renters
    // take them first (they rank by value) and drop them 10-30 minutes later.
    const listed = (await marketState()).machines.filter((m) => m.offerId !== null);
    const duds = listed
      .sort((a, b) => (RUNBOOK_GPU_PRIORS[b.gpuName] ?? 4) / b.basePrice - (RUNBOOK_GPU_PRIORS[a.gpuName] ?? 4) / a.basePrice)
      .slice(0, 12);
    await control({ forceFault: Object.fromEntries(duds.map((m) => [String(m.id), "stuck_boot"])) });
    await startFleet(name, 2);
    await run(120);

    const state = await fleetState(name);
    const flagged = Object.values(state.hosts).filter((h) => /gave it back/.test(h.lastStrike ?? ""));
    const dudIds = new Set(duds.map((m) => m.id));
    const caught = flagged.filter((h) => dudIds.has(h.machineId));
    expect(caught.length).toBeGreaterThan(0);
    for (const h of caught) expect(h.strikes).toBeGreaterThanOrEqual(1.5);
    // The fleet keeps recent sightings in its state, and nothing else: every key is a machine id.
    expect(Object.keys(state.market).every((k) => /^\d+$/.test(k))).toBe(true);
    console.log(
      `bounce: ${flagged.length} host(s) flagged in 2 simulated hours, ${caught.length} of them among the ${duds.length} forced duds`,
    );

    // Forgetting a host forgets its sighting too, so that a stale one cannot flag it again at once.
    const seen = flagged.find((h) => state.market[String(h.machineId)] !== undefined);
    expect(seen).toBeDefined();
    const cleared = await fleet(name).clearHost(name, seen!.machineId);
    expect(cleared.ok).toBe(true);
    const after = await fleetState(name);
    expect(after.hosts[String(seen!.machineId)]).toBeUndefined();
    expect(after.market[String(seen!.machineId)]).toBeUndefined();
  });
});
