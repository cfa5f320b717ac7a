import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { Lease } from "../../src/fleet/lease";
import type { FleetStore } from "../../src/fleet/store";
import { advance, allEvents, configure, control, fleet, owned, register, resetMarket, simState, stopFleet, tick } from "./harness";

/**
 * Observing (the listing and every worker's logs, up to 30 polls each) renews no lease. A pass whose
 * observation outlasts LEASE_TTL_MS still holds the fleet when nobody else took it (no higher
 * fence): it acts. Were it to find its own lease "stale", a fleet whose observation is always that
 * slow would never act again, and dead workers would bill for ever.
 */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const CLEAN = { apiFaults: { endpoints: { list: { delayMs: 0 } } } };

let current: string | null = null;
afterEach(async () => {
  await control(CLEAN);
  if (current) await stopFleet(current);
  current = null;
});

describe("a pass whose observation outlasts the lease TTL", () => {
  it("still acts, since nobody else took its lease", { timeout: 60_000 }, async () => {
    const name = "slow-observe";
    current = name;
    await resetMarket(301);
    await register(name);
    await configure(name, { workers: 1, maxConcurrentUpgrades: 0 });
    await control({ apiFaults: { endpoints: { list: { delayMs: 1500 } } } });
    await advance(60);
    const pass = tick();
    await sleep(500);
    // While the pass is still observing: as if the observation had taken LEASE_TTL_MS (nobody else holds the lease).
    await runInDurableObject(fleet(name), (instance) => {
      // The object's own store (it caches documents): the one the pass's fence reads.
      const store = (instance as unknown as { run: { store: FleetStore } }).run.store;
      const held = store.get("lease", Lease)!;
      store.put("lease", { ...held, expiresAt: Date.now() - 1 });
    });
    await pass;
    const errors = (await allEvents(name)).filter((e) => e.action === "error").map((e) => e.reason);
    expect(errors.filter((e) => /stale/.test(e))).toEqual([]);
    expect(owned(await simState(), name)).toHaveLength(1);
  });
});
