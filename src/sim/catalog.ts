/**
 * The simulated market's machines and who rents them: GPU models and prices, new hosts, and the
 * other renters, who take the best deals and give the duds back.
 * @module
 */

import { RUNBOOK_GPU_PRIORS } from "../config/fleet";
import { between, hash01, intBetween, nextFloat, pick, pickWeighted, type RngState } from "./rng";
import { listSignal } from "./signal";
import { FAULT_KINDS, type FaultKind, type Machine, type MarketState } from "./types";

interface GpuModel {
  ramMb: number;
  /** Listing price range, $/h (runbook, Feb 2026). */
  price: [number, number];
  /** Share of the market's listings. */
  share: number;
}

/**
 * Prices and shares follow the runbook's GPU table (Feb 2026): the RTX 3060 is "cheapest, most
 * available" and was paid $0.052-0.058 typically but $0.083 at times ("expensive 3060"), so its
 * range spans both and it has the largest share; the RTX 3060 Ti at $0.055 is "best bang for buck
 * when available", so its share is small (scarce); the 3070 Ti ($0.098) and 3080 ($0.107) ranges
 * contain the prices paid. Models the table does not price keep plausible ranges above the 3060's.
 */
const GPUS: Record<string, GpuModel> = {
  "RTX 3060": { ramMb: 12288, price: [0.05, 0.085], share: 30 },
  "RTX 3060 Ti": { ramMb: 8192, price: [0.05, 0.068], share: 5 },
  "RTX 3070": { ramMb: 8192, price: [0.07, 0.1], share: 17 },
  "RTX 3070 Ti": { ramMb: 8192, price: [0.09, 0.11], share: 8 },
  "RTX 3080": { ramMb: 10240, price: [0.1, 0.13], share: 12 },
  "RTX 3080 Ti": { ramMb: 12288, price: [0.12, 0.16], share: 7 },
  "RTX 3090": { ramMb: 24576, price: [0.15, 0.25], share: 10 },
  "RTX 4060": { ramMb: 8192, price: [0.08, 0.11], share: 3 },
  "RTX 4070": { ramMb: 12288, price: [0.12, 0.16], share: 4 },
  "RTX 4090": { ramMb: 24576, price: [0.35, 0.5], share: 4 },
};

const GPU_SHARES = Object.entries(GPUS).map(([name, g]) => [name, g.share] as const);

const PLACES = [
  "California, US",
  "Texas, US",
  "Virginia, US",
  "Oregon, US",
  "Quebec, CA",
  "Ontario, CA",
  "Germany, DE",
  "Netherlands, NL",
  "Poland, PL",
  "Czechia, CZ",
  "Sweden, SE",
  "Japan, JP",
];

/**
 * Machines in the market at the start, listed or rented by other renters. With other renters
 * holding the best deals (see `compete`), about 40-60 of them are listed at a time.
 */
export const INITIAL_MACHINES = 160;
export const MIN_LISTED = 40;
export const MAX_LISTED = 80;
/** Listed prices swing ±6% around the base price over a cycle of several hours. */
const PRICE_SWING = 0.06;
/** $/GB-month of disk; hosts set their own, the simulator lists one (the CLI's `list machine` default). */
export const STORAGE_COST = 0.15;
/**
 * Vast prices storage per GB-month of 30 days (vast-cli `price_increase.py`, `_SEC_PER_MONTH`),
 * so an hour of it costs storage_cost × GB / 720.
 */
const HOURS_PER_MONTH = 720;
/** The runbook's prices were paid for its 15 GB disks: a machine's price cycle is that total. */
const RUNBOOK_DISK_GB = 15;
/** A listing without an end date the host set runs this long (`list machine` defaults to a month). */
const LISTING_S = 2_592_000;

