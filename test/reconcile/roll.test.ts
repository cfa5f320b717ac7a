import { describe, expect, it } from "vitest";
import { labelFor } from "../../src/config/fleet";
import { runPass } from "../../src/reconcile/pass";
import { isStale, rollFinished } from "../../src/reconcile/roll";
import { config, FLEET, instance, MIN, NOW, passDeps, scriptedVast, state } from "./fixtures";

/** Which instances a roll (POST /roll) still has to replace, and when it is over. */
const ROLL = NOW - 10 * MIN;
const at = (ms: number | null) => ({ start_date: ms === null ? null : ms / 1000 });

describe("roll", () => {
  it.each<[string, number | null, number | null, boolean]>([
    ["started a second before the roll", ROLL - 1000, ROLL, true],
    ["started at the roll", ROLL, ROLL, false],
    ["started after it", ROLL + MIN, ROLL, false],
    ["no roll under way", ROLL - MIN, null, false],
    ["no start date", null, ROLL, false],
  ])("isStale: %s → %s", (_name, started, rollBefore, stale) => {
    expect(isStale(at(started), rollBefore)).toBe(stale);
  });

  it.each<[string, Parameters<typeof rollFinished>[0], number[], boolean]>([
    ["every instance started after the roll", { rollBefore: ROLL, upgrades: [] }, [ROLL + MIN, ROLL + 2 * MIN], true],
    ["no instance at all (target 0)", { rollBefore: ROLL, upgrades: [] }, [], true],
    ["one from before is left", { rollBefore: ROLL, upgrades: [] }, [ROLL + MIN, ROLL - MIN], false],
    [
      "a trial is still under way",
      { rollBefore: ROLL, upgrades: [{ slot: 0, oldId: 1, newId: 2, startedAt: NOW, reason: "roll" }] },
      [ROLL + MIN],
      false,
    ],
    ["no roll: nothing to finish", { rollBefore: null, upgrades: [] }, [], false],
  ])("rollFinished: %s → %s", (_name, st, started, done) => {
    expect(rollFinished(st, started.map(at))).toBe(done);
  });

  it("a pass ends the roll once the fleet's instances all started after it; another fleet's do not count", async () => {
    const mine = instance({ id: 71, start_date: (ROLL + MIN) / 1000 });
    const theirs = instance({ id: 72, label: labelFor("zeb-large", 0), start_date: (ROLL - MIN) / 1000 });
    const vast = scriptedVast({ listInstances: async () => [mine, theirs] });
    const out = await runPass(FLEET, config({ workers: 1 }), state({ rollBefore: ROLL, lastMarketScanAt: NOW }), passDeps(vast, NOW));
    expect(out.state.rollBefore).toBeNull();
    const stillOld = scriptedVast({ listInstances: async () => [instance({ id: 73, start_date: (ROLL - MIN) / 1000 })] });
    expect(
      (await runPass(FLEET, config({ workers: 1 }), state({ rollBefore: ROLL, lastMarketScanAt: NOW }), passDeps(stillOld, NOW))).state
        .rollBefore,
    ).toBe(ROLL);
  });
});
