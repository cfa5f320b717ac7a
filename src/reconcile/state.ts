/**
 * What a fleet remembers between passes. It lives in the fleet's Durable Object (strongly
 * consistent, single writer); only phase first-seen times live in KV (see src/fleet/first-seen.ts).
 * Every persisted shape is a zod schema so that a stored value from an older version that no
 * longer fits is noticed at load time instead of misread.
 * @module
 */

import { z } from "zod";
import { LearnerStep } from "../accounting/learner";
import { emptyLedger, Ledger } from "../accounting/ledger";
import { DudModel, priorDudModel } from "./duds/model";
import { Watched } from "./duds/watch";
import { Sighting } from "./market";

/** OUTBID: an interruptible worker Vast paused for a higher bid or an on-demand renter; never the host's fault. */
export const PHASES = ["BOOT", "SETUP", "WAIT", "RUNNING", "OUTBID", "STALLED", "FATAL", "DEAD"] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

/** Per-instance progress markers: what a single poll cannot tell (stalls, forgiveness, history). */
export const InstanceMemory = z.object({
  phase: Phase,
  lastBatch: z.number().int().nullable(),
  /** When the batch number last changed (ms). */
  batchAdvancedAt: z.number().nullable(),
  everRan: z.boolean(),
  /** Consecutive polls whose logs could not be read or that contradicted a RUNNING reading. */
  doubtfulPolls: z.number().int().min(0),
  gamesPerSec: z.number().nullable(),
  step: z.number().int().nullable(),
  totalGames: z.number().int().nullable(),
  /** The games it had delivered at its newest completed upload (logs.ts `uploadedGames`); kept while the tail shows none. */
  uploadedGames: z.number().int().min(0).nullable().default(null),
  /** When the logs first showed Hugging Face refusing the token (401/403), while they still do. */
  hfAuthSince: z.number().nullable().default(null),
  /** Since when its logs cannot be read (null while they can): its phase timers stand still meanwhile. */
  blindSince: z.number().nullable().default(null),
  /** Time its logs were unreadable in its current phase, ended spells only (ms). */
  blindMs: z.number().min(0).default(0),
  /** When it last resumed after an outbid (ms): its phase clocks start there, not at its first sighting in the phase. */
  resumedAt: z.number().nullable().default(null),
  /** When its current (or last) outbid spell began (ms): the outbid wait counts from there. */
  outbidSince: z.number().nullable().default(null),
});
export type InstanceMemory = z.infer<typeof InstanceMemory>;

/**
 * The launch journal: written before the create is sent, completed with the instance id when Vast
 * answers. A create whose answer was lost keeps `instanceId` null and holds its slot until the
 * listing shows its label on its machine, or the boot timeout passes.
 */
export const PendingLaunch = z.object({
  slot: z.number().int().min(0),
  instanceId: z.number().int().nullable(),
  offerId: z.number().int(),
  machineId: z.number().int(),
  gpuName: z.string(),
  dph: z.number(),
  at: z.number(),
  /** Set when this launch is a make-before-break upgrade of a running instance. */
  upgradeOf: z.number().int().nullable(),
  /** Why it was launched, for the upgrade record a late-listed trial gets. */
  reason: z.string().default(""),
  /** The upload interval (s) it was launched with; absent in journals written before it was kept. */
  uploadInterval: z.number().int().positive().optional(),
  /** The bid it was created with ($/h), null on demand; journals written before bids read as on demand. */
  bid: z.number().positive().nullable().optional(),
});
export type PendingLaunch = z.infer<typeof PendingLaunch>;

/** Why the planner destroys a worker (plan/); stored with a destroy Vast has not confirmed. */
export const DESTROY_CAUSES = [
  "dead",
  "over_cost",
  "fatal",
  "boot_timeout",
  "setup_timeout",
  "wait_timeout",
  "stalled",
  "duplicate",
  "scale_down",
  "upgrade_done",
  "upgrade_failed",
  "down",
  "replaced",
  "outbid",
] as const;
export const DestroyCause = z.enum(DESTROY_CAUSES);
export type DestroyCause = z.infer<typeof DestroyCause>;

export const PendingDestroy = z.object({
  instanceId: z.number().int(),
  label: z.string(),
  reason: z.string(),
  /** Why it was destroyed (plan's DestroyCause), so a retry keeps its cause; older records read as dead. */
  cause: DestroyCause.catch("dead"),
  at: z.number(),
  /** Times it was sent; 0 for one decided but left for the next pass by Vast's pacing (act.ts). */
  attempts: z.number().int().min(0),
});
export type PendingDestroy = z.infer<typeof PendingDestroy>;

export const LaunchRecord = z.object({ at: z.number(), ok: z.boolean() });
export type LaunchRecord = z.infer<typeof LaunchRecord>;

