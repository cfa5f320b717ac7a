/**
 * What a host's listing says about its hidden defect (`--reliability-signal`). Vast shows every
 * offer with a reliability score, a verification level and a DLPerf score (docs.vast.ai, "Concepts"),
 * and renters filter on them. How much they reveal of a defect no renter has measured in public, so
 * the strength is a knob: `none` (the calibrated market: reliability independent of defects, every
 * offer verified, no DLPerf listed), `weak` or `strong`. With a signal, a dud's listing is
 * "revealing" with a probability (REVEAL): its reliability is drawn lower, it is more often
 * unverified, its DLPerf (Vast's own benchmark of the machine) is lower, and a host without working
 * CUDA lists an older driver. Healthy hosts are sometimes unverified or unreliable-looking too, so
 * no feature alone tells them apart. Draws come from the machine's own stream (seed and machine id),
 * never the market's, so paired markets stay paired and `none` draws nothing.
 * @module
 */

import { RUNBOOK_GPU_PRIORS } from "../config/fleet";
import { hash01 } from "./rng";
import type { Machine, MarketState } from "./types";

export const RELIABILITY_SIGNALS = ["none", "weak", "strong"] as const;
export type ReliabilitySignal = (typeof RELIABILITY_SIGNALS)[number];

/** Chance that a dud's listing shows its defect at all. */
const REVEAL: Record<Exclude<ReliabilitySignal, "none">, number> = { weak: 0.35, strong: 0.75 };
/** Unverified shares: new or untested hosts among healthy ones, and revealing duds. */
const UNVERIFIED_HEALTHY = 0.05;
const UNVERIFIED_REVEALING = 0.4;
/** A revealing dud's reliability (Vast's uptime-based score) falls in this range; healthy ones keep 0.9-0.9995. */
const DUD_RELIABILITY: [number, number] = [0.8, 0.96];
/** DLPerf per games/s of the model's typical speed, so a 3060 lists about 12 (the scale is arbitrary). */
const DLPERF_PER_GAME_S = 3;
/** A revealing dud benchmarks this much lower (a throttled or failing GPU). */
const DUD_DLPERF: [number, number] = [0.55, 0.9];
/** Drivers a host without working CUDA lists: still within the fleet's minimum (12.0), at the old end. */
const OLD_DRIVERS = [12.0, 12.1, 12.2];

/** Draw `slot` of the machine's own listing stream. */
function draw(state: MarketState, machine: Machine, slot: number): number {
  return hash01((state.seed ^ Math.imul(machine.id, 0x2c1b3c6d) ^ 0x51a7) >>> 0, slot);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Sets the listed features of a new machine as the market's signal says; `none` leaves it untouched. */
export function listSignal(state: MarketState, machine: Machine): void {
  const signal = state.reliabilitySignal ?? "none";
  if (signal === "none") return;
  const revealing = machine.fault !== null && draw(state, machine, 0) < REVEAL[signal];
  const typical = (RUNBOOK_GPU_PRIORS[machine.gpuName] ?? 4) * DLPERF_PER_GAME_S;
  // DLPerf tracks the host's own speed (±3% around the model's) with a little benchmark noise.
  let dlperf = typical * (machine.gamesPerSec / (RUNBOOK_GPU_PRIORS[machine.gpuName] ?? 4)) * (0.97 + 0.06 * draw(state, machine, 1));
  machine.verified = draw(state, machine, 2) >= (revealing ? UNVERIFIED_REVEALING : UNVERIFIED_HEALTHY);
  if (revealing) {
    machine.reliability = round(DUD_RELIABILITY[0] + (DUD_RELIABILITY[1] - DUD_RELIABILITY[0]) * draw(state, machine, 3), 4);
    dlperf *= DUD_DLPERF[0] + (DUD_DLPERF[1] - DUD_DLPERF[0]) * draw(state, machine, 4);
    if (machine.fault === "no_cuda") machine.cudaMaxGood = OLD_DRIVERS[Math.floor(draw(state, machine, 5) * OLD_DRIVERS.length)] ?? 12.0;
  }
  machine.dlperf = round(dlperf, 2);
}
