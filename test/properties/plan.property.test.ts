import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { labelFor, slotOf } from "../../src/config/fleet";
import { probeAllowed } from "../../src/reconcile/breaker";
import {
  hfRefusesHost,
  hfTokenVoucher,
  plan,
  type DestroyAction,
  type LaunchAction,
  type Plan,
  type PlanInput,
  type Worker,
} from "../../src/reconcile/plan";
import type { FleetState } from "../../src/reconcile/state";
import { Instance, type Offer } from "../../src/vast/schemas";
import { scenarioArb, workersOf, type Listed, type Scenario } from "./arbitraries";

/**
 * Properties of the pure planner over random fleets, configs, states, clocks and offers. The seed
 * is fixed so that a run is reproducible; fast-check prints the seed and the shrunk counterexample
 * (with `path`) on failure, and RUNS can be raised locally to search harder.
 */
const SEED = 20_260_206;
const RUNS = 1000;
const HOUR_MS = 3600_000;
const opts = { seed: SEED, numRuns: RUNS, endOnFailure: false } as const;

interface Decided {
  input: PlanInput;
  plan: Plan;
  workers: Worker[];
  scanned: boolean;
}

/** What pass.ts does: plan without offers, then with them when the plan asks. */
function decide(sc: Scenario, state: FleetState, listed: Listed[], offers: Offer[]): Decided {
  const workers = workersOf(sc.fleet, listed);
  const input: PlanInput = { fleet: sc.fleet, config: sc.config, state, now: sc.now, workers, offers: null, gpu: sc.gpu, policy: "value" };
  const first = plan(input);
  if (!first.wantsOffers) return { input, plan: first, workers, scanned: false };
  const withOffers = { ...input, offers };
  return { input: withOffers, plan: plan(withOffers), workers, scanned: true };
}

const destroysOf = (p: Plan): DestroyAction[] => p.actions.filter((a): a is DestroyAction => a.kind === "destroy");
const launchesOf = (p: Plan): LaunchAction[] => p.actions.filter((a): a is LaunchAction => a.kind === "launch");

/** Pending launches the planner counts: those not already listed as workers. */
function unlistedPending(state: FleetState, workers: Worker[]) {
  const listed = new Set(workers.map((w) => w.instance.id));
  return state.pendingLaunches.filter((p) => p.instanceId === null || !listed.has(p.instanceId));
}

/** $/h of what stays: survivors plus launches not yet listed (the fleet ceiling applies to the sum). */
function stayingDph(d: Decided): number {
  const gone = new Set(destroysOf(d.plan).map((a) => a.instanceId));
  const survivors = d.workers.filter((w) => !gone.has(w.instance.id)).reduce((s, w) => s + (w.instance.dph_total ?? 0), 0);
  return survivors + unlistedPending(d.input.state, d.workers).reduce((s, p) => s + p.dph, 0);
}

/**
 * Applies a plan as the world would: destroyed instances vanish, each launch is either listed at
 * once as a BOOT instance or still invisible (a pending launch), the market loses the rented
 * offers, and the state is updated the way runPass updates it.
 */
