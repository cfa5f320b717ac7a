import type { FleetConfig } from "../config/fleet";
import type { Instance, Offer } from "../vast/schemas";
import { probeAllowed } from "./breaker";
import type { Classification } from "./classify";
import { GAMES_PER_BATCH } from "./launch";
import type { FatalKind } from "./logs";
import { chooseOffers, expectedRate, gamesPerDollar, type OfferChoiceContext } from "./offers";
import { isStale } from "./roll";
import type { FleetState, Phase } from "./state";

/**
 * The decision of one pass: observed fleet + remembered state + config + now → actions, each with
 * its reason. Pure and level-triggered: it compares what is wanted with what is seen, so the same
 * input always gives the same plan, and a plan whose actions took effect plans nothing more.
 */

/** An owned instance, classified. */
export interface Worker {
  instance: Instance;
  slot: number;
  label: string;
  phase: Phase;
  detail: string;
  /** When this instance was first seen in this phase (ms). */
  since: number;
  hfAuthError: boolean;
  /** When its logs first showed the HF 401/403 they still show (ms). */
  hfAuthSince: number | null;
  everRan: boolean;
  fatalKind: string | null;
  /** Batches generated since its last upload, by this poll's logs; null when unknown. */
  unsentBatches: number | null;
  /** Its last batch line's games/s; null before the first. */
  gamesPerSec: number | null;
}

/** A classified instance as the planner sees it; `since` is when it entered its phase (ms). */
export function workerOf(instance: Instance, slot: number, c: Classification, since: number): Worker {
  return {
    instance,
    slot,
    label: instance.label ?? "",
    phase: c.phase,
    detail: c.detail,
    since,
    hfAuthError: c.hfAuthError,
    hfAuthSince: c.memory.hfAuthSince,
    everRan: c.memory.everRan,
    fatalKind: c.fatalKind,
    unsentBatches: c.unsentBatches,
    gamesPerSec: c.memory.gamesPerSec,
  };
}

export type DestroyCause =
  | "dead"
  | "over_cost"
  | "fatal"
  | "boot_timeout"
  | "setup_timeout"
  | "wait_timeout"
  | "stalled"
  | "duplicate"
  | "scale_down"
  | "upgrade_done"
  | "upgrade_failed"
  | "down"
  | "replaced";

export interface DestroyAction {
  kind: "destroy";
  instanceId: number;
  label: string;
  slot: number;
  phase: Phase;
  cause: DestroyCause;
  reason: string;
  machineId: number | null;
  gpuName: string | null;
  dph: number | null;
  /** Whether the instance ever produced games: a never-ran replacement counts as a failed launch. */
  everRan: boolean;
}

export interface LaunchAction {
  kind: "launch";
  slot: number;
  label: string;
  reason: string;
  offer: Offer;
  expectedGamesPerSec: number;
  /** The running instance this launch replaces once it runs (make before break), if any. */
  upgradeOf: number | null;
}

export type Action = DestroyAction | LaunchAction;

export interface PlanInput {
  fleet: string;
  config: FleetConfig;
  state: FleetState;
  now: number;
  workers: Worker[];
  /** Offers, when fetched; the first plan runs without them and says whether it wants them. */
  offers: Offer[] | null;
  /** `/up?gpu=`: launches of this pass only on this GPU model. */
  gpu?: string | null;
  /** How offers are ranked: by expected games per dollar, or cheapest first (the original scripts, for the benchmark). */
  policy?: OfferChoiceContext["policy"];
  /** `POST /instances/:id/replace`: this worker goes now, whatever its health, and its slot is refilled. */
  replace?: number | null;
}

export interface Plan {
  actions: Action[];
  /** Slots this pass wants to fill. */
  wantedSlots: number[];
  /** True when the plan needs offers (launches wanted, or an upgrade scan is due). */
  wantsOffers: boolean;
  /** Why something that looked needed is not done (paused, breaker, credit, caps, no offers...). */
  held: string[];
}

const REPLACE_TIMEOUTS: Partial<Record<Phase, { key: keyof FleetConfig; cause: DestroyCause; what: string }>> = {
  BOOT: { key: "bootTimeoutS", cause: "boot_timeout", what: "no container after" },
  SETUP: { key: "setupTimeoutS", cause: "setup_timeout", what: "stuck in setup for" },
  WAIT: { key: "waitTimeoutS", cause: "wait_timeout", what: "waiting with no progress for" },
  FATAL: { key: "errGraceS", cause: "fatal", what: "fatal for" },
};

