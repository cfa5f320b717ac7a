import { describe, expect, it } from "vitest";
import { ceilingOracle } from "../../bench/fleet-oracle";
import { initialState } from "../../src/sim/state";

/**
 * bench/fleet-oracle.ts's ceiling oracle on a scripted listing: it swaps when the time left pays
 * for the new machine's boot, and not when it does not.
 */
const HOUR = 3_600_000;
const [first, second] = initialState({ seed: 1 }).machines;

/** One worker on a machine from 0, then one a third better per dollar listed an hour in; the run ends at `endMs`. */
function run(endMs: number) {
  if (!first || !second) throw new Error("the market has machines");
  const oracle = ceilingOracle(1, 1, 60, endMs);
  for (let t = 0; t < endMs; t += 60_000)
    oracle.step(t, t < HOUR ? [{ machine: first, rate: 4, dph: 0.08 }] : [{ machine: second, rate: 4, dph: 0.06 }]);
  return oracle.result(endMs);
}

describe("ceilingOracle", () => {
  it("takes the better machine when hours are left to pay for its boot", () => {
    const r = run(8 * HOUR);
    expect(r.launches).toBe(2);
    expect(r.games / r.dollars).toBeGreaterThan((4 * 3600) / 0.08); // above what keeping the first machine makes
  });

  it("keeps the machine it has when the run ends before the boot pays", () => {
    expect(run(HOUR + 3 * 60_000).launches).toBe(1);
  });
});