function apply(
  sc: Scenario,
  d: Decided,
  listedNow: boolean[],
): { listed: Listed[]; state: FleetState; offers: Offer[]; launchedIds: number[] } {
  const gone = new Set(destroysOf(d.plan).map((a) => a.instanceId));
  const listed = sc.listed.filter((l) => !gone.has(l.instance.id));
  const state = structuredClone(d.input.state);
  const launchedIds: number[] = [];
  launchesOf(d.plan).forEach((l, i) => {
    const id = 800_000 + i;
    launchedIds.push(id);
    state.launches.push({ at: sc.now, ok: true });
    state.pendingLaunches.push({
      slot: l.slot,
      instanceId: id,
      offerId: l.offer.id,
      machineId: l.offer.machine_id,
      gpuName: l.offer.gpu_name,
      dph: l.offer.dph_total,
      at: sc.now,
      upgradeOf: l.upgradeOf,
      reason: l.reason,
    });
    if (l.upgradeOf !== null) state.upgrades.push({ slot: l.slot, oldId: l.upgradeOf, newId: id, startedAt: sc.now, reason: l.reason });
    if (d.input.state.breaker.open) state.breaker.lastProbeAt = sc.now;
    if (listedNow[i % listedNow.length] ?? true) {
      const instance = Instance.parse({
        id,
        label: l.label,
        actual_status: "loading",
        intended_status: "running",
        cur_state: "running",
        status_msg: null,
        machine_id: l.offer.machine_id,
        host_id: l.offer.host_id,
        gpu_name: l.offer.gpu_name,
        num_gpus: 1,
        gpu_ram: l.offer.gpu_ram,
        dph_total: l.offer.dph_total,
        start_date: sc.now / 1000,
      });
      listed.push({ instance, phase: "BOOT", since: sc.now, hfAuthError: false, everRan: false, unsentBatches: null, gamesPerSec: null });
    }
  });
  if (launchedIds.length > 0) state.creditPausedUntil = null;
  if (d.scanned) state.lastMarketScanAt = sc.now;
  // settle(): a listed launch is no longer pending; upgrades whose old or new instance is gone are over.
  const listedIds = new Set(listed.map((l) => l.instance.id));
  state.pendingLaunches = state.pendingLaunches.filter((p) => p.instanceId === null || !listedIds.has(p.instanceId));
  const present = new Set([...workersOf(sc.fleet, listed).map((w) => w.instance.id), ...state.pendingLaunches.map((p) => p.instanceId)]);
  state.upgrades = state.upgrades.filter((u) => {
    const over = !present.has(u.newId) || !present.has(u.oldId);
    if (over) state.slotCooldowns[String(u.slot)] = sc.now;
    return !over;
  });
  const rented = new Set(launchesOf(d.plan).map((l) => l.offer.id));
  return { listed, state, offers: sc.offers.filter((o) => !rented.has(o.id)), launchedIds };
}

