/**
 * What the planner reads and writes: a classified worker, the actions it plans, its input and its
 * answer. Every decision module of the planner speaks these types.
 * @module
 */

import type { FleetConfig } from "../../config/fleet";
import type { Instance, Offer } from "../../vast/schemas";
import type { Classification } from "../classify";
import type { OfferChoiceContext } from "../offers";
import type { DestroyCause, FleetState, Phase } from "../state";

export type { DestroyCause };

/** An owned instance, classified. */
export interface Worker {
  instance: Instance;
  slot: number;
  label: string;
  phase: Phase;
  detail: string;
  /** When this instance entered its phase (ms), moved later by the time its logs were unreadable. */
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
  /** Its logs cannot be read now: nothing about its health is known beyond Vast's status. */
  blind: boolean;
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
    blind: c.memory.blindSince !== null,
  };
}

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
  /** A retry of a destroy Vast has not confirmed: its lessons were learned the first time. */
  retry: boolean;
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
  /** An interruptible rental at this bid ($/h, `price` of the create); on demand when null or absent. */
  bid?: number | null;
}

/** A new bid for an outbid worker (`PUT /instances/bid_price/{id}/`). */
export interface BidAction {
  kind: "bid";
  instanceId: number;
  label: string;
  slot: number;
  reason: string;
  machineId: number | null;
  gpuName: string | null;
  /** The bid it had and the bid it gets, $/h. */
  from: number;
  to: number;
}

export type Action = DestroyAction | LaunchAction | BidAction;

export interface PlanInput {
  fleet: string;
  config: FleetConfig;
  state: FleetState;
  now: number;
  workers: Worker[];
  /** Offers, when fetched; the first plan runs without them and says whether it wants them. */
  offers: Offer[] | null;
  /** A `type: "bid"` search's offers, fetched when the fleet rents interruptible capacity or a worker is outbid. */
  bidOffers?: Offer[] | null;
  /** `/up?gpu=`: launches of this pass only on this GPU model. */
  gpu?: string | null;
  /** How offers are ranked: by expected games per dollar, or cheapest first (the original scripts, for the benchmark). */
  policy?: OfferChoiceContext["policy"];
  /** `POST /instances/:id/replace`: this worker goes now, whatever its health, and its slot is refilled. */
  replace?: number | null;
  /** `POST /down`: every worker goes now, paused or not, and nothing is launched. */
  down?: boolean;
  /** False when the HF_TOKEN secret is not set: a worker without it only spends money. */
  hfTokenSet?: boolean;
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

export function destroyOf(w: Worker, cause: DestroyCause, reason: string, retry = false): DestroyAction {
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
    retry,
  };
}

/** How far along a worker is: duplicates keep the most advanced, scale-down removes the least. */
export const PROGRESS: Record<Phase, number> = { DEAD: 0, FATAL: 1, STALLED: 2, OUTBID: 3, BOOT: 4, SETUP: 5, WAIT: 6, RUNNING: 7 };

/** The destroys a plan has chosen so far, once each. */
export class Going {
  readonly actions: DestroyAction[] = [];
  private readonly ids = new Set<number>();

  has(id: number): boolean {
    return this.ids.has(id);
  }

  add(d: DestroyAction): void {
    if (this.ids.has(d.instanceId)) return;
    this.ids.add(d.instanceId);
    this.actions.push(d);
  }
}
