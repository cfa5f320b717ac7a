import type { FirstSeen } from "../src/reconcile/observe";
import { Market } from "../src/sim/market";
import type { ReliabilitySignal } from "../src/sim/signal";
import { initialState } from "../src/sim/state";
import { tick } from "../src/sim/tick";
import type { FaultKind, MarketState } from "../src/sim/types";
import { createVastClient, type VastClient } from "../src/vast/client";
import { SIM_ORIGIN } from "../src/vast/transport";

/**
 * Runs the product's real pass code against the simulator in plain Node, in simulated time: the
 * market's clock is frozen and advanced by the benchmark, so eight hours take seconds.
 */

export interface SimRig {
  market: Market;
  vast: VastClient;
  /** Vast API requests answered so far (each one a Worker subrequest in production). */
  requests: () => number;
  now: () => number;
  advance: (seconds: number) => void;
  /** Brings the market's bookkeeping (other renters, billing, uploads) up to now; requests do it too. */
  sync: () => Promise<void>;
}

export interface RigOptions {
  /** A market this many times the calibrated one (room for large fleets). */
  marketScale?: number;
  /** Sees every request and a copy of its answer (bench/pass.ts records a pass with it). */
  tap?: (req: Request, res: Response) => Promise<void>;
  /** Bids (src/sim/bids.ts): min_bid over the on-demand price, and mean hours between competing bidders. */
  bidRatio?: number;
  preemptMeanH?: number;
  /** A host's speed spread around its model's rate, and other renters per hour (src/sim/catalog.ts). */
  speedSpread?: number;
  rentersPerHour?: number;
  /** How much a host's listing reveals of its defect (src/sim/signal.ts). */
  reliabilitySignal?: ReliabilitySignal;
}

/** The market a rig runs: paired, so that every policy run on a seed sees the same market (src/sim/catalog.ts `compete`). */
export function rigMarket(seed: number, credit = 1_000_000, faultRates?: Record<FaultKind, number>, options: RigOptions = {}): MarketState {
  return initialState({
    seed,
    speed: 0,
    credit,
    paired: true,
    ...(faultRates ? { faultRates } : {}),
    ...(options.marketScale ? { marketScale: options.marketScale } : {}),
    ...(options.bidRatio === undefined ? {} : { bidRatio: options.bidRatio }),
    ...(options.preemptMeanH === undefined ? {} : { preemptMeanH: options.preemptMeanH }),
    ...(options.speedSpread === undefined ? {} : { speedSpread: options.speedSpread }),
    ...(options.rentersPerHour === undefined ? {} : { rentersPerHour: options.rentersPerHour }),
    ...(options.reliabilitySignal === undefined ? {} : { reliabilitySignal: options.reliabilitySignal }),
  });
}

export function simRig(seed: number, credit = 1_000_000, faultRates?: Record<FaultKind, number>, options: RigOptions = {}): SimRig {
  return rigOn(rigMarket(seed, credit, faultRates, options), options);
}

/**
 * A rig on a market state of its own: a copy of one `rigMarket` built, so that the runs of a seed
 * share one warm-up (a day of other renters) instead of each replaying it.
 */
export function rigOn(state: MarketState, options: Pick<RigOptions, "tap"> = {}): SimRig {
  const market = new Market(state);
  let count = 0;
  const vast = createVastClient({
    baseUrl: SIM_ORIGIN,
    apiKey: "bench-key",
    fetch: async (req) => {
      count++;
      const res = await market.handle(req, 0);
      if (options.tap) await options.tap(req, res.clone());
      return res;
    },
    sleep: async () => {},
    logsPollMs: 0,
  });
  return {
    market,
    vast,
    requests: () => count,
    now: () => market.now(0),
    advance: (seconds) => {
      market.state.clock.advancedMs += seconds * 1000;
    },
    sync: async () => {
      tick(market.state, market.now(0)); // what any request does first, without building one
    },
  };
}

/** First-seen times in memory: the benchmark's stand-in for the Worker's KV store. */
export function memoryFirstSeen(seen = new Map<string, number>()): FirstSeen {
  const ops = { reads: 0, writes: 0 };
  return {
    ops,
    async since(id, phase, now) {
      const key = `${id}:${phase}`;
      ops.reads++;
      const at = seen.get(key);
      if (at !== undefined) return at;
      ops.writes++;
      seen.set(key, now);
      return now;
    },
  };
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

export function spread(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}
