/**
 * The decision of one pass: observed fleet + remembered state + config + now → actions, each with
 * its reason. Pure and level-triggered: it compares what is wanted with what is seen, so the same
 * input always gives the same plan, and a plan whose actions took effect plans nothing more. Each
 * decision is a module of this folder; `plan` composes them in order of urgency.
 * @module
 */

import { labelFor } from "../../config/fleet";
import type { OfferChoiceContext } from "../offers";
import { chooseLaunches, planBids } from "./bids";
import { launchAllowance, disruptionBudget, tradesAllowed, type GateContext } from "./budget";
import { planHealth } from "./health";
import { hfAuthHolds, hfTokenVoucher } from "./hf";
import { emptySlots, planDuplicates, planScaleDown } from "./slots";
import { MARKET_SCAN_MS, planTrades, planTrials, tradeScanDue } from "./trades";
import { destroyOf, Going, type Action, type Plan, type PlanInput } from "./types";

export * from "./types";
export { fatalGraceS, REPLACE_TIMEOUTS } from "./health";
export { hfRefusesHost, hfTokenVoucher } from "./hf";
export { awaitsUpload, drained } from "./drain";
export { MARKET_SCAN_MS, UPGRADE_MIN_RUNNING_MS } from "./trades";
export { capacityNow, heldOnDemand, launchDph, nextFallback, settleBids } from "./bids";

/** How offers are judged for this plan: the fleet's $/h that stays (workers not going, launches not yet listed) counts toward the ceiling. */
function offerContext(input: PlanInput, going: Going, raisedDph = 0): OfferChoiceContext {
  const { config, state, now } = input;
  const listed = new Set(input.workers.map((w) => w.instance.id));
  const unlisted = state.pendingLaunches.filter((p) => p.instanceId === null || !listed.has(p.instanceId));
  const staying =
    input.workers.filter((w) => !going.has(w.instance.id)).reduce((sum, w) => sum + (w.instance.dph_total ?? 0), 0) +
    unlisted.reduce((s, p) => s + p.dph, 0) +
    raisedDph;
  return { config, state, now, gpu: input.gpu ?? null, fleetDph: staying, policy: input.policy ?? "value" };
}

export function plan(input: PlanInput): Plan {
  const { config, state, now } = input;
  if (input.down) {
    const actions = input.workers.map((w) => destroyOf(w, "down", "POST /down"));
    return { actions, wantedSlots: [], wantsOffers: false, held: [] };
  }
  if (config.paused)
    return { actions: [], wantedSlots: [], wantsOffers: false, held: ["paused: autonomous actions are off (POST /resume)"] };

  const going = new Going();
  const budget = disruptionBudget(input);
  const voucher = hfTokenVoucher(input.workers, state, config, now);
  const held = [...planHealth(input, voucher, going), ...planTrials(input, going, budget.take)];
  const bids = planBids(input, offerContext(input, going), going);
  held.push(...bids.held);
  planDuplicates(input, going);
  const scaled = planScaleDown(input, going, budget.take);
  held.push(...scaled.held);

  const wantedSlots = emptySlots(input, going, scaled.count);
  const gates: GateContext = { input, hfAuthHold: hfAuthHolds(input.workers, state, voucher, config, now) };
  const allowance = launchAllowance(wantedSlots.length, gates);
  held.push(...allowance.held);
  const launchSlots = wantedSlots.slice(0, allowance.allowed);

  // A worker a later decision destroys (duplicate, scale down) is not raised as well.
  const raises = bids.actions.filter((b) => !going.has(b.instanceId));
  // Raises planned this pass cost their new price: launches see the fleet's $/h with them.
  const ctx = offerContext(
    input,
    going,
    raises.reduce((sum, b) => sum + b.to - b.from, 0),
  );

  const scanDue = state.lastMarketScanAt === null || now - state.lastMarketScanAt >= MARKET_SCAN_MS;
  // No trade while above target: its new instance would only add to what the budget still has to take away.
  const tradesDue =
    launchSlots.length === 0 &&
    wantedSlots.length === 0 &&
    scaled.count <= config.workers &&
    tradesAllowed(gates) &&
    tradeScanDue(input, scanDue);
  // Market memory learns only from searches, so it watches whatever the fleet is doing (holds,
  // breaker, target 0); `/up?gpu=` sees one model, which says nothing of the others.
  const watchDue = config.bounceWindowS > 0 && !input.gpu && scanDue;
  const actions: Action[] = [...going.actions, ...raises];
  const outbid = input.workers.some((w) => w.phase === "OUTBID");
  if (input.offers === null) return { actions, wantedSlots, wantsOffers: launchSlots.length > 0 || tradesDue || watchDue || outbid, held };

  const chosen = chooseLaunches(input, launchSlots.length, ctx, going);
  if (chosen.length < launchSlots.length) {
    held.push(
      `no offers for ${launchSlots.length - chosen.length} slot(s)${input.gpu ? ` on ${input.gpu.replace(/_/g, " ")}` : ""} under $${config.maxDph}/h${config.maxFleetDph !== null ? ` within the fleet ceiling $${config.maxFleetDph}/h` : ""}`,
    );
  }
  chosen.forEach((r, i) => {
    const slot = launchSlots[i]!;
    actions.push({
      kind: "launch",
      slot,
      label: labelFor(input.fleet, slot),
      reason: `slot ${slot} empty (target ${config.workers}): ${r.offer.gpu_name} @ $${r.dph.toFixed(3)}/h${r.bid === null ? "" : ` (bid $${r.bid.toFixed(4)})`}, ~${Math.round(r.gamesPerDollar / 1000)}K games/$`,
      offer: r.offer,
      expectedGamesPerSec: r.expectedGamesPerSec,
      upgradeOf: null,
      bid: r.bid,
    });
  });
  if (tradesDue) {
    const trades = planTrades(input, new Set([...going.actions.map((d) => d.instanceId), ...scaled.leaving]), ctx);
    actions.push(...trades.launches);
    // A forced trade that cannot take its next step says so, else /status shows it waiting for nothing.
    if (trades.stalled) held.push(trades.stalled);
  }
  return { actions, wantedSlots, wantsOffers: false, held };
}
