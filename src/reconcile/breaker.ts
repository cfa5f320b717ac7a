import type { FleetConfig } from "../config/fleet";
import type { FleetState } from "./state";

/**
 * The fleet's circuit breaker. When launches keep failing, or many workers are fatal at once, the
 * cause is rarely the hosts: it is the image, the token or a downstream service, and every
 * replacement burns money failing the same way (peers.md: Karpenter's 20% repair cap, SkyPilot
 * #3962). The breaker stops launching and says why (broken workers are still destroyed: they
 * bill and produce nothing); one probe launch every PROBE_INTERVAL_MS tests whether the fault has
 * cleared, and the first worker to reach RUNNING closes it.
 */

export const PROBE_INTERVAL_MS = 30 * 60_000;

export type Breaker = FleetState["breaker"];

export interface BreakerInputs {
  ownedCount: number;
  /** FATAL workers failing the same way: the largest group by `failureSignature`. */
  fatalCount: number;
  /** Launch outcomes since the last pass: true = a worker reached RUNNING for the first time. */
  outcomes: boolean[];
}

export function nextBreaker(breaker: Breaker, inputs: BreakerInputs, config: FleetConfig, now: number): Breaker {
  let failures = breaker.failures;
  let succeeded = false;
  for (const ok of inputs.outcomes) {
    failures = ok ? 0 : failures + 1;
    succeeded ||= ok;
  }
  const fatalTrip = inputs.fatalCount >= 2 && inputs.fatalCount / Math.max(1, inputs.ownedCount) >= config.breakerFatalFraction;
  const failureTrip = failures >= config.breakerLaunchFailures;
  if (failureTrip || fatalTrip) {
    const reason = fatalTrip
      ? `${inputs.fatalCount} of ${inputs.ownedCount} workers are fatal at once with the same error: suspect the image, token or Hugging Face, not the hosts`
      : `${failures} launches in a row failed before running: suspect the image, onstart or market`;
    return { open: true, reason, since: breaker.open ? breaker.since : now, failures, lastProbeAt: breaker.lastProbeAt };
  }
  // Once open, only a worker that reaches RUNNING (a probe) closes it, or a human (POST /resume):
  // the fatal workers leaving, or a quiet spell with no launches allowed, proves nothing.
  if (breaker.open && !succeeded) return { ...breaker, failures };
  return closedBreaker(failures);
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

export function closedBreaker(failures = 0): Breaker {
  return { open: false, reason: null, since: null, failures, lastProbeAt: null };
}

/** While open, one launch is allowed every PROBE_INTERVAL_MS to find out whether the fault cleared. */
export function probeAllowed(breaker: Breaker, now: number): boolean {
  if (!breaker.open) return true;
  const last = breaker.lastProbeAt ?? breaker.since ?? now;
  return now - last >= PROBE_INTERVAL_MS;
}
