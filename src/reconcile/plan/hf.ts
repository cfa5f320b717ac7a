/**
 * Whom a Hugging Face 401/403 in a worker's logs blames: the token (hold launches, keep the
 * workers) or one host (replace that worker), decided by whether another worker vouches for the
 * token.
 * @module
 */

import type { FleetConfig } from "../../config/fleet";
import { plannedUploadInterval } from "../../config/uploads";
import type { FleetState } from "../state";
import type { Worker } from "./types";

/** Two upload intervals: long enough for any running worker to have tried an upload. */
const vouchMs = (config: FleetConfig) => 2 * plannedUploadInterval(config) * 1000;

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
      return (
        w.phase === "RUNNING" && !w.blind && !w.hfAuthError && started !== null && started >= tokenSince && now - w.since >= vouchMs(config)
      );
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

/** Whether launches wait for the token to be fixed: a refusal no voucher explains away. */
export function hfAuthHolds(workers: Worker[], state: FleetState, voucher: Worker | null, config: FleetConfig, now: number): boolean {
  return (state.hfAuthHold !== null && voucher === null) || workers.some((w) => w.hfAuthError && !hfRefusesHost(w, voucher, config, now));
}
