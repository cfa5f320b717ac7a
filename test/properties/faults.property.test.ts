import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryFirstSeen, simRig } from "../../bench/harness";
import { DEFAULTS, type FleetConfig, labelFor, slotOf } from "../../src/config/fleet";
import { runPass, type PassOptions } from "../../src/reconcile/pass";
import type { PassReport } from "../../src/reconcile/report";
import { emptyState, type FleetState } from "../../src/reconcile/state";
import { FAULT_KINDS, type FaultKind } from "../../src/sim/types";

/**
 * Issue 17's fault-injection property: random sequences (fixed seeds) of API faults on every
 * endpoint, listing lag, crashes between any two side effects, and interleaved scale, reconcile,
 * down and fleet deletion, against the simulator's market in process. Hosts are all healthy,
 * timeouts generous and market memory off, so every strike would be blame for trouble that was
 * not the host's.
 * `npm run soak` runs it 10,000 times (SOAK_RUNS).
 */

declare const __SOAK_RUNS__: number;
const RUNS = typeof __SOAK_RUNS__ === "number" && __SOAK_RUNS__ > 0 ? __SOAK_RUNS__ : 200;
const FLEET = "prop";
const HEALTHY = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
const ENDPOINTS = ["list", "logs", "offers", "create", "destroy"] as const;

type Op = { kind: "tick" } | { kind: "scale"; n: number } | { kind: "down" } | { kind: "delete" } | { kind: "crash"; afterWrites: number };
interface Weather {
  endpoint: (typeof ENDPOINTS)[number];
  rates: { rate429?: number; rate5xx?: number; rateMalformed?: number; rateLost?: number };
  /** Seconds before a new instance shows in the listing. */
  lagS: number;
}
interface Step {
  op: Op;
  /** Whether the scenario's API fault holds during this step. */
  stormy: boolean;
  minutes: number;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: "tick" as const }), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 4 }).map((n) => ({ kind: "scale" as const, n })), weight: 3 },
  { arbitrary: fc.constant({ kind: "down" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "delete" as const }), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 5 }).map((afterWrites) => ({ kind: "crash" as const, afterWrites })), weight: 2 },
);
const weatherArb: fc.Arbitrary<Weather> = fc.record({
  endpoint: fc.constantFrom(...ENDPOINTS),
  rates: fc.oneof(
    fc.record({ rate429: fc.constantFrom(0.5, 1) }),
    fc.record({ rate5xx: fc.constantFrom(0.5, 1) }),
    fc.record({ rateMalformed: fc.constantFrom(0.5, 1) }),
    // Done, then answered with a gateway error: the answer that may hide a rental.
    fc.record({ rateLost: fc.constantFrom(0.5, 1) }),
  ),
  lagS: fc.constantFrom(0, 120, 300),
});
const stepArb: fc.Arbitrary<Step> = fc.record({ op: opArb, stormy: fc.boolean(), minutes: fc.integer({ min: 1, max: 4 }) });

interface Violation {
  step: number;
  what: string;
}

