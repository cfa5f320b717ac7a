/**
 * The fleet benchmark's ceiling for swap decisions (bench/fleet-sim.ts runs it on the fleetless
 * market): a swapper that knows every host's defect and speed and the boot each machine would
 * take, but not the future of the listing.
 * @module
 */
import type { FleetConfig } from "../src/config/fleet";
import { priceAt } from "../src/sim/catalog";
import { drawTimeline } from "../src/sim/instances";
import type { RngState } from "../src/sim/rng";
import type { SimRig } from "./harness";

type Market = SimRig["market"];
export type Machine = Market["state"]["machines"][number];

export interface Deal {
  rate: number;
  dph: number;
}

export const value = (d: Deal) => d.rate / d.dph;

/** A healthy listed machine's true speed and price now, under the cap. */
export function dealOf(m: Machine, config: FleetConfig, now: number): Deal | null {
  if (m.offerId === null || m.fault !== null || !config.gpus.includes(m.gpuName)) return null;
  const dph = priceAt(m, now);
  return dph > config.maxDph ? null : { rate: m.gamesPerSec, dph };
}

/** A machine held: paid from the moment it is taken until `leaveAt`, producing from `readyAt`. */
interface Held extends Deal {
  id: number;
  readyAt: number;
  leaveAt: number;
}

/** A worker slot: the machine in it, and the one it replaces while that one still runs (make before break). */
interface Slot {
  cur: Held;
  prev: Held | null;
}

type Listed = Deal & { machine: Machine };

/** A slot to fill (`slot` null) or to swap, the machine to take, and whether the old one runs until the new one produces. */
interface Move {
  slot: Slot | null;
  c: Listed;
  makeFirst: boolean;
}

/** Games and dollars a held machine adds from `now` to `end`. */
function ahead(h: Held, now: number, end: number): { games: number; dollars: number } {
  const until = Math.min(end, h.leaveAt);
  return {
    games: (h.rate * Math.max(0, until - Math.max(now, h.readyAt))) / 1000,
    dollars: (h.dph * Math.max(0, until - now)) / 3_600_000,
  };
}

/**
 * What a slot adds from `now` to `end` if machine `c` (booting `bootMs`) takes it from `w` (none
 * when the slot is empty): break before make drops `w` now; make before break keeps it producing,
 * and paid, until `c` produces.
 */
function swapAhead(
  w: Deal | null,
  c: Deal,
  bootMs: number,
  now: number,
  end: number,
  makeFirst: boolean,
): { games: number; dollars: number } {
  const left = Math.max(0, end - now);
  const overlap = makeFirst && w ? Math.min(bootMs, left) : 0;
  return {
    games: (c.rate * Math.max(0, left - bootMs) + (w ? w.rate * overlap : 0)) / 1000,
    dollars: (c.dph * left + (w ? w.dph * overlap : 0)) / 3_600_000,
  };
}

/**
 * The ceiling oracle: at every minute it fills empty slots and swaps a producing machine for a
 * listed one when that raises the run's games per dollar, counting what it has made and paid so
 * far and, for the time left, every held machine kept to the end. A swap pays the new machine
 * from now and gets its games only after its image pull and setup (the simulator's own draw for
 * that host's link, which the oracle knows per machine); it chooses make before break or break
 * before make, whichever projects the higher games per dollar. It never rents a dud, fails a
 * trial, or loses what it holds to another renter; what it does not know is what will be listed
 * later, and at what price.
 */
export function ceilingOracle(seed: number, workers: number, stepS: number, endMs: number) {
  /** Each machine's boots come from its own stream, so a boot does not depend on what else was rented. */
  const streams = new Map<number, RngState>();
  const stream = (m: Machine) => streams.get(m.id) ?? { s: (seed ^ Math.imul(m.id, 0x85ebca6b)) >>> 0 };
  const bootOf = (m: Machine, rng: RngState) => {
    const tl = drawTimeline(rng, 0, null, m.inetDown);
    return (tl.bootS + tl.setupS) * 1000;
  };
  /** The boot the machine's next launch will take, without drawing it. */
  const nextBoot = (m: Machine) => bootOf(m, { ...stream(m) });

  const slots: Slot[] = [];
  let games = 0;
  let dollars = 0;
  let producingMs = 0;
  let launches = 0;
  const launch = (c: Listed, now: number): Held => {
    const rng = stream(c.machine);
    streams.set(c.machine.id, rng);
    launches++;
    return { id: c.machine.id, rate: c.rate, dph: c.dph, readyAt: now + bootOf(c.machine, rng), leaveAt: Infinity };
  };
  const held = () => slots.flatMap((s) => (s.prev ? [s.cur, s.prev] : [s.cur]));
  /** The run's games and dollars if every held machine is kept to the end. */
  const projected = (now: number) =>
    held().reduce(
      (t, h) => {
        const a = ahead(h, now, endMs);
        return { games: t.games + a.games, dollars: t.dollars + a.dollars };
      },
      { games, dollars },
    );

  function decide(now: number, listed: Listed[]): void {
    for (;;) {
      const total = projected(now);
      const ids = new Set(held().map((h) => h.id));
      const free = listed.filter((d) => !ids.has(d.machine.id));
      const boots = new Map(free.map((c) => [c.machine.id, nextBoot(c.machine)]));
      const filling = slots.length < workers;
      // A slot swaps only once its machine produces and nothing it replaced still runs.
      const swappable = slots.filter((s) => s.prev === null && s.cur.readyAt <= now);
      const moves = free.flatMap((c): Move[] =>
        filling
          ? [{ slot: null, c, makeFirst: false }]
          : swappable.flatMap((slot) => [false, true].map((makeFirst) => ({ slot, c, makeFirst }))),
      );
      const ratioOf = (m: Move) => {
        const w = m.slot ? m.slot.cur : null;
        const out = w ? ahead(w, now, endMs) : { games: 0, dollars: 0 };
        const into = swapAhead(w, m.c, boots.get(m.c.machine.id) ?? 0, now, endMs, m.makeFirst);
        return (total.games - out.games + into.games) / (total.dollars - out.dollars + into.dollars);
      };
      const best = moves
        .map((m) => ({ m, ratio: ratioOf(m) }))
        .reduce<{ m: Move; ratio: number } | null>((a, b) => (a && a.ratio >= b.ratio ? a : b), null);
      if (!best || (!filling && !(best.ratio > total.games / total.dollars))) return;
      const { slot, c, makeFirst } = best.m;
      const next = launch(c, now);
      if (!slot) slots.push({ cur: next, prev: null });
      else {
        slot.prev = makeFirst ? { ...slot.cur, leaveAt: next.readyAt } : null;
        slot.cur = next;
      }
    }
  }

  return {
    step(now: number, listed: Listed[]): void {
      decide(now, listed);
      const end = now + stepS * 1000;
      for (const h of held()) {
        const paidTo = Math.min(end, h.leaveAt);
        const producing = Math.max(0, paidTo - Math.max(now, h.readyAt));
        producingMs += producing;
        games += (h.rate * producing) / 1000;
        dollars += (h.dph * Math.max(0, paidTo - now)) / 3_600_000;
      }
      for (const s of slots) if (s.prev && s.prev.leaveAt <= end) s.prev = null;
    },
    result: (targetMs: number) => ({ games, dollars, producingShare: producingMs / targetMs, launches }),
  };
}
