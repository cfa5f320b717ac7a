/**
 * An instance's life is a pure function of its timeline and the clock: statuses, log lines,
 * billing and uploads are all derived from these milestones instead of being stepped, so a
 * simulated week costs the same as a minute.
 * @module
 */

import { type OnstartRun, runOnstart } from "./onstart";
import { hash01 } from "./rng";
import type { SimInstance } from "./types";

export const GAMES_PER_BATCH = 256;
export const EXAMPLES_PER_BATCH = 7168;
export const WEIGHT_SYNC_INTERVAL = 2;
/** From "=== Starting worker" to the first batch's start: weights pull, model load, pipeline build. */
const PREAMBLE_S = 3.1;
const EXIT_AFTER_CRASH_S = 3;
/** An offline host first shows "unknown" (missed heartbeats), then "offline". */
const UNKNOWN_BEFORE_OFFLINE_S = 90;

/** slow_setup: the host hangs in the step that finishes at this share of setup (pip, after the clone). */
export const SLOW_SETUP_HANGS_AT = 0.85;
/** no_cuda in a worker that was started without a CUDA check: it dies moving the model to the GPU. */
const NO_CUDA_AFTER_S = 3;

const runs = new WeakMap<SimInstance, OnstartRun>();

/** What the instance's onstart does on its host (./onstart.ts); fixed for the instance, so computed once. */
export function onstartRun(inst: SimInstance): OnstartRun {
  let run = runs.get(inst);
  if (!run) {
    const env = new Map(inst.env.filter(([k]) => !k.startsWith("-")));
    run = runOnstart(inst.onstart, { env, gpuName: inst.gpuName, fault: inst.fault });
    runs.set(inst, run);
  }
  return run;
}

/**
 * With runtype `ssh` (or jupyter) Vast runs the onstart inside its own entrypoint, so the
 * container outlives the script and the worker: a dead worker leaves the instance `running`.
 * Otherwise the script is the container's process and its end exits the container.
 */
function containerOutlivesScript(inst: SimInstance): boolean {
  return /\b(ssh|jupyter)/.test(inst.runtype);
}

export type CrashKind = "no_cuda" | "oom" | "crash" | "hf_auth";

export interface Milestones {
  loadingMs: number;
  runningMs: number;
  /** "=== Starting worker" (end of setup); Infinity when setup never finishes. */
  setupEndMs: number;
  pipelineS: number;
  /** The first batch starts here. */
  workerMs: number;
  batchMs: number;
  /** Last batch the worker completes before its fault; Infinity for a healthy worker. */
  lastBatch: number;
  /** A traceback is printed at `crash.ms`, and the worker process ends shortly after. */
  crash: { ms: number; kind: CrashKind } | null;
  /** The hf_auth crash happens in place of this batch's weight sync. */
  syncCrashBatch: number | null;
  /** The script or the worker ended: output stops. */
  endMs: number | null;
  /** The container exited (only when it does not outlive the script, see containerOutlivesScript). */
  exitMs: number | null;
  unknownMs: number | null;
  offlineMs: number | null;
  /** oci_error: the platform abandons the boot. */
  abandonedMs: number | null;
}

const S = 1000;

