/**
 * Trades, make before break: a running worker is replaced by a new instance that must run before
 * the old one leaves. Three reasons: a better deal (at least `upgradeMinGain` more games per
 * dollar), a roll (POST /roll: every worker started before it, whatever the gain), and a price
 * over the cap (the cap was lowered, or the listing says so): never an empty fleet for a price.
 * @module
 */

import { formatDuration } from "../../format";
import { rankBidOffers } from "../interruptions";
import { chooseRanked, expectedRate, gamesPerDollar, type OfferChoiceContext, rankOffers } from "../offers";
import { isStale } from "../roll";
import { uploadIntervalOf } from "../uploads";
import { capacityNow } from "./bids";
import { drained } from "./drain";
import { overCost } from "./health";
import { destroyOf, type Going, type LaunchAction, type PlanInput, type Worker } from "./types";

/**
 * How often a fleet searches the market when no launch needs it: for a better deal to trade up to,
 * and to keep market memory current (market.ts), also while the fleet is idle. Every other pass
 * catches nearly all that every pass does, with half the searches (docs/benchmark.md).
 */
export const MARKET_SCAN_MS = 2 * 60_000;
/** A worker is judged on its own throughput only after running this long. */
export const UPGRADE_MIN_RUNNING_MS = 10 * 60_000;

export function workerValue(w: Worker, input: PlanInput): number {
  const rate = w.phase === "RUNNING" ? expectedRate(input.config, input.state, w.instance.gpu_name ?? "", w.instance.machine_id) : 0;
  return gamesPerDollar(rate, w.instance.dph_total ?? Infinity);
}

/** A worker that must be traded whatever the gain: started before a roll, or over the cap. */
function forced(w: Worker, input: PlanInput): "roll" | "over_cost" | null {
  if (isStale(w.instance, input.state.rollBefore)) return "roll";
  return overCost(w, input.config) ? "over_cost" : null;
}

/** Trials under way: recorded upgrades, and trade creates whose answer was lost (their id unknown). */
function trialsUnderWay(input: PlanInput): { count: number; olds: Set<number> } {
  const lost = input.state.pendingLaunches.filter((p) => p.upgradeOf !== null && p.instanceId === null);
  const olds = new Set([...input.state.upgrades.map((u) => u.oldId), ...lost.map((p) => p.upgradeOf!)]);
  return { count: input.state.upgrades.length + lost.length, olds };
}

/** Trials at once: maxConcurrentUpgrades, and at least one while a worker must be traded. */
export function upgradeRoom(input: PlanInput): number {
  const must = input.workers.some((w) => w.phase === "RUNNING" && forced(w, input) !== null);
  return Math.max(input.config.maxConcurrentUpgrades, must ? 1 : 0) - trialsUnderWay(input).count;
}

/**
 * The end of each trial: its old worker leaves once the new one runs and the old one has uploaded
 * (a voluntary disruption, so within the budget); a new instance not running after upgradeTrialS
 * failed its trial and goes at once.
 */
export function planTrials(input: PlanInput, going: Going, take: (w: Worker) => boolean): string[] {
  const { config, state, now } = input;
  const held: string[] = [];
  for (const u of state.upgrades) {
    const fresh = input.workers.find((w) => w.instance.id === u.newId);
    const old = input.workers.find((w) => w.instance.id === u.oldId);
    if (fresh?.phase === "RUNNING" && old) {
      if (!drained(old, fresh, uploadIntervalOf(config, state, old.instance.id), now) || going.has(old.instance.id)) continue;
      if (take(old)) going.add(destroyOf(old, "upgrade_done", `replaced by ${u.newId} (${u.reason})`));
      else
        held.push(
          `${old.label} leaves at a later pass: at most ${config.maxDisruptionsPerPass} running worker(s) taken away per pass (ZEB_MAX_DISRUPTIONS_PER_PASS)`,
        );
    }
    // Only a new instance that is not RUNNING failed its trial: one that runs after its old one
    // vanished (Vast took it) is simply the slot's worker now.
    else if (fresh && fresh.phase !== "RUNNING" && !going.has(fresh.instance.id) && now - u.startedAt > config.upgradeTrialS * 1000) {
      going.add(destroyOf(fresh, "upgrade_failed", `upgrade trial not running after ${formatDuration(config.upgradeTrialS)}`));
    }
  }
  return held;
}