/**
 * Other renters. Vast is a shared market: the best deals are rented by someone else, which is why
 * the runbook calls the $0.055 RTX 3060 Ti "best bang for buck when available" and why its
 * observed 3060 prices run from $0.052 to $0.083. Renters arrive at RENTERS_PER_HOUR (Poisson);
 * each takes the listed offer it values most. They value speed per dollar (Vast's DLPerf/$ sort)
 * from the GPU model's typical speed, times a personal factor exp(RENTER_TASTE_SD * z) per offer
 * (location, bandwidth, RAM needs differ): they know neither a host's exact speed nor its hidden
 * defect. So the market's best deals are usually taken, reappear when a rental ends, and are gone
 * again minutes later. RENTERS_PER_HOUR is the one free parameter: it is calibrated so that the
 * original scripts' policy reproduces the runbook's observed session (docs/benchmark.md).
 */
export const RENTERS_PER_HOUR = 40;
const RENTER_TASTE_SD = 0.3;
/** Other renters keep a working machine for hours (exponential mean); on-demand rentals run hours to days. */
const RENTAL_MEAN_H = 6;
/**
 * Hosts of one model differ by about ±3%: the runbook's 264 observations put the RTX 3060 at
 * 3.8-4.0 games/s and the expensive 3060 at 3.9. Nothing in an offer tells a fast host from a
 * slow one; the fleet learns it from batch lines.
 */
export const SPEED_SPREAD = 0.03;
/**
 * Defects that any renter hits within minutes (no container, no GPU, a dead host, a setup that
 * never completes); that renter destroys the instance 10-30 min in and the machine is listed again.
 * The other defects (OOM, crash, stall, HF auth) depend on our workload, so others keep those hosts.
 * This is what makes the listed best deals dud-heavy: a good cheap host is rented and stays rented,
 * a bad one bounces straight back onto the list ("the cheapest bad host wins again", peers.md,
 * SkyPilot #10021). Duds are drawn at the same rate at every price; the correlation with price in
 * the listings comes from this survivorship, not from a rule.
 */
const HOST_VISIBLE: ReadonlySet<FaultKind> = new Set(["stuck_boot", "oci_error", "no_cuda", "offline", "slow_setup", "launch_broken"]);
const DUD_RENTAL_MIN: [number, number] = [10, 30];
/** The market is warmed up this long before it opens, so it starts mid-day rather than all listed. */
export const WARMUP_MS = 24 * 3_600_000;
/** Other renters act on a 2-minute grid: a deal can vanish between two 60 s polls. */
export const COMPETE_STEP_MS = 2 * 60_000;

/** How long another renter keeps a machine it just rented, in ms; `u` is uniform in [0, 1). */
function rentalMs(u: number, machine: Machine): number {
  if (machine.fault !== null && HOST_VISIBLE.has(machine.fault))
    return (DUD_RENTAL_MIN[0] + (DUD_RENTAL_MIN[1] - DUD_RENTAL_MIN[0]) * u) * 60_000;
  return -Math.log(1 - u) * RENTAL_MEAN_H * 3_600_000;
}

/**
 * A machine's own stream of draws for other renters, seeded from the run's seed and its id: draw
 * `slot` of compete step `k`. Being stateless, it is the same whatever else the market did, so a
 * machine's taste scores and rental lengths do not depend on who rented which other machine.
 */
function machineDraw(state: MarketState, machine: Machine, k: number, slot: number): number {
  return hash01((state.seed ^ Math.imul(machine.id, 0x9e3779b1)) >>> 0, k * 64 + slot);
}

/** Draws per arrival in one step: two for the taste (Box-Muller), one for the rental length. */
const DRAWS_PER_ARRIVAL = 3;

/**
 * Free for other renters: neither held by one of them nor retiring. Machines we rent count as free
 * (see `compete`), so what other renters do never depends on what we rent.
 */
export function freeForOthers(machine: Machine): boolean {
  return machine.takenUntilMs == null && machine.retiring !== true;
}

/**
 * Other renters on the grid points in (fromMs, toMs]: ended rentals are listed again under a fresh
 * ask id, then this step's arrivals each take their favourite free offer.
 *
 * Paired markets (`state.paired`, the benchmark's): other renters act as if our fleet were not there. They choose among machines
 * free for them, ours included, with each machine's draws from its own stream; a renter whose
 * favourite is one we rent goes without (it is marked taken and stays ours, and is listed again
 * only once that rental would have ended). So two runs of a seed see the same market, whatever
 * each rents, for every machine neither rents: a benchmark compares policies on one market.
 */
