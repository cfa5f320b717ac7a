/**
 * What a pass says it saw and did: the report the object stores, the API returns, the events and
 * alerts are made from. Built by the pass; pure helpers only.
 * @module
 */
import { type Action, launchDph, type Worker } from "./plan";
import type { InstanceMemory, Phase } from "./state";

export interface WorkerView {
  id: number;
  label: string;
  slot: number;
  gpu: string | null;
  machineId: number | null;
  status: string | null;
  phase: Phase;
  detail: string;
  since: number;
  startedAt: number | null;
  dph: number | null;
  /** $/h of its disk alone (storage_cost × disk_space / 720), billed even while it does not run; null when Vast does not say. */
  storageDph: number | null;
  gamesPerSec: number | null;
  batch: number | null;
  step: number | null;
  totalGames: number | null;
  /** Games it had delivered (uploaded) at its newest completed upload the fleet saw. */
  uploadedGames: number | null;
  ssh: string | null;
  hfAuthError: boolean;
  everRan: boolean;
  /** What its logs' fatal error was (no_cuda, oom, launch_broken...), when it has one. */
  fatalKind: string | null;
  /** Since when its logs cannot be read; null while they can. */
  logsUnreadableSince: number | null;
  /** On demand or interruptible (Vast's `is_bid`), and the fleet's bid for it ($/h), null on demand or unknown; absent in reports stored before bids. */
  capacity?: "on-demand" | "interruptible";
  bid?: number | null;
}

/** A launch or destroy of a pass, planned or done. */
export interface ActionRecord {
  kind: Action["kind"];
  label: string;
  slot: number;
  instanceId: number | null;
  reason: string;
  ok: boolean;
  error: string | null;
  gpu: string | null;
  dph: number | null;
  machineId: number | null;
  cause: string | null;
}

export interface PhaseChange {
  id: number;
  label: string;
  from: Phase | null;
  to: Phase;
  detail: string;
}

export interface PassReport {
  at: number;
  fleet: string;
  /** False when the fleet could not be listed: nothing was launched or destroyed. */
  observed: boolean;
  dryRun: boolean;
  workers: WorkerView[];
  actions: ActionRecord[];
  held: string[];
  errors: string[];
  phaseChanges: PhaseChange[];
  /** Instances that reached RUNNING for the first time in this pass. */
  firstRunning: number[];
  subrequests: number;
  /** Total $/h of the fleet's listed instances. */
  dph: number;
}

/** Why an action was taken, as one word for counting: a destroy's cause, `upgrade` for a trade's launch, `slot` for a launch that fills one. */
export function causeOf(a: ActionRecord): string {
  return a.cause ?? (a.kind === "launch" ? "slot" : "unknown");
}

/** Counts by key, for actions by cause. */
export function tally(keys: string[], into: Record<string, number> = {}): Record<string, number> {
  for (const k of keys) into[k] = (into[k] ?? 0) + 1;
  return into;
}

export function emptyReport(fleet: string, at: number, dryRun: boolean, errors: string[] = []): PassReport {
  return {
    at,
    fleet,
    observed: false,
    dryRun,
    workers: [],
    actions: [],
    held: [],
    errors,
    phaseChanges: [],
    firstRunning: [],
    subrequests: 0,
    dph: 0,
  };
}

export function view(w: Worker, memory: InstanceMemory, bid: number | null = null): WorkerView {
  const i = w.instance;
  return {
    id: i.id,
    label: w.label,
    slot: w.slot,
    gpu: i.gpu_name,
    machineId: i.machine_id,
    status: i.actual_status,
    phase: w.phase,
    detail: w.detail,
    since: w.since,
    startedAt: i.start_date === null ? null : Math.round(i.start_date * 1000),
    dph: i.dph_total,
    storageDph: storageDph(i),
    gamesPerSec: w.phase === "RUNNING" ? memory.gamesPerSec : null,
    batch: memory.lastBatch,
    step: memory.step,
    totalGames: memory.totalGames,
    uploadedGames: memory.uploadedGames,
    ssh: i.ssh_host && i.ssh_port ? `ssh -p ${i.ssh_port} root@${i.ssh_host}` : null,
    hfAuthError: w.hfAuthError,
    everRan: w.everRan,
    fatalKind: w.fatalKind,
    logsUnreadableSince: memory.blindSince,
    capacity: i.is_bid ? "interruptible" : "on-demand",
    bid: i.is_bid ? bid : null,
  };
}

/** Vast prices disk per GB and 30-day month (vast-cli `price_increase.py`, `_SEC_PER_MONTH`). */
const HOURS_PER_MONTH = 720;

function storageDph(i: Worker["instance"]): number | null {
  return i.storage_cost === null || i.disk_space === null ? null : (i.storage_cost * i.disk_space) / HOURS_PER_MONTH;
}

/** An action as planned (a dry run), or before its call: done unless the call says otherwise. */
export function record(a: Action): ActionRecord {
  if (a.kind === "launch")
    return {
      kind: "launch",
      label: a.label,
      slot: a.slot,
      instanceId: null,
      reason: a.reason,
      ok: true,
      error: null,
      gpu: a.offer.gpu_name,
      dph: launchDph(a),
      machineId: a.offer.machine_id,
      cause: a.upgradeOf === null ? null : "upgrade",
    };
  // A destroy and a bid change both act on a listed instance.
  return {
    kind: a.kind,
    label: a.label,
    slot: a.slot,
    instanceId: a.instanceId,
    reason: a.reason,
    ok: true,
    error: null,
    gpu: a.gpuName,
    dph: a.kind === "destroy" ? a.dph : null,
    machineId: a.machineId,
    cause: a.kind === "destroy" ? a.cause : "outbid",
  };
}
