import { RUNBOOK_GPU_PRIORS } from "../config/fleet";
import { between, intBetween, nextFloat, pick, pickWeighted, type RngState } from "./rng";
import { FAULT_KINDS, type FaultKind, type Machine, type MarketState } from "./types";

interface GpuModel {
  ramMb: number;
  /** Listing price range, $/h (runbook, Feb 2026). */
  price: [number, number];
  /** Share of the market's listings. */
  share: number;
}

const GPUS: Record<string, GpuModel> = {
  "RTX 3060": { ramMb: 12288, price: [0.05, 0.085], share: 24 },
  "RTX 3060 Ti": { ramMb: 8192, price: [0.05, 0.068], share: 11 },
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
  "California, US", "Texas, US", "Virginia, US", "Oregon, US", "Quebec, CA", "Ontario, CA",
  "Germany, DE", "Netherlands, NL", "Poland, PL", "Czechia, CZ", "Sweden, SE", "Japan, JP",
];

export const INITIAL_MACHINES = 60;
export const MIN_LISTED = 40;
export const MAX_LISTED = 80;
/** Listed prices swing ±6% around the base price over a cycle of several hours. */
const PRICE_SWING = 0.06;
const STORAGE_DPH = 0.0025;

export function drawFault(rng: RngState, rates: Record<FaultKind, number>): FaultKind | null {
  let roll = nextFloat(rng);
  for (const kind of FAULT_KINDS) {
    roll -= rates[kind];
    if (roll < 0) return kind;
  }
  return null;
}

export function newMachine(state: MarketState): Machine {
  const rng = state.rng;
  const gpuName = pickWeighted(rng, GPU_SHARES);
  const gpu = GPUS[gpuName] as GpuModel;
  const prior = RUNBOOK_GPU_PRIORS[gpuName] ?? 4;
  const machine: Machine = {
    id: state.nextIds.machine,
    hostId: state.nextIds.host,
    gpuName,
    gpuRamMb: gpuName === "RTX 3080" && nextFloat(rng) < 0.2 ? 12288 : gpu.ramMb,
    gamesPerSec: round(prior * between(rng, 0.85, 1.15), 3),
    fault: drawFault(rng, state.faultRates),
    basePrice: round(between(rng, gpu.price[0], gpu.price[1]), 4),
    pricePhase: between(rng, 0, 2 * Math.PI),
    pricePeriodH: between(rng, 6, 30),
    geolocation: pick(rng, PLACES),
    reliability: round(between(rng, 0.9, 0.9995), 4),
    inetDown: round(between(rng, 80, 2500), 1),
    cudaMaxGood: pick(rng, [12.2, 12.4, 12.6, 12.8, 13.0]),
    offerId: state.nextIds.offer,
  };
  state.nextIds.machine += intBetween(rng, 1, 40);
  state.nextIds.host += intBetween(rng, 1, 300);
  state.nextIds.offer += intBetween(rng, 1, 5000);
  return machine;
}

/** Puts a machine back on the market under a fresh ask id, so stale offer ids answer no_such_ask. */
export function relist(state: MarketState, machine: Machine): void {
  machine.offerId = state.nextIds.offer;
  state.nextIds.offer += intBetween(state.rng, 1, 5000);
}

export function priceAt(machine: Machine, simMs: number): number {
  const cycle = (simMs / 3_600_000 / machine.pricePeriodH) * 2 * Math.PI;
  return round(machine.basePrice * (1 + PRICE_SWING * Math.sin(cycle + machine.pricePhase)), 6);
}

export function offerJson(machine: Machine, offerId: number, simMs: number): Record<string, unknown> {
  const dph = priceAt(machine, simMs);
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
    dph_base: round(dph - STORAGE_DPH, 6),
    storage_cost: 0.15,
    min_bid: round(dph * 0.6, 6),
    is_bid: false,
    reliability: machine.reliability,
    reliability2: machine.reliability,
    verification: "verified",
    verified: true,
    external: false,
    rentable: true,
    rented: false,
    score: round((machine.gamesPerSec * machine.reliability) / dph, 3),
    geolocation: machine.geolocation,
    inet_down: machine.inetDown,
    inet_up: round(machine.inetDown * 0.6, 1),
    cuda_max_good: machine.cudaMaxGood,
    driver_version: "570.133.07",
    disk_space: 120,
    cpu_ram: 32768,
    direct_port_count: 20,
    duration: 2_592_000,
    type: "on-demand",
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
