import { describe, expect, it } from "vitest";
import { failureSignature, largestSameFailure, nextBreaker, PROBE_INTERVAL_MS, probeAllowed, type Breaker, type BreakerInputs } from "../../src/reconcile/breaker";
import { emptyState } from "../../src/reconcile/state";
import { config, MIN, NOW } from "./fixtures";

const HOUR_AGO = 60 * MIN;
const closed = (): Breaker => emptyState().breaker;
const open = (over: Partial<Breaker> = {}): Breaker => ({ open: true, reason: "tripped", since: NOW - HOUR_AGO, failures: 5, lastProbeAt: null, ...over });
const inputs = (over: Partial<BreakerInputs> = {}): BreakerInputs => ({ ownedCount: 10, fatalCount: 0, outcomes: [], ...over });
const cfg = config(); // breakerLaunchFailures 5, breakerFatalFraction 0.5

describe("breaker: consecutive failed launches", () => {
  it.each<[string, number, boolean[], boolean, number]>([
    ["4 failures in a row", 0, [false, false, false, false], false, 4],
    ["5 failures in a row", 0, [false, false, false, false, false], true, 5],
    ["carried count 4 + 1 failure", 4, [false], true, 5],
    ["a success in between resets the count", 3, [false, true, false], false, 1],
    ["a success last", 4, [false, true], false, 0],
    ["nothing happened", 4, [], false, 4],
  ])("%s", (_name, carried, outcomes, tripped, failures) => {
    const b = nextBreaker({ ...closed(), failures: carried }, inputs({ outcomes }), cfg, NOW);
    expect(b.open).toBe(tripped);
    expect(b.failures).toBe(failures);
    if (tripped) {
      expect(b.since).toBe(NOW);
      expect(b.reason).toMatch(/launches in a row failed/);
    } else {
      expect(b.reason).toBeNull();
    }
  });
});

describe("breaker: fatal fraction (≥ 2 fatal and ≥ breakerFatalFraction)", () => {
  it.each<[number, number, boolean]>([
    [1, 1, false],
    [2, 2, true],
    [2, 4, true],
    [2, 5, false],
    [4, 8, true],
    [4, 9, false],
    [0, 0, false],
  ])("%i fatal of %i owned → open: %s", (fatalCount, ownedCount, tripped) => {
    const b = nextBreaker(closed(), inputs({ fatalCount, ownedCount }), cfg, NOW);
    expect(b.open).toBe(tripped);
    if (tripped) expect(b.reason).toMatch(new RegExp(`${fatalCount} of ${ownedCount} workers are fatal at once with the same error`));
  });
});

describe("breaker: while open", () => {
  it("a further trip keeps the original since and the last probe", () => {
    const b = nextBreaker(open({ since: NOW - 2 * HOUR_AGO, lastProbeAt: NOW - MIN }), inputs({ outcomes: [false] }), cfg, NOW);
    expect(b).toMatchObject({ open: true, since: NOW - 2 * HOUR_AGO, lastProbeAt: NOW - MIN, failures: 6 });
  });

  it("a quiet pass does not close it", () => {
    expect(nextBreaker(open(), inputs(), cfg, NOW).open).toBe(true);
  });

  it("opened by the fatal fraction, it stays open after the fatal workers are destroyed, until a worker runs", () => {
    const tripped = nextBreaker(closed(), inputs({ fatalCount: 3, ownedCount: 4 }), cfg, NOW);
    expect(tripped).toMatchObject({ open: true, failures: 0 });
    expect(nextBreaker(tripped, inputs({ fatalCount: 0, ownedCount: 0 }), cfg, NOW + MIN).open).toBe(true);
    expect(nextBreaker(tripped, inputs({ fatalCount: 0, ownedCount: 1, outcomes: [true] }), cfg, NOW + 2 * MIN).open).toBe(false);
  });

  it.each<[string, boolean[]]>([
    ["a probe that reaches RUNNING", [true]],
    ["a failure then a success", [false, true]],
  ])("closes on a success: %s", (_name, outcomes) => {
    const b = nextBreaker(open(), inputs({ outcomes }), cfg, NOW);
    expect(b).toEqual({ open: false, reason: null, since: null, failures: 0, lastProbeAt: null });
  });

  it("stays open on a success while the fatal fraction still trips it", () => {
    expect(nextBreaker(open(), inputs({ outcomes: [true], fatalCount: 3, ownedCount: 4 }), cfg, NOW).open).toBe(true);
  });
});

describe("breaker: probe interval", () => {
  it.each<[string, Breaker, boolean]>([
    ["closed: always", closed(), true],
    ["opened just now", open({ since: NOW }), false],
    ["opened 29 min ago", open({ since: NOW - 29 * MIN }), false],
    ["opened 30 min ago", open({ since: NOW - PROBE_INTERVAL_MS }), true],
    ["probed 30 min − 1 ms ago", open({ since: NOW - 5 * HOUR_AGO, lastProbeAt: NOW - PROBE_INTERVAL_MS + 1 }), false],
    ["probed 30 min ago", open({ since: NOW - 5 * HOUR_AGO, lastProbeAt: NOW - PROBE_INTERVAL_MS }), true],
    ["open with no since and no probe: wait a full interval", open({ since: null, lastProbeAt: null }), false],
  ])("%s → %s", (_name, b, allowed) => {
    expect(probeAllowed(b, NOW)).toBe(allowed);
  });

  it("the probe interval is 30 minutes", () => {
    expect(PROBE_INTERVAL_MS).toBe(30 * MIN);
  });
});

describe("breaker: only the same failure on several hosts counts", () => {
  it.each<[string, [string | null, string][], number]>([
    ["assorted dud hosts", [["no_cuda", "AssertionError: No CUDA"], ["oom", "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"], [null, "Vast: Error response from daemon"]], 1],
    ["one image fault on three hosts, other numbers", [["traceback", "ModuleNotFoundError: No module named 'forge.zeb' (line 12)"], ["traceback", "ModuleNotFoundError: No module named 'forge.zeb' (line 14)"], ["traceback", "ModuleNotFoundError: No module named 'forge.zeb' (line 9)"]], 3],
    ["the same words, another kind", [["oom", "out of memory"], ["traceback", "out of memory"]], 1],
    ["none", [], 0],
  ])("%s → %i", (_name, fatal, expected) => {
    expect(largestSameFailure(fatal.map(([kind, detail]) => failureSignature(kind, detail)))).toBe(expected);
  });
});