export const HostRecord = z.object({
  machineId: z.number().int(),
  strikes: z.number().min(0),
  lastStrikeAt: z.number(),
  /** Why the latest strike, for GET /hosts. */
  lastStrike: z.string().nullable().default(null),
  blockedReason: z.string().nullable(),
  /** Rolling throughput of this host for this fleet's model. */
  gamesPerSec: z.number().nullable(),
  samples: z.number().int().min(0),
  /** The last batch measured on this host; records saved before it was kept read as never. */
  measuredAt: z.number().nullable().default(null),
  gpuName: z.string().nullable(),
  /** The fleet whose block this is (src/reconcile/shared-hosts.ts); null when this fleet's own record. */
  sharedFrom: z.string().nullable().default(null),
});
export type HostRecord = z.infer<typeof HostRecord>;

export const GpuStat = z.object({
  gamesPerSec: z.number(),
  samples: z.number().int().min(0),
  /** Rolling mean of the price paid for this model ($/h). */
  dph: z.number().nullable().default(null),
});
export type GpuStat = z.infer<typeof GpuStat>;

export const Upgrade = z.object({
  slot: z.number().int(),
  oldId: z.number().int(),
  newId: z.number().int(),
  startedAt: z.number(),
  reason: z.string(),
});
export type Upgrade = z.infer<typeof Upgrade>;

/**
 * A bid of the fleet, by instance id: written before it is sent (create or change). `uncertain`
 * while Vast's answer to a change is unknown: it may have happened, so the higher price is assumed.
 */
export const BidRecord = z.object({
  price: z.number().positive(),
  previous: z.number().positive().nullable(),
  at: z.number(),
  uncertain: z.boolean(),
});
export type BidRecord = z.infer<typeof BidRecord>;

/** Interruptions seen, per `gpu:<model>` and `m:<machine_id>`: hours on a bid and times outbid, decayed (interruptions.ts). */
export const Interruptions = z.object({ hours: z.number().min(0), outbids: z.number().min(0), at: z.number() });
export type Interruptions = z.infer<typeof Interruptions>;

const FleetStateShape = z.object({
  instances: z.record(z.string(), InstanceMemory),
  pendingLaunches: z.array(PendingLaunch),
  pendingDestroys: z.array(PendingDestroy),
  launches: z.array(LaunchRecord),
  breaker: z.object({
    open: z.boolean(),
    reason: z.string().nullable(),
    since: z.number().nullable(),
    /** Launches in a row that failed before reaching RUNNING. */
    failures: z.number().int().min(0),
    /** Signatures of those failures (see breaker.ts `failureSignature`), newest last. */
    recentFailures: z.array(z.string()).default([]),
    lastProbeAt: z.number().nullable(),
  }),
  creditPausedUntil: z.number().nullable(),
  /** Launches are held until this is null: e.g. the weights are missing on Hugging Face. */
  launchHold: z.string().nullable(),
  /**
   * Set when a worker's logs showed Hugging Face rejecting the token. It outlives that worker, so
   * the fleet does not relaunch into the same failure; it clears when the HF_TOKEN secret changes
   * (`token` is a fingerprint of it, never the token) or on POST /resume.
   */
  hfAuthHold: z.object({ since: z.number(), token: z.string() }).nullable().default(null),
  /**
   * The HF_TOKEN the fleet launches with (a fingerprint) and since when: a worker started after
   * `since` runs with it, so its uploads vouch for it. A fleet's first token counts from 0.
   */
  hfToken: z.object({ fingerprint: z.string(), since: z.number() }).nullable().default(null),
  hosts: z.record(z.string(), HostRecord),
  gpuStats: z.record(z.string(), GpuStat),
  /**
   * The fleet's minimum gpu_ram (MB), raised by CUDA out-of-memory: memory is the constraint, not
   * the model name, so it applies to every model.
   */
  vramFloorMb: z.number().int().min(0).default(0),
  upgrades: z.array(Upgrade),
  /** When each slot last finished an upgrade, for the cooldown. */
  slotCooldowns: z.record(z.string(), z.number()),
  /**
   * The last search of the market (MARKET_SCAN_MS), for launches, upgrades or market memory. States
   * saved before it had this name read as never.
   */
  lastMarketScanAt: z.number().nullable().default(null),
  /** Machines seen in recent searches, keyed by machine_id: how the fleet notices hosts that others rent and drop. */
  market: z.record(z.string(), Sighting).default({}),
  /** POST /roll: workers whose instance started before this are replaced (roll.ts); null when no roll is under way. */
  rollBefore: z.number().nullable().default(null),
  /**
   * When Vast next allows a create and a destroy (src/vast/pacing.ts), on the pass's clock, so that
   * a pass a second after another still keeps Vast's interval. States saved before it read as at once.
   */
  notBefore: z.object({ create: z.number(), destroy: z.number() }).default({ create: 0, destroy: 0 }),
  /** Each launched instance's own upload interval (s), by instance id, while it is listed or pending: the HF commit budget's ledger. */
  uploadIntervals: z.record(z.string(), z.number().int().positive()).default({}),
  /** The fleet's own books: spend and games delivered (src/accounting/ledger.ts). States saved before it start them empty. */
  ledger: Ledger.default(emptyLedger),
  /** The newest weights step the workers run, and when it rose (src/accounting/learner.ts). */
  learnerStep: LearnerStep.nullable().default(null),
  /** The fleet's bids, by instance id, while the instance is listed or pending. */
  bids: z.record(z.string(), BidRecord).default({}),
  interruptions: z.record(z.string(), Interruptions).default({}),
  /** Interruption was too frequent: launches go on demand until `until` (plan/bids.ts). */
  capacityFallback: z.object({ since: z.number(), until: z.number(), reason: z.string() }).nullable().default(null),
  /**
   * Which offers are duds, learned from launches (src/reconcile/duds/). States saved before it, or
   * with another set of features, start at the prior: it is a heuristic, and the prior ranks as if it were absent.
   */
  dudModel: DudModel.default(priorDudModel).catch(priorDudModel),
  /** Launches whose outcome is not known yet, by machine_id: their offers' features. */
  dudWatch: z.record(z.string(), Watched).default({}),
  /** The last complete bid search: each usable offer's value-rank bucket by machine id (interruptions.ts `learnTakes`). */
  bidListing: z
    .object({ at: z.number(), buckets: z.record(z.string(), z.number().int().min(0)) })
    .nullable()
    .default(null),
});
/** States saved with a floor per GPU model become one floor by memory: the highest of them. */
function migrate(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || !("gpuRamFloor" in raw) || "vramFloorMb" in raw) return raw;
  const { gpuRamFloor, ...rest } = raw as { gpuRamFloor: unknown } & Record<string, unknown>;
  const floors =
    typeof gpuRamFloor === "object" && gpuRamFloor !== null
      ? Object.values(gpuRamFloor).filter((v): v is number => typeof v === "number")
      : [];
  return { ...rest, vramFloorMb: Math.max(0, ...floors.map(Math.ceil)) };
}

