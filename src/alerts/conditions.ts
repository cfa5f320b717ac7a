/**
 * What fires after a pass: pure functions of the pass report, the new state, the config, the HF
 * health doc and the last credit reading. Only what needs a human: a worker the automation is
 * handling (replaced within its grace) is a notice at most, never a firing alert.
 * @module
 */

import { z } from "zod";
import type { FleetConfig } from "../config/fleet";
import { plannedUploadInterval } from "../config/uploads";
import { examplesSilent, type HealthDoc, learnerCommand, learnerStalled } from "../health/hf";
import { formatDuration } from "../format";
import { type DestroyCause, fatalGraceS } from "../reconcile/plan";
import type { ActionRecord, PassReport } from "../reconcile/report";
import type { FleetState } from "../reconcile/state";
import type { StateDamage } from "../fleet/status";
import type { AlertKind, Condition, Notice } from "./machine";

/** Destroys that are the fleet working as asked, not something going wrong. */
const ROUTINE_DESTROYS: ReadonlySet<string> = new Set<DestroyCause>(["scale_down", "duplicate", "upgrade_done", "down", "replaced"]);
/** Passes in a row with a failed launch before a human hears about it (one failure is the market). */
export const LAUNCH_FAILURE_PASSES = 3;
/** A fatal, stalled or dead worker still there this long after its grace is not being handled. */
const UNHANDLED_SLACK_MS = 2 * 60_000;
/** Unreadable logs for this long leave workers unobserved long enough for a human to look. */
export const LOGS_UNREADABLE_ALERT_MS = 15 * 60_000;
/** Phases the planner replaces (FATAL after its grace, the others at once) unless something holds it back. */
const UNHEALTHY = new Set(["FATAL", "STALLED", "DEAD"]);

export const Tracking = z.object({
  /** Passes in a row with a failed launch (lack of credit has its own alert). */
  launchFailStreak: z.number().int().min(0),
  /** Replaced instances already announced: a destroy that needs retries is announced once. */
  announced: z.array(z.number().int()),
  credit: z.object({ credit: z.number(), at: z.number() }).nullable(),
});
export type Tracking = z.infer<typeof Tracking>;

export const emptyTracking = (): Tracking => ({ launchFailStreak: 0, announced: [], credit: null });

export interface ConditionInput {
  fleet: string;
  report: PassReport;
  state: FleetState;
  config: FleetConfig;
  health: HealthDoc;
  tracking: Tracking;
  /** Instances already alerted as unhealthy: they stay alerted while unhealthy, whatever phase clock restarts. */
  alerted: ReadonlySet<number>;
}

const money = (x: number | null) => (x === null ? "?" : `$${x.toFixed(3)}/h`);

export function isReplacement(a: ActionRecord): boolean {
  return a.kind === "destroy" && a.ok && a.instanceId !== null && !ROUTINE_DESTROYS.has(a.cause ?? "");
}

export function launchFailed(a: ActionRecord): boolean {
  return a.kind === "launch" && !a.ok && !(a.error ?? "").startsWith("lacks_credit");
}

/** The streak after this pass: passes without launches leave it be (the hourly cap spaces them out). */
export function nextStreak(streak: number, report: PassReport): number {
  const launches = report.actions.filter((a) => a.kind === "launch");
  if (launches.length === 0) return streak;
  return launches.some(launchFailed) ? streak + 1 : 0;
}

export function replacementNotices(report: PassReport, announced: readonly number[]): Notice[] {
  return report.actions
    .filter((a) => isReplacement(a) && !announced.includes(a.instanceId ?? -1))
    .map((a) => ({
      kind: "replaced" as const,
      instance: a.instanceId,
      title: `${a.label} (${a.instanceId}) replaced: ${a.cause ?? "unhealthy"}`,
      detail: `${a.reason}\nGPU ${a.gpu ?? "?"} on host machine_id ${a.machineId ?? "?"} at ${money(a.dph)}`,
      todo: "Nothing: a replacement is on its way. Repeated failures on one host count as strikes against it.",
    }));
}

