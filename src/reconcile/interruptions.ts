/**
 * How often interruptible workers are outbid, learned per GPU model and per host (and for the whole
 * fleet), how often an on-demand renter takes a listed machine by its rank in value (such a renter
 * outranks every bid, and renters want what the fleet wants: the best value listed), and what an
 * interruption costs: the numbers behind a bid offer's expected games per dollar, the bid raise and
 * the fall back to on demand (plan/bids.ts). Pure.
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
/**
 * What a take by an on-demand renter costs: a replacement on another host (image pull, setup, the
 * batches not uploaded) and the chance it lands on a dud. Set higher than a restart so that bids
 * keep the fleet producing 95% of its worker-hours (docs/benchmark.md, "Interruptible capacity").
 */
const REPLACE_LOSS_H = 0.35;

/**
 * The prior for how often a listed machine is taken, per rank bucket: renters want the best value
 * first, so TAKES_AT_TOP an hour at rank 1, half as many per bucket down, worth TAKE_PRIOR_HOURS.
 * No source but the simulated market (bench/bid-oracle.ts, docs/benchmark.md); weak, as a complete
 * search watches dozens of listed machines at a time, but it keeps a fresh fleet's first bids off
 * the offers renters take within minutes.
 */
const TAKES_AT_TOP = 8;
const TAKE_PRIOR_HOURS = 1;

export const FLEET_KEY = "all";
/** The fleet's own bids taken by on-demand renters (replaced at once, so apart from the outbids it waits for). */
export const FLEET_TAKES_KEY = "all:taken";
/** The fleet's own records are judged on this much prior: a market that turns bad shows within hours. */
const FLEET_PRIOR_HOURS = 2;
export const gpuKey = (gpu: string) => `gpu:${gpu}`;
export const hostKey = (machineId: number) => `m:${machineId}`;
export const rankKey = (bucket: number) => `rank:${bucket}`;

/** Ranks 1, 2-3, 4-7, 8-15, …: renters' appetite falls off with rank, steeply at the top. */
export function rankBucket(rank: number): number {
  return Math.floor(Math.log2(Math.max(1, rank)));
}

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

/** How often an on-demand renter takes a listed machine of this rank bucket, per hour. */
export function takeRate(state: Pick<FleetState, "interruptions">, bucket: number, now: number): number {
  const d = decayed(state.interruptions[rankKey(bucket)], now);
  return (d.outbids + (TAKES_AT_TOP / 2 ** bucket) * TAKE_PRIOR_HOURS) / (d.hours + TAKE_PRIOR_HOURS);
}

/** Expected outbids per hour of a bid on this host (its own record once it has enough hours, else its GPU model's). */
export function outbidRate(state: Pick<FleetState, "interruptions">, gpu: string, machineId: number | null, now: number): number {
  const host = machineId === null ? undefined : state.interruptions[hostKey(machineId)];
  if (host && decayed(host, now).hours >= HOST_MIN_HOURS) return rateOf(host, now);
  return rateOf(state.interruptions[gpuKey(gpu)], now);
}

/**
 * The fleet's own interruptions per hour on a bid: outbids it waited on (`rate`), takes by on-demand
 * renters (`takes`), and how many of both (decayed) they rest on.
 */
export function fleetOutbids(state: Pick<FleetState, "interruptions">, now: number): { rate: number; takes: number; outbids: number } {
  const waited = decayed(state.interruptions[FLEET_KEY], now);
  const taken = decayed(state.interruptions[FLEET_TAKES_KEY], now);
  const rate = (d: Interruptions) => (d.outbids + (PRIOR_OUTBIDS * FLEET_PRIOR_HOURS) / PRIOR_HOURS) / (d.hours + FLEET_PRIOR_HOURS);
  return { rate: rate(waited), takes: rate(taken), outbids: waited.outbids + taken.outbids };
}

/** Hours of work an interruption costs: the wait for a resume (at most outbidWaitS), a restart, unsent batches. */
export function lossHours(config: Pick<FleetConfig, "outbidWaitS">): number {
  return config.outbidWaitS / 3600 + RESTART_LOSS_H;
}

/**
 * The share of a bid's time that produces games, at `rate` outbids an hour (each waited for) and
 * `takes` an hour by on-demand renters (replaced at once: plan/bids.ts `heldOnDemand`).
 */
export function availability(rate: number, config: Pick<FleetConfig, "outbidWaitS">, takes = 0): number {
  return 1 / (1 + rate * lossHours(config) + takes * REPLACE_LOSS_H);
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
  const memory = { interruptions: state.interruptions ?? {} };
  const ranked = valueRanked(offers, ctx).flatMap(({ offer, rate, bid, dph }, i): RankedOffer[] => {
    if (dph > config.maxDph) return [];
    const lambda = outbidRate(memory, offer.gpu_name, offer.machine_id, now);
    const takes = takeRate(memory, rankBucket(i + 1), now);
    return [
      { offer, expectedGamesPerSec: rate, gamesPerDollar: gamesPerDollar(rate, dph) * availability(lambda, config, takes), bid, dph },
    ];
  });
  return sortRanked(ranked, ctx);
}