describe("plan: properties over random fleets, configs, states, clocks and offers", () => {
  it(`is deterministic (${RUNS} runs, seed ${SEED})`, () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        expect(decide(sc, sc.state, sc.listed, sc.offers).plan).toEqual(decide(sc, sc.state, sc.listed, sc.offers).plan);
      }),
      opts,
    );
  });

  it("never destroys an instance the fleet does not own, and launches only under the fleet's own labels", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const d = decide(sc, sc.state, sc.listed, sc.offers);
        const byId = new Map(sc.listed.map((l) => [l.instance.id, l.instance]));
        for (const a of destroysOf(d.plan)) {
          const inst = byId.get(a.instanceId);
          expect(inst, `destroy of unlisted ${a.instanceId}`).toBeDefined();
          expect(slotOf(sc.fleet, inst?.label), `destroy of ${a.instanceId} labelled ${inst?.label}`).not.toBeNull();
          expect(a.label).toBe(inst?.label);
        }
        for (const l of launchesOf(d.plan)) {
          expect(l.label).toBe(labelFor(sc.fleet, l.slot));
          expect(slotOf(sc.fleet, l.label)).toBe(l.slot);
        }
        // Nothing is destroyed twice in one plan.
        const ids = destroysOf(d.plan).map((a) => a.instanceId);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      opts,
    );
  });

  it("never launches above maxDph, outside gpus (or the /up gpu filter), on a multi-GPU offer, a blocked host or over the fleet ceiling", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const d = decide(sc, sc.state, sc.listed, sc.offers);
        const launches = launchesOf(d.plan);
        const only = sc.gpu === null ? null : sc.gpu.replace(/_/g, " ").trim();
        for (const l of launches) {
          expect(l.offer.dph_total).toBeLessThanOrEqual(sc.config.maxDph);
          if (only === null) expect(sc.config.gpus).toContain(l.offer.gpu_name);
          else expect(l.offer.gpu_name).toBe(only);
          expect(l.offer.num_gpus).toBe(1);
          const host = sc.state.hosts[String(l.offer.machine_id)];
          expect(host?.blockedReason ?? null).toBeNull();
          expect(sc.offers.map((o) => o.id)).toContain(l.offer.id);
        }
        // One machine per launch within a pass.
        expect(new Set(launches.map((l) => l.offer.machine_id)).size).toBe(launches.length);
        if (sc.config.maxFleetDph !== null && launches.length > 0) {
          const added = launches.reduce((s, l) => s + l.offer.dph_total, 0);
          expect(stayingDph(d) + added).toBeLessThanOrEqual(sc.config.maxFleetDph + 1e-6);
        }
      }),
      opts,
    );
  });

  it("holds no more than the target plus the upgrade surplus", () => {
    /*
     * The exact invariant. Let C0 = listed owned workers + pending launches not yet listed (what the
     * fleet holds before the pass), E = surviving listed workers + those pending launches + this
     * plan's launches (what it holds after). Then, for any state whose upgrades in flight do not
     * exceed maxConcurrentUpgrades (the planner never starts more):
     *   E ≤ max(target, C0) + maxConcurrentUpgrades.
     * Tighter: when the plan launches to fill slots, the non-surplus part of E (E minus upgrade
     * replacements whose old worker survives) is at most the target, and surplus replacements are
     * at most maxConcurrentUpgrades. Upgrades are launched only when no slot is wanted, and never
     * beyond maxConcurrentUpgrades in flight.
     */
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const d = decide(sc, sc.state, sc.listed, sc.offers);
        const { config, state } = d.input;
        const gone = new Set(destroysOf(d.plan).map((a) => a.instanceId));
        const survivors = d.workers.filter((w) => !gone.has(w.instance.id));
        const pending = unlistedPending(state, d.workers);
        const launches = launchesOf(d.plan);
        const regular = launches.filter((l) => l.upgradeOf === null);
        const upgrades = launches.filter((l) => l.upgradeOf !== null);
        const c0 = d.workers.length + pending.length;
        const e = survivors.length + pending.length + launches.length;
        expect(e).toBeLessThanOrEqual(Math.max(config.workers, c0) + config.maxConcurrentUpgrades);

        const alive = new Set(survivors.map((w) => w.instance.id));
        const pendingIds = new Set(pending.map((p) => p.instanceId));
        const surplus =
          state.upgrades.filter((u) => alive.has(u.oldId) && (alive.has(u.newId) || pendingIds.has(u.newId))).length +
          upgrades.filter((l) => l.upgradeOf !== null && alive.has(l.upgradeOf)).length;
        expect(surplus).toBeLessThanOrEqual(config.maxConcurrentUpgrades);
        if (regular.length > 0) {
          expect(e - surplus).toBeLessThanOrEqual(config.workers);
          expect(upgrades).toHaveLength(0);
        }
        expect(state.upgrades.length + upgrades.length).toBeLessThanOrEqual(config.maxConcurrentUpgrades);
        // An upgrade replaces a running survivor of its own slot, one upgrade per worker.
        for (const u of upgrades) {
          const old = survivors.find((w) => w.instance.id === u.upgradeOf);
          expect(old?.phase).toBe("RUNNING");
          expect(old?.slot).toBe(u.slot);
        }
        expect(new Set(upgrades.map((u) => u.upgradeOf)).size).toBe(upgrades.length);
        // Regular launches fill distinct slots that nobody holds or is about to hold.
        const held = new Set([...survivors.map((w) => w.slot), ...state.pendingLaunches.map((p) => p.slot)]);
        for (const l of regular) expect(held.has(l.slot), `slot ${l.slot} already held`).toBe(false);
        expect(new Set(regular.map((l) => l.slot)).size).toBe(regular.length);
      }),
      opts,
    );
  });

  it("respects every hold on launches: pause, launch hold, HF auth, credit, breaker, per-pass and hourly budgets", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const d = decide(sc, sc.state, sc.listed, sc.offers);
        const { config, state, now } = d.input;
        const launches = launchesOf(d.plan);
        const regular = launches.filter((l) => l.upgradeOf === null);
        if (config.paused) {
          expect(d.plan.actions).toEqual([]);
          return;
        }
        const creditPaused = state.creditPausedUntil !== null && now < state.creditPausedUntil;
        // An HF 401/403 holds launches unless a running peer has vouched for the token since (hfRefusesHost).
        const voucher = hfTokenVoucher(d.workers, state, config, now);
        const hfAuth =
          (state.hfAuthHold !== null && voucher === null) ||
          d.workers.some((w) => w.hfAuthError && !hfRefusesHost(w, voucher, config, now));
        if (state.launchHold !== null || creditPaused || hfAuth) expect(launches).toEqual([]);
        if (state.breaker.open) {
          expect(launches.length).toBeLessThanOrEqual(probeAllowed(state.breaker, now) ? 1 : 0);
          expect(launches.filter((l) => l.upgradeOf !== null)).toEqual([]);
        }
        expect(regular.length).toBeLessThanOrEqual(config.maxLaunchesPerPass);
        const lastHour = state.launches.filter((l) => now - l.at < HOUR_MS).length;
        if (regular.length > 0) expect(lastHour + regular.length).toBeLessThanOrEqual(config.maxLaunchesPerHour);
        if (launches.length > regular.length) expect(lastHour).toBeLessThan(config.maxLaunchesPerHour);
      }),
      opts,
    );
  });

  it("never launches or destroys while paused", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const paused = { ...sc, config: { ...sc.config, paused: true } };
        const d = decide(paused, paused.state, paused.listed, paused.offers);
        expect(d.plan.actions).toEqual([]);
        expect(d.plan.wantsOffers).toBe(false);
      }),
      opts,
    );
  });

  it("always removes DEAD owned instances and over-cost ones not yet running (unless paused), whatever holds are on", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const d = decide(sc, sc.state, sc.listed, sc.offers);
        if (sc.config.paused) return;
        const gone = new Map(destroysOf(d.plan).map((a) => [a.instanceId, a]));
        for (const w of d.workers) {
          // A running worker over the cap is traded make before break instead (plan/trades.ts).
          const overCost = w.phase !== "RUNNING" && w.instance.dph_total !== null && w.instance.dph_total > sc.config.maxDph + 1e-9;
          if (w.phase === "DEAD" || overCost) {
            const a = gone.get(w.instance.id);
            expect(a, `${w.label} (${w.phase}, $${w.instance.dph_total}/h, cap $${sc.config.maxDph}) kept`).toBeDefined();
          }
        }
      }),
      opts,
    );
  });

  it("is idempotent: once a plan's actions took effect, planning again at the same now adds nothing", () => {
    /*
     * Exactly: the second plan destroys nothing the first launched, launches into no slot the first
     * filled, launches at all only for slots the first wanted but could not fill (the per-pass cap,
     * the offers left), starts an upgrade only if the first ended one (freeing a place) or removed
     * the worker whose logs held launches (HF auth), and its
     * destroys are only duplicates that an ended upgrade exposed. A first plan with no action at all
     * is a fixed point.
     */
    fc.assert(
      fc.property(scenarioArb(), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (sc, listedNow) => {
        const first = decide(sc, sc.state, sc.listed, sc.offers);
        const after = apply(sc, first, listedNow);
        const second = decide(
          { ...sc, listed: after.listed, state: after.state, offers: after.offers },
          after.state,
          after.listed,
          after.offers,
        );

        const launched = new Set(after.launchedIds);
        for (const a of destroysOf(second.plan))
          expect(launched.has(a.instanceId), `destroyed ${a.instanceId}, launched by the pass before`).toBe(false);

        const firstLaunches = launchesOf(first.plan);
        const firstRegular = firstLaunches.filter((l) => l.upgradeOf === null);
        const filled = new Set(firstLaunches.map((l) => l.slot));
        const secondLaunches = launchesOf(second.plan);
        const secondRegular = secondLaunches.filter((l) => l.upgradeOf === null);
        for (const l of secondRegular) expect(filled.has(l.slot), `slot ${l.slot} launched twice`).toBe(false);
        const unfilled = first.plan.wantedSlots.length - firstRegular.length;
        expect(secondRegular.length).toBeLessThanOrEqual(Math.max(0, unfilled));

        const upgradesEnded = sc.state.upgrades.length > after.state.upgrades.filter((u) => !launched.has(u.newId)).length;
        // The HF-auth launch hold is read from the workers' logs, not remembered: destroying the
        // (dead) worker that showed it lifts the hold, so the next plan may launch again.
        const gone = new Set(destroysOf(first.plan).map((a) => a.instanceId));
        const holdLifted = first.workers.some((w) => w.hfAuthError && gone.has(w.instance.id));
        if (!upgradesEnded && !holdLifted) expect(secondLaunches.filter((l) => l.upgradeOf !== null)).toEqual([]);
        // The disruption budget spreads voluntary destroys over passes, and the first plan says so.
        const budgetHeld = first.plan.held.some((h) => h.includes("ZEB_MAX_DISRUPTIONS_PER_PASS"));
        for (const a of destroysOf(second.plan)) {
          const continued = budgetHeld && (a.cause === "scale_down" || a.cause === "upgrade_done");
          expect(
            (upgradesEnded && a.cause === "duplicate") || continued,
            `second plan destroys ${a.instanceId}: ${a.cause} (${a.reason})`,
          ).toBe(true);
        }
        if (first.plan.actions.length === 0 && !budgetHeld) expect(second.plan.actions).toEqual([]);
      }),
      opts,
    );
  });
});
