/**
 * The pass's hands: destroys first (they free money and slots), then launches, each written to the
 * journal before it is sent and completed when Vast answers. An answer that may hide a done deed
 * (a lost or garbled create) keeps its journal entry, so the slot waits for the listing instead of
 * renting twice. When the journal cannot be written (the pass lost its lease), nothing more is sent.
 * Creates and destroys are spaced to Vast's intervals (src/vast/pacing.ts); what does not fit the
 * pass's budget is not sent and waits for the next pass, which plans it again.
 * @module
 */

import type { FleetConfig } from "../config/fleet";
import { launchUploadInterval } from "../config/uploads";
import type { VastClient } from "../vast/client";
import { isTransient, mayHaveHappened, VastError } from "../vast/errors";
import { ACT_BUDGET_MS, afterRefused, afterSent, PACING, type Pacer, virtualPacer, waitMs } from "../vast/pacing";
import type { Outcome } from "./breaker";
import { errorText } from "./observe";
import { createBody } from "./launch";
import { sendBids } from "./act-bids";
import { type Action, type BidAction, type DestroyAction, launchDph, type LaunchAction } from "./plan";
import { record, type ActionRecord } from "./report";
import type { FleetState, PendingDestroy, PendingLaunch } from "./state";
import { uploaderIntervals } from "./uploads";

/** Repeated destroy attempts before the event log calls it out as unconfirmed. */
export const DESTROY_CONFIRM_ATTEMPTS = 3;

export interface ActDeps {
  vast: VastClient;
  hfToken: string;
  now: number;
  /**
   * Stores the state before and after each side effect. Throws when this pass no longer holds the
   * fleet's lease: a stale pass must neither act nor overwrite the state.
   */
  journal: (state: FleetState) => void;
  /** Waits between two creates or two destroys; a clock that moves only by its waits when absent. */
  pacer?: Pacer;
  /** What the act step may spend waiting for Vast's intervals (ACT_BUDGET_MS). */
  budgetMs?: number;
}

export interface Acted {
  state: FleetState;
  actions: ActionRecord[];
  /** Launch outcomes for the breaker: definite refusals only, never a transient or ambiguous error. */
  outcomes: Outcome[];
  held: string[];
  errors: string[];
}

const interval = (endpoint: "create" | "destroy") => `Vast allows a ${endpoint} every ${PACING[endpoint].intervalMs / 1000} s`;

