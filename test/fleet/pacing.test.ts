import { afterEach, describe, expect, it } from "vitest";
import {
  actionEvents,
  advance,
  configure,
  fleet,
  fleetState,
  owned,
  register,
  resetMarket,
  run,
  simOk,
  simState,
  slots,
  startFleet,
  stopFleet,
} from "./harness";
import type { Endpoint } from "../../src/sim/types";

/**
 * Issue 18: creates and destroys paced to Vast's intervals, against the simulator with Vast's rate
 * limiter on, through the fleet's real object and the real scheduled handler. The fleet is the
 * default one, which the cron ticks anyway: two fleets on one key that list in the same second
 * share Vast's limit (the list retries after it, src/vast/http.ts).
 */

let current: string | null = null;
afterEach(async () => {
  if (current) await stopFleet(current);
  current = null;
});

/** Calls the simulated limiter refused (429), per endpoint. */
async function refused(): Promise<Partial<Record<Endpoint, number>>> {
  return ((await simOk("/__sim/state")) as { rateLimited: Partial<Record<Endpoint, number>> }).rateLimited;
}

let markets = 0;
/**
 * A fresh market with Vast's limiter on. A reset sets its clock back to the same start, so each
 * test's market starts an hour later than the last one's: past the times the earlier passes left
 * in the fleet's state (a clock set back would only cap their waits at Vast's penalty).
 */
async function limitedMarket(seed: number): Promise<number> {
  await resetMarket(seed);
  await simOk("/__sim/control", { rateLimits: true });
  return advance(3600 * ++markets);
}

describe("pacing within Vast's rate limits", () => {
  it("scales from 0 to 6 with no 429 at all and no slot launched twice", async () => {
    current = "zeb";
    await limitedMarket(31);
    await startFleet("zeb", 6);
    // The scale's pass sends the default 4 launches of a pass, 4.5 s apart; the next tick the other 2.
    let launched = (await actionEvents("zeb")).filter((e) => e.action === "launch");
    expect(launched).toHaveLength(4);
    await run(1);
    const mine = owned(await simState(), "zeb");
    expect(slots(mine, "zeb")).toEqual([0, 1, 2, 3, 4, 5]);
    launched = (await actionEvents("zeb")).filter((e) => e.action === "launch");
    expect(launched.map((e) => e.ok)).toEqual([true, true, true, true, true, true]);
    expect(await refused()).toEqual({});
  });

  it("a pass asked for more creates than fit its budget sends what fits and leaves the rest to the next pass, saying why", async () => {
    current = "zeb";
    await limitedMarket(32);
    await register("zeb");
    await configure("zeb", { maxLaunchesPerPass: 9, uploadInterval: 400, maxDph: 0.5 });
    const r = await fleet("zeb").scale("zeb", 9);
    if (!r.ok) throw new Error(r.message);
    const report = r.value;
    // 20 s of waiting fits the first create and four more 4.5 s apart.
    expect(report.actions.filter((a) => a.kind === "launch").map((a) => a.ok)).toEqual([true, true, true, true, true]);
    expect(report.held).toContain("4 launch(es) wait for the next pass: Vast allows a create every 4.5 s");
    expect(report.errors).toEqual([]);
    expect((await fleetState("zeb")).pendingLaunches).toHaveLength(5);
    await run(1);
    expect(slots(owned(await simState(), "zeb"), "zeb")).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await refused()).toEqual({});
  });

  it("two passes a second apart keep the create interval between them", async () => {
    current = "zeb";
    await limitedMarket(33);
    await startFleet("zeb", 1);
    const first = (await fleetState("zeb")).notBefore.create;
    const t1 = await advance(1);
    const r = await fleet("zeb").scale("zeb", 2);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.actions.map((a) => [a.kind, a.ok])).toEqual([["launch", true]]);
    // The second create waited the 3.5 s left of the first one's interval.
    expect(first).toBe(t1 - 1000 + 4500);
    expect((await fleetState("zeb")).notBefore.create).toBe(t1 + 3500 + 4500);
    expect(await refused()).toEqual({});
  });
});