export function milestones(inst: SimInstance): Milestones {
  const tl = inst.timeline;
  const fault = inst.fault;
  const loadingMs = tl.startMs + tl.nullS * S;
  const runningMs = fault === "stuck_boot" || fault === "oci_error" ? Infinity : loadingMs + tl.bootS * S;
  const run = onstartRun(inst);
  const setupBlocked = fault === "slow_setup" || fault === "launch_broken" || !run.worker;
  const setupEndMs = setupBlocked ? Infinity : runningMs + tl.setupS * S;
  const scriptFailed =
    run.failedAt !== null && fault !== "launch_broken" && !(fault === "slow_setup" && run.failedAt >= SLOW_SETUP_HANGS_AT);
  const pipelineS = Math.round((6 + 5 * hash01(inst.seed, -1)) * 10) / 10;
  const batchMs = (GAMES_PER_BATCH / inst.gamesPerSec) * S;
  const m: Milestones = {
    loadingMs,
    runningMs,
    setupEndMs,
    pipelineS,
    workerMs: setupEndMs + (PREAMBLE_S + pipelineS) * S,
    batchMs,
    lastBatch: Infinity,
    crash: null,
    syncCrashBatch: null,
    endMs: scriptFailed ? runningMs + Math.max(1, (run.failedAt ?? 0) * tl.setupS) * S : null,
    exitMs: null,
    unknownMs: null,
    offlineMs: null,
    abandonedMs: fault === "oci_error" ? tl.startMs + tl.faultDelayS * S : null,
  };
  switch (fault) {
    case "no_cuda":
      if (Number.isFinite(setupEndMs)) {
        m.lastBatch = 0;
        m.crash = { ms: setupEndMs + NO_CUDA_AFTER_S * S, kind: fault };
      }
      break;
    case "oom":
    case "crash":
      m.lastBatch = tl.faultBatch;
      m.crash = { ms: batchEndMs(inst, m, tl.faultBatch) + 0.3 * batchMs, kind: fault };
      break;
    case "stall":
      m.lastBatch = tl.faultBatch;
      break;
    case "offline":
      m.unknownMs = runningMs + tl.faultDelayS * S;
      m.offlineMs = m.unknownMs + UNKNOWN_BEFORE_OFFLINE_S * S;
      break;
    default:
      break;
  }
  if (hfAuthFails(inst) && tl.hfAuthCrashes && Number.isFinite(m.workerMs)) {
    const upload = firstUploadBatch(inst, m);
    const sync = upload + (upload % WEIGHT_SYNC_INTERVAL === 0 ? 0 : WEIGHT_SYNC_INTERVAL - (upload % WEIGHT_SYNC_INTERVAL));
    if (sync <= m.lastBatch) {
      m.lastBatch = sync;
      m.syncCrashBatch = sync;
      m.crash = { ms: batchEndMs(inst, m, sync) + 4 * S, kind: "hf_auth" };
    }
  }
  if (m.crash !== null && Number.isFinite(m.crash.ms)) m.endMs = m.crash.ms + EXIT_AFTER_CRASH_S * S;
  if (!containerOutlivesScript(inst)) m.exitMs = m.endMs;
  return m;
}

/** Uploads are refused either because the host is faulty or because no token was given. */
export function hfAuthFails(inst: SimInstance): boolean {
  return inst.fault === "hf_auth" || !inst.worker.hasHfToken;
}

/**
 * End of batch b (b=0 is the worker's start). Jitter is bounded and does not accumulate, so the
 * batch count at a time is O(1) and games/s (256 / batch duration) varies by about ±5%.
 */
export function batchEndMs(inst: SimInstance, m: Milestones, b: number): number {
  if (b <= 0) return m.workerMs;
  return m.workerMs + b * m.batchMs + m.batchMs * 0.025 * (2 * hash01(inst.seed, b) - 1);
}

/** Batches completed by `t`. */
export function batchesDone(inst: SimInstance, m: Milestones, t: number): number {
  if (!(t >= m.workerMs)) return 0;
  let b = Math.floor((t - m.workerMs) / m.batchMs);
  if (batchEndMs(inst, m, b + 1) <= t) b += 1;
  else if (b > 0 && batchEndMs(inst, m, b) > t) b -= 1;
  return Math.max(0, Math.min(b, m.lastBatch));
}

export function gamesPerSecOf(inst: SimInstance, m: Milestones, b: number): number {
  return (GAMES_PER_BATCH * S) / (batchEndMs(inst, m, b) - batchEndMs(inst, m, b - 1));
}

