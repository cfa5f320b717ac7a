/**
 * How often interruptible workers are outbid, learned per GPU model and per host (and for the whole
 * fleet), and what an interruption costs: the numbers behind a bid offer's expected games per
 * dollar, the bid raise and the fall back to on demand (plan/bids.ts). Pure.
 * @module
 */
import type { FleetConfig } from "../config/fleet";
import { HOUR_MS } from "../format";
import { expectedRate, gamesPerDollar, offerRejection, type OfferChoiceContext, type RankedOffer, sortRanked } from "./offers";
import type { Offer } from "../vast/schemas";
import type { Worker } from "./plan/types";
import type { FleetState, Interruptions } from "./state";

/** Old interruptions weigh half every day: a market that calmed down is trusted again. */
const HALF_LIFE_MS = 24 * HOUR_MS;
/** The prior: one outbid per PRIOR_HOURS on a bid, worth PRIOR_HOURS of observation. */
const PRIOR_HOURS = 12;
const PRIOR_OUTBIDS = 1;
/** Hours on a bid after which a host's own record replaces its GPU model's. */
const HOST_MIN_HOURS = 4;
/** A pass that saw the fleet longer ago than this (a stopped cron) counts only this much exposure. */
const MAX_STEP_MS = 10 * 60_000;
/**
 * What one interruption costs besides the wait: the restart or the replacement's boot and setup
 * (~8 min in the runbook) and the batches not yet uploaded (half an upload interval on average).
 */
const RESTART_LOSS_H = 0.2;

export const FLEET_KEY = "all";
export const gpuKey = (gpu: string) => `gpu:${gpu}`;
export const hostKey = (machineId: number) => `m:${machineId}`;

function decayed(rec: Interruptions | undefined, now: number): Interruptions {
  if (!rec) return { hours: 0, outbids: 0, at: now };
  const f = 0.5 ** (Math.max(0, now - rec.at) / HALF_LIFE_MS);
  return { hours: rec.hours * f, outbids: rec.outbids * f, at: now };
}

/** Outbids per hour on a bid, with the prior blended in. */
function rateOf(rec: Interruptions | undefined, now: number): number {
  const d = decayed(rec, now);
  return (d.outbids + PRIOR_OUTBIDS) / (d.hours + PRIOR_HOURS);
}

/** Expected outbids per hour of a bid on this host (its own record once it has enough hours, else its GPU model's). */
export function outbidRate(state: Pick<FleetState, "interruptions">, gpu: string, machineId: number | null, now: number): number {
  const host = machineId === null ? undefined : state.interruptions[hostKey(machineId)];
  if (host && decayed(host, now).hours >= HOST_MIN_HOURS) return rateOf(host, now);
  return rateOf(state.interruptions[gpuKey(gpu)], now);
}

/** The fleet's own outbid rate, and how many outbids (decayed) it rests on. */
export function fleetOutbids(state: Pick<FleetState, "interruptions">, now: number): { rate: number; outbids: number } {
  const rec = state.interruptions[FLEET_KEY];
  return { rate: rateOf(rec, now), outbids: decayed(rec, now).outbids };
}

/** Hours of work an interruption costs: the wait for a resume (at most outbidWaitS), a restart, unsent batches. */
export function lossHours(config: Pick<FleetConfig, "outbidWaitS">): number {
  return config.outbidWaitS / 3600 + RESTART_LOSS_H;
}

/** The share of a bid's time that produces games, at `rate` outbids an hour. */
export function availability(rate: number, config: Pick<FleetConfig, "outbidWaitS">): number {
  return 1 / (1 + rate * lossHours(config));
}

/** A bid `margin` above min_bid, rounded up to a tenth of a cent per hundred. */
export function bidFor(minBid: number, margin: number): number {
  return Math.ceil(minBid * (1 + margin) * 1e4) / 1e4;
}

/**
 * Bid offers (a `type: "bid"` search, `dph_total` priced at `min_bid`) ranked by expected games per
 * dollar at the fleet's bid, net of expected interruption losses. The price paid while running is
 * the bid plus the storage `dph_total` includes.
 */
export function rankBidOffers(offers: readonly Offer[], ctx: OfferChoiceContext): RankedOffer[] {
  const { config, state, now } = ctx;
  const ranked = offers.flatMap((offer): RankedOffer[] => {
    if (offer.min_bid === null || offer.min_bid <= 0 || offerRejection(offer, ctx) !== null) return [];
    const bid = bidFor(offer.min_bid, config.bidMargin);
    const dph = offer.dph_total - offer.min_bid + bid;
    if (dph > config.maxDph) return [];
    const rate = expectedRate(config, state, offer.gpu_name, offer.machine_id);
    const lambda = outbidRate({ interruptions: state.interruptions ?? {} }, offer.gpu_name, offer.machine_id, now);
    return [{ offer, expectedGamesPerSec: rate, gamesPerDollar: gamesPerDollar(rate, dph) * availability(lambda, config), bid, dph }];
  });
  return sortRanked(ranked, ctx);
}

/** Below this (decayed) many hours and outbids a record says nothing the prior does not: it is forgotten. */
const FORGET_BELOW = 0.01;

/** Records that decayed to nothing go (hosts and models no longer rented), so the map stays bounded; the fleet's own is kept. */
export function forgetInterruptions(recs: Record<string, Interruptions>, now: number): Record<string, Interruptions> {
  return Object.fromEntries(
    Object.entries(recs).filter(([key, rec]) => {
      const d = decayed(rec, now);
      return key === FLEET_KEY || d.hours >= FORGET_BELOW || d.outbids >= FORGET_BELOW;
    }),
  );
}

/**
 * What this pass saw of the bid workers: hours on a bid (while not paused) and new outbids, per
 * GPU model, per host and for the fleet. `before` is the memory of the previous pass.
 */
export function learnInterruptions(state: FleetState, workers: Worker[], before: FleetState, now: number): FleetState {
  const last = before.interruptions[FLEET_KEY]?.at;
  const stepH = last === undefined ? 0 : Math.min(MAX_STEP_MS, Math.max(0, now - last)) / HOUR_MS;
  const next: Record<string, Interruptions> = { ...state.interruptions };
  const add = (key: string, hours: number, outbids: number) => {
    const d = decayed(next[key], now);
    next[key] = { hours: d.hours + hours, outbids: d.outbids + outbids, at: now };
  };
  add(FLEET_KEY, 0, 0);
  for (const w of workers) {
    if (!w.instance.is_bid) continue;
    const was = before.instances[String(w.instance.id)]?.phase;
    // A bid outbid from its first sighting (previous phase unknown) is an outbid too.
    const outbid = w.phase === "OUTBID" && was !== "OUTBID" ? 1 : 0;
    const hours = w.phase === "OUTBID" && outbid === 0 ? 0 : stepH;
    const keys = [FLEET_KEY, ...(w.instance.gpu_name ? [gpuKey(w.instance.gpu_name)] : [])];
    if (w.instance.machine_id !== null) keys.push(hostKey(w.instance.machine_id));
    for (const k of keys) add(k, hours, outbid);
  }
  return { ...state, interruptions: forgetInterruptions(next, now) };
}
