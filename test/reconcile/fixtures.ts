/**
 * Fixture helpers for the pure decision code: valid Vast wire objects (parsed through the real
 * schemas, so a fixture can never be something Vast would not send), plan workers, configs and
 * states. No I/O anywhere: every test passes `now` explicitly.
 */
import { DEFAULTS, labelFor, type FleetConfig } from "../../src/config/fleet";
import type { BatchLine, LogEvidence } from "../../src/reconcile/logs";
import type { Action, DestroyAction, LaunchAction, PlanInput, Worker } from "../../src/reconcile/plan";
import type { PassDeps } from "../../src/reconcile/pass";
import { emptyState, type FleetState, type HostRecord, type InstanceMemory, type Phase } from "../../src/reconcile/state";
import type { VastClient } from "../../src/vast/client";
import { Instance, Offer } from "../../src/vast/schemas";

export const FLEET = "zeb";
/** A fixed "now" (ms): 2026-02-06 12:00:00 UTC. */
export const NOW = Date.UTC(2026, 1, 6, 12, 0, 0);
export const S = 1000;
export const MIN = 60 * S;
export const HOUR = 60 * MIN;

let nextId = 1000;
/** Fresh ids so that two fixtures never collide by accident. */
export const freshId = (): number => nextId++;

type InstanceInput = Partial<Record<keyof Instance, unknown>>;

/** A valid `Instance` as `GET /instances` lists it: running RTX 3060 at $0.08/h in slot 0 unless told otherwise. */
export function instance(over: InstanceInput = {}): Instance {
  const id = typeof over.id === "number" ? over.id : freshId();
  return Instance.parse({
    id,
    label: labelFor(FLEET, 0),
    actual_status: "running",
    intended_status: "running",
    cur_state: "running",
    status_msg: null,
    machine_id: id + 50_000,
    host_id: 7,
    gpu_name: "RTX 3060",
    num_gpus: 1,
    gpu_ram: 12288,
    dph_total: 0.08,
    start_date: (NOW - HOUR) / 1000,
    ssh_host: "ssh4.vast.ai",
    ssh_port: 22000,
    ...over,
  });
}

type OfferInput = Partial<Record<keyof Offer, unknown>>;

/** A valid single-GPU `Offer` as `POST /bundles` returns it. */
export function offer(over: OfferInput = {}): Offer {
  const id = typeof over.id === "number" ? over.id : freshId();
  return Offer.parse({
    id,
    machine_id: id + 90_000,
    host_id: 11,
    gpu_name: "RTX 3060 Ti",
    num_gpus: 1,
    gpu_ram: 8192,
    dph_total: 0.055,
    reliability2: 0.99,
    geolocation: "US",
    ...over,
  });
}

export interface WorkerInput {
  id?: number;
  slot?: number;
  phase?: Phase;
  detail?: string;
  since?: number;
  hfAuthError?: boolean;
  /** Default: since `since` when hfAuthError. */
  hfAuthSince?: number | null;
  everRan?: boolean;
  fatalKind?: string | null;
  /** Default 0: it has just uploaded. */
  unsentBatches?: number | null;
  /** Default 4 games/s (a batch in 64 s). */
  gamesPerSec?: number | null;
  /** Overrides for the underlying instance. */
  inst?: InstanceInput;
  /** Default false: its logs were read this pass. */
  blind?: boolean;
}

/** A classified owned worker as plan() receives it. Default: RUNNING in slot 0 since an hour ago. */
export function worker(w: WorkerInput = {}): Worker {
  const slot = w.slot ?? 0;
  const phase = w.phase ?? "RUNNING";
  const inst = instance({ label: labelFor(FLEET, slot), ...(w.id !== undefined ? { id: w.id } : {}), ...w.inst });
  return {
    instance: inst,
    slot,
    label: inst.label ?? "",
    phase,
    detail: w.detail ?? `fixture ${phase}`,
    since: w.since ?? NOW - HOUR,
    hfAuthError: w.hfAuthError ?? false,
    hfAuthSince: w.hfAuthSince !== undefined ? w.hfAuthSince : w.hfAuthError ? (w.since ?? NOW - HOUR) : null,
    everRan: w.everRan ?? phase === "RUNNING",
    fatalKind: w.fatalKind ?? null,
    unsentBatches: w.unsentBatches !== undefined ? w.unsentBatches : 0,
    gamesPerSec: w.gamesPerSec !== undefined ? w.gamesPerSec : 4,
    blind: w.blind ?? false,
  };
}