/** One scenario: the fleet as its object would run it, the market as Vast would. Answers what broke an invariant. */
async function scenario(seed: number, weather: Weather, steps: Step[]): Promise<Violation[]> {
  const rig = simRig(seed, 1_000_000, HEALTHY);
  const firstSeen = memoryFirstSeen();
  // Timeouts well above the simulator's slowest healthy boot and setup: a strike can only be blame for blindness.
  let config: FleetConfig = {
    ...DEFAULTS,
    workers: 0,
    maxDph: 0.5,
    bounceWindowS: 0,
    bootTimeoutS: 1800,
    setupTimeoutS: 1800,
    waitTimeoutS: 1800,
  };
  let stored: FleetState = emptyState();
  let tombstoned = false;
  const violations: Violation[] = [];
  const owned = () => rig.market.state.instances.filter((i) => slotOf(FLEET, i.label) !== null);

  async function pass(opts: PassOptions, crashAfter: number | null): Promise<PassReport> {
    let writes = 0;
    let lastWrite: FleetState | null = null;
    let crashed = false;
    const journal = (s: FleetState) => {
      if (crashAfter !== null && writes >= crashAfter) {
        crashed = true;
        throw new Error("the process died");
      }
      writes++;
      lastWrite = structuredClone(s);
    };
    const out = await runPass(
      FLEET,
      config,
      stored,
      { vast: rig.vast, firstSeen, hfToken: "hf_x", now: rig.now(), journal, vastRequests: rig.requests },
      opts,
    );
    // A crash keeps only what was journaled before it; otherwise the object stores the outcome.
    stored = crashed ? (lastWrite ?? stored) : out.state;
    return out.report;
  }

  for (const [n, step] of steps.entries()) {
    rig.advance(step.minutes * 60);
    await rig.sync();
    // The lag holds throughout: a listing that lags does not hide again what it has shown.
    rig.market.state.listDelayS = weather.lagS;
    rig.market.state.apiFaults = {
      rate429: 0,
      rate5xx: 0,
      rateMalformed: 0,
      rateLost: 0,
      delayMs: 0,
      endpoints: step.stormy ? { [weather.endpoint]: weather.rates } : {},
    };
    if (tombstoned) continue;
    const before = new Set(owned().map((i) => i.id));
    let report: PassReport | null = null;
    switch (step.op.kind) {
      case "tick":
        report = await pass({}, null);
        break;
      case "crash":
        report = await pass({}, step.op.afterWrites);
        break;
      case "scale":
        config = { ...config, workers: step.op.n };
        report = await pass({}, null);
        break;
      case "down": {
        const was = config;
        config = { ...config, workers: 0 };
        report = await pass({ down: true }, null);
        if (!report.observed) config = was;
        break;
      }
      case "delete": {
        // fleet/object.ts destroyFleet: only when Vast lists none of its instances and no launch is pending.
        const listed = await rig.vast.listInstances().catch(() => null);
        if (listed !== null && !listed.some((i) => slotOf(FLEET, i.label) !== null) && stored.pendingLaunches.length === 0)
          tombstoned = true;
        break;
      }
    }
    const where = (what: string) => violations.push({ step: n, what });
    const after = owned();
    // Nothing destroyed or launched while the listing is blind.
    if (report && !report.observed) {
      if (report.actions.length > 0) where(`acted while blind: ${report.actions.map((a) => a.kind).join(", ")}`);
      if (after.some((i) => !before.has(i.id)) || [...before].some((id) => !after.some((i) => i.id === id)))
        where("the market changed during a blind pass");
    }
    // No instance that no live fleet owns.
    if (tombstoned && after.length > 0) where(`deleted fleet still owns ${after.map((i) => i.id).join(", ")}`);
    // A slot is never rented twice: two instances under one label only as a trade's old and new, or
    // beside one the fleet is destroying. (Stricter than "after the boot timeout".)
    const exempt = new Set([
      ...stored.upgrades.flatMap((u) => [u.oldId, u.newId]),
      ...stored.pendingLaunches.flatMap((p) => (p.upgradeOf === null ? [] : [p.upgradeOf])),
      ...stored.pendingDestroys.map((p) => p.instanceId),
    ]);
    // A trade whose create answer was lost may have a new instance the fleet cannot name yet.
    const lostTrades = new Set(
      stored.pendingLaunches.flatMap((p) => (p.upgradeOf !== null && p.instanceId === null ? [labelFor(FLEET, p.slot)] : [])),
    );
    const byLabel = new Map<string, typeof after>();
    for (const i of after) byLabel.set(i.label ?? "", [...(byLabel.get(i.label ?? "") ?? []), i]);
    for (const [label, group] of byLabel) {
      const held = group.filter((i) => !exempt.has(i.id));
      if (held.length > (lostTrades.has(label) ? 1 : 0) + 1) where(`${label} held by ${held.map((i) => i.id).join(", ")}`);
    }
    // Never above target plus the trade surplus when the pass launched.
    if (report?.actions.some((a) => a.kind === "launch" && a.ok)) {
      const going = new Set(stored.pendingDestroys.map((p) => p.instanceId));
      const staying = after.filter((i) => !going.has(i.id)).length;
      const surplus = Math.max(config.maxConcurrentUpgrades, 1);
      if (staying > Math.max(config.workers, before.size) + surplus) where(`${staying} instances for target ${config.workers}`);
    }
    // Healthy hosts only: no strike, no breaker, whatever the API did.
    const struck = Object.values(stored.hosts).filter((h) => h.strikes > 0);
    if (struck.length > 0) where(`hosts struck: ${struck.map((h) => `${h.machineId} (${h.lastStrike})`).join("; ")}`);
    if (stored.breaker.open) where(`breaker opened: ${stored.breaker.reason}`);
  }
  return violations;
}

describe("fault injection: random API faults, listing lag, crashes and interleaved operations", () => {
  it(`keeps every money invariant (${RUNS} runs, seed 20260217)`, { timeout: 30 * 60_000 }, async () => {
    let runs = 0;
    let violated = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        weatherArb,
        fc.array(stepArb, { minLength: 4, maxLength: 14 }),
        async (seed, weather, steps) => {
          runs++;
          const v = await scenario(seed, weather, steps);
          if (v.length > 0) violated++;
          expect(v, JSON.stringify(v.slice(0, 3))).toEqual([]);
        },
      ),
      { numRuns: RUNS, seed: 20260217, endOnFailure: true },
    );
    console.log(`fault injection: ${runs} runs, ${violated} with a violation`);
  });
});
