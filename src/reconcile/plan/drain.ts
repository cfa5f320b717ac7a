/**
 * When a healthy worker that is leaving (traded away, or above target) may go: right after an
 * upload, so that the games it made since its last one reach the learner.
 * @module
 */

import { GAMES_PER_BATCH } from "../launch";
import type { Worker } from "./types";

/**
 * Passes run every minute, so one lands within a minute of each upload: a worker that has made less
 * than a minute of games since its last upload leaves then. Waiting for none at all could wait for
 * ever on a GPU whose batches are shorter than a pass.
 */
const JUST_UPLOADED_S = 60;

/** The longest a leaving worker waits for its upload: its own upload interval (uploads.ts) and a minute. */
const drainLimitS = (intervalS: number) => intervalS + 60;

/**
 * It waits only while that upload is due: its unsent batches, at its rate, span at least
 * JUST_UPLOADED_S and less than an upload interval and a minute. A worker not running, or whose logs
 * show no upload to wait for (a failing one, unreadable logs) or an overdue one, leaves at once.
 */
export function awaitsUpload(w: Worker, intervalS: number): boolean {
  if (w.phase !== "RUNNING" || w.unsentBatches === null || !w.gamesPerSec) return false;
  const sinceUploadS = (w.unsentBatches * GAMES_PER_BATCH) / w.gamesPerSec;
  return sinceUploadS >= JUST_UPLOADED_S && sinceUploadS < drainLimitS(intervalS);
}

/**
 * An upgrade's old worker leaves once its replacement runs and it has uploaded; at most one upload
 * interval and a minute later, in case no poll lands between an upload and the next batch.
 */
export function drained(old: Worker, fresh: Worker, intervalS: number, now: number): boolean {
  return !awaitsUpload(old, intervalS) || now - fresh.since >= drainLimitS(intervalS) * 1000;
}
