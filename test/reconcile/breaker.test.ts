import { describe, expect, it } from "vitest";
import {
  failureSignature,
  largestSameFailure,
  nextBreaker,
  PROBE_INTERVAL_MS,
  probeAllowed,
  type Breaker,
  type BreakerInputs,
  type Outcome,
} from "../../src/reconcile/breaker";
import { emptyState } from "../../src/reconcile/state";
import { config, MIN, NOW } from "./fixtures";

const HOUR_AGO = 60 * MIN;
const closed = (): Breaker => emptyState().breaker;
const open = (over: Partial<Breaker> = {}): Breaker => ({
  open: true,
  reason: "tripped",
  since: NOW - HOUR_AGO,
  failures: 5,
  recentFailures: ["a", "a", "a", "a", "a"],
  lastProbeAt: null,
  ...over,
});
const inputs = (over: Partial<BreakerInputs> = {}): BreakerInputs => ({ ownedCount: 10, fatalCount: 0, outcomes: [], ...over });
const cfg = config(); // breakerLaunchFailures 5, breakerFatalFraction 0.5

/** "aab.c": failures with signatures a, a, b, then a success, then c. */
const seq = (s: string): Outcome[] => [...s].map((ch) => (ch === "." ? { ok: true } : { ok: false, signature: `sig-${ch}` }));

describe("breaker: failed launches since the last success", () => {
  it.each<[string, string, string, boolean, number]>([
    ["4 alike", "", "aaaa", false, 4],
    ["5 alike", "", "aaaaa", true, 5],
    ["5 assorted (the market's duds, each host struck instead)", "", "abcde", false, 5],
    ["5 alike among 8", "", "abacadaa", true, 8],
    ["carried 4 alike + 1 alike", "aaaa", "a", true, 5],
    ["carried 4 alike + 1 other", "aaaa", "b", false, 5],
    ["a success in between resets", "aaa", "a.a", false, 1],
    ["a success last", "aaaa", "a.", false, 0],
    ["nothing happened", "aaaa", "", false, 4],
  ])("%s", (_name, carried, outcomes, tripped, failures) => {
    const recentFailures = seq(carried).flatMap((o) => (o.ok ? [] : [o.signature]));
    const b = nextBreaker({ ...closed(), failures: recentFailures.length, recentFailures }, inputs({ outcomes: seq(outcomes) }), cfg, NOW);
    expect(b.open).toBe(tripped);
    expect(b.failures).toBe(failures);
    if (tripped) {
      expect(b.since).toBe(NOW);
      expect(b.reason).toMatch(/launches failed the same way on different hosts/);
    } else {
      expect(b.reason).toBeNull();
    }
  });
});

describe("breaker: fatal fraction (≥ 3 failing alike and ≥ breakerFatalFraction)", () => {
  it.each<[number, number, boolean]>([
    [1, 1, false],
    [2, 2, false],
    [2, 4, false],
    [3, 3, true],
    [3, 6, true],
    [3, 7, false],
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
    const b = nextBreaker(open({ since: NOW - 2 * HOUR_AGO, lastProbeAt: NOW - MIN }), inputs({ outcomes: seq("a") }), cfg, NOW);
    expect(b).toMatchObject({ open: true, since: NOW - 2 * HOUR_AGO, lastProbeAt: NOW - MIN, failures: 6 });
  });

  it("a quiet pass does not close it", () => {
    expect(nextBreaker(open(), inputs(), cfg, NOW).open).toBe(true);
  });

  it("opened by the fatal fraction, it stays open after the fatal workers are destroyed, until a worker runs", () => {
    const tripped = nextBreaker(closed(), inputs({ fatalCount: 3, ownedCount: 4 }), cfg, NOW);
    expect(tripped).toMatchObject({ open: true, failures: 0 });
    expect(nextBreaker(tripped, inputs({ fatalCount: 0, ownedCount: 0 }), cfg, NOW + MIN).open).toBe(true);
    expect(nextBreaker(tripped, inputs({ fatalCount: 0, ownedCount: 1, outcomes: seq(".") }), cfg, NOW + 2 * MIN).open).toBe(false);
  });

  it.each<[string, string]>([
    ["a probe that reaches RUNNING", "."],
    ["a failure then a success", "a."],
  ])("closes on a success: %s", (_name, outcomes) => {
    const b = nextBreaker(open(), inputs({ outcomes: seq(outcomes) }), cfg, NOW);
    expect(b).toEqual({ open: false, reason: null, since: null, failures: 0, recentFailures: [], lastProbeAt: null });
  });

  it("stays open on a success while the fatal fraction still trips it", () => {
    expect(nextBreaker(open(), inputs({ outcomes: seq("."), fatalCount: 3, ownedCount: 4 }), cfg, NOW).open).toBe(true);
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
    [
      "assorted dud hosts",
      [
        ["no_cuda", "AssertionError: No CUDA"],
        ["oom", "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"],
        [null, "Vast: Error response from daemon"],
      ],
      1,
    ],
    [
      "one image fault on three hosts, other numbers",
      [
        ["traceback", "ModuleNotFoundError: No module named 'forge.zeb' (line 12)"],
        ["traceback", "ModuleNotFoundError: No module named 'forge.zeb' (line 14)"],
        ["traceback", "ModuleNotFoundError: No module named 'forge.zeb' (line 9)"],
      ],
      3,
    ],
    [
      "the same words, another kind",
      [
        ["oom", "out of memory"],
        ["traceback", "out of memory"],
      ],
      1,
    ],
    ["none", [], 0],
  ])("%s → %i", (_name, fatal, expected) => {
    expect(largestSameFailure(fatal.map(([kind, detail]) => failureSignature(kind, detail)))).toBe(expected);
  });
});
