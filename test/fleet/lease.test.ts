import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Lease, LEASE_TTL_MS, LeaseManager, StaleFence } from "../../src/fleet/lease";
import { FleetStore } from "../../src/fleet/store";
import { fleet } from "./harness";

/** The fenced lease: a pass that works renews it; one that lost it can do nothing more. */
describe("the lease", () => {
  it("is renewed by a check once half of it is spent, and not before", async () => {
    await runInDurableObject(fleet("lease-renew"), async (_i, state) => {
      const store = new FleetStore(state.storage.sql);
      const lease = new LeaseManager(store, "incarnation-a");
      await lease.run(0, async (fence) => {
        const fresh = store.get("lease", Lease)!;
        fence.check();
        expect(store.get("lease", Lease)!.expiresAt).toBe(fresh.expiresAt);
        // As if the pass had been working for four minutes.
        store.put("lease", { ...fresh, expiresAt: Date.now() + 60_000 });
        fence.check();
        expect(store.get("lease", Lease)!.expiresAt).toBeGreaterThanOrEqual(Date.now() + LEASE_TTL_MS - 1000);
      });
    });
  });

  it("is renewed when it ran out while its pass worked: nobody else took it (no higher fence)", async () => {
    await runInDurableObject(fleet("lease-late"), async (_i, state) => {
      const store = new FleetStore(state.storage.sql);
      const lease = new LeaseManager(store, "incarnation-a");
      await lease.run(0, async (fence) => {
        store.put("lease", { ...store.get("lease", Lease)!, expiresAt: Date.now() - 1 });
        fence.check();
        expect(store.get("lease", Lease)!.expiresAt).toBeGreaterThan(Date.now());
      });
    });
  });

  it("answers StaleFence once another holder took it, and renews nothing then", async () => {
    await runInDurableObject(fleet("lease-stale"), async (_i, state) => {
      const store = new FleetStore(state.storage.sql);
      const lease = new LeaseManager(store, "incarnation-a");
      await lease.run(0, async (fence) => {
        const taken = { fence: fence.value + 1, holder: "incarnation-b", expiresAt: Date.now() + LEASE_TTL_MS };
        store.put("lease", taken);
        expect(() => fence.check()).toThrow(StaleFence);
        expect(store.get("lease", Lease)).toEqual(taken);
      });
    });
  });
});
