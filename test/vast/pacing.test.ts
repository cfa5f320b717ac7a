import { describe, expect, it } from "vitest";
import { ACT_BUDGET_MS, afterRefused, afterSent, PACING, virtualPacer, waitMs } from "../../src/vast/pacing";
import { RATE_LIMITS } from "../../src/sim/limits";

/** The pacing rules: pure, on times passed in. */
describe("pacing rules", () => {
  const create = PACING.create;

  it("are Vast's documented intervals, the ones the simulator enforces", () => {
    expect(PACING).toEqual({
      create: { intervalMs: 4500, penaltyMs: 12_000 },
      destroy: { intervalMs: 3000, penaltyMs: 3000 },
      list: { intervalMs: 1000, penaltyMs: 1000 },
    });
    for (const endpoint of ["create", "destroy", "list"] as const) {
      const limit = RATE_LIMITS[endpoint];
      expect(limit && "intervalS" in limit ? limit.intervalS * 1000 : null).toBe(PACING[endpoint].intervalMs);
    }
  });

  it("waits what is left of the interval, nothing once it has passed", () => {
    const sent = afterSent(create, 1_000);
    expect(sent).toBe(5_500);
    expect(waitMs(create, sent, 2_000)).toBe(3_500);
    expect(waitMs(create, sent, 5_500)).toBe(0);
    expect(waitMs(create, sent, 60_000)).toBe(0);
    expect(waitMs(create, 0, 1_000)).toBe(0);
  });

  it("after a refusal, waits the penalty from then, or longer if already due later", () => {
    expect(afterRefused(create, 0, 10_000)).toBe(22_000);
    expect(afterRefused(create, 30_000, 10_000)).toBe(30_000);
    expect(waitMs(create, afterRefused(create, 0, 10_000), 10_000)).toBe(12_000);
  });

  it("never waits longer than the longer of interval and penalty, whatever the stored time", () => {
    expect(waitMs(create, Number.MAX_SAFE_INTEGER, 0)).toBe(12_000);
    expect(waitMs(PACING.destroy, 1e15, 0)).toBe(3_000);
  });

  it("the act step's budget fits the default 4 launches of a pass after 3 destroys, and at most 5 creates", () => {
    expect(3 * PACING.create.intervalMs + 2 * PACING.destroy.intervalMs).toBeLessThanOrEqual(ACT_BUDGET_MS);
    expect(1 + Math.floor(ACT_BUDGET_MS / PACING.create.intervalMs)).toBe(5);
  });

  it("a virtual pacer's clock moves by its waits only, and declares each", async () => {
    const declared: number[] = [];
    const p = virtualPacer(async (ms) => void declared.push(ms));
    await p.sleep(4500);
    await p.sleep(0);
    await p.sleep(3000);
    expect(p.elapsed()).toBe(7500);
    expect(declared).toEqual([4500, 3000]);
  });
});
