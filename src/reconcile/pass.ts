import type { FleetConfig } from "../config/fleet";
import { slotOf } from "../config/fleet";
import type { FirstSeen } from "../fleet/first-seen";
import type { VastClient } from "../vast/client";
import { VastError } from "../vast/errors";
import type { Instance, Offer } from "../vast/schemas";
import { failureSignature, largestSameFailure, nextBreaker, type Outcome } from "./breaker";
import { classify, needsLogs } from "./classify";
import { createBody } from "./launch";
import { parseLogs, type LogEvidence } from "./logs";
import { observeMarket } from "./market";
import { forgetHosts, hostRecord, strike } from "./hosts";
import { rollFinished } from "./roll";
import { STRIKES_TO_BLOCK } from "./offers";
import { adoptBlocks, type SharedBlock } from "./shared-hosts";
import { formatDuration, hfRefusesHost, hfTokenVoucher, oomFitsElsewhere, plan, workerOf, type Action, type DestroyAction, type LaunchAction, type Worker } from "./plan";
import type { FleetState, InstanceMemory, Phase } from "./state";

/**
 * One reconcile pass: observe → classify → plan → act → remember. The imperative shell around the
 * pure planner. All I/O arrives through `deps`, and `now` is given, so the simulator can drive
 * hours of passes in seconds.
 */

export interface PassDeps {
  vast: VastClient;
  firstSeen: FirstSeen;
  hfToken: string;
  now: number;
  /** Throws when this pass no longer holds the fleet's lease: a stale pass must not act. */
  checkFence: () => void;
  /** Requests `vast` has sent so far (retries and log polls included): each is a Worker subrequest. */
  vastRequests: () => number;
  /** The account's shared host blocks (src/reconcile/shared-hosts.ts), read only by a pass about to rent. */
  sharedBlocks?: () => Promise<SharedBlock[]>;
}

export interface PassOptions {
  dryRun?: boolean;
  /** Launches of this pass only on this GPU model (`/up?gpu=`). */
  gpu?: string | null;
  /** The original scripts' "cheapest offer" policy, for the benchmark's comparison. */
  policy?: "value" | "cheapest";
  /** Log fetches at once; Workers allow 6 open connections per invocation. */
  logsConcurrency?: number;
  /** An instance of the fleet to destroy and replace in this pass (`POST /instances/:id/replace`). */
  replace?: number | null;
}

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
  gamesPerSec: number | null;
  batch: number | null;
  step: number | null;
  totalGames: number | null;
  ssh: string | null;
  hfAuthError: boolean;
  everRan: boolean;
  /** What its logs' fatal error was (no_cuda, oom, launch_broken...), when it has one. */
  fatalKind: string | null;
}

export interface ActionResult {
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
  actions: ActionResult[];
  held: string[];
  errors: string[];
  phaseChanges: PhaseChange[];
  /** Instances that reached RUNNING for the first time in this pass. */
  firstRunning: number[];
  subrequests: number;
  /** Total $/h of the fleet's listed instances. */
  dph: number;
}

export interface PassOutcome {
  state: FleetState;
  report: PassReport;
  /** Host-level blocks this pass found, for the account's other fleets. */
  share: SharedBlock[];
}

const HOUR_MS = 3600_000;
/** Rolling windows: recent throughput matters more than last week's. */
const STAT_WINDOW = 50;
/** Repeated destroy attempts before the event log calls it out as unconfirmed. */
export const DESTROY_CONFIRM_ATTEMPTS = 3;
/** Rows asked of an offer search: more than Vast lists under a sensible cap for these models. */
const OFFER_LIMIT = 100;
/** Causes that say something about the host, so they cost it a strike. */
const HOST_FAULTS = new Set(["fatal", "boot_timeout", "setup_timeout", "wait_timeout", "stalled", "upgrade_failed"]);