/** The worker checks its upload timer after each batch: an upload follows batch b when an interval boundary passed. */
export function uploadsAfter(inst: SimInstance, m: Milestones, b: number): boolean {
  if (b < 1) return false;
  const every = inst.worker.uploadIntervalS * S;
  return Math.floor((batchEndMs(inst, m, b) - m.workerMs) / every) > Math.floor((batchEndMs(inst, m, b - 1) - m.workerMs) / every);
}

/** Batches in the upload after batch b: those since the previous upload. */
export function batchesInUpload(inst: SimInstance, m: Milestones, b: number): number {
  let prev = b - 1;
  while (prev > 0 && !uploadsAfter(inst, m, prev)) prev -= 1;
  return b - prev;
}

function firstUploadBatch(inst: SimInstance, m: Milestones): number {
  let b = 1;
  while (!uploadsAfter(inst, m, b)) b += 1;
  return b;
}

/** Output stops here: the process died, the host vanished, or the instance was stopped or outbid (paused). */
export function freezeMs(inst: SimInstance, m: Milestones, now: number): number {
  return Math.min(now, m.endMs ?? Infinity, m.unknownMs ?? Infinity, inst.stoppedMs ?? Infinity, inst.pausedMs ?? Infinity);
}

/**
 * Billing runs from loading until the container exits, the host drops, or the instance stops or is
 * outbid: a dead worker in a running container still bills. A paused bid bills its storage (tick.ts).
 */
export function billedSpan(inst: SimInstance, m: Milestones): [number, number] | null {
  if (m.abandonedMs !== null) return null;
  const end = Math.min(m.exitMs ?? Infinity, m.unknownMs ?? Infinity, inst.stoppedMs ?? Infinity, inst.pausedMs ?? Infinity);
  return end > m.loadingMs ? [m.loadingMs, end] : null;
}

export interface Status {
  actual_status: string | null;
  intended_status: string;
  cur_state: string;
  next_state: string;
  status_msg: string | null;
}

export const OCI_ERROR_MSG =
  "Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: " +
  "could not apply required modification to OCI specification: error modifying OCI spec: failed to inject CDI devices: " +
  "unresolvable CDI devices nvidia.com/gpu=all: unknown";

export function statusAt(inst: SimInstance, m: Milestones, t: number): Status {
  const running = (actual: string | null, msg: string | null): Status => ({
    actual_status: actual,
    intended_status: "running",
    cur_state: "running",
    next_state: "running",
    status_msg: msg,
  });
  if (inst.stoppedMs !== null && t >= inst.stoppedMs) {
    return {
      actual_status: "stopped",
      intended_status: "stopped",
      cur_state: "stopped",
      next_state: "stopped",
      status_msg: "Instance stopped",
    };
  }
  // Outbid: Vast stops the container but the rental stands and resumes when its bid wins again.
  // What the listing shows is not documented; this is the conservative reading (docs/vast-interruptible.md).
  if (inst.pausedMs != null && t >= inst.pausedMs) {
    return { actual_status: "stopped", intended_status: "running", cur_state: "stopped", next_state: "running", status_msg: null };
  }
  if (m.abandonedMs !== null && t >= m.abandonedMs) {
    return { actual_status: "created", intended_status: "stopped", cur_state: "stopped", next_state: "stopped", status_msg: OCI_ERROR_MSG };
  }
  if (t < m.loadingMs || m.abandonedMs !== null) return running(null, null);
  if (t < m.runningMs) return running("loading", `Pulling image ${inst.image}`);
  if (m.exitMs !== null && t >= m.exitMs) return running("exited", "Container exited with code 1");
  if (m.offlineMs !== null && t >= m.offlineMs) return running("offline", "Host is offline");
  if (m.unknownMs !== null && t >= m.unknownMs) return running("unknown", "No heartbeat from host");
  return running("running", `success, running ${inst.image.replace(/:/g, "_")}/ssh`);
}
