/**
 * Market memory. Other renters find duds for us: a host that cannot start a container or has no
 * GPU is given back within minutes and listed again, while a good host stays rented for hours.
 * So a machine that leaves the listing and is back within the bounce window (`bounceWindowS`) was
 * most likely rented and dropped ("the cheapest bad host wins again", peers.md), and the listing's
 * best deals are exactly where such hosts collect. Each pass that searched the market compares its
 * listing with the last one.
 * @module
 */

import { z } from "zod";
import type { Offer } from "../vast/schemas";

/**
 * A machine listed this close to the cap may have left the listing by drifting over it, not by
 * being rented: its absence proves nothing.
 */
const CAP_MARGIN = 0.95;

export const Sighting = z.object({
  /** The last search that listed the machine, and its price then. */
  listedAt: z.number(),
  dph: z.number(),
  /** The first search after that which did not list it. */
  goneAt: z.number().nullable(),
});
export type Sighting = z.infer<typeof Sighting>;

export interface MarketLook {
  offers: Offer[];
  now: number;
  /** Back within this long after it left (ms): a bounce. */
  windowMs: number;
  maxDph: number;
  /** False when the search hit its row limit: an absent machine may just be past the last row. */
  complete: boolean;
  /** Machines this fleet rents or is renting: they leave the listing because of us. */
  own: ReadonlySet<number>;
}

export function observeMarket(
  before: Record<string, Sighting>,
  look: MarketLook,
): { sightings: Record<string, Sighting>; bounced: number[] } {
  const { now } = look;
  const sightings: Record<string, Sighting> = {};
  const bounced: number[] = [];
  const listed = new Set<number>();
  for (const o of look.offers) {
    // A bid search lists the fleet's own machines too: they get no sighting, as one that leaves
    // when the fleet gives it back (and Vast relists it) is no other renter's bounce.
    if (listed.has(o.machine_id) || look.own.has(o.machine_id)) continue;
    listed.add(o.machine_id);
    const prev = before[String(o.machine_id)];
    if (prev?.goneAt != null && now - prev.goneAt <= look.windowMs) bounced.push(o.machine_id);
    sightings[String(o.machine_id)] = { listedAt: now, dph: o.dph_total, goneAt: null };
  }
  for (const [key, s] of Object.entries(before)) {
    const machine = Number(key);
    if (listed.has(machine) || look.own.has(machine)) continue;
    if (s.goneAt !== null) {
      // Gone for longer than a dud's rental: a real renter has it, or it left the market.
      if (now - s.goneAt <= look.windowMs) sightings[key] = s;
    } else if (look.complete && s.dph <= look.maxDph * CAP_MARGIN) {
      sightings[key] = { ...s, goneAt: now };
    }
  }
  return { sightings, bounced };
}