/** The stored state failed its schema: what was kept aside and what could not be recovered. */
export function damageNotice(d: StateDamage): Notice {
  return {
    kind: "state_damaged",
    instance: null,
    title: "The fleet's stored state was damaged and has been rebuilt",
    detail: `It failed its schema (${d.problem}); the original is kept as \`${d.keptAs}\` in the fleet's storage. Not recovered: ${d.lost.join(", ") || "nothing"}. Listed instances keep their slots.`,
    todo: "Check GET /status and GET /hosts; host blocks or a breaker lost with the state may need setting again.",
  };
}

export function conditions(input: ConditionInput): { conditions: Condition[]; judged: Set<AlertKind> } {
  const { fleet, report, state, config, health, tracking, alerted } = input;
  const now = report.at;
  const out: Condition[] = [];
  const judged = new Set<AlertKind>(["breaker_open", "lacks_credit", "launch_failures"]);

  if (state.breaker.open) {
    out.push({
      kind: "breaker_open",
      instance: null,
      title: `Circuit breaker open for fleet ${fleet}`,
      detail: `${state.breaker.reason ?? "launches keep failing"}. Replacements stop; one probe launch every 30 minutes tests whether it cleared.`,
      todo: "Look at a failed worker's logs (GET /instances/<id>/logs?fleet=…): a bad image, onstart or HF_TOKEN fails every host the same way.",
    });
  }
  if (state.creditPausedUntil !== null) {
    out.push({
      kind: "lacks_credit",
      instance: null,
      title: "Vast.ai account lacks credit",
      detail: `Launches are paused; vastfleet probes again every ${formatDuration(config.creditProbeS)}.`,
      todo: "Add credit at https://cloud.vast.ai/billing/ — launches resume on their own.",
    });
  }
  if (tracking.launchFailStreak >= LAUNCH_FAILURE_PASSES) {
    const last = [...report.actions].reverse().find(launchFailed);
    out.push({
      kind: "launch_failures",
      instance: null,
      title: `Launches failed in ${tracking.launchFailStreak} passes in a row`,
      detail: last ? `Last: ${last.label} on ${last.gpu ?? "?"}: ${last.error ?? "failed"}` : "See GET /events.",
      todo: "Check GET /events for the Vast errors; a 4xx on create usually means the image, disk or template settings.",
    });
  }

  if (report.observed) {
    judged.add("no_offers").add("worker_unhealthy").add("hf_auth").add("credit_low").add("reconciler_stopped").add("logs_unreadable");
    const unobserved = report.workers.filter(
      (w) => w.logsUnreadableSince !== null && now - w.logsUnreadableSince >= LOGS_UNREADABLE_ALERT_MS,
    );
    if (unobserved.length > 0) {
      out.push({
        kind: "logs_unreadable",
        instance: null,
        title: `${unobserved.length} worker(s) of fleet ${fleet} unobserved: their logs have been unreadable for ${formatDuration((now - Math.min(...unobserved.map((w) => w.logsUnreadableSince ?? now))) / 1000)}`,
        detail: `${unobserved.map((w) => w.label).join(", ")}. Vast lists them as ${[...new Set(unobserved.map((w) => w.status ?? "?"))].join(", ")}; vastfleet keeps them and stops their timers until their logs can be read again.`,
        todo: "Check Vast's status page and GET /instances/<id>/logs; SSH into a worker (GET /status?format=text) to see whether it still produces.",
      });
    }
    const noOffers = report.held.find((h) => h.startsWith("no offers"));
    if (noOffers) {
      out.push({
        kind: "no_offers",
        instance: null,
        title: `No offers under the price cap for fleet ${fleet}`,
        detail: `${noOffers}. GPUs allowed: ${config.gpus.join(", ")}.`,
        todo: `Wait for the market, or widen it: raise ZEB_MAX_DPH (now $${config.maxDph}/h) or add GPU models to ZEB_GPUS.`,
      });
    }
    // Without a hold, a worker that vouches for the token showed the 401/403 to be that host's
    // problem: it is replaced like any fatal worker, and there is nothing to fix in the token.
    const authWorkers = state.hfAuthHold === null ? [] : report.workers.filter((w) => w.hfAuthError);
    if (authWorkers.length > 0 || health.weights?.result === "unauthorized") {
      const who =
        authWorkers.length > 0 ? `${authWorkers.length} worker(s) log HF 401/403 (${authWorkers.map((w) => w.label).join(", ")}). ` : "";
      out.push({
        kind: "hf_auth",
        instance: null,
        title: "Hugging Face rejects HF_TOKEN",
        detail:
          `${who}${health.weights?.result === "unauthorized" ? health.weights.detail : ""}`.trim() +
          " Launches are held: a new worker would fail the same way.",
        todo: "Create a token with write access to both repos, then `wrangler secret put HF_TOKEN`.",
      });
    }
    const going = new Set(report.actions.filter((a) => a.kind === "destroy" && a.ok).map((a) => a.instanceId));
    for (const w of report.workers) {
      if (!UNHEALTHY.has(w.phase) || (w.hfAuthError && state.hfAuthHold !== null) || state.breaker.open || going.has(w.id)) continue;
      const grace = w.phase === "FATAL" ? fatalGraceS(w, config) * 1000 : 0;
      if (now - w.since - grace < UNHANDLED_SLACK_MS && !alerted.has(w.id)) continue;
      out.push({
        kind: "worker_unhealthy",
        instance: w.id,
        title: `${w.label} (${w.id}) ${w.phase} for ${formatDuration((now - w.since) / 1000)} and not replaced`,
        detail:
          `${w.detail}\nGPU ${w.gpu ?? "?"} on host machine_id ${w.machineId ?? "?"} at ${money(w.dph)}. ${report.held.find((h) => h.startsWith("paused")) ?? ""}`.trim(),
        todo: config.paused
          ? "The fleet is paused: POST /resume to let vastfleet replace it, or POST /down."
          : "See GET /status and GET /events for why it is kept.",
      });
    }
    if (tracking.credit !== null && report.dph > 0) {
      const hours = tracking.credit.credit / report.dph;
      if (hours < config.creditAlertHours) {
        out.push({
          kind: "credit_low",
          instance: null,
          title: `Vast.ai credit runs out in ~${hours.toFixed(1)} h`,
          detail: `Credit $${tracking.credit.credit.toFixed(2)} at the fleet's $${report.dph.toFixed(3)}/h (alert below ${config.creditAlertHours} h).`,
          todo: "Add credit at https://cloud.vast.ai/billing/ or scale down (POST /scale?n=…).",
        });
      }
    }
  }

  if (health.weights !== null && health.weights.result !== "unknown") {
    judged.add("weights_missing");
    if (health.weights.result === "missing") {
      out.push({
        kind: "weights_missing",
        instance: null,
        title: `Weights ${config.weightsName}.pt missing on Hugging Face`,
        detail: `${health.weights.detail}. No worker is launched until they are there (checked every 10 minutes).`,
        todo: `Start the learner so that it pushes the weights:\n\`${learnerCommand(config)}\``,
      });
    }
  }
  if (health.learner !== null) {
    judged.add("learner_stalled");
    if (learnerStalled(health, config)) {
      out.push({
        kind: "learner_stalled",
        instance: null,
        title: `Learner stalled: step ${health.learner.step ?? "(no state file)"} for ${formatDuration((health.learner.stalledForMs ?? 0) / 1000)}`,
        detail: `Workers are running but ${config.weightsName}-state.json in ${config.repoId} has not advanced (limit ${formatDuration(config.learnerStallS)}).`,
        todo: `Check the learner process and W&B; restart it with:\n\`${learnerCommand(config)}\``,
      });
    }
  }
  if (health.examples !== null) {
    judged.add("examples_silent");
    if (examplesSilent(health, config)) {
      out.push({
        kind: "examples_silent",
        instance: null,
        title: `No examples uploaded for ${formatDuration((health.examples.silentForMs ?? 0) / 1000)}`,
        detail: `${health.examples.detail}; workers upload every ${plannedUploadInterval(config)}s, so ${3 * plannedUploadInterval(config)}s of silence means uploads fail.`,
        todo: "Look for `Upload failed` in a worker's logs (GET /instances/<id>/logs); HF's 128 commits/hour per repo or a read-only HF_TOKEN are the usual causes.",
      });
    }
  }
  return { conditions: out, judged };
}