export function compete(state: MarketState, rng: RngState, fromMs: number, toMs: number): void {
  const lambda = ((state.rentersPerHour ?? RENTERS_PER_HOUR) * (state.marketScale ?? 1) * COMPETE_STEP_MS) / 3_600_000;
  // Our bids do not hold a machine: an on-demand renter outranks them (./bids.ts).
  const ours = new Set(state.instances.filter((i) => i.bid == null).map((i) => i.machineId));
  // Unpaired (the default): renters choose among listed offers, drawing from the market's stream.
  const paired = state.paired === true;
  const open = paired ? freeForOthers : (m: Machine) => m.offerId !== null;
  for (let k = Math.floor(fromMs / COMPETE_STEP_MS) + 1; k <= Math.floor(toMs / COMPETE_STEP_MS); k++) {
    const t = k * COMPETE_STEP_MS;
    for (const m of state.machines) {
      if (m.takenUntilMs == null || m.takenUntilMs > t) continue;
      if (ours.has(m.id)) m.takenUntilMs = null;
      else relist(state, m);
    }
    // Poisson arrivals by inversion; lambda is well under 1 per step.
    let arrivals = 0;
    for (let p = Math.exp(-lambda), cum = p, u = nextFloat(rng); u > cum; cum += p) p *= lambda / ++arrivals;
    for (let i = 0; i < arrivals; i++) {
      const draw = (m: Machine, slot: number) => (paired ? machineDraw(state, m, k, i * DRAWS_PER_ARRIVAL + slot) : nextFloat(rng));
      let best: Machine | null = null;
      let bestScore = -Infinity;
      for (const m of state.machines) {
        if (!open(m)) continue;
        const z = Math.sqrt(-2 * Math.log(1 - draw(m, 0))) * Math.cos(2 * Math.PI * draw(m, 1));
        const score = ((RUNBOOK_GPU_PRIORS[m.gpuName] ?? 4) / priceAt(m, t)) * Math.exp(RENTER_TASTE_SD * z);
        if (score > bestScore) [best, bestScore] = [m, score];
      }
      if (best === null) break;
      best.offerId = null;
      best.takenUntilMs = t + rentalMs(draw(best, 2), best);
    }
  }
}

export function drawFault(rng: RngState, rates: Record<FaultKind, number>): FaultKind | null {
  let roll = nextFloat(rng);
  for (const kind of FAULT_KINDS) {
    roll -= rates[kind];
    if (roll < 0) return kind;
  }
  return null;
}

export function newMachine(state: MarketState, rng: RngState = state.rng): Machine {
  const gpuName = pickWeighted(rng, GPU_SHARES);
  const gpu = GPUS[gpuName] as GpuModel;
  const prior = RUNBOOK_GPU_PRIORS[gpuName] ?? 4;
  const spread = state.speedSpread ?? SPEED_SPREAD;
  const machine: Machine = {
    id: state.nextIds.machine,
    hostId: state.nextIds.host,
    gpuName,
    gpuRamMb: gpuName === "RTX 3080" && nextFloat(rng) < 0.2 ? 12288 : gpu.ramMb,
    gamesPerSec: round(prior * between(rng, 1 - spread, 1 + spread), 3),
    fault: drawFault(rng, state.faultRates),
    basePrice: round(between(rng, gpu.price[0], gpu.price[1]), 4),
    pricePhase: between(rng, 0, 2 * Math.PI),
    pricePeriodH: between(rng, 6, 30),
    geolocation: pick(rng, PLACES),
    reliability: round(between(rng, 0.9, 0.9995), 4),
    // Log-uniform 80-2500 Mbps: most consumer hosts sit at a few hundred Mbps, a few on slow links
    // (whose image pulls take up to ~10 min, see IMAGE_PULL_MBIT in instances.ts).
    inetDown: round(80 * (2500 / 80) ** nextFloat(rng), 1),
    cudaMaxGood: pick(rng, [12.2, 12.4, 12.6, 12.8, 13.0]),
    offerId: state.nextIds.offer,
    takenUntilMs: null,
  };
  listSignal(state, machine);
  state.nextIds.machine += intBetween(rng, 1, 40);
  state.nextIds.host += intBetween(rng, 1, 300);
  state.nextIds.offer += intBetween(rng, 1, 5000);
  return machine;
}