function errorText(e: unknown): string {
  if (e instanceof VastError) return `${e.kind}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

function rolling(mean: number | null, samples: number, value: number): { mean: number; samples: number } {
  const n = Math.min(samples, STAT_WINDOW - 1);
  return { mean: mean === null || samples === 0 ? value : (mean * n + value) / (n + 1), samples: samples + 1 };
}

function view(w: Worker, memory: InstanceMemory): WorkerView {
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
    gamesPerSec: w.phase === "RUNNING" ? memory.gamesPerSec : null,
    batch: memory.lastBatch,
    step: memory.step,
    totalGames: memory.totalGames,
    ssh: i.ssh_host && i.ssh_port ? `ssh -p ${i.ssh_port} root@${i.ssh_host}` : null,
    hfAuthError: w.hfAuthError,
    everRan: w.everRan,
    fatalKind: w.fatalKind,
  };
}

export async function runPass(fleet: string, config: FleetConfig, state: FleetState, deps: PassDeps, opts: PassOptions = {}): Promise<PassOutcome> {
  const { vast, now } = deps;
  const kv = () => deps.firstSeen.ops.reads + deps.firstSeen.ops.writes;
  const before = deps.vastRequests() + kv();
  let registryCalls = 0;
  const subrequests = () => deps.vastRequests() + kv() + registryCalls - before;
  const report: PassReport = {
    at: now,
    fleet,
    observed: false,
    dryRun: opts.dryRun ?? false,
    workers: [],
    actions: [],
    held: [],
    errors: [],
    phaseChanges: [],
    firstRunning: [],
    subrequests: 0,
    dph: 0,
  };

  // Observe. Cannot see is not unhealthy: a failed listing ends the pass with nothing done.
  let listed: Instance[];
  try {
    listed = await vast.listInstances();
  } catch (e) {
    report.errors.push(`cannot list instances (${errorText(e)}): no launch and no destroy this pass`);
    report.subrequests = subrequests();
    return { state, report, share: [] };
  }
  report.observed = true;
  const seen: Outcome[] = [];
  state = settle(state, new Set(listed.map((i) => i.id)), config, now, report, seen);
  const token = await fingerprint(deps.hfToken);
  if (state.hfToken?.fingerprint !== token) state = { ...state, hfToken: { fingerprint: token, since: state.hfToken ? now : 0 } };
  const owned = listed.flatMap((instance) => {
    const slot = slotOf(fleet, instance.label);
    return slot === null ? [] : [{ instance, slot }];
  });
  if (rollFinished(state, owned.map((o) => o.instance))) state = { ...state, rollBefore: null };
  report.dph = owned.reduce((s, o) => s + (o.instance.dph_total ?? 0), 0);

  const logsFor = owned.filter((o) => needsLogs(o.instance));
  const evidence = new Map<number, LogEvidence | null>();
  await mapLimit(logsFor, opts.logsConcurrency ?? 4, async ({ instance }) => {
    try {
      const text = await vast.getLogs(instance.id, { tail: 50 });
      evidence.set(instance.id, text === null ? null : parseLogs(text));
    } catch (e) {
      evidence.set(instance.id, null);
      report.errors.push(`logs of ${instance.id} unreadable (${errorText(e)})`);
    }
  });

  // Classify, and time each phase from its first sighting (KV), with Vast's start_date as the floor.
  const memories: Record<string, InstanceMemory> = {};
  const workers: Worker[] = [];
  for (const { instance, slot } of owned) {
    const previous = state.instances[String(instance.id)];
    const c = classify(instance, evidence.get(instance.id), previous, now, config.stallTimeoutS);
    let since = now;
    try {
      since = await deps.firstSeen.since(instance.id, c.phase, now);
    } catch (e) {
      // Timing from now only delays a replacement; it never hastens one.
      report.errors.push(`first-seen time of ${instance.id} unavailable (${errorText(e)})`);
    }
    const started = instance.start_date === null ? null : instance.start_date * 1000;
    if (started !== null) since = c.phase === "BOOT" ? Math.min(since, started) : Math.max(since, started);
    // First-seen times are per phase, written once: a worker that ran and fell back (two unreadable
    // logs polls make it WAIT) would inherit the WAIT time of its startup and be timed out at once.
    // It has been without progress only since its last batch advanced.
    const progressAt = c.memory.batchAdvancedAt;
    if (c.phase !== "RUNNING" && c.phase !== "BOOT" && c.memory.everRan && progressAt !== null) since = Math.max(since, progressAt);
    memories[String(instance.id)] = c.memory;
    const label = instance.label ?? "";
    workers.push(workerOf(instance, slot, c, since));
    if (previous?.phase !== c.phase) report.phaseChanges.push({ id: instance.id, label, from: previous?.phase ?? null, to: c.phase, detail: c.detail });
    if (c.memory.everRan && !(previous?.everRan ?? false)) report.firstRunning.push(instance.id);
  }
  report.workers = workers.map((w) => view(w, memories[String(w.instance.id)]!));

  // The breaker judges what this pass observed before it plans, so that a pass that sees several
  // hosts fail the same way does not relaunch into the same fault.
  // A container that exited on an error counts with the FATAL ones: a broken image mostly kills its worker.
  const failing = workers.filter((w) => w.phase === "FATAL" || (w.phase === "DEAD" && w.fatalKind !== null));
  const fatalCount = largestSameFailure(failing.map((w) => failureSignature(w.fatalKind, w.detail)));
  seen.push(...report.firstRunning.map((): Outcome => ({ ok: true })));
  state = { ...state, breaker: nextBreaker(state.breaker, { ownedCount: workers.length, fatalCount, outcomes: seen }, config, now) };

  // Plan; search the market only when the plan wants offers.
  const voucher = hfTokenVoucher(workers, state, config, now);
  const refusedByHf = new Set(workers.filter((w) => hfRefusesHost(w, voucher, config, now)).map((w) => w.instance.id));
  const input = { fleet, config, state, now, workers, offers: null as Offer[] | null, gpu: opts.gpu ?? null, policy: opts.policy ?? "value", replace: opts.replace ?? null };
  let decided = plan(input);
  let scanned = false;
  const share: SharedBlock[] = [];
  if (decided.wantsOffers) {
    if (deps.sharedBlocks) {
      try {
        registryCalls++;
        input.state = state = adoptBlocks(state, await deps.sharedBlocks(), fleet, now);
      } catch (e) {
        // Without them the fleet only knows its own bad hosts, as before sharing existed.
        report.errors.push(`shared host blocks unreadable (${errorText(e)})`);
      }
    }
    try {
      const gpus = opts.gpu ? [opts.gpu.replace(/_/g, " ")] : config.gpus;
      input.offers = await vast.searchOffers({ gpuNames: gpus, maxDph: config.maxDph, minGpuRamMb: config.minGpuRamMb, diskGb: config.diskGb, minDurationH: config.minDurationH, minCuda: config.minCuda, limit: OFFER_LIMIT });
      scanned = true;
      // Only the fleet's own search says what the market lists; `/up?gpu=` looks at one model.
      if (!opts.gpu && config.bounceWindowS > 0) input.state = state = noteBounces(state, input.offers, listed, config, now, fleet, share);
      decided = plan(input);
    } catch (e) {
      report.errors.push(`offer search failed (${errorText(e)}): no launches this pass`);
    }
  }
  report.held = decided.held;

  if (opts.dryRun) {
    report.actions = decided.actions.map((a) => planned(a));
    report.subrequests = subrequests();
    return { state, report, share: [] };
  }

  // Act: destroys first (they free money and slots), then launches.
  const next: FleetState = structuredClone(state);
  next.instances = memories;
  const outcomes: Outcome[] = [];


  const destroys = decided.actions.filter((a): a is DestroyAction => a.kind === "destroy");
  // Destroys that did not take: retry the ones still listed whose retry is not already planned.
  // Not while paused: pause means no autonomous action at all, and an operator may pause exactly to
  // stop destroys (found by test/properties/pass.property.test.ts). The retry resumes on /resume.
  for (const pd of config.paused ? [] : next.pendingDestroys) {
    if (destroys.some((d) => d.instanceId === pd.instanceId)) continue;
    const w = workers.find((x) => x.instance.id === pd.instanceId);
    if (!w) continue;
    destroys.push({ kind: "destroy", instanceId: pd.instanceId, label: pd.label, slot: w.slot, phase: w.phase, cause: "dead", reason: `destroy not confirmed (attempt ${pd.attempts + 1}): ${pd.reason}`, machineId: w.instance.machine_id, gpuName: w.instance.gpu_name, dph: w.instance.dph_total, everRan: w.everRan });
  }

  for (const d of destroys) {
    deps.checkFence();
    let ok = true;
    let error: string | null = null;
    try {
      await vast.destroyInstance(d.instanceId);
    } catch (e) {
      ok = false;
      error = errorText(e);
    }
    report.actions.push({ kind: "destroy", label: d.label, slot: d.slot, instanceId: d.instanceId, reason: d.reason, ok, error, gpu: d.gpuName, dph: d.dph, machineId: d.machineId, cause: d.cause });
    const prior = next.pendingDestroys.find((p) => p.instanceId === d.instanceId);
    if (prior) {
      prior.attempts++;
      if (prior.attempts >= DESTROY_CONFIRM_ATTEMPTS) report.errors.push(`instance ${d.instanceId} (${d.label}) still listed after ${prior.attempts} destroys`);
    } else {
      next.pendingDestroys.push({ instanceId: d.instanceId, label: d.label, reason: d.reason, at: now, attempts: 1 });
    }
    // With the breaker open the fault is likely the image or a token, not the host: no strikes.
    const found = rememberDestroy(next, d, workers, now, state.breaker.open ? [] : outcomes, !state.breaker.open, refusedByHf.has(d.instanceId));
    if (found) share.push({ ...found, fleet });
  }

  // A worker without the token cannot pull weights or upload: launching it only spends money.
  const launches = deps.hfToken ? decided.actions.filter((a): a is LaunchAction => a.kind === "launch") : [];
  if (!deps.hfToken && decided.actions.some((a) => a.kind === "launch")) {
    report.held.push("launches held: the HF_TOKEN secret is not set (wrangler secret put HF_TOKEN)");
  }
  for (const l of launches) {
    deps.checkFence();
    const result: ActionResult = { kind: "launch", label: l.label, slot: l.slot, instanceId: null, reason: l.reason, ok: true, error: null, gpu: l.offer.gpu_name, dph: l.offer.dph_total, machineId: l.offer.machine_id, cause: l.upgradeOf === null ? null : "upgrade" };
    if (state.breaker.open) next.breaker.lastProbeAt = now;
    try {
      const { id } = await vast.createInstance(l.offer.id, createBody(config, l.label, l.slot, deps.hfToken));
      result.instanceId = id;
      next.launches.push({ at: now, ok: true });
      next.pendingLaunches.push({ slot: l.slot, instanceId: id, offerId: l.offer.id, machineId: l.offer.machine_id, gpuName: l.offer.gpu_name, dph: l.offer.dph_total, at: now, upgradeOf: l.upgradeOf });
      if (l.upgradeOf !== null) next.upgrades.push({ slot: l.slot, oldId: l.upgradeOf, newId: id, startedAt: now, reason: l.reason });
    } catch (e) {
      result.ok = false;
      result.error = errorText(e);
      next.launches.push({ at: now, ok: false });
      if (e instanceof VastError && e.kind === "lacks_credit") {
        next.creditPausedUntil = now + config.creditProbeS * 1000;
        report.actions.push(result);
        break;
      }
      // An offer rented by someone else between search and create is the market, not a failure of ours.
      if (!(e instanceof VastError && e.kind === "offer_gone")) outcomes.push({ ok: false, signature: `create ${e instanceof VastError ? `${e.kind} ${e.code ?? e.status ?? ""}` : "error"}` });
    }
    report.actions.push(result);
  }
  if (launches.length > 0 && report.actions.some((a) => a.kind === "launch" && a.ok)) next.creditPausedUntil = null;
  if (scanned) next.lastMarketScanAt = now;

  // Upgrades whose old or new instance is gone are over (done, failed, or taken away by Vast).
  const present = new Set([...workers.map((w) => w.instance.id), ...next.pendingLaunches.map((p) => p.instanceId)]);
  const destroyed = new Set(report.actions.filter((a) => a.kind === "destroy" && a.ok).map((a) => a.instanceId));
  next.upgrades = next.upgrades.filter((u) => {
    const over = !present.has(u.newId) || !present.has(u.oldId) || destroyed.has(u.newId) || destroyed.has(u.oldId);
    if (over) next.slotCooldowns[String(u.slot)] = now;
    return !over;
  });

  if (next.hfAuthHold && next.hfAuthHold.token !== token) next.hfAuthHold = null;
  if (voucher) next.hfAuthHold = null;
  else if (workers.some((w) => w.hfAuthError)) next.hfAuthHold ??= { since: now, token };
  learnThroughput(next, workers, state, now);
  // Then the outcomes of this pass's own launches and replacements.
  next.breaker = nextBreaker(next.breaker, { ownedCount: workers.length, fatalCount: 0, outcomes }, config, now);
  report.subrequests = subrequests();
  return { state: next, report, share };
}

/**
 * Reconciles the bookkeeping with the listing before planning: a launch that is now listed is no
 * longer pending (else it would count twice), a destroy whose instance is gone is confirmed, a
 * launch that never appeared within the boot budget is given up, and a host record that says
 * nothing any more is dropped.
 */
function settle(state: FleetState, listedIds: Set<number>, config: FleetConfig, now: number, report: PassReport, outcomes: Outcome[]): FleetState {
  const pendingLaunches = state.pendingLaunches.filter((p) => {
    if (listedIds.has(p.instanceId)) return false;
    if (now - p.at <= config.bootTimeoutS * 1000) return true;
    report.errors.push(`launch ${p.instanceId} for slot ${p.slot} never appeared in the listing; forgotten`);
    outcomes.push({ ok: false, signature: "launch never listed" });
    return false;
  });
  return {
    ...state,
    pendingLaunches,
    pendingDestroys: state.pendingDestroys.filter((p) => listedIds.has(p.instanceId)),
    launches: state.launches.filter((l) => now - l.at < HOUR_MS),
    hosts: forgetHosts(state.hosts, now),
  };
}

/** Enough of a SHA-256 to notice that a secret changed without storing anything that reveals it. */
async function fingerprint(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return [...new Uint8Array(digest).slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function planned(a: Action): ActionResult {
  return a.kind === "destroy"
    ? { kind: "destroy", label: a.label, slot: a.slot, instanceId: a.instanceId, reason: a.reason, ok: true, error: null, gpu: a.gpuName, dph: a.dph, machineId: a.machineId, cause: a.cause }
    : { kind: "launch", label: a.label, slot: a.slot, instanceId: null, reason: a.reason, ok: true, error: null, gpu: a.offer.gpu_name, dph: a.offer.dph_total, machineId: a.offer.machine_id, cause: a.upgradeOf === null ? null : "upgrade" };
}

/**
 * Compares this search with the last: a host another renter gave back within minutes is struck
 * before the plan can rent it. As strong a sign as failing before the first batch (in the fleet
 * benchmark 93% of the hosts seen bouncing were duds), so it blocks the same way: for about ten
 * hours, or until DELETE /hosts/:machineId. ZEB_BOUNCE_WINDOW_S=0 turns it off.
 */
function noteBounces(state: FleetState, offers: Offer[], listed: Instance[], config: FleetConfig, now: number, fleet: string, share: SharedBlock[]): FleetState {
  // Every instance of the account, not only this fleet's: another fleet renting and dropping a
  // host within minutes (an upgrade trial, a scale-down) says nothing about the host.
  const own = new Set([...listed.map((i) => i.machine_id), ...state.pendingLaunches.map((p) => p.machineId)].filter((m): m is number => m !== null));
  const { sightings, bounced } = observeMarket(state.market, { offers, now, windowMs: config.bounceWindowS * 1000, maxDph: config.maxDph, complete: offers.length < OFFER_LIMIT, own });
  const next = { ...state, market: sightings, hosts: { ...state.hosts } };
  for (const m of bounced) {
    const h = { ...hostRecord(next, m, offers.find((o) => o.machine_id === m)?.gpu_name ?? null) };
    next.hosts[String(m)] = h;
    const why = `another renter gave it back within ${formatDuration(config.bounceWindowS)} (listed, gone, listed again)`;
    strike(h, STRIKES_TO_BLOCK, why, now);
    share.push({ machineId: m, gpuName: h.gpuName, reason: why, fleet, at: now, permanent: false });
  }
  return next;
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

/**
 * What a replacement teaches: host strikes, `No CUDA` and HF-refused blocks, OOM raises the VRAM
 * floor (unless the workload fits that model elsewhere), never-ran counts as a failed launch.
 * Answers the block to share with the account's other fleets, if the failure was the host's alone.
 */
function rememberDestroy(next: FleetState, d: DestroyAction, workers: Worker[], now: number, outcomes: Outcome[], blameHost: boolean, refusedByHf: boolean): Omit<SharedBlock, "fleet"> | null {
  const w = workers.find((x) => x.instance.id === d.instanceId);
  // A worker that died after running is the host's fault too when its logs end in a fatal error
  // (the container exits seconds after a traceback, so a pass rarely sees it FATAL first) or when
  // the host stopped answering (unknown/offline): else the same dud host is rented again and again.
  const diedOfHost = w !== undefined && (w.fatalKind !== null || w.instance.actual_status === "offline" || w.instance.actual_status === "unknown");
  const hostFault = HOST_FAULTS.has(d.cause) || (d.cause === "dead" && (!d.everRan || diedOfHost));
  let share: Omit<SharedBlock, "fleet"> | null = null;
  if (blameHost && hostFault && d.machineId !== null) {
    const h = hostRecord(next, d.machineId, d.gpuName);
    // The same image and onstart ran elsewhere (else the breaker would be open), so a host where it
    // never got as far as a batch is almost surely a dud: block it at once. One that ran and then
    // failed may have been unlucky: a strike, and a second within a day blocks it.
    strike(h, d.everRan ? 1 : STRIKES_TO_BLOCK, d.reason, now);
    if (w?.fatalKind === "no_cuda") h.blockedReason = "No CUDA on this host";
    // HF refusing one host while another worker uploads with the same token is about that host
    // (its address, say), and it will refuse the next worker there too.
    if (refusedByHf) h.blockedReason = "Hugging Face refuses this host (401/403) while the token works elsewhere";
    const level = hostLevel(d, w);
    if (level !== null) share = { machineId: d.machineId, gpuName: d.gpuName, reason: h.blockedReason ?? d.reason, at: now, permanent: level === "permanent" };
  }
  if (w?.fatalKind === "oom" && d.gpuName && w.instance.gpu_ram !== null && !oomFitsElsewhere(w, workers, now)) {
    next.gpuRamFloor[d.gpuName] = Math.max(next.gpuRamFloor[d.gpuName] ?? 0, w.instance.gpu_ram + 1);
  }
  if (hostFault && !d.everRan) outcomes.push({ ok: false, signature: failureSignature(w?.fatalKind ?? d.cause, w?.detail ?? d.reason) });
  return share;
}

/** A new batch is a new throughput sample for the GPU model and for the host. */
function learnThroughput(next: FleetState, workers: Worker[], before: FleetState, now: number): void {
  for (const w of workers) {
    if (w.phase !== "RUNNING") continue;
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
      const h = hostRecord(next, w.instance.machine_id, gpu);
      const r = rolling(h.gamesPerSec, h.samples, m.gamesPerSec);
      h.gamesPerSec = r.mean;
      h.samples = r.samples;
      h.measuredAt = now;
    }
  }
}
