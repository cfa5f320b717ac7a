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
      ? `${inputs.fatalCount} of ${inputs.ownedCount} workers are fatal at once: suspect the image, token or Hugging Face, not the hosts`
      : `${failures} launches in a row failed before running: suspect the image, onstart or market`;
    return { open: true, reason, since: breaker.open ? breaker.since : now, failures, lastProbeAt: breaker.lastProbeAt };
  }
  // Once open, only a worker that reaches RUNNING (a probe) closes it, or a human (POST /resume):
  // the fatal workers leaving, or a quiet spell with no launches allowed, proves nothing.
  if (breaker.open && !succeeded) return { ...breaker, failures };
  return closedBreaker(failures);
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