/** DEFAULTS with changes; the fixtures' fleet wants `workers` workers. */
export function config(over: Partial<FleetConfig> = {}): FleetConfig {
  return { ...DEFAULTS, ...over };
}

/** An empty state with changes (nested objects are replaced whole). */
export function state(over: Partial<FleetState> = {}): FleetState {
  return { ...emptyState(), ...over };
}

/** A plan input: the upgrade scan is marked as just done so that tests about launches see only launches. */
export function input(over: Partial<PlanInput> & { workers?: Worker[] } = {}): PlanInput {
  return {
    fleet: FLEET,
    config: config(),
    state: state({ lastMarketScanAt: NOW }),
    now: NOW,
    workers: [],
    offers: null,
    ...over,
  };
}

/** A host record with no strikes and no samples: an RTX 3060 last struck at NOW (if ever). */
export function hostRecord(machineId: number, over: Partial<HostRecord> = {}): HostRecord {
  return {
    machineId,
    strikes: 0,
    lastStrikeAt: NOW,
    lastStrike: null,
    blockedReason: null,
    gamesPerSec: null,
    samples: 0,
    measuredAt: null,
    gpuName: "RTX 3060",
    sharedFrom: null,
    ...over,
  };
}

export function memory(over: Partial<InstanceMemory> = {}): InstanceMemory {
  return {
    phase: "RUNNING",
    lastBatch: 5,
    batchAdvancedAt: NOW - MIN,
    everRan: true,
    doubtfulPolls: 0,
    gamesPerSec: 4,
    step: 142,
    totalGames: 1280,
    uploadedGames: null,
    hfAuthSince: null,
    blindSince: null,
    blindMs: 0,
    resumedAt: null,
    outbidSince: null,
    ...over,
  };
}

export function batch(n: number, gamesPerSec = 4): BatchLine {
  return { batch: n, examples: 7168, gamesPerSec, step: 142, totalGames: 256 * n };
}

/** Parsed log evidence without going through the parser. */
export function evidence(over: Partial<LogEvidence> = {}): LogEvidence {
  return {
    stage: "wait",
    lastBatch: null,
    fatal: null,
    hfAuthError: false,
    unsentBatches: null,
    uploadedGames: null,
    setupStep: null,
    ...over,
  };
}

export const destroys = (actions: Action[]): DestroyAction[] => actions.filter((a): a is DestroyAction => a.kind === "destroy");
export const launches = (actions: Action[]): LaunchAction[] => actions.filter((a): a is LaunchAction => a.kind === "launch");

/**
 * A client's log calls from one function of the instance: its request reads the logs at once (and
 * throws as it throws), and the poll hands back what was read. For stand-ins that script per worker.
 */
export function logsOf(read: (id: number) => Promise<string | null>): Pick<VastClient, "getLogs" | "requestLogs" | "pollLogs"> {
  const files = new Map<string, string | null>();
  return {
    getLogs: read,
    async requestLogs(id) {
      const url = `standin://logs/${id}/${files.size}`;
      files.set(url, await read(id));
      return url;
    },
    pollLogs: async (urls) => new Map(urls.map((u) => [u, files.get(u) ?? null])),
  };
}

/** A Vast client for a pass test: an empty, healthy account unless a test says otherwise. */
export function scriptedVast(over: Partial<VastClient> = {}): VastClient {
  return {
    listInstances: async () => [],
    searchOffers: async () => [],
    createInstance: async () => ({ id: 1 }),
    showInstance: async () => null,
    destroyInstance: async () => "destroyed",
    setLabel: async () => {},
    changeBid: async () => {},
    currentUser: async () => ({ id: 1, credit: 100, balance: null }),
    ...over,
    ...logsOf(over.getLogs ?? (async () => "")),
  };
}

/** What runPass needs besides Vast: every phase first seen an hour before `now`, a token, a journal that keeps nothing. */
export function passDeps(vast: VastClient, now: number): PassDeps {
  return {
    vast,
    firstSeen: { ops: { reads: 0, writes: 0 }, since: async (_id, _phase, t) => t - HOUR },
    hfToken: "hf_test",
    now,
    journal: () => {},
    vastRequests: () => 0,
  };
}
