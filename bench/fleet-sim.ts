/**
 * One seed of the fleet benchmark (bench/fleet.ts runs many in parallel): each policy on its own
 * copy of the seed's market, and the market's yardsticks from a copy with no fleet in it. The
 * market is paired (src/sim/catalog.ts `compete`): what a policy rents does not change what other
 * renters do, so every policy and the yardsticks see the same machines, prices and duds.
 */
import { DEFAULTS, type FleetConfig } from "../src/config/fleet";
import { runPass } from "../src/reconcile/pass";
import { emptyState, type FleetState } from "../src/reconcile/state";
import { DEFAULT_FAULT_RATES } from "../src/sim/faults";
import {
  batchEndMs,
  batchesDone,
  billedSpan,
  freezeMs,
  GAMES_PER_BATCH,
  hfAuthFails,
  milestones,
  uploadsAfter,
} from "../src/sim/lifecycle";
import type { ReliabilitySignal } from "../src/sim/signal";
import { FAULT_KINDS, type FaultKind } from "../src/sim/types";
import { ceilingOracle, type Deal, dealOf, value } from "./fleet-oracle";
import { memoryFirstSeen, rigMarket, rigOn, type SimRig } from "./harness";
import type { MarketState } from "../src/sim/types";

export const WORKERS = 4;
const STEP_S = 60;
export const POLICIES = ["original", "vastfleet", "interruptible", "oracle"] as const;
export type PolicyName = (typeof POLICIES)[number];

/** One cell of the benchmark: the knobs a run is made of (bench/fleet.ts flags). */
export interface Cell {
  hours: number;
  /** Share of hosts with a hidden defect. */
  duds: number;
  maxDph: number;
  /** vastfleet's market memory (a host another renter gives back within 45 min is blocked). */
  bounce: boolean;
  /** Hours the fleet idles at target 0 first, watching the market. */
  warmH: number;
  /** Bids: min_bid over the on-demand price (Vast's "50-80% savings" is 0.2-0.5), and mean hours between competing bidders. */
  bidRatio: number;
  preemptMeanH: number;
  /** A host's speed spread around its model's typical rate (±0.03), and other renters per hour (40). */
  speedSpread: number;
  rentersPerHour: number;
  /** How much a dud host's listing reveals of its defect (src/sim/signal.ts). */
  reliabilitySignal: ReliabilitySignal;
  policies: PolicyName[];
}

export interface PolicyResult {
  policy: PolicyName;
  /** Games the learner received: uploaded to HF, plus what live workers hold at the end. */
  gamesDelivered: number;
  /** Games generated, uploaded or not. */
  generated: number;
  dollars: number;
  gamesPerDollar: number;
  /** Worker-hours spent producing games, over the target's (workers × the run). */
  producingShare: number;
  launches: number;
  /** Share of launches that landed on a host with a hidden defect. */
  dudLaunchShare: number;
  lostHours: number;
  replacements: number;
  /** Launches, and those on duds, in the run's first hour and after it. */
  launchesByHour: { first: { n: number; duds: number }; later: { n: number; duds: number } };
  /** Dollars by where they went: "producing", a healthy host's "boot", or a dud's fault kind. */
  spend: Record<string, number>;
  /** Actions by kind and cause. */
  causes: Record<string, number>;
  /** Where interruptible capacity's hours went, and who paused its bids (printed with --causes). */
  capacity: Record<string, number>;
}

/** The market's own yardsticks for the seed, in games per dollar (and games for the bound). */
export interface Yardsticks {
  /** The four best-value healthy machines ever listed, each at its lowest price, all run long. */
  bound: number;
  boundGames: number;
  /** At each minute, the four best listed so far at their lowest price so far; swaps free and instant. */
  frontier: number;
}

export interface SeedResult {
  seed: number;
  yard: Yardsticks;
  runs: PolicyResult[];
}

/** Share of hosts with a defect under the simulator's default rates (0.2). */
export const DEFAULT_DUDS = Object.values(DEFAULT_FAULT_RATES).reduce((a, b) => a + b, 0);

