/**
 * From a rental to an outcome: at rent time the offer's features are kept by machine, and when the
 * fleet knows how the launch ended (its first batch, or a failure before it that blames the host)
 * the dud model learns from them and forgets the launch. Launches that end otherwise (scaled down,
 * outbid, replaced before running) teach nothing; a launch with no outcome within WATCH_MS is
 * dropped, and at most MAX_WATCHED are kept, so the stored size stays bounded.
 * @module
 */

import { z } from "zod";
import type { Offer } from "../../vast/schemas";
import { offerFeatures, searchMedians } from "./features";
import { type DudModel, learnOutcome } from "./model";

export const Watched = z.object({ x: z.array(z.number()), at: z.number() });
export type Watched = z.infer<typeof Watched>;

/** Longer than any boot, setup and wait timeout: an outcome comes well before. */
export const WATCH_MS = 3 * 3_600_000;
export const MAX_WATCHED = 32;

export interface Rented {
  machineId: number;
  offerId: number;
}

/**
 * The features of this pass's rentals, from the searches they were chosen in (`searched`);
 * `strikes` gives a machine's decayed strikes at rent time.
 */
export function watchRentals(
  watch: Record<string, Watched>,
  rented: readonly Rented[],
  searched: readonly Offer[],
  strikes: (machineId: number) => number,
  now: number,
): Record<string, Watched> {
  if (rented.length === 0) return watch;
  const medians = searchMedians(searched);
  const next = { ...watch };
  for (const r of rented) {
    const offer = searched.find((o) => o.id === r.offerId && o.machine_id === r.machineId);
    if (offer) next[String(r.machineId)] = { x: offerFeatures(offer, medians, strikes(r.machineId)), at: now };
  }
  return bounded(next, now);
}

function bounded(watch: Record<string, Watched>, now: number): Record<string, Watched> {
  const kept = Object.entries(watch)
    .filter(([, w]) => now - w.at <= WATCH_MS)
    .sort(([, a], [, b]) => b.at - a.at)
    .slice(0, MAX_WATCHED);
  return Object.fromEntries(kept);
}

export interface Outcomes {
  /** Machines whose worker produced its first batch this pass. */
  ran: readonly number[];
  /** Machines whose worker failed before its first batch, blaming the host, and how. */
  duds: readonly { machineId: number; kind: string }[];
  /** Machines given back for any other reason before an outcome: nothing learned. */
  gone: readonly number[];
}

export function learnDuds(
  model: DudModel,
  watch: Record<string, Watched>,
  outcomes: Outcomes,
  now: number,
): { model: DudModel; watch: Record<string, Watched> } {
  const next = { ...watch };
  let m = model;
  const settle = (machineId: number, kind: string | null) => {
    const w = next[String(machineId)];
    if (!w) return;
    m = learnOutcome(m, w.x, kind);
    delete next[String(machineId)];
  };
  for (const id of outcomes.ran) settle(id, null);
  for (const d of outcomes.duds) settle(d.machineId, d.kind);
  for (const id of outcomes.gone) delete next[String(id)];
  return { model: m, watch: bounded(next, now) };
}
