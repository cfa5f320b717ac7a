/**
 * The operator's hand on workers: replace one (`POST /instances/:id/replace`) or roll them all
 * (`POST /roll`). Both are passes with an option, so plan and act decide and journal as always.
 * @module
 */

import { slotOf } from "../../config/fleet";
import type { PassReport } from "../../reconcile/report";
import { startedBefore } from "../../reconcile/roll";
import { redact } from "../../redact";
import { clientFor } from "../../vast/transport";
import type { Fence } from "../lease";
import { invalid, type RpcResult, vastUnavailable } from "../rpc";
import type { FleetRunner } from "../runner";
import type { Instance } from "../../vast/schemas";

/**
 * The runbook's "destroy it, then vast_up.sh 1" for one worker (on stale code, or on a host the
 * operator distrusts): destroyed at once, its unsent games with it, and its slot refilled in the
 * same pass. Only an instance of this fleet, and not while paused, when the pass would destroy
 * nothing and launch nothing.
 */
export async function replace(r: FleetRunner, fence: Fence, id: number): Promise<RpcResult<{ replaced: number; report: PassReport }>> {
  const current = r.config();
  if (!current.ok) return invalid(current.errors.join("; "));
  if (current.config.paused)
    return { ok: false, status: 409, error: "paused", message: `fleet ${r.fleet} is paused; POST /resume?fleet=${r.fleet} first` };
  let instance: Instance | null;
  try {
    instance = await clientFor(r.env).showInstance(id);
  } catch (e) {
    return vastUnavailable(`cannot read instance ${id}, nothing destroyed: ${redact(String(e), r.env)}`);
  }
  if (!instance || slotOf(r.fleet, instance.label) === null)
    return { ok: false, status: 404, error: "not_found", message: `id: instance ${id} is not in fleet ${r.fleet}` };
  await r.event({ action: "replace", instanceId: id, label: instance.label, reason: "replace requested through the API", ok: true });
  const report = await r.pass({ replace: id }, fence);
  // Say so when the pass could not destroy it (Vast failed): the slot is refilled only once it is gone.
  if (!report.actions.some((a) => a.kind === "destroy" && a.instanceId === id && a.ok)) {
    const why = [...report.errors, ...report.actions.filter((a) => a.instanceId === id).map((a) => a.error ?? "")]
      .filter(Boolean)
      .join("; ");
    return { ok: false, status: 503, error: "not_replaced", message: `instance ${id} was not destroyed: ${why || "see /events"}` };
  }
  return { ok: true, value: { replaced: id, report } };
}

export type Rolled = { rolling: boolean; remaining: number; report: PassReport | null };

/**
 * Every worker started before now is replaced, one trial at a time and make before break
 * (plan/trades.ts), starting with this pass; `cancel` ends a roll and leaves the workers not yet
 * replaced as they are.
 */
export async function roll(r: FleetRunner, fence: Fence, cancel: boolean): Promise<RpcResult<Rolled>> {
  const now = await r.now();
  const state = r.state(now);
  if (cancel) {
    r.store.put("state", { ...state, rollBefore: null });
    await r.event({
      action: "roll",
      reason: state.rollBefore === null ? "cancel: no roll was under way" : "roll cancelled through the API",
      ok: true,
    });
    return { ok: true, value: { rolling: false, remaining: 0, report: null } };
  }
  // A search is due at once, so the first trade starts in this pass rather than at the next scan.
  r.store.put("state", { ...state, rollBefore: now, lastMarketScanAt: null });
  await r.event({
    action: "roll",
    reason: "roll started through the API: every worker started before now is replaced, one at a time, make before break",
    ok: true,
  });
  const report = await r.pass({}, fence);
  const gone = new Set(report.actions.filter((a) => a.kind === "destroy" && a.ok).map((a) => a.instanceId));
  const remaining = report.workers.filter((w) => !gone.has(w.id) && startedBefore(w.startedAt, now)).length;
  return { ok: true, value: { rolling: r.state(now).rollBefore !== null, remaining, report } };
}