/** DEFAULT_FAULT_RATES scaled so that `duds` of hosts have a defect, keeping the mix of kinds. */
function faultRates(duds: number): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((k) => [k, (DEFAULT_FAULT_RATES[k] * duds) / DEFAULT_DUDS])) as Record<FaultKind, number>;
}

interface FleetPolicy {
  config: FleetConfig;
  /** Seconds between passes at a given elapsed time. */
  interval: (elapsedS: number) => number;
  /** The scripts keep nothing between cycles: no host records, VRAM floors or HF launch hold. */
  amnesic: boolean;
  offerPolicy: "value" | "cheapest";
}

type FleetPolicyName = Exclude<PolicyName, "oracle">;

function fleetPolicy(name: FleetPolicyName, cell: Cell): FleetPolicy {
  const base = { ...DEFAULTS, workers: WORKERS, maxDph: cell.maxDph };
  if (name === "vastfleet" || name === "interruptible") {
    const capacity = name === "interruptible" ? ({ capacity: "interruptible" } as const) : {};
    return {
      config: { ...base, ...(cell.bounce ? {} : { bounceWindowS: 0 }), ...capacity },
      interval: () => 60,
      amnesic: false,
      offerPolicy: "value",
    };
  }
  return {
    config: {
      ...base,
      stallTimeoutS: 86_400, // no stall detection: a batch line in the tail meant OK forever
      maxConcurrentUpgrades: 0,
      bounceWindowS: 0, // no market memory
      breakerLaunchFailures: 100,
      breakerFatalFraction: 1,
      maxLaunchesPerHour: 1000,
    },
    interval: (elapsed) => (elapsed < 1800 ? 60 : 600),
    amnesic: true,
    offerPolicy: "cheapest",
  };
}

/**
 * The fleetless copy of the seed's market, watched every simulated minute: the bound, the running
 * frontier, and the ceiling oracle (reported as the "oracle" policy).
 */
async function market(warm: MarketState, cell: Cell, config: FleetConfig): Promise<{ yard: Yardsticks; oracle: PolicyResult }> {
  const seed = warm.seed;
  const rig = rigOn(structuredClone(warm));
  rig.advance(cell.warmH * 3600); // the same stretch of the market as the policies' runs
  const seen = new Map<number, Deal>();
  const best = () => [...seen.values()].sort((a, b) => value(b) - value(a)).slice(0, WORKERS);
  const frontier = { games: 0, dollars: 0 };
  const paid = ceilingOracle(seed, WORKERS, STEP_S, rig.now() + cell.hours * 3_600_000);
  for (let t = 0; t < cell.hours * 3600; t += STEP_S) {
    const now = rig.now();
    await rig.sync();
    const listed = rig.market.state.machines.flatMap((machine) => {
      const deal = dealOf(machine, config, now);
      return deal ? [{ machine, ...deal }] : [];
    });
    for (const d of listed) {
      const prev = seen.get(d.machine.id);
      if (!prev || d.dph < prev.dph) seen.set(d.machine.id, { rate: d.rate, dph: d.dph });
    }
    for (const d of best()) {
      frontier.games += d.rate * STEP_S;
      frontier.dollars += (d.dph * STEP_S) / 3600;
    }
    paid.step(now, listed);
    rig.advance(STEP_S);
  }
  const targetMs = WORKERS * cell.hours * 3_600_000;
  const o = paid.result(targetMs);
  const top = best();
  return {
    yard: {
      bound: top.reduce((s, d) => s + d.rate * 3600, 0) / top.reduce((s, d) => s + d.dph, 0),
      boundGames: top.reduce((s, d) => s + d.rate * cell.hours * 3600, 0),
      frontier: frontier.games / frontier.dollars,
    },
    oracle: {
      policy: "oracle",
      gamesDelivered: o.games,
      generated: o.games,
      dollars: o.dollars,
      gamesPerDollar: o.games / o.dollars,
      producingShare: o.producingShare,
      launches: o.launches,
      dudLaunchShare: 0,
      lostHours: 0,
      replacements: 0,
      launchesByHour: { first: { n: 0, duds: 0 }, later: { n: 0, duds: 0 } },
      spend: {},
      causes: {},
      capacity: {},
    },
  };
}

