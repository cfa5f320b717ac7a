import type { RngState } from "./rng";

/** Hidden host defects. Each has a distinct status/log signature (see README of the sim in faults.ts). */
export const FAULT_KINDS = [
  "stuck_boot",
  "no_cuda",
  "oom",
  "crash",
  "stall",
  "hf_auth",
  "launch_broken",
  "oci_error",
  "offline",
  "slow_setup",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Endpoints that API faults can be aimed at. */
export const ENDPOINTS = ["offers", "create", "list", "show", "destroy", "manage", "logs", "user"] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export interface ApiFaultRates {
  rate429: number;
  rate5xx: number;
  /** The request takes effect, then its answer is cut off mid-body. */
  rateMalformed: number;
  /** The request takes effect, then a gateway answers 502 or 504 in its place (absent = 0). */
  rateLost?: number;
  delayMs: number;
}

export interface Machine {
  id: number;
  hostId: number;
  gpuName: string;
  gpuRamMb: number;
  /** True games/s of this host; logs jitter around it. */
  gamesPerSec: number;
  fault: FaultKind | null;
  /** $/h at the price cycle's midpoint; the listed price drifts around it. */
  basePrice: number;
  pricePhase: number;
  pricePeriodH: number;
  geolocation: string;
  reliability: number;
  inetDown: number;
  cudaMaxGood: number;
  /** Listed as verified (absent = verified) and its DLPerf score (absent = not listed): see ./signal.ts. */
  verified?: boolean;
  dlperf?: number;
  /** The ask currently listed for this machine; null while rented. */
  offerId: number | null;
  /** Set while another renter holds the machine: it is listed again at this sim ms. */
  takenUntilMs?: number | null;
  /** The host delisted it while we rented it: it leaves the market when we give it back. */
  retiring?: boolean;
  /** Sim ms the host's listing ends (set through /__sim/control); absent, it rolls a month ahead. */
  listingEndsMs?: number | null;
  /** The highest competing bid on this machine ($/h) and until when its bidder holds it (./bids.ts). */
  rival?: { bid: number; untilMs: number } | null;
}

/** What the worker inside an instance was told to do (from env, label and onstart). */
export interface WorkerParams {
  workerId: string;
  repoId: string;
  examplesRepoId: string;
  weightsName: string;
  uploadIntervalS: number;
  hasHfToken: boolean;
}

/** Durations drawn at creation; the status and logs at any time follow from them. */
export interface Timeline {
  /** Sim ms the current life began (creation, or a restart). */
  startMs: number;
  nullS: number;
  bootS: number;
  setupS: number;
  /** Batches before the fault strikes (oom, crash, stall, hf_auth crash variant). */
  faultBatch: number;
  /** oci_error: when the platform gives up; offline: seconds of running before the heartbeat stops. */
  faultDelayS: number;
  /** hf_auth: whether the worker dies at its next weight sync or keeps going. */
  hfAuthCrashes: boolean;
}

export interface SimInstance {
  id: number;
  machineId: number;
  hostId: number;
  gpuName: string;
  gpuRamMb: number;
  gamesPerSec: number;
  dph: number;
  label: string | null;
  createdMs: number;
  image: string;
  disk: number;
  onstart: string;
  runtype: string;
  env: [string, string][];
  fault: FaultKind | null;
  seed: number;
  sshHost: string;
  sshPort: number;
  worker: WorkerParams;
  timeline: Timeline;
  /** Set when the user or the credit system stops the instance. */
  stoppedMs: number | null;
  /** An interruptible rental's bid ($/h, the create's `price`); absent or null on demand. */
  bid?: number | null;
  /** Since when Vast keeps it paused: a higher bid or an on-demand renter holds its machine (./bids.ts). */
  pausedMs?: number | null;
}

export interface LogSnapshot {
  text: string;
  pollsLeft: number;
  createdMs: number;
}

export interface HfModel {
  /** Learner step at `sinceMs`; it advances one step per LEARNER_CYCLE_S after the first upload. */
  stepBase: number;
  sinceMs: number | null;
  totalGames: number;
}

export interface HfCommit {
  id: string;
  title: string;
  date: string;
}

export interface Clock {
  baseSimMs: number;
  realBaseMs: number | null;
  speed: number;
  advancedMs: number;
}

export interface MarketState {
  version: 1;
  seed: number;
  rng: RngState;
  apiRng: RngState;
  /** The market's own evolution (new hosts, other renters); absent in states saved before it existed. */
  marketRng?: RngState;
  /** Other renters act as if our fleet were not there (catalog.ts `compete`): the benchmark's paired markets. */
  paired?: boolean;
  /**
   * How many times the calibrated market this one is: machines, listings and other renters all
   * scale with it, so a benchmark of many fleets meets the same market per worker (absent = 1).
   */
  marketScale?: number;
  clock: Clock;
  /** Sim ms up to which billing, uploads and market churn have been applied. */
  tickedMs: number;
  credit: number;
  machines: Machine[];
  instances: SimInstance[];
  nextIds: { offer: number; instance: number; machine: number; host: number; log: number };
  faultRates: Record<FaultKind, number>;
  apiFaults: ApiFaultRates & { endpoints: Partial<Record<Endpoint, Partial<ApiFaultRates>>> };
  logsNotReadyPolls: number;
  /** Seconds before a new instance shows in the listings (absent = 0). */
  listDelayS?: number;
  /** An empty v1 listing answers `instances: null` instead of `[]` (vast-cli reads `data.get("instances") or []`). */
  emptyListing?: "array" | "null";
  /** Vast's per-endpoint rate limits (./limits.ts) are enforced; off unless a test asks. */
  rateLimits?: boolean;
  /** Calls the limiter refused (429), per endpoint: what a client that paces itself should never see. */
  rateLimited?: Partial<Record<Endpoint, number>>;
  /** The limiter's memory: per endpoint and key, the times it counts (./limits.ts). */
  limiter?: Record<string, number[]>;
  /** Sim seconds jumped through /__sim/advance and waits declared through /__sim/wait, in ms: the limiter's clock is real time plus these. */
  advancedTotalMs?: number;
  forced: { next: (FaultKind | "none")[] };
  logs: Record<string, LogSnapshot>;
  hf: { models: Record<string, HfModel>; commits: Record<string, HfCommit[]>; access?: HfAccess };
  /** Every key gets Vast's 401, as a revoked key does (set through /__sim/control). */
  refuseKeys?: boolean;
  /** `min_bid` over the on-demand GPU price (absent = 0.6, the simulator's listing before bids were modelled). */
  bidRatio?: number;
  /** Mean hours between competing bidders arriving on a machine we bid on (absent = 6). */
  preemptMeanH?: number;
  /** A new host's speed around its model's typical rate, ± this share (absent = catalog.ts SPEED_SPREAD, 0.03). */
  speedSpread?: number;
  /** Other renters arriving per hour (absent = catalog.ts RENTERS_PER_HOUR, 40). */
  rentersPerHour?: number;
  /** How much a host's listing reveals of its defect (./signal.ts); absent = none. */
  reliabilitySignal?: "weak" | "strong";
}

/** The token roles Hugging Face's whoami-v2 reports (hub-docs security-tokens.md), or a token it refuses. */
export const HF_ROLES = ["read", "write", "refused"] as const;
export type HfRole = (typeof HF_ROLES)[number];

/** What the HF stand-in lets tokens do: a role per token (unlisted tokens write), and repos that answer 403 to everyone. */
export interface HfAccess {
  roles: Record<string, HfRole>;
  forbidden: string[];
}
