/**
 * Vast's rate limiter, opt-in (`/__sim/control` `rateLimits: true`): per endpoint and identity,
 * a minimum interval between calls ("Rate Limits and Errors"), with the thresholds of each
 * endpoint's `x-rate-limit` in Vast's OpenAPI files. A create inside its interval also pushes the
 * next allowed one 12 s out (`penalty: 12`). The offer search is the one limit by count: 10 a minute.
 *
 * Its clock is real time plus every `/__sim/advance` jump: Vast's intervals are seconds of the
 * client's wall clock, which the market's speed does not change, and a test with a frozen market
 * stands for waiting by advancing it. A client that paces itself without waiting real time
 * declares its waits through `/__sim/wait`, which moves this clock only, not the market's.
 * @module
 */

import type { Endpoint, MarketState } from "./types";

type Limit = { intervalS: number; penaltyS?: number } | { calls: number; perS: number };

export const RATE_LIMITS: Partial<Record<Endpoint, Limit>> = {
  create: { intervalS: 4.5, penaltyS: 12 },
  destroy: { intervalS: 3 },
  list: { intervalS: 1 },
  show: { intervalS: 2 },
  manage: { intervalS: 1 },
  offers: { calls: 10, perS: 60 },
};

/** FNV-1a, so the persisted limiter state never holds an API key. */
function fingerprint(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

/** Counts the call; returns the endpoint's threshold when it is refused, null when it may go ahead. */
export function rateLimited(state: MarketState, endpoint: Endpoint, apiKey: string, nowMs: number): number | null {
  const limit = RATE_LIMITS[endpoint];
  if (!state.rateLimits || limit === undefined) return null;
  const memory = (state.limiter ??= {});
  const key = `${endpoint}:${fingerprint(apiKey)}`;
  if ("calls" in limit) {
    const recent = (memory[key] ?? []).filter((t) => t > nowMs - limit.perS * 1000);
    if (recent.length >= limit.calls) return ((memory[key] = recent), limit.perS / limit.calls);
    memory[key] = [...recent, nowMs];
    return null;
  }
  const nextAllowed = memory[key]?.[0] ?? -Infinity;
  if (nowMs < nextAllowed) {
    if (limit.penaltyS !== undefined) memory[key] = [Math.max(nextAllowed, nowMs + limit.penaltyS * 1000)];
    return limit.intervalS;
  }
  memory[key] = [nowMs + limit.intervalS * 1000];
  return null;
}
