/**
 * Host blocks every fleet of the account shares. A host with no CUDA, one that never starts a
 * container, one that drops off the network, or one other renters give back within minutes is bad
 * whatever model a fleet trains, so what one fleet learns the hard way spares the others (the later
 * scripts kept one bad-hosts file for all fleets, original-scripts.md §7). What depends on the
 * workload (OOM, crashes, stalls, setup, Hugging Face refusals) stays with the fleet that saw it.
 * The blocks live in the registry object; this module only decides, so it is tested without I/O.
 * @module
 */

import { z } from "zod";
import { BLOCK_AT, isBlocked, STRIKE_HALF_LIFE_MS, STRIKES_TO_BLOCK } from "./offers";
import type { FleetState } from "./state";

export const SharedBlock = z.object({
  machineId: z.number().int(),
  gpuName: z.string().nullable(),
  reason: z.string(),
  /** The fleet that found it. */
  fleet: z.string(),
  at: z.number(),
  /** Until someone clears it (No CUDA); else it lapses when a local block would. */
  permanent: z.boolean(),
});
export type SharedBlock = z.infer<typeof SharedBlock>;

/** How long a block that is not permanent lasts: STRIKES_TO_BLOCK strikes decaying under BLOCK_AT, about ten hours. */
export const BLOCK_MS = STRIKE_HALF_LIFE_MS * Math.log2(STRIKES_TO_BLOCK / BLOCK_AT);

/** A block from the future belongs to another run of the clock (a simulator reset): it proves nothing now. */
export function inForce(b: SharedBlock, now: number): boolean {
  return now >= b.at && (b.permanent || now - b.at < BLOCK_MS);
}

/**
 * Takes other fleets' blocks into this fleet's host records, so ranking, /hosts and DELETE treat
 * them like its own, and lifts adopted blocks the account no longer holds (cleared through the
 * API, or lapsed). Idempotent: a host this fleet blocked itself is left as it is, and an adopted
 * block decays from the time it was found, not from when it was adopted.
 */
export function adoptBlocks<S extends Pick<FleetState, "hosts">>(state: S, blocks: SharedBlock[], fleet: string, now: number): S {
  const live = new Map(blocks.filter((b) => b.fleet !== fleet && inForce(b, now)).map((b) => [String(b.machineId), b]));
  let hosts: FleetState["hosts"] | null = null;
  const edit = () => (hosts ??= { ...state.hosts });
  for (const [key, h] of Object.entries(state.hosts)) {
    if (h.sharedFrom === null || live.has(key)) continue;
    // What this fleet measured there is its own and stays.
    if (h.samples > 0) edit()[key] = { ...h, strikes: 0, lastStrike: null, blockedReason: null, sharedFrom: null };
    else delete edit()[key];
  }
  for (const [key, b] of live) {
    const mine = (hosts ?? state.hosts)[key];
    if (isBlocked(mine, now)) continue;
    const reason = `${b.reason} (found by fleet ${b.fleet})`;
    edit()[key] = {
      machineId: b.machineId,
      gamesPerSec: mine?.gamesPerSec ?? null,
      samples: mine?.samples ?? 0,
      measuredAt: mine?.measuredAt ?? null,
      gpuName: mine?.gpuName ?? b.gpuName,
      strikes: STRIKES_TO_BLOCK,
      lastStrikeAt: b.at,
      lastStrike: reason,
      blockedReason: b.permanent ? reason : null,
      sharedFrom: b.fleet,
    };
  }
  return hosts === null ? state : { ...state, hosts };
}
