/**
 * What a pass learns, as pure functions of its observations: host strikes and blocks from the
 * workers it replaces, the fleet's VRAM floor from out-of-memory errors, throughput per GPU model
 * and per host from new batches, and hosts other renters gave back from its searches. The pass
 * applies them before it chooses offers, so a lesson already shapes the same pass's rentals.
 * @module
 */

import type { FleetConfig } from "../config/fleet";
import { formatDuration } from "../format";
import type { Instance, Offer } from "../vast/schemas";
import { failureSignature, type Outcome } from "./breaker";
import { hostRecord, strike } from "./hosts";
import { observeMarket } from "./market";
import { STRIKES_TO_BLOCK } from "./offers";
import type { DestroyAction, Worker } from "./plan";
import type { SharedBlock } from "./shared-hosts";
import type { FleetState } from "./state";

/** A block found here that the account's other fleets should honour (the fleet name is added by the pass). */
export type Finding = Omit<SharedBlock, "fleet">;

/** Causes that say something about the host, so they cost it a strike. */
const HOST_FAULTS = new Set(["fatal", "boot_timeout", "setup_timeout", "wait_timeout", "stalled", "upgrade_failed"]);

/** How long a worker must run to prove that the workload fits in its memory. */
export const FITS_AFTER_MS = 10 * 60_000;

/**
 * CUDA out of memory says the workload needs more VRAM than the card has, so the fleet's floor
 * rises above that card's memory, for every model: memory is the constraint, not the name. Unless
 * another worker with no more VRAM, of any model, has run the workload for FITS_AFTER_MS: then the
 * host is to blame (another process on its GPU, say), and raising the floor would shut the fleet
 * out of every card that size for one bad host.
 */
export function oomFitsElsewhere(w: Worker, workers: Worker[], now: number): Worker | null {
  const ram = w.instance.gpu_ram;
  if (ram === null) return null;
  return (
    workers.find(
      (o) =>
        o.instance.id !== w.instance.id &&
        o.phase === "RUNNING" &&
        o.instance.gpu_ram !== null &&
        o.instance.gpu_ram <= ram &&
        now - o.since >= FITS_AFTER_MS,
    ) ?? null
  );
}

/**
 * Whether a failure condemns the host whatever the workload, so the account's other fleets should
 * skip it too: no CUDA, no container (never booted, or Vast abandoned the boot), or the host
 * stopped answering. A container that exited may have been the workload's doing.
 */
function hostLevel(d: DestroyAction, w: Worker | undefined): "permanent" | "lapses" | null {
  if (w?.fatalKind === "no_cuda") return "permanent";
  if (d.cause === "boot_timeout") return "lapses";
  const status = w?.instance.actual_status;
  if (d.cause === "dead" && (status === "offline" || status === "unknown" || (!d.everRan && status !== "exited"))) return "lapses";
  return null;
}

export interface DestroyLessons {
  state: FleetState;
  /** Launches that failed before running, for the breaker. */
  outcomes: Outcome[];
  share: Finding[];
  /** The same failures by machine, with the kind of dud each was (its fatal kind, else the destroy's cause), for the dud model. */
  duds: { machineId: number; kind: string }[];
}

export interface DestroyContext {
  workers: Worker[];
  now: number;
  /** False while the breaker is open: the fault is then likely the image or a token, not the hosts. */
  blameHosts: boolean;
  /** Workers Hugging Face refuses while the token works elsewhere (plan/hf.ts). */
  refusedByHf: ReadonlySet<number>;
}

/**
 * What the replacements of this pass teach: host strikes, `No CUDA` and HF-refused blocks, the VRAM
 * floor, and never-ran failures for the breaker. A destroy Vast has not confirmed yet taught its
 * lesson the first time and is not counted again.
 */
export function learnFromDestroys(state: FleetState, destroys: DestroyAction[], ctx: DestroyContext): DestroyLessons {
  const next: FleetState = { ...state, hosts: { ...state.hosts } };
  const outcomes: Outcome[] = [];
  const share: Finding[] = [];
  const duds: DestroyLessons["duds"] = [];
  const known = new Set(state.pendingDestroys.map((p) => p.instanceId));
  for (const d of destroys) {
    if (d.retry || known.has(d.instanceId)) continue;
    const w = ctx.workers.find((x) => x.instance.id === d.instanceId);
    // A worker that died after running is the host's fault too when its logs end in a fatal error
    // (the container exits seconds after a traceback, so a pass rarely sees it FATAL first) or when
    // the host stopped answering (unknown/offline): else the same dud host is rented again and again.
    const diedOfHost =
      w !== undefined && (w.fatalKind !== null || w.instance.actual_status === "offline" || w.instance.actual_status === "unknown");
    // Hugging Face refusing the token is the token's fault on every host, unless another worker vouched for it.
    const tokenRefused = w?.hfAuthError === true && !ctx.refusedByHf.has(d.instanceId);
    const hostFault = !tokenRefused && (HOST_FAULTS.has(d.cause) || (d.cause === "dead" && (!d.everRan || diedOfHost)));
    if (ctx.blameHosts && hostFault && d.machineId !== null) {
      const key = String(d.machineId);
      next.hosts[key] = { ...hostRecord(next, d.machineId, d.gpuName) };
      const h = next.hosts[key]!;
      // The same image and onstart ran elsewhere (else the breaker would be open), so a host where it
      // never got as far as a batch is almost surely a dud: block it at once. One that ran and then
      // failed may have been unlucky: a strike, and a second within a day blocks it.
      strike(h, d.everRan ? 1 : STRIKES_TO_BLOCK, d.reason, ctx.now);
      if (w?.fatalKind === "no_cuda") h.blockedReason = "No CUDA on this host";
      // HF refusing one host while another worker uploads with the same token is about that host
      // (its address, say), and it will refuse the next worker there too.
      if (ctx.refusedByHf.has(d.instanceId)) h.blockedReason = "Hugging Face refuses this host (401/403) while the token works elsewhere";
      const level = hostLevel(d, w);
      if (level !== null)
        share.push({
          machineId: d.machineId,
          gpuName: d.gpuName,
          reason: h.blockedReason ?? d.reason,
          at: ctx.now,
          permanent: level === "permanent",
        });
    }
    if (w?.fatalKind === "oom" && w.instance.gpu_ram !== null && !oomFitsElsewhere(w, ctx.workers, ctx.now)) {
      next.vramFloorMb = Math.max(next.vramFloorMb, Math.ceil(w.instance.gpu_ram) + 1);
    }
    if (ctx.blameHosts && hostFault && !d.everRan) {
      outcomes.push({ ok: false, signature: failureSignature(w?.fatalKind ?? d.cause, w?.detail ?? d.reason) });
      if (d.machineId !== null) duds.push({ machineId: d.machineId, kind: w?.fatalKind ?? d.cause });
    }
  }
  return { state: next, outcomes, share, duds };
}