/** How far along a worker is: duplicates keep the most advanced, scale-down removes the least. */
const PROGRESS: Record<Phase, number> = { DEAD: 0, FATAL: 1, STALLED: 2, BOOT: 3, SETUP: 4, WAIT: 5, RUNNING: 6 };

/**
 * How often a fleet searches the market when no launch needs it: for a better deal to trade up to,
 * and to keep market memory current (market.ts), also while the fleet is idle, so that a fleet
 * scaled up from zero already knows which hosts others keep giving back. Prices drift slowly, but a
 * good deal is rented by someone else within minutes of being listed; every other pass catches
 * nearly all that every pass does (fleet benchmark, 48 seeds: 10 min 81.9% of the bound, 5 min
 * 83.0%, 2 min 83.8%, 1 min 84.1%) with half the searches, which leaves room under Vast's search
 * limit for many fleets (vast-api.md: 10 searches a minute).
 */
export const MARKET_SCAN_MS = 2 * 60_000;
/** A worker is judged on its own throughput only after running this long. */
export const UPGRADE_MIN_RUNNING_MS = 10 * 60_000;
const HOUR_MS = 3600_000;

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

function destroy(w: Worker, cause: DestroyCause, reason: string): DestroyAction {
  return {
    kind: "destroy",
    instanceId: w.instance.id,
    label: w.label,
    slot: w.slot,
    phase: w.phase,
    cause,
    reason,
    machineId: w.instance.machine_id,
    gpuName: w.instance.gpu_name,
    dph: w.instance.dph_total,
    everRan: w.everRan,
  };
}

/** Two upload intervals: long enough for any running worker to have tried an upload. */
const vouchMs = (config: FleetConfig) => 2 * config.uploadInterval * 1000;

/**
 * A worker that vouches for HF_TOKEN: started with the current token and running for two upload
 * intervals with no HF 401/403 in its logs, so HF took its uploads. Null when none can, e.g. in a
 * one-worker fleet.
 */
export function hfTokenVoucher(workers: Worker[], state: FleetState, config: FleetConfig, now: number): Worker | null {
  const tokenSince = state.hfToken?.since ?? 0;
  return (
    workers.find((w) => {
      const started = w.instance.start_date === null ? null : w.instance.start_date * 1000;
      return w.phase === "RUNNING" && !w.hfAuthError && started !== null && started >= tokenSince && now - w.since >= vouchMs(config);
    }) ?? null
  );
}

/**
 * HF 401/403 in a worker's logs is its host's problem (HF refusing its address, say), not the
 * token's, once another worker has vouched for the token for two upload intervals after the error
 * began: a revoked token would have refused the voucher's uploads too by then. Such a worker is
 * replaced; any other 401/403 means a replacement would fail the same way, so the worker is kept
 * and launches are held.
 */
export function hfRefusesHost(w: Worker, voucher: Worker | null, config: FleetConfig, now: number): boolean {
  return w.hfAuthError && voucher !== null && w.hfAuthSince !== null && now - w.hfAuthSince >= vouchMs(config);
}

/** How long a worker must run on a GPU to prove that the workload fits in its memory. */
export const FITS_AFTER_MS = 10 * 60_000;

/**
 * CUDA out of memory says this fleet's workload needs more VRAM than the GPU has, and the fleet
 * then skips that model at that size, unless another worker on the same model with no more VRAM
 * has run the workload for FITS_AFTER_MS: then the host is to blame (another process on its GPU,
 * say), and raising the floor would shut the fleet out of a whole model for one bad host.
 */
export function oomFitsElsewhere(w: Worker, workers: Worker[], now: number): Worker | null {
  const ram = w.instance.gpu_ram;
  if (ram === null) return null;
  return (
    workers.find(
      (o) =>
        o.instance.id !== w.instance.id &&
        o.phase === "RUNNING" &&
        o.instance.gpu_name === w.instance.gpu_name &&
        o.instance.gpu_ram !== null &&
        o.instance.gpu_ram <= ram &&
        now - o.since >= FITS_AFTER_MS,
    ) ?? null
  );
}

/**
 * Passes run every minute, so one lands within a minute of each upload: a worker that has made less
 * than a minute of games since its last upload leaves then. Waiting for none at all could wait for
 * ever on a GPU whose batches are shorter than a pass.
 */
