/**
 * Interruptible (bid) rentals as Vast documents them (docs/vast-interruptible.md): the highest bid
 * on a machine runs and lower ones are paused (processes killed, disk kept, storage billed) until
 * they are highest again; an on-demand renter outranks every bid. A bid machine stays listed, so
 * other renters (catalog.ts `compete`) can take it on demand. Competing bidders arrive on machines
 * we bid on, one every `preemptMeanH` hours on average, each bidding above `min_bid` (a log-normal
 * markup), and hold the machine for an exponential time. Their draws come from each machine's own
 * stream, so two runs of a seed meet the same bidders.
 * @module
 */
import { gpuDph, round, storageDph } from "./catalog";
import { drawTimeline } from "./instances";
import { hash01 } from "./rng";
import type { Machine, MarketState, SimInstance } from "./types";

export const DEFAULT_BID_RATIO = 0.6;
export const DEFAULT_PREEMPT_MEAN_H = 6;
/** Competing bids are min_bid × exp(RIVAL_SD × |z|): a median markup of about 22%. */
const RIVAL_SD = 0.3;
/** A competing bidder keeps the machine this long on average (exponential), hours. */
const RIVAL_HOLD_MEAN_H = 1;
/** Bidders act on the same 2-minute grid as other renters. */
const STEP_MS = 2 * 60_000;
/** The smallest step Vast's bids take ($/h): a winning bid is this much above the highest other. */
const BID_STEP = 0.001;
const HOUR = 3_600_000;

export function bidRatio(state: MarketState): number {
  return state.bidRatio ?? DEFAULT_BID_RATIO;
}

/** The host's floor for bids: the on-demand GPU price times the market's bid ratio. */
function floorOf(state: MarketState, machine: Machine, t: number): number {
  return round(gpuDph(machine, t) * bidRatio(state), 6);
}

function rivalAt(machine: Machine, t: number): number {
  return machine.rival && machine.rival.untilMs > t ? machine.rival.bid : 0;
}

/** The lowest bid that wins the machine now: above the host's floor, a competing bid, and every bid of ours there. */
export function minBidOf(state: MarketState, machine: Machine, t: number): number {
  const ours = state.instances.filter((i) => i.machineId === machine.id && i.bid != null).map((i) => (i.bid as number) + BID_STEP);
  const rival = rivalAt(machine, t);
  return round(Math.max(floorOf(state, machine, t), rival > 0 ? rival + BID_STEP : 0, ...ours), 6);
}

/** $/h an instance at this bid costs while it runs: the bid plus its disk. */
export function bidDph(bid: number, diskGb: number): number {
  return round(bid + storageDph(diskGb), 6);
}

/** Whether Vast keeps this bid paused at `t`: an on-demand renter, a higher bid, or a bid under the host's floor. */
function outranked(state: MarketState, inst: SimInstance, machine: Machine | undefined, t: number): boolean {
  if (!machine || inst.bid == null) return false;
  if (machine.takenUntilMs != null && machine.takenUntilMs > t) return true;
  if (state.instances.some((o) => o !== inst && o.machineId === machine.id && o.stoppedMs === null && (o.bid == null || o.bid > inst.bid!)))
    return true;
  return rivalAt(machine, t) > inst.bid || inst.bid < floorOf(state, machine, t);
}

/** Competing bidders on a machine over the grid points in (fromMs, toMs]: one may arrive per step. */
function bidders(state: MarketState, machine: Machine, fromMs: number, toMs: number): void {
  const p = STEP_MS / ((state.preemptMeanH ?? DEFAULT_PREEMPT_MEAN_H) * HOUR);
  const draw = (k: number, slot: number) => hash01((state.seed ^ Math.imul(machine.id, 0x85ebca6b) ^ 0xb1d) >>> 0, k * 8 + slot);
  for (let k = Math.floor(fromMs / STEP_MS) + 1; k <= Math.floor(toMs / STEP_MS); k++) {
    const t = k * STEP_MS;
    if (draw(k, 0) >= p) continue;
    const z = Math.sqrt(-2 * Math.log(1 - draw(k, 1))) * Math.cos(2 * Math.PI * draw(k, 2));
    const bid = round(floorOf(state, machine, t) * Math.exp(RIVAL_SD * Math.abs(z)), 6);
    const untilMs = t - Math.log(1 - draw(k, 3)) * RIVAL_HOLD_MEAN_H * HOUR;
    if (bid > rivalAt(machine, t)) machine.rival = { bid, untilMs };
  }
}

/**
 * Brings every bid of ours up to `now`: competing bidders arrive, and each bid is paused or resumed.
 * A resumed instance starts its container again (its image cached), as after a stop.
 */
export function settleBids(state: MarketState, fromMs: number, now: number): void {
  const bidding = state.instances.filter((i) => i.bid != null && i.stoppedMs === null);
  const machines = new Set(bidding.map((i) => i.machineId));
  for (const m of state.machines) if (machines.has(m.id)) bidders(state, m, fromMs, now);
  for (const inst of bidding) {
    const paused = outranked(
      state,
      inst,
      state.machines.find((m) => m.id === inst.machineId),
      now,
    );
    if (paused && inst.pausedMs == null) inst.pausedMs = now;
    else if (!paused && inst.pausedMs != null) {
      inst.pausedMs = null;
      inst.timeline = drawTimeline(state.rng, now, inst.fault, null);
    }
  }
}

/** $/h a paused instance still bills: its disk. */
export function pausedDph(inst: SimInstance): number {
  return storageDph(inst.disk);
}
