/**
 * Sending bid changes (`PUT /api/v0/instances/bid_price/{id}/`), each journaled before it is sent:
 * the new price is written as uncertain, made certain when Vast answers, and put back when Vast
 * refuses. An answer lost on the way may hide a change made: the record stays uncertain (the higher
 * price is assumed, and no further raise is sent) until the listing shows the worker again.
 * @module
 */
import type { VastClient } from "../vast/client";
import { mayHaveHappened } from "../vast/errors";
import { errorText } from "./observe";
import type { BidAction } from "./plan";
import { type ActionRecord, record } from "./report";
import type { FleetState } from "./state";

export async function sendBids(
  bids: BidAction[],
  state: FleetState,
  deps: { vast: VastClient; now: number; journal: (next: FleetState) => boolean },
): Promise<{ state: FleetState; actions: ActionRecord[]; ok: boolean }> {
  let current = state;
  const actions: ActionRecord[] = [];
  const write = (id: number, rec: FleetState["bids"][string]): boolean => {
    const next = { ...current, bids: { ...current.bids, [String(id)]: rec } };
    if (!deps.journal(next)) return false;
    current = next;
    return true;
  };
  for (const b of bids) {
    if (!write(b.instanceId, { price: b.to, previous: b.from, at: deps.now, uncertain: true }))
      return { state: current, actions, ok: false };
    const done = record(b);
    actions.push(done);
    let settled: FleetState["bids"][string];
    try {
      await deps.vast.changeBid(b.instanceId, b.to);
      settled = { price: b.to, previous: b.from, at: deps.now, uncertain: false };
    } catch (e) {
      done.ok = false;
      done.error = errorText(e);
      const maybe = mayHaveHappened(e);
      if (maybe) done.error += " (the bid may have changed: assumed so until the listing shows the worker)";
      settled = maybe
        ? { price: b.to, previous: b.from, at: deps.now, uncertain: true }
        : { price: b.from, previous: null, at: deps.now, uncertain: false };
    }
    if (!write(b.instanceId, settled)) return { state: current, actions, ok: false };
  }
  return { state: current, actions, ok: true };
}
