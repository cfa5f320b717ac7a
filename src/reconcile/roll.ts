/**
 * A roll (POST /roll) replaces every worker whose instance started before it, make before break
 * and one trial at a time, like a trade-up that needs no gain: the way new worker code reaches a
 * running fleet (the image pulls the repo when it starts, original-scripts.md `b100e47`) without a
 * gap in production or the loss of games not yet uploaded. A broken new version fails its trials
 * and trips the breaker while the old workers go on producing.
 * @module
 */

import type { Instance } from "../vast/schemas";
import type { FleetState } from "./state";

/** Started (ms) before the roll, so it may run the old code. An instance without a start time cannot be told, and is left alone. */
export function startedBefore(startedAt: number | null, rollBefore: number | null): boolean {
  return rollBefore !== null && startedAt !== null && startedAt < rollBefore;
}

/** `startedBefore` for an instance as Vast lists it (start_date in seconds). */
export function isStale(instance: Pick<Instance, "start_date">, rollBefore: number | null): boolean {
  return startedBefore(instance.start_date === null ? null : instance.start_date * 1000, rollBefore);
}

/** A roll is over once none of the fleet's listed instances is stale and no trial is under way. */
export function rollFinished(state: Pick<FleetState, "rollBefore" | "upgrades">, owned: Pick<Instance, "start_date">[]): boolean {
  return state.rollBefore !== null && state.upgrades.length === 0 && !owned.some((i) => isStale(i, state.rollBefore));
}
