/**
 * Interruptible capacity (docs/vast-interruptible.md): which capacity a launch rents (on demand,
 * a bid, or both with a floor of on-demand workers), what happens to an outbid worker (a raised bid
 * when that pays better than a replacement, else a bounded wait, then a replacement), and the fall
 * back to on demand when interruptions are frequent. Pure.
 * @module
 */
import type { FleetConfig } from "../../config/fleet";
import { formatDuration, HOUR_MS } from "../../format";
import { SEARCH_ROW_CAP } from "../../vast/client";
import type { Offer, OfferQuery } from "../../vast/schemas";
import { availability, bidFor, fleetOutbids, outbidRate, rankBidOffers, takesAt } from "../interruptions";
import {
  chooseOffers,
  chooseRanked,
  expectedRate,
  gamesPerDollar,
  type OfferChoiceContext,
  offerQuery,
  type RankedOffer,
  rankOffers,
  sortRanked,
} from "../offers";
import type { FleetState } from "../state";
import { type BidAction, destroyOf, type Going, type LaunchAction, type PlanInput, type Worker } from "./types";

export type Capacity = FleetConfig["capacity"];

/** A raise bids this much above the `min_bid` that now wins the machine. */
export const RAISE_MARGIN = 0.05;
/** A replacement boots from nothing (image pull, setup): a raise is worth it down to this share of the best replacement's value. */
export const RAISE_KEEPS_AT = 0.9;
/** Outbids (decayed) the fleet must have seen before it judges the market. */
export const FALLBACK_MIN_OUTBIDS = 3;
/** Below this share of productive time, bids are not worth it: launches go on demand. */
export const FALLBACK_AVAILABILITY = 0.75;
export const FALLBACK_HOLD_MS = 6 * HOUR_MS;

/** The capacity launches use now: the configured one, unless the fleet fell back to on demand. */
export function capacityNow(config: FleetConfig, state: Pick<FleetState, "capacityFallback">, now: number): Capacity {
  if (config.capacity === "on-demand") return "on-demand";
  const fb = state.capacityFallback;
  return fb !== null && fb.until > now ? "on-demand" : config.capacity;
}

/**
 * The fall back to on demand: set for FALLBACK_HOLD_MS when the fleet's own interruptions (outbids
 * it waits on, takes by on-demand renters it replaces at once) leave its bids productive less than
 * FALLBACK_AVAILABILITY of the time; kept while it lasts; then bids are tried again (old
 * interruptions weigh less every day, interruptions.ts), and trades move workers back to bids.
 */
export function nextFallback(config: FleetConfig, state: FleetState, now: number): FleetState["capacityFallback"] {
  if (config.capacity === "on-demand") return null;
  const fb = state.capacityFallback;
  if (fb !== null && fb.until > now) return fb;
  const seen = fleetOutbids(state, now);
  const share = availability(seen.rate, config, seen.takes);
  if (seen.outbids < FALLBACK_MIN_OUTBIDS || share >= FALLBACK_AVAILABILITY) return null;
  return {
    since: now,
    until: now + FALLBACK_HOLD_MS,
    reason: `outbid ${seen.rate.toFixed(2)} and taken on demand ${seen.takes.toFixed(2)} times an hour: a bid would produce games ${Math.round(share * 100)}% of the time; launches go on demand for ${formatDuration(FALLBACK_HOLD_MS / 1000)}`,
  };
}

/** $/h a launch will cost while it runs: its bid plus the storage a bid search's price includes, or the on-demand price. */
export function launchDph(l: Pick<LaunchAction, "offer" | "bid">): number {
  return l.bid == null ? l.offer.dph_total : l.offer.dph_total - (l.offer.min_bid ?? 0) + l.bid;
}

/** Workers that stay on demand, launches not yet listed included. */
function onDemandCount(input: PlanInput, going: Going): number {
  const listed = new Set(input.workers.map((w) => w.instance.id));
  const staying = input.workers.filter((w) => !going.has(w.instance.id) && !w.instance.is_bid).length;
  const pending = input.state.pendingLaunches.filter((p) => p.bid == null && (p.instanceId === null || !listed.has(p.instanceId))).length;
  return staying + pending;
}

/** The offers `count` launches take, by the capacity in force: on demand, bids, or both with `minOnDemand` on demand. */
export function chooseLaunches(input: PlanInput, count: number, ctx: OfferChoiceContext, going: Going): RankedOffer[] {
  const mode = capacityNow(input.config, input.state, input.now);
  const od = input.offers ?? [];
  if (mode === "on-demand") return chooseOffers(od, count, ctx);
  // The bid search lists the machines the fleet rents too: a row that does not say `rented` must
  // not outbid the fleet's own worker (or a launch not yet listed).
  const own = new Set([...input.workers.map((w) => w.instance.machine_id), ...input.state.pendingLaunches.map((p) => p.machineId)]);
  const bids = rankBidOffers(
    (input.bidOffers ?? []).filter((o) => !own.has(o.machine_id)),
    ctx,
  );
  if (mode === "interruptible") return chooseRanked(bids, count, ctx);
  const need = Math.min(count, Math.max(0, input.config.minOnDemand - onDemandCount(input, going)));
  const first = chooseOffers(od, need, ctx);
  const rest = chooseRanked(sortRanked([...rankOffers(od, ctx), ...bids], ctx), count - first.length, ctx, first);
  return [...first, ...rest];
}

