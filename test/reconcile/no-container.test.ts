import { describe, expect, it } from "vitest";
import { runPass } from "../../src/reconcile/pass";
import { config, instance, memory, MIN, NOW, passDeps, scriptedVast, state } from "./fixtures";

/**
 * A worker that ran an hour and whose logs then answer Vast's daemon text "No such container" while
 * Vast lists it running: that says nothing reliable (a container that died is no longer listed
 * running), so it is blind, not BOOT. Taken for BOOT it would be timed from its start_date, at
 * once past the boot timeout: destroyed, its host struck and the block shared account-wide.
 */
describe("a running worker whose logs answer 'No such container' twice", () => {
  it("is not destroyed as a boot timeout one minute after its last batch, and its host is not struck", async () => {
    const inst = instance({ id: 4242 });
    let s = state({
      instances: {
        "4242": memory({
          phase: "RUNNING",
          lastBatch: 50,
          batchAdvancedAt: NOW - MIN,
          everRan: true,
          gamesPerSec: 4,
          step: 1,
          totalGames: 100,
        }),
      },
    });
    const cfg = config({ workers: 1, maxConcurrentUpgrades: 0, bounceWindowS: 0 });
    const vast = scriptedVast({
      listInstances: async () => [inst],
      getLogs: async () => "Error response from daemon: No such container: 4242abc",
    });
    const destroyed: string[] = [];
    for (const t of [NOW, NOW + MIN]) {
      const out = await runPass("zeb", cfg, s, passDeps(vast, t));
      s = out.state;
      destroyed.push(...out.report.actions.filter((a) => a.kind === "destroy").map((a) => `${a.cause}: ${a.reason}`));
    }
    expect(destroyed).toEqual([]);
    expect(s.hosts[String(inst.machine_id)]?.strikes ?? 0).toBe(0);
  });
});
