/**
 * The fleet benchmark's reference policy (bench/fleet-sim.ts runs it on the fleetless market): a
 * swapper that knows every host's defect and speed.
 * @module
 */
import type { FleetConfig } from "../src/config/fleet";
import { priceAt } from "../src/sim/catalog";
import { drawTimeline } from "../src/sim/instances";
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

/**
 * A reference policy, not a bound: knows every host's defect and speed, starts on the four best
 * listed, and swaps its worst for a listed one whenever that is `minGain` better (no failed trial,
 * no other renter taking what it holds). With `payBoots`, each machine it takes is paid from the
 * swap and produces only once it has pulled the image and run the setup (the simulator's own draw
 * for that host's link), while the machine it leaves keeps producing until then: make before break,
 * as vastfleet trades up. Without, swaps are instant and free.
 */
export function oracle(seed: number, minGain: number, payBoots: boolean, workers: number, stepS: number) {
  const rng = { s: seed };
  const bootMs = (m: Machine) => {
    if (!payBoots) return 0;
    const tl = drawTimeline(rng, 0, null, m.inetDown);
    return (tl.bootS + tl.setupS) * 1000;
  };
  /** What it rents: producing from `readyAt`; `leaveAt` once the machine taking its place produces. */
  const held = new Map<number, Deal & { readyAt: number; leaveAt: number }>();
  let games = 0;
  let dollars = 0;
  let producingMs = 0;
  let launches = 0;
  return {
    step(now: number, listed: (Deal & { machine: Machine })[]): void {
      for (const d of listed) {
        if (held.has(d.machine.id)) continue;
        const staying = [...held].filter(([, h]) => h.leaveAt === Infinity);
        if (staying.length < workers) {
          held.set(d.machine.id, { ...d, readyAt: now + bootMs(d.machine), leaveAt: Infinity });
          launches++;
          continue;
        }
        const [worstId, worst] = staying.reduce((a, b) => (value(b[1]) < value(a[1]) ? b : a));
        if (value(d) < value(worst) * (1 + minGain)) break;
        const readyAt = now + bootMs(d.machine);
        held.set(worstId, { ...worst, leaveAt: readyAt });
        held.set(d.machine.id, { ...d, readyAt, leaveAt: Infinity });
        launches++;
      }
      const end = now + stepS * 1000;
      for (const [id, h] of held) {
        const paidTo = Math.min(end, h.leaveAt);
        const producing = Math.max(0, paidTo - Math.max(now, h.readyAt));
        producingMs += producing;
        games += (h.rate * producing) / 1000;
        dollars += (h.dph * Math.max(0, paidTo - now)) / 3_600_000;
        if (h.leaveAt <= end) held.delete(id);
      }
    },
    result: (targetMs: number) => ({ games, dollars, producingShare: producingMs / targetMs, launches }),
  };
}
