/**
 * When each instance was first seen in each phase, in Workers KV (the design card's choice).
 * A key is written once per instance and phase, never per tick (Free allows 1,000 KV writes a
 * day), and expires by itself after the instance is long gone. The fleet's pass always runs in its
 * Durable Object, so reads follow that location's writes; the in-memory cache means KV is read
 * only after the object was evicted.
 * @module
 */

import type { FirstSeen } from "../reconcile/observe";
import type { Phase } from "../reconcile/state";

/** Far longer than any phase timeout; entries of destroyed instances disappear by themselves. */
export const FIRST_SEEN_TTL_S = 7 * 86_400;

export function firstSeenKey(fleet: string, id: number, phase: Phase): string {
  return `first-seen:${fleet}:${id}:${phase}`;
}

export function kvFirstSeen(kv: KVNamespace, fleet: string, cache: Map<string, number>): FirstSeen {
  const ops = { reads: 0, writes: 0 };
  return {
    ops,
    async since(id, phase, now) {
      const key = firstSeenKey(fleet, id, phase);
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      ops.reads++;
      const stored = await kv.get(key);
      const at = stored === null ? Number.NaN : Number(stored);
      if (Number.isFinite(at)) {
        cache.set(key, at);
        return at;
      }
      ops.writes++;
      await kv.put(key, String(now), { expirationTtl: FIRST_SEEN_TTL_S });
      cache.set(key, now);
      return now;
    },
  };
}