const JUST_UPLOADED_S = 60;

/** The longest a leaving worker waits for its upload: an upload interval and a minute. */
const drainLimitS = (config: FleetConfig) => config.uploadInterval + 60;

/**
 * A healthy worker that is leaving (traded away, or above target) goes right after an upload: the
 * games it made since its last one would die with it, and it keeps earning at its own rate while it
 * finishes. It waits only while that upload is due: its unsent batches, at its rate, span at least
 * JUST_UPLOADED_S and less than an upload interval and a minute. A worker not running, or whose logs
 * show no upload to wait for (a failing one, unreadable logs) or an overdue one, leaves at once.
 */
export function awaitsUpload(w: Worker, config: FleetConfig): boolean {
  if (w.phase !== "RUNNING" || w.unsentBatches === null || !w.gamesPerSec) return false;
  const sinceUploadS = (w.unsentBatches * GAMES_PER_BATCH) / w.gamesPerSec;
  return sinceUploadS >= JUST_UPLOADED_S && sinceUploadS < drainLimitS(config);
}

/**
 * An upgrade's old worker leaves once its replacement runs and it has uploaded; at most one upload
 * interval and a minute later, in case no poll lands between an upload and the next batch.
 */
export function drained(old: Worker, fresh: Worker, config: FleetConfig, now: number): boolean {
  return !awaitsUpload(old, config) || now - fresh.since >= drainLimitS(config) * 1000;
}

function workerValue(w: Worker, input: PlanInput): number {
  const rate = w.phase === "RUNNING" ? expectedRate(input.config, input.state, w.instance.gpu_name ?? "", w.instance.machine_id) : 0;
  return gamesPerDollar(rate, w.instance.dph_total ?? Infinity);
}

/**
 * Fatal errors no progress can follow in a worker that never started: the host has no usable GPU,
 * or its shell cannot run the launch command. errGraceS gives a traceback time to be followed by
 * progress; here it would only pay the host for five more minutes.
 */
const HOPELESS: ReadonlySet<string> = new Set<FatalKind>(["no_cuda", "launch_broken"]);

function hopeless(w: Pick<Worker, "everRan" | "fatalKind">): boolean {
  return !w.everRan && w.fatalKind !== null && HOPELESS.has(w.fatalKind);
}

/** How long a FATAL worker may stay before it is replaced (unhealthy() takes a hopeless one at once); alerts read it. */
export function fatalGraceS(w: Pick<Worker, "everRan" | "fatalKind">, config: FleetConfig): number {
  return hopeless(w) ? 0 : config.errGraceS;
}

/** Why a worker must go now regardless of the target, or null. */
function unhealthy(w: Worker, input: PlanInput): { cause: DestroyCause; reason: string } | null {
  const { config, now } = input;
  if (w.phase === "DEAD") return { cause: "dead", reason: `dead (${w.detail}); exited instances still bill storage` };
  if (w.instance.dph_total !== null && w.instance.dph_total > config.maxDph + 1e-9) {
    return { cause: "over_cost", reason: `$${w.instance.dph_total.toFixed(3)}/h is over the cap $${config.maxDph}/h` };
  }
  if (w.phase === "STALLED") return { cause: "stalled", reason: `stalled: ${w.detail}` };
  if (w.phase === "FATAL" && hopeless(w)) {
    return { cause: "fatal", reason: `fatal before its first batch, no grace: ${w.detail}` };
  }
  const rule = REPLACE_TIMEOUTS[w.phase];
  if (!rule) return null;
  const limit = config[rule.key] as number;
  const inPhase = (now - w.since) / 1000;
  if (inPhase <= limit) return null;
  return { cause: rule.cause, reason: `${rule.what} ${formatDuration(inPhase)} (limit ${formatDuration(limit)}): ${w.detail}` };
}

