/**
 * Host reputation records: what a pass writes when a host fails, and what the operator writes when
 * they know better (PUT /hosts/:machineId). Reading them (strikes, blocks, ranking) is offers.ts.
 * @module
 */

import { decayedStrikes, STRIKES_TO_BLOCK } from "./offers";
import type { FleetState, HostRecord } from "./state";

/** Who skips a host the operator blocked: every fleet of the account, or only the one it was blocked in. */
export const BLOCK_SCOPES = ["account", "fleet"] as const;
export type BlockScope = (typeof BLOCK_SCOPES)[number];

/** The record of a machine, created empty in `state` (mutated) when the fleet has none yet. */
export function hostRecord(state: FleetState, machineId: number, gpu: string | null): HostRecord {
  const key = String(machineId);
  const existing = state.hosts[key];
  if (existing) return existing;
  const fresh: HostRecord = {
    machineId,
    strikes: 0,
    lastStrikeAt: 0,
    lastStrike: null,
    blockedReason: null,
    gamesPerSec: null,
    samples: 0,
    measuredAt: null,
    gpuName: gpu,
    sharedFrom: null,
  };
  state.hosts[key] = fresh;
  return fresh;
}

/** Adds a strike to `h` (mutated); answers the reason as stored. */
export function strike(h: HostRecord, weight: number, why: string, now: number): string {
  const stored = why.length > 200 ? `${why.slice(0, 199)}…` : why;
  h.strikes = decayedStrikes(h, now) + weight;
  h.lastStrikeAt = now;
  h.lastStrike = stored;
  // The record now holds this fleet's own finding, which a lifted shared block must not lift.
  h.sharedFrom = null;
  return stored;
}

/**
 * The operator's block: something no log line shows (a host that throttles, a flaky link, the
 * later scripts' bad-hosts file), so it holds until DELETE /hosts/:machineId, as No CUDA does.
 * What the fleet measured on the host stays; a worker running there now is not touched.
 */
export function blockHost(
  state: FleetState,
  machineId: number,
  reason: string,
  now: number,
): { state: FleetState; host: HostRecord & { blockedReason: string } } {
  const next = { ...state, hosts: { ...state.hosts } };
  const h = { ...hostRecord(next, machineId, null) };
  const why = strike(h, STRIKES_TO_BLOCK, reason, now);
  const blocked = { ...h, blockedReason: why };
  next.hosts[String(machineId)] = blocked;
  return { state: next, host: blocked };
}

/**
 * Below this many decayed strikes a record adds less than a twentieth of a strike to any later
 * count (two strikes fade to it in about 5.3 days, one in about 4.3).
 */
export const FORGET_BELOW = 0.05;

/**
 * How many measured hosts a fleet remembers: about 200 bytes each, so the state every pass reads
 * and writes stays far under a Durable Object value's 2 MB, yet holds a year of a busy fleet's
 * rentals (a few new hosts a day).
 */
export const MAX_MEASURED_HOSTS = 2000;

/**
 * The host records still worth keeping. Every pass reads and writes them, and a fleet strikes new
 * machines for as long as it runs (in the simulator about fifteen a day, most of them seen bouncing),
 * so records that say nothing are dropped: no block for good, no block another fleet holds (the
 * account lifts those), nothing measured, and strikes faded below FORGET_BELOW. /hosts stops listing
 * them, as it would a host with no strikes. Past MAX_MEASURED_HOSTS measured hosts, those measured
 * longest ago go too, unless blocked: a host not rented for that long may not be the same host.
 */
export function forgetHosts(hosts: FleetState["hosts"], now: number): FleetState["hosts"] {
  const blocked = (h: HostRecord) => h.blockedReason !== null || h.sharedFrom !== null;
  const faded = (h: HostRecord) => !blocked(h) && h.samples === 0 && decayedStrikes(h, now) < FORGET_BELOW;
  const measured = Object.values(hosts).filter((h) => h.samples > 0 && !blocked(h));
  const over = measured.length - MAX_MEASURED_HOSTS;
  const stale = new Set(over > 0 ? measured.sort((a, b) => (a.measuredAt ?? 0) - (b.measuredAt ?? 0)).slice(0, over) : []);
  if (stale.size === 0 && !Object.values(hosts).some(faded)) return hosts;
  return Object.fromEntries(Object.entries(hosts).filter(([, h]) => !faded(h) && !stale.has(h)));
}
