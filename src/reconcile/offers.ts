/**
 * Expected games per dollar: the number the user cares about. The cheapest GPU is not the best
 * value (runbook: a $0.055 RTX 3060 Ti gives ~275K games/$, a $0.083 RTX 3060 ~169K).
 * @module
 */

import type { FleetConfig } from "../config/fleet";
import { SEARCH_ROW_CAP } from "../vast/client";
import type { Offer, OfferQuery } from "../vast/schemas";
import { offerFeatures, searchMedians } from "./duds/features";
import { dudFactor } from "./duds/model";
import type { FleetState, GpuStat, HostRecord } from "./state";

/** Samples after which the fleet's own observations of a GPU model outweigh the prior. */
export const GPU_PRIOR_WEIGHT = 6;
/** Samples after which a host's own record replaces the model estimate. */
export const HOST_MIN_SAMPLES = 5;
/** A strike loses half its weight every this many ms, so an unlucky host gets another chance. */
export const STRIKE_HALF_LIFE_MS = 24 * 3600_000;
/**
 * Strikes: a worker that ran and then failed costs its host one; one that failed before its first
 * batch costs STRIKES_TO_BLOCK (the same image ran elsewhere, so the host is almost surely a dud).
 * A host is skipped while its decayed strikes are at least BLOCK_AT: a second failure within a day,
 * or one failure before running, blocks it, and the block lifts after about ten hours
 * (2 × ½^(t/24 h) < 1.5). Dud hosts keep their defect, and the cheapest dud returns to the market as
 * soon as it is destroyed, so a forgiving rule re-rents it again and again (the fleet benchmark).
 */
export const STRIKES_TO_BLOCK = 2;
export const BLOCK_AT = 1.5;

/** Prior for a GPU the table does not know: the table's slowest, so an unknown is never favoured. */
function priorFor(config: FleetConfig, gpu: string): number {
  const known = config.gpuPriors[gpu];
  if (known !== undefined) return known;
  const values = Object.values(config.gpuPriors);
  return values.length ? Math.min(...values) : 1;
}

/** The prior moves to the fleet's observed mean as samples accumulate (a pseudo-count blend). */
export function expectedGpuRate(config: FleetConfig, stats: Record<string, GpuStat>, gpu: string): number {
  const prior = priorFor(config, gpu);
  const seen = stats[gpu];
  if (!seen || seen.samples === 0) return prior;
  return (prior * GPU_PRIOR_WEIGHT + seen.gamesPerSec * seen.samples) / (GPU_PRIOR_WEIGHT + seen.samples);
}

export function expectedRate(
  config: FleetConfig,
  state: Pick<FleetState, "gpuStats" | "hosts">,
  gpu: string,
  machineId: number | null,
): number {
  const host = machineId === null ? undefined : state.hosts[String(machineId)];
  if (host && host.gamesPerSec !== null && host.samples >= HOST_MIN_SAMPLES) return host.gamesPerSec;
  return expectedGpuRate(config, state.gpuStats, gpu);
}

/** Games per dollar at a rate (games/s) and a price ($/h). */
export function gamesPerDollar(gamesPerSec: number, dph: number): number {
  return dph > 0 ? (gamesPerSec * 3600) / dph : 0;
}

export function decayedStrikes(host: HostRecord, now: number): number {
  return host.strikes * 0.5 ** (Math.max(0, now - host.lastStrikeAt) / STRIKE_HALF_LIFE_MS);
}

export function isBlocked(host: HostRecord | undefined, now: number): boolean {
  if (!host) return false;
  return host.blockedReason !== null || decayedStrikes(host, now) >= BLOCK_AT;
}

export interface OfferChoiceContext {
  config: FleetConfig;
  state: Pick<FleetState, "gpuStats" | "hosts" | "vramFloorMb"> & Partial<Pick<FleetState, "interruptions" | "dudModel">>;
  now: number;
  /** Only this GPU model (the runbook's `vast_up.sh 2 RTX_3090`). */
  gpu?: string | null;
  /** $/h of the fleet's instances that stay: the fleet-wide ceiling applies to the sum. */
  fleetDph: number;
  /** "value" ranks by expected games per dollar; "cheapest" is the original scripts' policy. */
  policy?: "value" | "cheapest";
}

export interface RankedOffer {
  offer: Offer;
  expectedGamesPerSec: number;
  /** Expected games per dollar; for a bid, net of expected interruption losses (interruptions.ts). */
  gamesPerDollar: number;
  /** The bid to create it with ($/h), null on demand. */
  bid: number | null;
  /** $/h it will cost while it runs: dph_total on demand, the bid plus storage on a bid. */
  dph: number;
}