/** Rolling windows: recent throughput matters more than last week's. */
const STAT_WINDOW = 50;

function rolling(mean: number | null, samples: number, value: number): { mean: number; samples: number } {
  const n = Math.min(samples, STAT_WINDOW - 1);
  return { mean: mean === null || samples === 0 ? value : (mean * n + value) / (n + 1), samples: samples + 1 };
}

/** A new batch is a new throughput sample for the GPU model and for the host. */
export function learnThroughput(state: FleetState, workers: Worker[], before: FleetState, now: number): FleetState {
  const next: FleetState = { ...state, gpuStats: { ...state.gpuStats }, hosts: { ...state.hosts } };
  for (const w of workers) {
    if (w.phase !== "RUNNING" || w.blind) continue;
    const m = next.instances[String(w.instance.id)];
    const prev = before.instances[String(w.instance.id)];
    if (!m || m.gamesPerSec === null || m.lastBatch === null || prev?.lastBatch === m.lastBatch) continue;
    const gpu = w.instance.gpu_name;
    if (gpu) {
      const s = next.gpuStats[gpu];
      const r = rolling(s?.gamesPerSec ?? null, s?.samples ?? 0, m.gamesPerSec);
      const price = w.instance.dph_total === null ? (s?.dph ?? null) : rolling(s?.dph ?? null, s?.samples ?? 0, w.instance.dph_total).mean;
      next.gpuStats[gpu] = { gamesPerSec: r.mean, samples: r.samples, dph: price };
    }
    if (w.instance.machine_id !== null) {
      const key = String(w.instance.machine_id);
      const h = { ...hostRecord(next, w.instance.machine_id, gpu) };
      const r = rolling(h.gamesPerSec, h.samples, m.gamesPerSec);
      next.hosts[key] = { ...h, gamesPerSec: r.mean, samples: r.samples, measuredAt: now };
    }
  }
  return next;
}

export interface MarketLesson {
  state: FleetState;
  share: Finding[];
}

/**
 * Compares this search with the last: a host another renter gave back within minutes is struck
 * before the plan can rent it, as strongly as one that failed before its first batch (most hosts
 * seen bouncing are duds, docs/benchmark.md): blocked for about ten hours, or until DELETE
 * /hosts/:machineId. `complete` is false when the search may have been cut at its row limit.
 */
/**
 * Machines the account rents or is renting. Every instance of the account, not only this fleet's:
 * another fleet renting and dropping a host within minutes (an upgrade trial, a scale-down) says
 * nothing about the host, nor about other renters.
 */
export function ownMachines(listed: Instance[], state: Pick<FleetState, "pendingLaunches">): Set<number> {
  return new Set(
    [...listed.map((i) => i.machine_id), ...state.pendingLaunches.map((p) => p.machineId)].filter((m): m is number => m !== null),
  );
}

export function learnBounces(
  state: FleetState,
  offers: Offer[],
  listed: Instance[],
  config: FleetConfig,
  now: number,
  complete: boolean,
): MarketLesson {
  const own = ownMachines(listed, state);
  const { sightings, bounced } = observeMarket(state.market, {
    offers,
    now,
    windowMs: config.bounceWindowS * 1000,
    maxDph: config.maxDph,
    complete,
    own,
  });
  const next: FleetState = { ...state, market: sightings, hosts: { ...state.hosts } };
  const share: Finding[] = [];
  for (const m of bounced) {
    const h = { ...hostRecord(next, m, offers.find((o) => o.machine_id === m)?.gpu_name ?? null) };
    next.hosts[String(m)] = h;
    const why = `another renter gave it back within ${formatDuration(config.bounceWindowS)} (listed, gone, listed again)`;
    strike(h, STRIKES_TO_BLOCK, why, now);
    share.push({ machineId: m, gpuName: h.gpuName, reason: why, at: now, permanent: false });
  }
  return { state: next, share };
}
