import { afterEach, describe, expect, it } from "vitest";
import {
  actionEvents,
  advance,
  configure,
  fleet,
  owned,
  register,
  resetMarket,
  simState,
  slots,
  stopFleet,
  tick,
  type SimStateView,
} from "./harness";

/**
 * Issue 3 "Done when": two overlapping passes never launch twice. Ticks may be duplicated and
 * overlap with API calls; the fleet's lease must keep the market at one instance per slot.
 */

let current: string | null = null;
afterEach(async () => {
  if (current) await stopFleet(current);
  current = null;
});

function expectOnePerSlot(market: SimStateView, name: string, target: number): void {
  const mine = owned(market, name);
  const s = slots(mine, name);
  expect(new Set(s).size).toBe(s.length);
  expect(mine.length).toBeLessThanOrEqual(target);
}

/** Not under test here: a slow image pull's boot timeout relaunches a slot, an upgrade shares one (make before break). */
const QUIET = { bootTimeoutS: 1800, maxConcurrentUpgrades: 0 };

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("overlapping passes never launch twice", () => {
  it("three concurrent cron ticks per minute grow the fleet to exactly its target", async () => {
    const name = "overlap-ticks";
    current = name;
    await resetMarket(31);
    await register(name);
    await configure(name, { workers: 4, ...QUIET });
    for (let i = 0; i < 25; i++) {
      await advance(60);
      await Promise.all([tick(), tick(), tick()]);
      expectOnePerSlot(await simState(), name, 4);
    }
    const mine = owned(await simState(), name);
    expect(slots(mine, name)).toEqual(range(4));
    const launches = (await actionEvents(name)).filter((e) => e.action === "launch" && e.ok);
    expect(launches).toHaveLength(4);
    expect(new Set(launches.map((e) => e.label)).size).toBe(4);
  });

  it("scale racing cron ticks launches each slot once", async () => {
    const name = "overlap-scale";
    current = name;
    await resetMarket(32);
    await register(name);
    await configure(name, QUIET);
    // The first round: a scale from 0 to 3 and two ticks at the same instant.
    const [scaled] = await Promise.all([fleet(name).scale(name, 3), tick(), tick()]);
    expect(scaled.ok).toBe(true);
    expectOnePerSlot(await simState(), name, 3);
    for (let i = 0; i < 25; i++) {
      await advance(60);
      const [again] = await Promise.all([fleet(name).scale(name, 3), tick(), fleet(name).reconcile(name, false)]);
      // The API may be told the fleet is busy (409); it must never act twice.
      if (!again.ok) expect(again.status).toBe(409);
      expectOnePerSlot(await simState(), name, 3);
    }
    const mine = owned(await simState(), name);
    expect(slots(mine, name)).toEqual(range(3));
    expect(mine.every((i) => i.actual_status === "running")).toBe(true);
    const launches = (await actionEvents(name)).filter((e) => e.action === "launch" && e.ok);
    expect(launches).toHaveLength(3);
    expect((await actionEvents(name)).filter((e) => e.action === "destroy")).toEqual([]);
  });
});
