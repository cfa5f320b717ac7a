/**
 * What `/status` says about one fleet: a pure view of config, state and the last pass.
 * @module
 */

import { z } from "zod";
import { type CreditView, creditView, type LearnerView, learnerView, type MoneyView, moneyView } from "../accounting/views";
import type { AlertsView } from "../alerts/run";
import type { HealthDoc } from "../health/hf";
import type { FleetConfig } from "../config/fleet";
import { expectedGpuRate, gamesPerDollar, isBlocked } from "../reconcile/offers";
import type { PassReport, WorkerView } from "../reconcile/report";
import { startedBefore } from "../reconcile/roll";
import { capacityNow } from "../reconcile/plan";
import type { FleetState } from "../reconcile/state";
import { type CommitRate, commitRate } from "../reconcile/uploads";
import type { Usage } from "./usage";
import { round } from "../format";

/** A stored state that failed its schema: where it was kept aside, and what could not be recovered. */
export const StateDamage = z.object({
  at: z.number(),
  keptAs: z.string(),
  problem: z.string(),
  lost: z.array(z.string()),
  reported: z.boolean(),
});
export type StateDamage = z.infer<typeof StateDamage>;

export interface InstanceStatus extends WorkerView {
  ageS: number | null;
  phaseForS: number;
}

export interface FleetStatus {
  fleet: string;
  now: number;
  target: number | null;
  paused: boolean;
  configErrors: string[];
  breaker: FleetState["breaker"];
  launchHold: string | null;
  /** The fleet's state was found damaged (object.ts keeps it aside); null when it never was. */
  stateDamage: Omit<StateDamage, "reported"> | null;
  /** Minimum VRAM (MB) for new rentals, raised by out-of-memory errors. */
  vramFloorMb: number;
  creditPausedUntil: number | null;
  instances: InstanceStatus[];
  pending: { launches: number; destroys: number; upgrades: number };
  totals: { instances: number; running: number; dph: number; dpd: number; gamesPerSec: number; gamesPerDollar: number | null };
  lastPass: { at: number; observed: boolean; actions: PassReport["actions"]; held: string[]; errors: string[]; subrequests: number } | null;
  throughput: { gpu: string; gamesPerSec: number; samples: number; expected: number }[];
  blockedHosts: number;
  /** A roll under way (POST /roll): since when, and how many of the last pass's workers started before it. */
  roll: { since: number; remaining: number } | null;
  /** Hugging Face commits an hour the fleet's uploaders make at their own intervals, against the budget; null without a valid config. */
  hfCommits: CommitRate | null;
  /** Quota use of this fleet's object since it last started (see usage.ts). */
  usage: Usage;
  alerts: AlertsView;
  /** The fleet's own books: spend and games delivered today (UTC), in the last 24 h and since they started. */
  money: MoneyView;
  /** The account's credit and how long it lasts at the fleet's burn. */
  credit: CreditView;
  /** The learner's progress and what holds it, in one place. */
  learner: LearnerView;
  /** ZEB_CAPACITY, what launches use now, and the fall back to on demand when interruption was too frequent. */
  capacity: { configured: FleetConfig["capacity"]; now: FleetConfig["capacity"]; fallback: FleetState["capacityFallback"] } | null;
}

export function fleetStatus(input: {
  fleet: string;
  now: number;
  config: FleetConfig | null;
  configErrors: string[];
  state: FleetState;
  stateDamage: StateDamage | null;
  lastPass: PassReport | null;
  alerts: AlertsView;
  usage: Usage;
  health: HealthDoc | null;
}): FleetStatus {
  const { now, state, config, lastPass } = input;
  const instances: InstanceStatus[] = (lastPass?.workers ?? []).map((w) => ({
    ...w,
    capacity: w.capacity ?? "on-demand",
    bid: w.bid ?? null,
    ageS: w.startedAt === null ? null : Math.max(0, Math.round((now - w.startedAt) / 1000)),
    phaseForS: Math.max(0, Math.round((now - w.since) / 1000)),
  }));
  instances.sort((a, b) => a.slot - b.slot || a.id - b.id);
  const dph = instances.reduce((s, i) => s + (i.dph ?? 0), 0);
  const gps = instances.reduce((s, i) => s + (i.phase === "RUNNING" ? (i.gamesPerSec ?? 0) : 0), 0);
  return {
    fleet: input.fleet,
    now,
    target: config?.workers ?? null,
    paused: config?.paused ?? false,
    configErrors: input.configErrors,
    breaker: state.breaker,
    launchHold: state.launchHold,
    stateDamage: input.stateDamage && {
      at: input.stateDamage.at,
      keptAs: input.stateDamage.keptAs,
      problem: input.stateDamage.problem,
      lost: input.stateDamage.lost,
    },
    vramFloorMb: Math.max(config?.minGpuRamMb ?? 0, state.vramFloorMb),
    creditPausedUntil: state.creditPausedUntil !== null && state.creditPausedUntil > now ? state.creditPausedUntil : null,
    instances,
    pending: { launches: state.pendingLaunches.length, destroys: state.pendingDestroys.length, upgrades: state.upgrades.length },
    totals: {
      instances: instances.length,
      running: instances.filter((i) => i.phase === "RUNNING").length,
      dph: round(dph, 4),
      dpd: round(dph * 24, 2),
      gamesPerSec: round(gps, 2),
      gamesPerDollar: dph > 0 ? Math.round(gamesPerDollar(gps, dph)) : null,
    },
    lastPass: lastPass && {
      at: lastPass.at,
      observed: lastPass.observed,
      actions: lastPass.actions,
      held: lastPass.held,
      errors: lastPass.errors,
      subrequests: lastPass.subrequests,
    },
    throughput: Object.entries(state.gpuStats)
      .map(([gpu, s]) => ({
        gpu,
        gamesPerSec: round(s.gamesPerSec, 2),
        samples: s.samples,
        expected: config ? round(expectedGpuRate(config, state.gpuStats, gpu), 2) : 0,
      }))
      .sort((a, b) => a.gpu.localeCompare(b.gpu)),
    blockedHosts: Object.values(state.hosts).filter((h) => isBlocked(h, now)).length,
    roll:
      state.rollBefore === null
        ? null
        : { since: state.rollBefore, remaining: instances.filter((i) => startedBefore(i.startedAt, state.rollBefore)).length },
    hfCommits: config
      ? commitRate(
          config,
          state,
          instances.map((i) => i.id),
        )
      : null,
    usage: input.usage,
    alerts: input.alerts,
    money: moneyView(state.ledger, now),
    credit: creditView(input.alerts.credit, dph, config?.creditAlertHours ?? null),
    learner: learnerView(state, input.health, input.alerts.firing),
    capacity: config && {
      configured: config.capacity,
      now: capacityNow(config, state, now),
      fallback: state.capacityFallback !== null && state.capacityFallback.until > now ? state.capacityFallback : null,
    },
  };
}