/** Puts a machine back on the market under a fresh ask id, so stale offer ids answer no_such_ask. */
export function relist(state: MarketState, machine: Machine): void {
  machine.offerId = state.nextIds.offer;
  machine.takenUntilMs = null;
  state.nextIds.offer += 1 + Math.floor(hash01(state.seed, machine.offerId) * 5000);
}

export function priceAt(machine: Machine, simMs: number): number {
  const cycle = (simMs / 3_600_000 / machine.pricePeriodH) * 2 * Math.PI;
  return round(machine.basePrice * (1 + PRICE_SWING * Math.sin(cycle + machine.pricePhase)), 6);
}

/** $/h of `gb` of disk. */
export function storageDph(gb: number): number {
  return (STORAGE_COST * gb) / HOURS_PER_MONTH;
}

/** The GPU's own $/h (`dph_base`): the price cycle less the storage it included. */
export function gpuDph(machine: Machine, simMs: number): number {
  return priceAt(machine, simMs) - storageDph(RUNBOOK_DISK_GB);
}

/** $/h of an on-demand rental with `diskGb` of disk: `dph_total` as a search with that `allocated_storage` shows it. */
export function rentalDph(machine: Machine, simMs: number, diskGb: number): number {
  return round(gpuDph(machine, simMs) + storageDph(diskGb), 6);
}

/** Seconds the host still lists the machine for (the offer's `duration`). */
export function listingLeftS(machine: Machine, simMs: number): number {
  return machine.listingEndsMs == null ? LISTING_S : Math.max(0, (machine.listingEndsMs - simMs) / 1000);
}

/** Offer types as search_offers.yaml defines them; the simulator has no prepaid discounts, so `reserved` lists on-demand prices. */
export type OfferType = "on-demand" | "bid" | "reserved";

/** `minBid`: the lowest bid that wins the machine now (./bids.ts); `rented`: the account rents it already (a bid of ours). */
export function offerJson(
  machine: Machine,
  offerId: number,
  simMs: number,
  allocatedGb: number,
  type: OfferType,
  market: { minBid: number; rented: boolean },
): Record<string, unknown> {
  const base = gpuDph(machine, simMs);
  const minBid = market.minBid;
  const storage = storageDph(allocatedGb);
  // A bid search prices the offer at its minimum bid (search_offers.yaml `type`).
  const dph = round((type === "bid" ? minBid : base) + storage, 6);
  return {
    id: offerId,
    ask_contract_id: offerId,
    machine_id: machine.id,
    host_id: machine.hostId,
    gpu_name: machine.gpuName,
    num_gpus: 1,
    gpu_ram: machine.gpuRamMb,
    gpu_total_ram: machine.gpuRamMb,
    dph_total: dph,
    dph_base: round(base, 6),
    storage_cost: STORAGE_COST,
    storage_total_cost: round(storage, 6),
    min_bid: minBid,
    is_bid: type === "bid",
    reliability: machine.reliability,
    reliability2: machine.reliability,
    verification: machine.verified === false ? "unverified" : "verified",
    verified: machine.verified !== false,
    external: false,
    rentable: true,
    rented: market.rented,
    // From the model's typical speed, not the host's own: Vast cannot know how fast our workload runs there.
    score: round(((RUNBOOK_GPU_PRIORS[machine.gpuName] ?? 4) * machine.reliability) / dph, 3),
    geolocation: machine.geolocation,
    inet_down: machine.inetDown,
    inet_up: round(machine.inetDown * 0.6, 1),
    cuda_max_good: machine.cudaMaxGood,
    ...(machine.dlperf === undefined ? {} : { dlperf: machine.dlperf, dlperf_per_dphtotal: round(machine.dlperf / dph, 2) }),
    driver_version: "570.133.07",
    disk_space: 120,
    cpu_ram: 32768,
    direct_port_count: 20,
    duration: listingLeftS(machine, simMs),
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
