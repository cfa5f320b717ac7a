/**
 * A new market: the options it is made with, and its initial state, warmed up before it opens.
 * @module
 */

import { compete, INITIAL_MACHINES, newMachine, WARMUP_MS } from "./catalog";
import { newClock } from "./clock";
import { DEFAULT_API_FAULTS, DEFAULT_FAULT_RATES } from "./faults";
import { intBetween } from "./rng";
import type { ReliabilitySignal } from "./signal";
import type { FaultKind, MarketState } from "./types";

export interface MarketOptions {
  seed?: number;
  /** Sim epoch ms at start; defaults to the runbook's healthy-log date so runs are reproducible. */
  startMs?: number;
  /** Sim ms per real ms; 0 freezes the clock (tests advance it explicitly). */
  speed?: number;
  /** Account credit in $. */
  credit?: number;
  /** Hidden-defect rates of new machines; DEFAULT_FAULT_RATES unless a benchmark varies them. */
  faultRates?: Record<FaultKind, number>;
  /** A market this many times the calibrated one (see MarketState.marketScale). */
  marketScale?: number;
  /** Paired: other renters act as if our fleet were not there (see MarketState.paired). */
  paired?: boolean;
  /** `min_bid` over the on-demand price, and the mean hours between competing bidders (./bids.ts). */
  bidRatio?: number;
  preemptMeanH?: number;
  /** A host's speed spread around its model's typical rate, and other renters per hour (catalog.ts). */
  speedSpread?: number;
  rentersPerHour?: number;
  /** How much a host's listing reveals of its defect (./signal.ts); "none" unless a benchmark varies it. */
  reliabilitySignal?: ReliabilitySignal;
}

export const DEFAULT_START_MS = Date.UTC(2026, 1, 6, 12, 0, 0);
export const DEFAULT_CREDIT = 50;
const DEFAULT_LOGS_NOT_READY_POLLS = 1;
/** The learner step HF reports before any worker uploads (the runbook's healthy-log sample). */
const INITIAL_STEP = 142;

export function initialState(options: MarketOptions = {}): MarketState {
  const seed = (options.seed ?? 42) >>> 0;
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const state: MarketState = {
    version: 1,
    seed,
    rng: { s: seed },
    apiRng: { s: (seed ^ 0x5bd1e995) >>> 0 },
    marketRng: { s: (seed ^ 0x2545f491) >>> 0 },
    clock: newClock(startMs, options.speed ?? 1),
    tickedMs: startMs,
    credit: options.credit ?? DEFAULT_CREDIT,
    machines: [],
    instances: [],
    nextIds: { offer: 0, instance: 0, machine: 0, host: 0, log: 1 },
    faultRates: { ...(options.faultRates ?? DEFAULT_FAULT_RATES) },
    apiFaults: { ...DEFAULT_API_FAULTS, endpoints: {} },
    logsNotReadyPolls: DEFAULT_LOGS_NOT_READY_POLLS,
    forced: { next: [] },
    logs: {},
    hf: { models: { "zeb-557k-1m": { stepBase: INITIAL_STEP, sinceMs: null, totalGames: 0 } }, commits: {} },
  };
  state.nextIds = {
    offer: intBetween(state.rng, 28_000_000, 29_000_000),
    instance: intBetween(state.rng, 27_000_000, 28_000_000),
    machine: intBetween(state.rng, 10_000, 40_000),
    host: intBetween(state.rng, 100_000, 300_000),
    log: 1,
  };
  if (options.marketScale !== undefined && options.marketScale !== 1) state.marketScale = options.marketScale;
  if (options.paired) state.paired = true;
  if (options.bidRatio !== undefined) state.bidRatio = options.bidRatio;
  if (options.preemptMeanH !== undefined) state.preemptMeanH = options.preemptMeanH;
  if (options.speedSpread !== undefined) state.speedSpread = options.speedSpread;
  if (options.rentersPerHour !== undefined) state.rentersPerHour = options.rentersPerHour;
  if (options.reliabilitySignal !== undefined && options.reliabilitySignal !== "none") state.reliabilitySignal = options.reliabilitySignal;
  for (let i = 0; i < INITIAL_MACHINES * (state.marketScale ?? 1); i++) state.machines.push(newMachine(state));
  // A day of other renters before the market opens, so it starts as it would be mid-day: the best
  // healthy deals mostly rented, duds bouncing back (catalog.ts, "Other renters").
  if (state.marketRng) compete(state, state.marketRng, startMs - WARMUP_MS, startMs);
  return state;
}
