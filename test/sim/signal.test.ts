import { describe, expect, it } from "vitest";
import { initialState } from "../../src/sim/state";
import type { Machine } from "../../src/sim/types";
import { harness } from "./helpers";

/** `--reliability-signal` (src/sim/signal.ts): what a dud host's listing shows, on the same market. */

const SEEDS = [1, 2, 3, 4, 5, 6];
const machines = (reliabilitySignal: "none" | "weak" | "strong") =>
  SEEDS.flatMap((seed) => initialState({ seed, paired: true, reliabilitySignal }).machines);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const share = (ms: Machine[], f: (m: Machine) => boolean) => ms.filter(f).length / ms.length;

describe("reliability signal", () => {
  it("none is the calibrated market exactly: nothing drawn, every offer verified, no DLPerf listed", () => {
    for (const seed of SEEDS) expect(initialState({ seed, reliabilitySignal: "none" })).toEqual(initialState({ seed }));
    expect(machines("none").some((m) => m.verified !== undefined || m.dlperf !== undefined)).toBe(false);
  });

  it.each(["weak", "strong"] as const)("%s: the same machines, prices and defects; duds look worse, healthy hosts as before", (signal) => {
    const plain = machines("none");
    const signalled = machines(signal);
    const hidden = (m: Machine) => [m.id, m.gpuName, m.fault, m.basePrice, m.gamesPerSec, m.offerId, m.takenUntilMs];
    expect(signalled.map(hidden)).toEqual(plain.map(hidden));
    const healthy = (ms: Machine[]) => ms.filter((m) => m.fault === null);
    const duds = (ms: Machine[]) => ms.filter((m) => m.fault !== null);
    expect(healthy(signalled).map((m) => m.reliability)).toEqual(healthy(plain).map((m) => m.reliability));
    expect(mean(duds(signalled).map((m) => m.reliability))).toBeLessThan(mean(duds(plain).map((m) => m.reliability)) - 0.01);
    expect(share(duds(signalled), (m) => m.verified === false)).toBeGreaterThan(share(healthy(signalled), (m) => m.verified === false));
    expect(share(healthy(signalled), (m) => m.verified === false)).toBeLessThan(0.1);
    expect(signalled.every((m) => m.dlperf !== undefined && m.dlperf > 0)).toBe(true);
  });

  it("strong reveals more than weak", () => {
    const low = (ms: Machine[]) =>
      share(
        ms.filter((m) => m.fault !== null),
        (m) => m.reliability < 0.9,
      );
    expect(low(machines("strong"))).toBeGreaterThan(low(machines("weak")));
  });

  it("the search lists what the signal set: verification and DLPerf", async () => {
    const h = harness(3, { paired: true, reliabilitySignal: "strong" });
    const r = await h.call("POST", "/api/v0/bundles/", { limit: 64 });
    const offers = (r.body as { offers: Record<string, unknown>[] }).offers;
    expect(offers.length).toBeGreaterThan(0);
    for (const o of offers) {
      expect(typeof o.dlperf).toBe("number");
      expect(o.verification).toBe(o.verified ? "verified" : "unverified");
    }
  });
});
