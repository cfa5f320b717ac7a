/**
 * The fleet's circuit breaker. When launches keep failing, or many workers are fatal at once, the
 * cause is rarely the hosts: it is the image, the token or a downstream service, and every
 * replacement burns money failing the same way (peers.md: Karpenter's 20% repair cap, SkyPilot
 * #3962). The breaker stops launching and says why (broken workers are still destroyed: they
 * bill and produce nothing); one probe launch every PROBE_INTERVAL_MS tests whether the fault has
 * cleared, and the first worker to reach RUNNING closes it.
 * @module
 */

import type { FleetConfig } from "../config/fleet";
import type { FleetState } from "./state";

export const PROBE_INTERVAL_MS = 30 * 60_000;

/** Workers failing the same way at once, at the least, before the fatal fraction counts. */
export const MIN_SAME_FATAL = 3;

export type Breaker = FleetState["breaker"];

/** How a launch ended: its worker reached RUNNING, or it failed in a way `signature` names. */
export type Outcome = { ok: true } | { ok: false; signature: string };

export interface BreakerInputs {
  ownedCount: number;
  /** FATAL workers failing the same way: the largest group by `failureSignature`. */
  fatalCount: number;
  /** Launch outcomes since the last pass. */
  outcomes: Outcome[];
}

/** Failure signatures kept since the last success: enough to see a pattern, bounded in storage. */
const RECENT_FAILURES = 20;

export function nextBreaker(breaker: Breaker, inputs: BreakerInputs, config: FleetConfig, now: number): Breaker {
  let recent = breaker.recentFailures;
  let failures = breaker.failures;
  let succeeded = false;
  for (const o of inputs.outcomes) {
    recent = o.ok ? [] : [...recent, o.signature].slice(-RECENT_FAILURES);
    failures = o.ok ? 0 : failures + 1;
    succeeded ||= o.ok;
  }
  const sameFailures = largestSameFailure(recent);
  // Two duds failing alike is a coincidence a dud-rich market produces; three hosts is a pattern.
  const fatalTrip =
    inputs.fatalCount >= MIN_SAME_FATAL && inputs.fatalCount / Math.max(1, inputs.ownedCount) >= config.breakerFatalFraction;
  // Launches failing in assorted ways are the market's duds (each host is struck and skipped);
  // launches failing the same way on different hosts are a fault every launch will repeat.
  const failureTrip = sameFailures >= config.breakerLaunchFailures;
  const next = { failures, recentFailures: recent };
  if (failureTrip || fatalTrip) {
    const reason = fatalTrip
      ? `${inputs.fatalCount} of ${inputs.ownedCount} workers are fatal at once with the same error: suspect the image, token or Hugging Face, not the hosts`
      : `${sameFailures} launches failed the same way on different hosts before running: suspect the image, onstart or token, not the hosts`;
    return { ...next, open: true, reason, since: breaker.open ? breaker.since : now, lastProbeAt: breaker.lastProbeAt };
  }
  // Once open, only a worker that reaches RUNNING (a probe) closes it, or a human (POST /resume):
  // the fatal workers leaving, or a quiet spell with no launches allowed, proves nothing.
  if (breaker.open && !succeeded) return { ...breaker, ...next };
  return { ...closedBreaker(), ...next };
}

/**
 * What a fault looks like across hosts. Dud hosts fail in assorted ways (no CUDA here, a stall
 * there); a broken image or token makes different hosts fail identically. Numbers are masked so
 * that the same traceback with other addresses, sizes or ids still matches.
 */
export function failureSignature(fatalKind: string | null, detail: string): string {
  return `${fatalKind ?? "?"}:${detail.replace(/\d+(\.\d+)?/g, "#").slice(0, 120)}`;
}

/** The size of the largest group of workers that fail the same way. */
export function largestSameFailure(signatures: string[]): number {
  const counts = new Map<string, number>();
  for (const sig of signatures) counts.set(sig, (counts.get(sig) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

export function closedBreaker(): Breaker {
  return { open: false, reason: null, since: null, failures: 0, recentFailures: [], lastProbeAt: null };
}

/** While open, one launch is allowed every PROBE_INTERVAL_MS to find out whether the fault cleared. */
export function probeAllowed(breaker: Breaker, now: number): boolean {
  if (!breaker.open) return true;
  const last = breaker.lastProbeAt ?? breaker.since ?? now;
  return now - last >= PROBE_INTERVAL_MS;
}