const count = (ls: { faulty: boolean }[]) => ({ n: ls.length, duds: ls.filter((l) => l.faulty).length });

/** One policy's run of the product's real pass code against its copy of the seed's market. */
async function run(name: FleetPolicyName, warm: MarketState, cell: Cell): Promise<PolicyResult> {
  const policy = fleetPolicy(name, cell);
  const rig = rigOn(structuredClone(warm));
  const { market } = rig;
  const credit0 = market.state.credit;
  const causes: Record<string, number> = {};

  let state: FleetState = emptyState();
  const firstSeen = memoryFirstSeen();
  const pass = (config: FleetConfig, now: number) =>
    runPass(
      "bench",
      config,
      state,
      { vast: rig.vast, firstSeen, hfToken: "hf_bench", now, journal: () => {}, vastRequests: rig.requests },
      { policy: policy.offerPolicy },
    );
  for (let t = 0; t < cell.warmH * 3600; t += 60) {
    state = (await pass({ ...policy.config, workers: 0 }, rig.now())).state;
    rig.advance(60);
  }
  const start = rig.now();
  /** Games per life of an instance: a resumed bid starts a new timeline (its container restarts). */
  const games = new Map<string, number>();
  const lifeKey = (inst: SimRig["market"]["state"]["instances"][number]) => `${inst.id}:${inst.timeline.startMs}`;
  const life = new Map<number, { first: number; last: number; faulty: boolean }>();
  let replacements = 0;
  let nextPass = start;
  const spend = new Map<string, number>();
  let producingMs = 0;
  const capacity: Record<string, number> = {};
  const tally = (key: string, n: number) => {
    capacity[key] = (capacity[key] ?? 0) + n;
  };
  const paused = new Set<number>();

  for (let t = 0; t < cell.hours * 3600; t += STEP_S) {
    const now = rig.now();
    await rig.sync(); // the market moves between passes too
    // Sampled before the pass, so an instance it destroys has its games up to now.
    for (const inst of market.state.instances) {
      const done = batchesDone(inst, milestones(inst), now);
      games.set(lifeKey(inst), Math.max(games.get(lifeKey(inst)) ?? 0, done * GAMES_PER_BATCH));
      const l = life.get(inst.id) ?? { first: now, last: now, faulty: inst.fault !== null };
      l.last = now;
      life.set(inst.id, l);
    }
    for (const inst of market.state.instances) {
      if (inst.pausedMs == null || inst.stoppedMs !== null) {
        paused.delete(inst.id);
        continue;
      }
      tally("hours paused", STEP_S / 3600);
      if (paused.has(inst.id)) continue;
      paused.add(inst.id);
      const m = market.state.machines.find((x) => x.id === inst.machineId);
      const by =
        m?.takenUntilMs != null && m.takenUntilMs > now
          ? "an on-demand renter"
          : m?.rival && m.rival.untilMs > now
            ? "a rival bid"
            : "the floor";
      tally(`pauses by ${by}`, 1);
    }
    if (state.capacityFallback !== null && state.capacityFallback.until > now) tally("hours in fallback to on demand", STEP_S / 3600);
    if (now >= nextPass) {
      if (policy.amnesic) state = { ...state, hosts: {}, vramFloorMb: 0, hfAuthHold: null };
      const out = await pass(policy.config, now);
      state = out.state;
      replacements += out.report.actions.filter(
        (a) => a.kind === "destroy" && a.ok && a.cause !== "scale_down" && a.cause !== "upgrade_done",
      ).length;
      for (const a of out.report.actions) {
        const key = `${name}: ${a.kind} ${a.cause ?? "replenish"}`;
        causes[key] = (causes[key] ?? 0) + 1;
      }
      nextPass = now + policy.interval((now - start) / 1000) * 1000;
    }
    // Billed time until the next step, split at the first batch; an instance destroyed by the pass is gone.
    for (const inst of market.state.instances) {
      const m = milestones(inst);
      const span = billedSpan(inst, m);
      if (!span) continue;
      const ms = (a: number, b: number) => Math.max(0, Math.min(b, span[1], now + STEP_S * 1000) - Math.max(a, span[0], now));
      const add = (key: string, dollars: number) => spend.set(key, (spend.get(key) ?? 0) + dollars);
      const dollars = (spanMs: number) => (spanMs / 3_600_000) * inst.dph;
      // A dud makes games until its fault (an offline host until it drops); a refused uploader's are lost.
      const productiveEnd = inst.fault === "hf_auth" ? -Infinity : Math.min(batchEndMs(inst, m, m.lastBatch), m.unknownMs ?? Infinity);
      const productive = ms(m.workerMs, productiveEnd);
      producingMs += productive;
      tally(inst.bid == null ? "worker-hours producing on demand" : "worker-hours producing on a bid", productive / 3_600_000);
      add("producing", dollars(productive));
      if (inst.fault === null) add("boot", dollars(ms(-Infinity, m.workerMs)));
      else add(inst.fault, dollars(ms(-Infinity, Infinity) - productive));
    }
    rig.advance(STEP_S);
  }
  const end = rig.now();
  await rig.sync(); // bills up to the end
  const dollars = credit0 - market.state.credit;
  for (const inst of market.state.instances) games.set(lifeKey(inst), batchesDone(inst, milestones(inst), end) * GAMES_PER_BATCH);
  // Uploaded, plus what live workers still hold: the run's end is not their end.
  const held = market.state.instances.reduce((sum, inst) => {
    const m = milestones(inst);
    if (hfAuthFails(inst) || freezeMs(inst, m, end) < end) return sum;
    const done = batchesDone(inst, m, end);
    let sent = done;
    while (sent > 0 && !uploadsAfter(inst, m, sent)) sent -= 1;
    return sum + (done - sent) * GAMES_PER_BATCH;
  }, 0);
  const delivered = Object.values(market.state.hf.models).reduce((a, m) => a + m.totalGames, held);
  const lives = [...life.values()];
  return {
    policy: name,
    gamesDelivered: delivered,
    generated: [...games.values()].reduce((a, b) => a + b, 0),
    dollars,
    gamesPerDollar: delivered / dollars,
    producingShare: producingMs / (WORKERS * (end - start)),
    launches: lives.length,
    dudLaunchShare: lives.filter((l) => l.faulty).length / Math.max(1, lives.length),
    lostHours: lives.filter((l) => l.faulty).reduce((s, l) => s + (l.last - l.first) / 3_600_000, 0),
    replacements,
    launchesByHour: {
      first: count(lives.filter((l) => l.first - start < 3_600_000)),
      later: count(lives.filter((l) => l.first - start >= 3_600_000)),
    },
    spend: Object.fromEntries(spend),
    causes,
    capacity,
  };
}

export async function runSeed(seed: number, cell: Cell): Promise<SeedResult> {
  // One warm-up for the seed; each run gets its own copy. The bids' knobs change nothing without a bid in the market.
  const warm = rigMarket(seed, 1_000_000, faultRates(cell.duds), {
    bidRatio: cell.bidRatio,
    preemptMeanH: cell.preemptMeanH,
    speedSpread: cell.speedSpread,
    rentersPerHour: cell.rentersPerHour,
    reliabilitySignal: cell.reliabilitySignal,
  });
  const { yard, oracle: o } = await market(warm, cell, fleetPolicy("vastfleet", cell).config);
  const runs: PolicyResult[] = [];
  for (const name of cell.policies) runs.push(name === "oracle" ? o : await run(name, warm, cell));
  return { seed, yard, runs };
}