export const FleetState = z.preprocess(migrate, FleetStateShape);
export type FleetState = z.infer<typeof FleetStateShape>;

export function emptyState(): FleetState {
  return {
    instances: {},
    pendingLaunches: [],
    pendingDestroys: [],
    launches: [],
    breaker: { open: false, reason: null, since: null, failures: 0, recentFailures: [], lastProbeAt: null },
    creditPausedUntil: null,
    launchHold: null,
    hfAuthHold: null,
    hfToken: null,
    market: {},
    hosts: {},
    gpuStats: {},
    vramFloorMb: 0,
    upgrades: [],
    slotCooldowns: {},
    lastMarketScanAt: null,
    rollBefore: null,
    notBefore: { create: 0, destroy: 0 },
    uploadIntervals: {},
    ledger: emptyLedger(),
    learnerStep: null,
    bids: {},
    interruptions: {},
    capacityFallback: null,
    dudModel: priorDudModel(),
    dudWatch: {},
    bidListing: null,
  };
}

/** Elements of a list, or entries of a map, that a damaged state may still hold intact one by one. */
const PARTS: Partial<Record<keyof FleetState, z.ZodType>> = {
  pendingLaunches: PendingLaunch,
  pendingDestroys: PendingDestroy,
  launches: LaunchRecord,
  upgrades: Upgrade,
  instances: InstanceMemory,
  hosts: HostRecord,
  gpuStats: GpuStat,
  slotCooldowns: z.number(),
  market: Sighting,
  uploadIntervals: z.number().int().positive(),
  bids: BidRecord,
  interruptions: Interruptions,
  dudWatch: Watched,
};

/**
 * What a stored state that no longer fits its schema can still give back: every field that parses,
 * and of a list or map every item that does (a pending launch kept is a rental not made twice).
 * `lost` names what was not recovered whole.
 */
export function salvageState(text: string): { state: FleetState; lost: string[] } {
  let raw: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) raw = migrate(parsed) as Record<string, unknown>;
  } catch {
    return { state: emptyState(), lost: ["everything (not JSON)"] };
  }
  const state: Record<string, unknown> = { ...emptyState() };
  const lost: string[] = [];
  for (const [key, schema] of Object.entries(FleetStateShape.shape)) {
    const whole = schema.safeParse(raw[key]);
    if (whole.success) {
      state[key] = whole.data;
      continue;
    }
    lost.push(key);
    const part = PARTS[key as keyof FleetState];
    const value = raw[key];
    if (part && Array.isArray(value))
      state[key] = value.flatMap((v) => {
        const r = part.safeParse(v);
        return r.success ? [r.data] : [];
      });
    else if (part && typeof value === "object" && value !== null) {
      state[key] = Object.fromEntries(
        Object.entries(value).flatMap(([k, v]) => {
          const r = part.safeParse(v);
          return r.success ? [[k, r.data]] : [];
        }),
      );
    }
  }
  return { state: FleetStateShape.parse(state), lost };
}
