/**
 * Hugging Face's commit budget and the upload intervals that keep a fleet inside it: fixed, or
 * chosen per launch (`ZEB_UPLOAD_INTERVAL=auto`).
 * @module
 */

import type { FleetConfig } from "./fleet";

/** Hugging Face allows 128 commits an hour per repository; keep a margin for the learner and retries. */
export const HF_COMMITS_PER_HOUR = 128;
export const HF_COMMIT_BUDGET = 100;

/** Smallest upload interval (s) that keeps `workers` uploaders inside the commit budget. */
export function minUploadInterval(workers: number): number {
  return Math.ceil((workers * 3600) / HF_COMMIT_BUDGET);
}

/** `auto` never uploads more often than the runbook's 240 s, nor less than once a day (the field's bounds). */
export const AUTO_UPLOAD_MIN_S = 240;
export const UPLOAD_MAX_S = 86_400;

/**
 * The interval the planner assumes for a worker whose own is unknown, and the one `/up` and `/scale`
 * check: fixed, or auto's even share of the budget at the target (the later scripts'
 * `max(240, ceil(N × 3600 / 100))`).
 */
export function plannedUploadInterval(config: FleetConfig): number {
  return config.uploadInterval === "auto" ? Math.max(AUTO_UPLOAD_MIN_S, minUploadInterval(config.workers)) : config.uploadInterval;
}

/** Commits an hour made by uploaders at these intervals (s). */
export function commitsPerHour(intervals: number[]): number {
  return intervals.reduce((sum, s) => sum + 3600 / s, 0);
}

/**
 * The interval one launch gets. Fixed: the config's. Auto: the smallest, at least 240 s, with which
 * the workers that stay (`others`, each at its own interval) and `slotsLeft` launches at this one
 * (this one included) make at most HF_COMMIT_BUDGET commits an hour. With no budget left, a day.
 */
export function launchUploadInterval(config: FleetConfig, others: number[], slotsLeft: number): number {
  if (config.uploadInterval !== "auto") return config.uploadInterval;
  const left = HF_COMMIT_BUDGET - commitsPerHour(others);
  if (left <= 0) return UPLOAD_MAX_S;
  // The epsilon keeps float error (100 - 3600/432 is not exact) from adding a second.
  const needed = Math.ceil((Math.max(1, slotsLeft) * 3600) / left - 1e-9);
  return Math.min(UPLOAD_MAX_S, Math.max(AUTO_UPLOAD_MIN_S, needed));
}

/**
 * Why `/up?n=` cannot add n workers to the fleet's target, or null: said of n itself (how many
 * more fit), not of the target it would make.
 */
export function upProblem(config: FleetConfig, n: number): string | null {
  const room = config.maxWorkers - config.workers;
  if (n > room) return `n: at most ${room} more: the target is ${config.workers} and maxWorkers (ZEB_MAX_WORKERS) is ${config.maxWorkers}`;
  const target = config.workers + n;
  const needed = minUploadInterval(target);
  if (config.uploadInterval !== "auto" && config.uploadInterval < needed) {
    return `n: ${n} more would make ${target} workers uploading every ${config.uploadInterval}s, over Hugging Face's ${HF_COMMITS_PER_HOUR} commits/hour per repository; set uploadInterval (ZEB_UPLOAD_INTERVAL) to at least ${needed}s first`;
  }
  return null;
}
