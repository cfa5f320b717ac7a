/**
 * The pass's eyes: every owned instance's logs (the ones worth reading), its phase, and how long it
 * has been in it. A log that cannot be read is "unknown", never "unhealthy" (classify.ts).
 * @module
 */

import { LOGS_CONNECTIONS, type VastClient } from "../vast/client";
import { VastError } from "../vast/errors";
import { mapLimit } from "../vast/http";
import type { Instance } from "../vast/schemas";
import { classify, needsLogs } from "./classify";
import { parseLogs, type LogEvidence } from "./logs";
import { workerOf, type Worker } from "./plan";
import type { PhaseChange } from "./report";
import type { FleetState, InstanceMemory, Phase } from "./state";

/** When each instance was first seen in each phase (kept in KV by the shell, src/fleet/first-seen.ts). */
export interface FirstSeen {
  /** First time `id` was seen in `phase` (ms), recording `now` if it never was. */
  since(id: number, phase: Phase, now: number): Promise<number>;
  /** KV operations so far, for the subrequest budget. */
  readonly ops: { reads: number; writes: number };
}

export function errorText(e: unknown): string {
  if (e instanceof VastError) return `${e.kind}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * When the worker's current phase began, from its first sighting in that phase (`firstSeen`, KV,
 * written once per phase), Vast's start_date, and what classify remembered. Pure.
 */
export function phaseClock(firstSeen: number, phase: Phase, memory: InstanceMemory, startDate: number | null, now: number): number {
  let since = firstSeen;
  const started = startDate === null ? null : startDate * 1000;
  if (started !== null) since = phase === "BOOT" ? Math.min(since, started) : Math.max(since, started);
  // First sightings are per phase, written once: a bid that resumed after an outbid (its container
  // restarts) would inherit the time of its first boot, and a second outbid spell the first one's.
  const epoch = phase === "OUTBID" ? memory.outbidSince : memory.resumedAt;
  if (epoch !== null) since = Math.max(since, epoch);
  // Likewise a worker that ran and fell back would be timed out at once: it has been without
  // progress only since its last batch advanced.
  const progressAt = memory.batchAdvancedAt;
  if (phase !== "RUNNING" && phase !== "BOOT" && memory.everRan && progressAt !== null) since = Math.max(since, progressAt);
  // The phase clock stands still while the logs cannot be read.
  const blind = memory.blindMs + (memory.blindSince === null ? 0 : now - memory.blindSince);
  return Math.min(now, since + blind);
}

/**
 * The instance as the fleet knows it: one it rented at a bid (`state.bids`, or a launch journaled
 * at a bid) is a bid even when Vast's listing leaves `is_bid` out, so a pause is not read as death.
 */
export function asKnownBid(instance: Instance, state: Pick<FleetState, "bids" | "pendingLaunches">): Instance {
  if (instance.is_bid) return instance;
  const known =
    state.bids[String(instance.id)] !== undefined || state.pendingLaunches.some((p) => p.instanceId === instance.id && p.bid != null);
  return known ? { ...instance, is_bid: true } : instance;
}

export interface Observed {
  workers: Worker[];
  memories: Record<string, InstanceMemory>;
  phaseChanges: PhaseChange[];
  /** Instances that reached RUNNING for the first time. */
  firstRunning: number[];
  errors: string[];
}

export interface ObserveDeps {
  vast: VastClient;
  firstSeen: FirstSeen;
  now: number;
}

export async function observeWorkers(
  owned: { instance: Instance; slot: number }[],
  state: FleetState,
  config: { stallTimeoutS: number },
  deps: ObserveDeps,
): Promise<Observed> {
  const { vast, now } = deps;
  const errors: string[] = [];
  const evidence = new Map<number, LogEvidence | null>();
  // Every log file is requested first, then all are polled together: a pass of any size waits
  // about one polling budget, not one per handful of workers.
  const reading = owned.filter((o) => needsLogs(o.instance)).map((o) => o.instance.id);
  const urls = await mapLimit(reading, LOGS_CONNECTIONS, async (id) => {
    try {
      return await vast.requestLogs(id, { tail: 50 });
    } catch (e) {
      errors.push(`logs of ${id} unreadable (${errorText(e)})`);
      return null;
    }
  });
  let texts = new Map<string, string | null>();
  try {
    texts = await vast.pollLogs(urls.filter((u): u is string => u !== null));
  } catch (e) {
    errors.push(`logs unreadable (${errorText(e)})`);
  }
  reading.forEach((id, i) => {
    const text = texts.get(urls[i] ?? "") ?? null;
    // Unreadable is null: "unknown", never "unhealthy" (classify.ts).
    evidence.set(id, text === null ? null : parseLogs(text));
  });

  // Time each phase from its first sighting (KV), with Vast's start_date as the floor.
  const out: Observed = { workers: [], memories: {}, phaseChanges: [], firstRunning: [], errors };
  for (const o of owned) {
    const { slot } = o;
    const instance = asKnownBid(o.instance, state);
    const previous = state.instances[String(instance.id)];
    const c = classify(instance, evidence.get(instance.id), previous, now, config.stallTimeoutS);
    let since = now;
    try {
      since = await deps.firstSeen.since(instance.id, c.phase, now);
    } catch (e) {
      // Timing from now only delays a replacement; it never hastens one.
      errors.push(`first-seen time of ${instance.id} unavailable (${errorText(e)})`);
    }
    since = phaseClock(since, c.phase, c.memory, instance.start_date, now);
    out.memories[String(instance.id)] = c.memory;
    out.workers.push(workerOf(instance, slot, c, since));
    if (previous?.phase !== c.phase)
      out.phaseChanges.push({ id: instance.id, label: instance.label ?? "", from: previous?.phase ?? null, to: c.phase, detail: c.detail });
    if (c.memory.everRan && !(previous?.everRan ?? false)) out.firstRunning.push(instance.id);
  }
  return out;
}
