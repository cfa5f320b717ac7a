import { describe, expect, it } from "vitest";
import { actionEvents, control, owned, resetMarket, run, simState, slots, startFleet } from "./harness";

/**
 * A create that succeeds but shows in Vast's listing only three passes later: the launch counts
 * toward the target while it is pending, so no slot is launched twice in the meantime.
 */
describe("a create that shows up three passes late", () => {
  it("is not launched again while it is invisible, and is adopted when it appears", async () => {
    const name = "late";
    await resetMarket(41);
    await control({ listDelayS: 180 });
    await startFleet(name, 2, { maxConcurrentUpgrades: 0, maxDph: 0.5 });
    await run(2);
    // Created (the simulator knows them) but not yet listed, and nothing launched twice.
    expect(owned(await simState(), name)).toHaveLength(2);
    expect((await actionEvents(name)).filter((e) => e.action === "launch")).toHaveLength(2);
    await run(10);
    expect((await actionEvents(name)).filter((e) => e.action === "launch")).toHaveLength(2);
    expect((await actionEvents(name)).filter((e) => e.action === "destroy")).toHaveLength(0);
    expect(slots(owned(await simState(), name), name)).toEqual([0, 1]);
  });
});