export function plan(input: PlanInput): Plan {
  const { config, state, now, fleet } = input;
  const held: string[] = [];
  if (config.paused) return { actions: [], wantedSlots: [], wantsOffers: false, held: ["paused: autonomous actions are off (POST /resume)"] };

  const actions: Action[] = [];
  const going = new Set<number>();
  const remove = (w: Worker, cause: DestroyCause, reason: string) => {
    if (going.has(w.instance.id)) return;
    going.add(w.instance.id);
    actions.push(destroy(w, cause, reason));
  };
  const upgradeByNew = new Map(state.upgrades.map((u) => [u.newId, u]));
  const upgradeByOld = new Map(state.upgrades.map((u) => [u.oldId, u]));

  const voucher = hfTokenVoucher(input.workers, state, config, now);

  // 1. What must go whatever the target: the operator's pick, dead, over cost, fatal past grace,
  // stuck past timeouts.
  for (const w of input.workers) {
    if (w.instance.id === input.replace) {
      remove(w, "replaced", "replaced through the API");
      continue;
    }
    const hostRefused = hfRefusesHost(w, voucher, config, now);
    const bad =
      unhealthy(w, input) ??
      (hostRefused && w.phase === "RUNNING" ? { cause: "fatal" as const, reason: `Hugging Face refuses this host (401/403) while ${voucher?.label ?? "another worker"} uploads with the same token` } : null);
    if (!bad) continue;
    const saves = bad.cause === "dead" || bad.cause === "over_cost";
    if (!saves && w.hfAuthError && !hostRefused) {
      held.push(`${w.label}: Hugging Face rejects the token; a replacement would fail the same way, so it is kept until the token is fixed`);
      continue;
    }
    remove(w, bad.cause, bad.reason);
  }

  // 2. Make before break: an upgrade's old worker leaves once the new one runs; a failed trial is undone.
  for (const u of state.upgrades) {
    const fresh = input.workers.find((w) => w.instance.id === u.newId);
    const old = input.workers.find((w) => w.instance.id === u.oldId);
    if (fresh?.phase === "RUNNING" && old) {
      if (drained(old, fresh, config, now)) remove(old, "upgrade_done", `replaced by ${u.newId} (${u.reason})`);
    }
    // Only a new instance that is not RUNNING failed its trial: one that runs after its old one
    // vanished (Vast took it) is simply the slot's worker now.
    else if (fresh && fresh.phase !== "RUNNING" && !going.has(fresh.instance.id) && now - u.startedAt > config.upgradeTrialS * 1000) {
      remove(fresh, "upgrade_failed", `upgrade trial not running after ${formatDuration(config.upgradeTrialS)}`);
    }
  }

  // 3. One instance per slot: extra instances sharing a label (a late create, a manual launch) go.
  const survivors = () => input.workers.filter((w) => !going.has(w.instance.id));
  const bySlot = new Map<number, Worker[]>();
  for (const w of survivors()) {
    if (upgradeByNew.has(w.instance.id) || upgradeByOld.has(w.instance.id)) continue;
    bySlot.set(w.slot, [...(bySlot.get(w.slot) ?? []), w]);
  }
  for (const group of bySlot.values()) {
    if (group.length < 2) continue;
    const [keep, ...extra] = [...group].sort(
      // The oldest of equals stays: it has the longest record, and the newest is the likelier accident.
      (a, b) => PROGRESS[b.phase] - PROGRESS[a.phase] || (a.instance.start_date ?? 0) - (b.instance.start_date ?? 0) || a.instance.id - b.instance.id,
    );
    for (const w of extra) remove(w, "duplicate", `duplicate of ${keep!.instance.id} in slot ${w.slot}`);
  }

  // 4. Above target: the worst leave first (unhealthy, then not yet running, then lowest value).
  // An upgrade's new instance is surplus only while the instance it replaces stays.
  const alive = survivors();
  const aliveIds = new Set(alive.map((w) => w.instance.id));
  const surplus = (id: number) => {
    const u = upgradeByNew.get(id);
    return u !== undefined && aliveIds.has(u.oldId);
  };
  // A pending launch already in the listing is counted as a worker, not twice (the pass clears
  // pending launches only after planning).
  const listedIds = new Set(input.workers.map((w) => w.instance.id));
  const unlisted = state.pendingLaunches.filter((p) => !listedIds.has(p.instanceId));
  const pending = unlisted.filter((p) => p.upgradeOf === null || !aliveIds.has(p.upgradeOf));
  // Scale-down weighs listed workers only: a launch not yet listed cannot be destroyed, and counting
  // it would destroy running workers in its place; once listed it is the worst (BOOT) and leaves first.
  let count = alive.filter((w) => !surplus(w.instance.id)).length;
  // Above target but finishing an upload: not destroyed yet, not to be traded up either.
  const leaving = new Set<number>();
  if (count > config.workers) {
    const order = alive
      .filter((w) => !surplus(w.instance.id))
      .sort((a, b) => PROGRESS[a.phase] - PROGRESS[b.phase] || workerValue(a, input) - workerValue(b, input) || b.slot - a.slot);
    for (const w of order) {
      if (count <= config.workers) break;
      count--;
      if (awaitsUpload(w, config)) {
        leaving.add(w.instance.id);
        held.push(`${w.label} leaves after its upload (above target ${config.workers})`);
      } else remove(w, "scale_down", `above target ${config.workers}`);
      // Its upgrade goes with it: once the old worker leaves, the replacement would stop being
      // surplus and take the slot, putting the fleet above target again and costing another
      // destroy next pass (found by test/properties/plan.property.test.ts, idempotence).
      const u = upgradeByOld.get(w.instance.id);
      const fresh = u === undefined ? undefined : alive.find((x) => x.instance.id === u.newId);
      if (fresh) remove(fresh, "scale_down", `upgrade of ${w.instance.id} cancelled: above target ${config.workers}`);
    }
  }
  count += pending.length;

  // 5. Below target: fill the lowest free slots.
  const taken = new Set([...survivors().map((w) => w.slot), ...state.pendingLaunches.map((p) => p.slot)]);
  const wantedSlots: number[] = [];
  for (let slot = 0; wantedSlots.length < config.workers - count; slot++) if (!taken.has(slot)) wantedSlots.push(slot);

  let allowed = wantedSlots.length;
  const gate = (limit: number, why: string) => {
    if (allowed > limit) {
      held.push(why);
      allowed = Math.max(0, limit);
    }
  };
  const hfAuthHold = (state.hfAuthHold !== null && voucher === null) || input.workers.some((w) => w.hfAuthError && !hfRefusesHost(w, voucher, config, now));
  const creditPaused = state.creditPausedUntil !== null && now < state.creditPausedUntil;
  const lastHour = state.launches.filter((l) => now - l.at < HOUR_MS).length;
  if (allowed > 0) {
    if (state.launchHold) gate(0, `launches held: ${state.launchHold}`);
    if (hfAuthHold) gate(0, "launches held: Hugging Face rejected the token in worker logs (wrangler secret put HF_TOKEN, or POST /resume once fixed)");
    if (creditPaused) gate(0, "launches paused: the Vast account lacks credit");
    if (state.breaker.open) gate(probeAllowed(state.breaker, now) ? 1 : 0, `circuit breaker open: ${state.breaker.reason}`);
    gate(config.maxLaunchesPerHour - lastHour, `hourly launch budget (${config.maxLaunchesPerHour}) used up`);
    gate(config.maxLaunchesPerPass, `at most ${config.maxLaunchesPerPass} launches per pass`);
  }

  const staying = survivors().reduce((sum, w) => sum + (w.instance.dph_total ?? 0), 0) + unlisted.reduce((s, p) => s + p.dph, 0);
  const ctx: OfferChoiceContext = { config, state, now, gpu: input.gpu ?? null, fleetDph: staying, policy: input.policy ?? "value" };
  const launchSlots = wantedSlots.slice(0, allowed);

  const scanDue = state.lastMarketScanAt === null || now - state.lastMarketScanAt >= MARKET_SCAN_MS;
  const upgradeDue =
    launchSlots.length === 0 &&
    wantedSlots.length === 0 &&
    !state.breaker.open &&
    input.workers.some((w) => w.phase === "RUNNING") &&
    // An upgrade is a launch: every hold on launches holds it too.
    state.launchHold === null &&
    !hfAuthHold &&
    !creditPaused &&
    lastHour < config.maxLaunchesPerHour &&
    state.upgrades.length < upgradeRoom(input) &&
    scanDue;

  // Market memory learns only from searches, so it watches whatever the fleet is doing (holds,
  // breaker, target 0); `/up?gpu=` sees one model, which says nothing of the others.
  const watchDue = config.bounceWindowS > 0 && !input.gpu && scanDue;
  if (input.offers === null) {
    return { actions, wantedSlots, wantsOffers: launchSlots.length > 0 || upgradeDue || watchDue, held };
  }

  const chosen = chooseOffers(input.offers, launchSlots.length, ctx);
  if (chosen.length < launchSlots.length) {
    held.push(`no offers for ${launchSlots.length - chosen.length} slot(s)${input.gpu ? ` on ${input.gpu.replace(/_/g, " ")}` : ""} under $${config.maxDph}/h${config.maxFleetDph !== null ? ` within the fleet ceiling $${config.maxFleetDph}/h` : ""}`);
  }
  chosen.forEach((r, i) => {
    const slot = launchSlots[i]!;
    actions.push({
      kind: "launch",
      slot,
      label: `${fleet}-worker-vast-${slot}`,
      reason: `slot ${slot} empty (target ${config.workers}): ${r.offer.gpu_name} @ $${r.offer.dph_total.toFixed(3)}/h, ~${Math.round(r.gamesPerDollar / 1000)}K games/$`,
      offer: r.offer,
      expectedGamesPerSec: r.expectedGamesPerSec,
      upgradeOf: null,
    });
  });

  if (upgradeDue && input.policy !== "cheapest") {
    const trades = planUpgrades(input, new Set([...going, ...leaving]), ctx);
    actions.push(...trades.launches);
    // A roll that cannot take its next step says so, else /status shows it waiting for nothing.
    if (trades.rollStalled) held.push(`roll: no offer for the next worker's replacement under $${config.maxDph}/h${config.maxFleetDph !== null ? ` within the fleet ceiling $${config.maxFleetDph}/h (old and new run side by side)` : ""}`);
  }
  return { actions, wantedSlots, wantsOffers: false, held };
}