/** Why an offer cannot be used, or null when it can. */
export function offerRejection(offer: Offer, ctx: OfferChoiceContext): string | null {
  const { config, state, now } = ctx;
  if (offer.dph_total > config.maxDph) return `$${offer.dph_total}/h is over the cap $${config.maxDph}/h`;
  // `/up?gpu=RTX_3090` uses the runbook's spelling; Vast names the model "RTX 3090" (like GpuName).
  const only = ctx.gpu ? ctx.gpu.replace(/_/g, " ").trim() : null;
  if (only ? offer.gpu_name !== only : !config.gpus.includes(offer.gpu_name)) return `${offer.gpu_name} is not wanted`;
  if (offer.num_gpus !== 1) return "not a single-GPU offer";
  // vast-cli drops these after the search too (vast.py `search__offers`): the server may still list a machine we rent.
  if (offer.rented === true) return `machine ${offer.machine_id} is rented already`;
  const floor = Math.max(config.minGpuRamMb, state.vramFloorMb);
  if (offer.gpu_ram < floor) return `${offer.gpu_ram} MB VRAM is under ${floor} MB`;
  if (isBlocked(state.hosts[String(offer.machine_id)], now)) return `machine ${offer.machine_id} is blocked`;
  return null;
}

/** The host's decayed strikes, 0 for a host the fleet has no record of. */
export function strikesOf(state: Pick<FleetState, "hosts">, machineId: number, now: number): number {
  const host = state.hosts[String(machineId)];
  return host ? decayedStrikes(host, now) : 0;
}

/** Expected games per dollar, times the dud model's factor for the listing (duds/model.ts `dudFactor`; 1 with no model). */
export function rankOffers(offers: Offer[], ctx: OfferChoiceContext): RankedOffer[] {
  const model = ctx.state.dudModel;
  const medians = model ? searchMedians(offers) : null;
  const ranked = offers
    .filter((o) => offerRejection(o, ctx) === null)
    .map((offer) => {
      const rate = expectedRate(ctx.config, ctx.state, offer.gpu_name, offer.machine_id);
      const factor =
        model && medians ? dudFactor(model, offerFeatures(offer, medians, strikesOf(ctx.state, offer.machine_id, ctx.now))) : 1;
      return {
        offer,
        expectedGamesPerSec: rate,
        gamesPerDollar: gamesPerDollar(rate, offer.dph_total) * factor,
        bid: null,
        dph: offer.dph_total,
      };
    });
  return sortRanked(ranked, ctx);
}

export function sortRanked(ranked: RankedOffer[], ctx: Pick<OfferChoiceContext, "policy">): RankedOffer[] {
  return ctx.policy === "cheapest"
    ? ranked.sort((a, b) => a.dph - b.dph || a.offer.id - b.offer.id)
    : ranked.sort((a, b) => b.gamesPerDollar - a.gamesPerDollar || a.dph - b.dph || a.offer.id - b.offer.id);
}

/** The fleet's offer search: its models (or only `gpu`), caps and floors; shared by the pass and the preflight. */
export function offerQuery(config: FleetConfig, vramFloorMb: number, gpu: string | null = null): OfferQuery {
  const gpuNames = gpu ? [gpu.replace(/_/g, " ")] : config.gpus;
  return {
    gpuNames,
    maxDph: config.maxDph,
    minGpuRamMb: Math.max(config.minGpuRamMb, vramFloorMb),
    diskGb: config.diskGb,
    minDurationH: config.minDurationH,
    minCuda: config.minCuda,
    limit: SEARCH_ROW_CAP,
  };
}

/** Best distinct offers for `count` launches, one machine each, inside the fleet-wide $/h ceiling. */
export function chooseOffers(offers: Offer[], count: number, ctx: OfferChoiceContext): RankedOffer[] {
  return chooseRanked(rankOffers(offers, ctx), count, ctx);
}

/** The first `count` of a ranking, one machine each (none of `taken`), inside the fleet-wide $/h ceiling. */
export function chooseRanked(ranked: RankedOffer[], count: number, ctx: OfferChoiceContext, taken: RankedOffer[] = []): RankedOffer[] {
  const chosen: RankedOffer[] = [];
  const machines = new Set<number>(taken.map((r) => r.offer.machine_id));
  let spend = ctx.fleetDph + taken.reduce((s, r) => s + r.dph, 0);
  for (const r of ranked) {
    if (chosen.length >= count) break;
    if (machines.has(r.offer.machine_id)) continue;
    if (ctx.config.maxFleetDph !== null && spend + r.dph > ctx.config.maxFleetDph + 1e-9) continue;
    chosen.push(r);
    machines.add(r.offer.machine_id);
    spend += r.dph;
  }
  return chosen;
}