/**
 * New trials: forced ones first (roll, over the cap), to the best offer whatever the gain and
 * without waiting for the minimum run or the slot's cooldown; then trades for a better deal, within
 * maxConcurrentUpgrades. Old and new run side by side during the trial, so the fleet ceiling holds
 * for both. `stalled` says why a forced trade found no offer.
 */
export function planTrades(
  input: PlanInput,
  leaving: Set<number>,
  ctx: OfferChoiceContext,
): { launches: LaunchAction[]; stalled: string | null } {
  const { config, state, now } = input;
  const under = trialsUnderWay(input);
  const busy = new Set([...state.upgrades.map((u) => u.newId), ...under.olds]);
  const candidates = input.workers
    .filter((w) => w.phase === "RUNNING" && !w.blind && !leaving.has(w.instance.id) && !busy.has(w.instance.id))
    .map((w) => ({ w, value: workerValue(w, input), must: forced(w, input) }))
    .filter(
      ({ w, must }) =>
        must !== null ||
        (now - w.since >= UPGRADE_MIN_RUNNING_MS &&
          now - (state.slotCooldowns[String(w.slot)] ?? -Infinity) >= config.upgradeCooldownS * 1000),
    )
    .sort((a, b) => Number(b.must !== null) - Number(a.must !== null) || a.value - b.value);
  // Launches not yet listed too: the bid search lists the account's own machines.
  const inUse = new Set([...input.workers.map((w) => w.instance.machine_id), ...state.pendingLaunches.map((p) => p.machineId)]);
  // An interruptible fleet trades to bids, valued net of expected interruptions, so workers rented
  // on demand during a fall back go back to bids once it ends; otherwise trades rent on demand.
  const bids = capacityNow(config, state, now) === "interruptible";
  const offers = ((bids ? input.bidOffers : input.offers) ?? []).filter((o) => !inUse.has(o.machine_id));
  const room = upgradeRoom(input);
  // The room a forced trade adds is its own: trades for a better deal keep to maxConcurrentUpgrades.
  let tradeRoom = config.maxConcurrentUpgrades - under.count;
  const best = chooseRanked(bids ? rankBidOffers(offers, ctx) : rankOffers(offers, ctx), Math.min(room, candidates.length), ctx);
  const launches: LaunchAction[] = [];
  for (const [i, r] of best.entries()) {
    const c = candidates[i];
    if (!c) break;
    if (c.must === null && (input.policy === "cheapest" || tradeRoom-- <= 0 || r.gamesPerDollar < c.value * (1 + config.upgradeMinGain)))
      break;
    const gain = c.value > 0 ? Math.round((r.gamesPerDollar / c.value - 1) * 100) : 100;
    const deal = `${r.offer.gpu_name} @ $${r.dph.toFixed(3)}/h${r.bid === null ? "" : ` (bid $${r.bid.toFixed(4)})`}`;
    const why = {
      roll: `roll: replaces ${c.w.instance.id}, started before the roll: ${deal}, ~${Math.round(r.gamesPerDollar / 1000)}K games/$`,
      over_cost: `replaces ${c.w.instance.id}, at $${c.w.instance.dph_total?.toFixed(3)}/h over the cap $${config.maxDph}/h: ${deal}`,
      none: `upgrade of ${c.w.instance.id}: ${deal} gives ${gain}% more games per dollar`,
    };
    launches.push({
      kind: "launch",
      slot: c.w.slot,
      label: c.w.label,
      reason: why[c.must ?? "none"],
      offer: r.offer,
      expectedGamesPerSec: r.expectedGamesPerSec,
      upgradeOf: c.w.instance.id,
      bid: r.bid,
    });
  }
  const first = candidates[0];
  const stalled =
    room > 0 && first?.must && launches.length === 0
      ? `${first.must === "roll" ? "roll: no offer for the next worker's replacement" : `${first.w.label} is over the cap $${config.maxDph}/h: no offer to replace it`} under $${config.maxDph}/h${config.maxFleetDph !== null ? ` within the fleet ceiling $${config.maxFleetDph}/h (old and new run side by side)` : ""}`
      : null;
  return { launches, stalled };
}

/** Whether a search for trades is due: the fleet at target, a worker running, room for a trial, the scan interval passed. */
export function tradeScanDue(input: PlanInput, scanDue: boolean): boolean {
  return input.workers.some((w) => w.phase === "RUNNING") && upgradeRoom(input) > 0 && scanDue;
}
