/**
 * The Hugging Face commit budget's ledger: each worker's own upload interval, the uploaders a
 * launch shares the budget with, and the fleet's commit rate. Pure: the state carries the ledger.
 * @module
 */

import type { FleetConfig } from "../config/fleet";
import { commitsPerHour, HF_COMMIT_BUDGET, HF_COMMITS_PER_HOUR, plannedUploadInterval } from "../config/uploads";
import type { FleetState } from "./state";

/** A worker's own interval: what it was launched with, else the planned one (it was launched before the ledger). */
export function uploadIntervalOf(config: FleetConfig, state: FleetState, instanceId: number): number {
  return state.uploadIntervals[String(instanceId)] ?? plannedUploadInterval(config);
}

/**
 * The intervals of the fleet's uploaders: the listed instances and the launches not yet listed,
 * except those in `leaving` (destroyed, or the old side of a trade, which goes once its new one runs).
 */
export function uploaderIntervals(
  config: FleetConfig,
  state: FleetState,
  listedIds: number[],
  leaving: ReadonlySet<number> = new Set(),
): number[] {
  const listed = new Set(listedIds);
  const unlisted = state.pendingLaunches.filter((p) => p.instanceId === null || !listed.has(p.instanceId));
  return [
    ...listedIds.filter((id) => !leaving.has(id)).map((id) => uploadIntervalOf(config, state, id)),
    ...unlisted
      .filter((p) => p.instanceId === null || !leaving.has(p.instanceId))
      .map((p) => p.uploadInterval ?? plannedUploadInterval(config)),
  ];
}

export interface CommitRate {
  /** Commits an hour the fleet's uploaders make at their own intervals. */
  perHour: number;
  budget: number;
  limit: number;
  /** The setting: seconds, or `auto`. */
  uploadInterval: FleetConfig["uploadInterval"];
}

/** The fleet's commit rate against Hugging Face's budget, for `/status`. */
export function commitRate(config: FleetConfig, state: FleetState, listedIds: number[]): CommitRate {
  const perHour = commitsPerHour(uploaderIntervals(config, state, listedIds));
  return {
    perHour: Math.round(perHour * 10) / 10,
    budget: HF_COMMIT_BUDGET,
    limit: HF_COMMITS_PER_HOUR,
    uploadInterval: config.uploadInterval,
  };
}