/** How often renters take a machine worth `rate` games/s at `dph` $/h, by where it ranks among usable bid offers. */
export function takesAt(rate: number, dph: number, offers: readonly Offer[], ctx: OfferChoiceContext): number {
  const rank = 1 + valueRanked(offers, ctx).filter((r) => r.rate / r.dph > rate / dph).length;
  return takeRate({ interruptions: ctx.state.interruptions ?? {} }, rankBucket(rank), ctx.now);
}

/** Usable bid offers by expected games per dollar at the fleet's bid, best first: the order renters take them in. */
function valueRanked(offers: readonly Offer[], ctx: OfferChoiceContext): { offer: Offer; rate: number; bid: number; dph: number }[] {
  const { config, state } = ctx;
  return offers
    .flatMap((offer) => {
      if (offer.min_bid === null || offer.min_bid <= 0 || offerRejection(offer, ctx) !== null) return [];
      const bid = bidFor(offer.min_bid, config.bidMargin);
      const dph = offer.dph_total - offer.min_bid + bid;
      return [{ offer, rate: expectedRate(config, state, offer.gpu_name, offer.machine_id), bid, dph }];
    })
    .sort((a, b) => b.rate / b.dph - a.rate / a.dph || a.offer.id - b.offer.id);
}

/**
 * What a complete bid search says of renters: each machine the last one (at most MAX_STEP_MS
 * before) listed has been exposed since, per rank bucket, and one absent now (not ours) was taken.
 * `own`: machines the account rents.
 */
export function learnTakes(
  state: FleetState,
  offers: readonly Offer[],
  own: ReadonlySet<number>,
  ctx: OfferChoiceContext,
  now: number,
): FleetState {
  const last = state.bidListing;
  const next: Record<string, Interruptions> = { ...state.interruptions };
  // A listing older than a step (a fall back, a pause, capped searches between) cannot say which
  // machines left within the exposure counted: it is only replaced.
  if (last !== null && now - last.at <= MAX_STEP_MS) {
    const stepH = Math.max(0, now - last.at) / HOUR_MS;
    const listed = new Set(offers.map((o) => o.machine_id));
    for (const [machine, bucket] of Object.entries(last.buckets)) {
      if (own.has(Number(machine))) continue;
      const d = decayed(next[rankKey(bucket)], now);
      next[rankKey(bucket)] = { hours: d.hours + stepH, outbids: d.outbids + (listed.has(Number(machine)) ? 0 : 1), at: now };
    }
  }
  const buckets = Object.fromEntries(valueRanked(offers, ctx).map((r, i) => [String(r.offer.machine_id), rankBucket(i + 1)]));
  return { ...state, interruptions: next, bidListing: { at: now, buckets } };
}

/** Below this (decayed) many hours and outbids a record says nothing the prior does not: it is forgotten. */
const FORGET_BELOW = 0.01;

/** Records that decayed to nothing go (hosts and models no longer rented), so the map stays bounded; the fleet's own is kept. */
export function forgetInterruptions(recs: Record<string, Interruptions>, now: number): Record<string, Interruptions> {
  return Object.fromEntries(
    Object.entries(recs).filter(([key, rec]) => {
      const d = decayed(rec, now);
      return key === FLEET_KEY || key === FLEET_TAKES_KEY || d.hours >= FORGET_BELOW || d.outbids >= FORGET_BELOW;
    }),
  );
}

/**
 * What this pass saw of the bid workers: hours on a bid (while not paused) and new outbids, per
 * GPU model, per host and for the fleet. `before` is the memory of the previous pass.
 */
export function learnInterruptions(
  state: FleetState,
  workers: Worker[],
  before: FleetState,
  now: number,
  takenOnDemand: ReadonlySet<number> = new Set(),
): FleetState {
  const last = before.interruptions[FLEET_KEY]?.at;
  const stepH = last === undefined ? 0 : Math.min(MAX_STEP_MS, Math.max(0, now - last)) / HOUR_MS;
  const next: Record<string, Interruptions> = { ...state.interruptions };
  const add = (key: string, hours: number, outbids: number) => {
    const d = decayed(next[key], now);
    next[key] = { hours: d.hours + hours, outbids: d.outbids + outbids, at: now };
  };
  add(FLEET_KEY, 0, 0);
  add(FLEET_TAKES_KEY, 0, 0);
  for (const w of workers) {
    if (!w.instance.is_bid) continue;
    const was = before.instances[String(w.instance.id)]?.phase;
    // A bid outbid from its first sighting (previous phase unknown) is an outbid too.
    const outbid = w.phase === "OUTBID" && was !== "OUTBID" ? 1 : 0;
    const hours = w.phase === "OUTBID" && outbid === 0 ? 0 : stepH;
    const keys = [FLEET_KEY, ...(w.instance.gpu_name ? [gpuKey(w.instance.gpu_name)] : [])];
    if (w.instance.machine_id !== null) keys.push(hostKey(w.instance.machine_id));
    // A renter's take is learned by rank from the listing (learnTakes) and its worker replaced at
    // once: outbids here are the ones waited for (rival bids), which the fall back judges.
    const taken = takenOnDemand.has(w.instance.id) ? outbid : 0;
    for (const k of keys) add(k, hours, outbid - taken);
    add(FLEET_TAKES_KEY, hours, taken);
  }
  return { ...state, interruptions: forgetInterruptions(next, now) };
}