/** The bid that wins the worker's machine back, when that pays better than a replacement; null otherwise. */
function raiseFor(w: Worker, input: PlanInput, ctx: OfferChoiceContext, going: Going): BidAction | null {
  const { config, state, now } = input;
  const mine = state.bids[String(w.instance.id)];
  // An unconfirmed change may have happened: the listing says soon whether the worker runs again.
  const bidOffers = input.bidOffers ?? null;
  if (!mine || mine.uncertain || bidOffers === null || w.instance.machine_id === null) return null;
  // One raise per outbid spell: a rival that outbids again each pass would otherwise be chased up to maxDph.
  if (mine.at >= w.since) return null;
  // A machine an on-demand renter holds is not listed: no bid wins it back.
  const offer = bidOffers.find((o) => o.machine_id === w.instance.machine_id && o.min_bid !== null);
  if (!offer || offer.min_bid === null) return null;
  const to = bidFor(offer.min_bid, RAISE_MARGIN);
  if (to <= mine.price) return null;
  const old = w.instance.dph_total ?? mine.price;
  const dph = old - mine.price + to;
  if (dph > config.maxDph) return null;
  // The fleet's $/h (this worker counted at its old price) must stay under the fleet ceiling too.
  if (config.maxFleetDph !== null && ctx.fleetDph - old + dph > config.maxFleetDph) return null;
  const gpu = w.instance.gpu_name ?? offer.gpu_name;
  const rate = expectedRate(config, state, gpu, w.instance.machine_id);
  // Renters may take the machine too, as often as its rank in the listing says.
  const keep =
    gamesPerDollar(rate, dph) *
    availability(outbidRate(state, gpu, w.instance.machine_id, now), config, takesAt(rate, dph, bidOffers, ctx));
  const best = chooseLaunches({ ...input, bidOffers: bidOffers.filter((o) => o !== offer) }, 1, ctx, going)[0];
  if (best && keep < best.gamesPerDollar * RAISE_KEEPS_AT) return null;
  return {
    kind: "bid",
    instanceId: w.instance.id,
    label: w.label,
    slot: w.slot,
    machineId: w.instance.machine_id,
    gpuName: w.instance.gpu_name,
    from: mine.price,
    to,
    reason: `outbid: bid $${mine.price.toFixed(4)} → $${to.toFixed(4)}/h (min_bid $${offer.min_bid.toFixed(4)}), ~${Math.round(keep / 1000)}K games/$${best ? ` against ~${Math.round(best.gamesPerDollar / 1000)}K for a replacement` : ", no replacement offer"}`,
  };
}

/**
 * An outbid worker whose machine a complete bid search does not list: an on-demand renter holds it
 * (it outranks every bid, and keeps a machine hours), or its min_bid rose over the cap. No raise wins
 * it back soon, so waiting only loses the slot's games. Without a complete search, nobody knows;
 * nor when the search did not ask for the machine (`searched`: another GPU model, VRAM under its floor).
 */
export function heldOnDemand(
  w: Worker,
  bidOffers: readonly Offer[] | null | undefined,
  searched: Pick<OfferQuery, "gpuNames" | "minGpuRamMb">,
): boolean {
  if (w.phase !== "OUTBID" || !bidOffers || bidOffers.length >= SEARCH_ROW_CAP || w.instance.machine_id === null) return false;
  const { gpu_name: gpu, gpu_ram: vram } = w.instance;
  if (gpu === null || !searched.gpuNames.includes(gpu) || vram === null || vram < (searched.minGpuRamMb ?? 0)) return false;
  return !bidOffers.some((o) => o.machine_id === w.instance.machine_id);
}

/**
 * Each outbid worker: a raised bid when that pays, else it waits up to `outbidWaitS` to resume
 * (Vast pauses it until its bid is highest again), then it is destroyed, as a paused instance still
 * bills storage, and its slot refilled; one whose machine an on-demand renter holds is replaced at
 * once. Never the host's fault: no strike, and the breaker ignores it.
 */
export function planBids(input: PlanInput, ctx: OfferChoiceContext, going: Going): { actions: BidAction[]; held: string[] } {
  const { config, now } = input;
  const actions: BidAction[] = [];
  const held: string[] = [];
  let raisedDph = 0;
  for (const w of input.workers) {
    if (w.phase !== "OUTBID" || going.has(w.instance.id)) continue;
    // The wait bounds every spell, raise or not (a raise that does not win the machine back waits like any other).
    const waited = (now - w.since) / 1000;
    if (heldOnDemand(w, input.bidOffers, offerQuery(config, input.state.vramFloorMb, input.gpu ?? null))) {
      going.add(
        destroyOf(w, "outbid", `outbid: machine ${w.instance.machine_id} is no longer listed for bids (an on-demand renter holds it)`),
      );
      continue;
    }
    if (waited > config.outbidWaitS) {
      const limit = formatDuration(config.outbidWaitS);
      going.add(
        destroyOf(w, "outbid", `outbid (paused) for ${formatDuration(waited)} (limit ${limit}); a paused instance still bills storage`),
      );
      continue;
    }
    const raise = raiseFor(w, input, { ...ctx, fleetDph: ctx.fleetDph + raisedDph }, going);
    if (raise) {
      actions.push(raise);
      raisedDph += raise.to - raise.from;
    } else held.push(`${w.label}: outbid, waits up to ${formatDuration(config.outbidWaitS - waited)} more to resume`);
  }
  return { actions, held };
}

/**
 * An uncertain bid (a change whose answer was lost) is settled once its worker runs again: Vast
 * resumed it, so whichever price holds wins the machine, and a later outbid may be raised again.
 */
export function settleBids(bids: FleetState["bids"], workers: readonly Worker[]): FleetState["bids"] {
  const running = new Set(workers.filter((w) => w.phase !== "OUTBID" && w.instance.actual_status === "running").map((w) => w.instance.id));
  return Object.fromEntries(
    Object.entries(bids).map(([id, b]) => [id, b.uncertain && running.has(Number(id)) ? { ...b, uncertain: false } : b]),
  );
}