/** Trials at once: maxConcurrentUpgrades, and at least one while a roll has workers to replace. */
function upgradeRoom(input: PlanInput): number {
  const rolling = input.workers.some((w) => isStale(w.instance, input.state.rollBefore));
  return Math.max(input.config.maxConcurrentUpgrades, rolling ? 1 : 0);
}

/**
 * Trade up (make before break) when the market offers at least upgradeMinGain better games per
 * dollar; during a roll (roll.ts), the workers started before it go first, to the best offer
 * whatever the gain, and without waiting for the minimum run or the slot's cooldown.
 */
function planUpgrades(input: PlanInput, going: Set<number>, ctx: OfferChoiceContext): { launches: LaunchAction[]; rollStalled: boolean } {
  const { config, state, now, fleet } = input;
  const busy = new Set(state.upgrades.flatMap((u) => [u.oldId, u.newId]));
  const candidates = input.workers
    .filter((w) => w.phase === "RUNNING" && !going.has(w.instance.id) && !busy.has(w.instance.id))
    .map((w) => ({ w, value: workerValue(w, input), stale: isStale(w.instance, state.rollBefore) }))
    .filter(
      ({ w, stale }) =>
        stale || (now - w.since >= UPGRADE_MIN_RUNNING_MS && now - (state.slotCooldowns[String(w.slot)] ?? -Infinity) >= config.upgradeCooldownS * 1000),
    )
    .sort((a, b) => Number(b.stale) - Number(a.stale) || a.value - b.value);
  const inUse = new Set(input.workers.map((w) => w.instance.machine_id));
  const offers = (input.offers ?? []).filter((o) => !inUse.has(o.machine_id));
  const room = upgradeRoom(input) - state.upgrades.length;
  // The room a roll adds is the roll's: trades for a better deal keep to maxConcurrentUpgrades.
  let tradeRoom = config.maxConcurrentUpgrades - state.upgrades.length;
  // Old and new run side by side during the trial, so the fleet ceiling must hold for both.
  const best = chooseOffers(offers, Math.min(room, candidates.length), ctx);
  const launches: LaunchAction[] = [];
  for (const [i, r] of best.entries()) {
    const c = candidates[i];
    if (!c) break;
    if (!c.stale && (tradeRoom-- <= 0 || r.gamesPerDollar < c.value * (1 + config.upgradeMinGain))) break;
    const gain = c.value > 0 ? Math.round((r.gamesPerDollar / c.value - 1) * 100) : 100;
    const deal = `${r.offer.gpu_name} @ $${r.offer.dph_total.toFixed(3)}/h`;
    launches.push({
      kind: "launch",
      slot: c.w.slot,
      label: `${fleet}-worker-vast-${c.w.slot}`,
      reason: c.stale
        ? `roll: replaces ${c.w.instance.id}, started before the roll: ${deal}, ~${Math.round(r.gamesPerDollar / 1000)}K games/$`
        : `upgrade of ${c.w.instance.id}: ${deal} gives ${gain}% more games per dollar`,
      offer: r.offer,
      expectedGamesPerSec: r.expectedGamesPerSec,
      upgradeOf: c.w.instance.id,
    });
  }
  return { launches, rollStalled: room > 0 && candidates[0]?.stale === true && launches.length === 0 };
}