export async function act(actions: Action[], state: FleetState, config: FleetConfig, deps: ActDeps): Promise<Acted> {
  const { vast, now } = deps;
  const out: Acted = { state, actions: [], outcomes: [], held: [], errors: [] };
  const pacer = deps.pacer ?? virtualPacer();
  const start = pacer.elapsed();
  const budget = deps.budgetMs ?? ACT_BUDGET_MS;
  const clock = () => now + pacer.elapsed();
  /** Journals `next`; false (and nothing more is sent) when it cannot be written. */
  const journal = (next: FleetState): boolean => {
    try {
      deps.journal(next);
      out.state = next;
      return true;
    } catch (e) {
      out.errors.push(`${errorText(e)}: nothing more is sent by this pass`);
      return false;
    }
  };
  /**
   * Waits until Vast allows `endpoint` again; false when that wait would end past the budget. A
   * call that needs no wait always goes, so every pass makes progress however slow its I/O was.
   */
  const paced = async (endpoint: "create" | "destroy"): Promise<boolean> => {
    const wait = waitMs(PACING[endpoint], out.state.notBefore[endpoint], clock());
    if (wait > 0 && pacer.elapsed() - start + wait > budget) return false;
    await pacer.sleep(wait);
    return true;
  };
  /** The next call of `endpoint` one interval after this one, journaled with the call's intent. */
  const sending = (endpoint: "create" | "destroy") => ({ ...out.state.notBefore, [endpoint]: afterSent(PACING[endpoint], clock()) });
  const refused = (endpoint: "create" | "destroy", s: FleetState): FleetState => ({
    ...s,
    notBefore: { ...s.notBefore, [endpoint]: afterRefused(PACING[endpoint], s.notBefore[endpoint], clock()) },
  });

  const destroys = actions.filter((a): a is DestroyAction => a.kind === "destroy");
  /** Slots whose destroy waits for the next pass: their launches wait with it, never two workers in one slot. */
  const waiting = new Set<number>();
  const entryOf = (d: DestroyAction, attempts: number): PendingDestroy => ({
    instanceId: d.instanceId,
    label: d.label,
    reason: d.reason,
    cause: d.cause,
    at: now,
    attempts,
  });
  /**
   * Destroys left for the next pass are journaled unsent (0 attempts): the decision stands, the
   * next pass sends them, and what they taught (strikes, blocks) is not learned twice (learn.ts).
   */
  const defer = (rest: DestroyAction[]): boolean => {
    for (const r of rest) waiting.add(r.slot);
    const known = new Set(out.state.pendingDestroys.map((p) => p.instanceId));
    const fresh = rest.filter((r) => !known.has(r.instanceId)).map((r) => entryOf(r, 0));
    return fresh.length === 0 || journal({ ...out.state, pendingDestroys: [...out.state.pendingDestroys, ...fresh] });
  };
  for (const [i, d] of destroys.entries()) {
    if (!(await paced("destroy"))) {
      out.held.push(`${destroys.length - i} destroy(s) wait for the next pass: ${interval("destroy")}`);
      if (!defer(destroys.slice(i))) return out;
      break;
    }
    const prior = out.state.pendingDestroys.find((p) => p.instanceId === d.instanceId);
    const entry = prior ? { ...prior, attempts: prior.attempts + 1 } : entryOf(d, 1);
    if (
      !journal({
        ...out.state,
        notBefore: sending("destroy"),
        pendingDestroys: [...out.state.pendingDestroys.filter((p) => p !== prior), entry],
      })
    )
      return out;
    const done: ActionRecord = record(d);
    let limited = false;
    try {
      await vast.destroyInstance(d.instanceId);
    } catch (e) {
      done.ok = false;
      done.error = errorText(e);
      limited = e instanceof VastError && e.kind === "rate_limited";
    }
    out.actions.push(done);
    if (entry.attempts >= DESTROY_CONFIRM_ATTEMPTS)
      out.errors.push(`instance ${d.instanceId} (${d.label}) still listed after ${entry.attempts} destroys`);
    if (limited) {
      // Its entry stays journaled: the next pass sends it again, after Vast's interval.
      const rest = destroys.slice(i + 1);
      if (rest.length > 0) out.held.push(`Vast rate-limited a destroy: ${rest.length} more destroy(s) wait for the next pass`);
      if (!defer([d, ...rest]) || !journal(refused("destroy", out.state))) return out;
      break;
    }
  }

  const bidding = await sendBids(
    actions.filter((a): a is BidAction => a.kind === "bid"),
    out.state,
    { vast, now, journal },
  );
  out.actions.push(...bidding.actions);
  if (!bidding.ok) return out;

  const planned = actions.filter((a): a is LaunchAction => a.kind === "launch");
  const launches = planned.filter((l) => !waiting.has(l.slot));
  if (launches.length < planned.length)
    out.held.push(`${planned.length - launches.length} launch(es) wait for the next pass: their slot's worker is not destroyed yet`);
  // Who shares the HF commit budget with a launch: the listed workers and launches not yet listed,
  // but not those leaving (destroyed now, or the old side of a trade).
  const listedIds = Object.keys(state.instances).map(Number);
  const destroyed = out.actions.flatMap((d) => (d.ok && d.instanceId !== null ? [d.instanceId] : []));
  const leaving = new Set([...destroyed, ...state.upgrades.map((u) => u.oldId)]);
  for (const [i, l] of launches.entries()) {
    if (!(await paced("create"))) {
      out.held.push(`${launches.length - i} launch(es) wait for the next pass: ${interval("create")}`);
      return out;
    }
    const others = uploaderIntervals(config, out.state, listedIds, l.upgradeOf === null ? leaving : new Set([...leaving, l.upgradeOf]));
    const uploadInterval = launchUploadInterval(config, others, config.workers - others.length);
    const intent: PendingLaunch = {
      slot: l.slot,
      instanceId: null,
      offerId: l.offer.id,
      machineId: l.offer.machine_id,
      gpuName: l.offer.gpu_name,
      dph: launchDph(l),
      at: now,
      upgradeOf: l.upgradeOf,
      reason: l.reason,
      uploadInterval,
      ...(l.bid == null ? {} : { bid: l.bid }),
    };
    const breaker = out.state.breaker.open ? { ...out.state.breaker, lastProbeAt: now } : out.state.breaker;
    if (!journal({ ...out.state, breaker, notBefore: sending("create"), pendingLaunches: [...out.state.pendingLaunches, intent] }))
      return out;
    const done = record(l);
    out.actions.push(done);
    let next: FleetState;
    try {
      const body = createBody(config, l.label, l.slot, deps.hfToken, uploadInterval);
      const { id } = await (l.bid == null ? vast.createInstance(l.offer.id, body) : vast.createInstance(l.offer.id, body, l.bid));
      done.instanceId = id;
      next = {
        ...out.state,
        bids:
          l.bid == null ? out.state.bids : { ...out.state.bids, [String(id)]: { price: l.bid, previous: null, at: now, uncertain: false } },
        uploadIntervals: { ...out.state.uploadIntervals, [String(id)]: uploadInterval },
        pendingLaunches: out.state.pendingLaunches.map((p) => (p === intent ? { ...p, instanceId: id } : p)),
        launches: [...out.state.launches, { at: now, ok: true }],
        upgrades:
          l.upgradeOf === null
            ? out.state.upgrades
            : [...out.state.upgrades, { slot: l.slot, oldId: l.upgradeOf, newId: id, startedAt: now, reason: l.reason }],
        creditPausedUntil: null,
      };
    } catch (e) {
      done.ok = false;
      done.error = errorText(e);
      const maybe = mayHaveHappened(e);
      next = {
        ...out.state,
        // A create that may have rented keeps its entry: its slot waits for the listing (journal.ts).
        pendingLaunches: maybe ? out.state.pendingLaunches : out.state.pendingLaunches.filter((p) => p !== intent),
        launches: [...out.state.launches, { at: now, ok: false }],
      };
      if (maybe) done.error += " (it may have rented a machine: the slot waits for the listing)";
      const kind = e instanceof VastError ? e.kind : null;
      if (kind === "lacks_credit") next = { ...next, creditPausedUntil: now + config.creditProbeS * 1000 };
      // An offer rented by someone else between search and create is the market, not a failure of ours;
      // trouble reaching Vast says nothing about the image or the hosts.
      else if (!maybe && kind !== "offer_gone" && !isTransient(e))
        out.outcomes.push({
          ok: false,
          signature: `create ${kind ?? "error"} ${e instanceof VastError ? (e.code ?? e.status ?? "") : ""}`,
        });
      if (kind === "rate_limited") {
        // A create inside Vast's interval pushes the next allowed one out by the penalty.
        next = refused("create", next);
        const rest = launches.length - i - 1;
        if (rest > 0)
          out.held.push(
            `Vast rate-limited a create: ${rest} more launch(es) wait for the next pass (no create for ${PACING.create.penaltyMs / 1000} s)`,
          );
      }
      if (kind === "lacks_credit" || kind === "rate_limited") {
        journal(next);
        return out;
      }
    }
    if (!journal(next)) return out;
  }
  return out;
}
