/**
 * What bids can reach in the simulated market, measured without the fleet (docs/benchmark.md,
 * "Interruptible capacity"). Two figures per seed, from a paired market no fleet rents in:
 *
 * - how often other renters take a listed machine, by its rank in value among the machines the
 *   fleet could bid on (an on-demand renter outranks every bid, so this is how often a bid there
 *   would be paused);
 * - a clairvoyant greedy bid oracle: it knows each host's health and speed and when each renter
 *   will take each machine, never meets a rival bid, and fills each empty slot with the bid whose
 *   spell (until that take or the end) gives the most games per dollar, paying the boot (image
 *   pull, unpack, setup) of each new host. A heuristic, not a proven ceiling, but optimistic on
 *   every count the fleet cannot know.
 *
 *   npx tsx bench/bid-oracle.ts --hours 24 --seeds 1-8 --bid-ratio 0.45 --margin 0.15 [--renters-per-hour 40]
 * @module
 */
import { DEFAULTS } from "../src/config/fleet";
import { gpuDph, RENTERS_PER_HOUR, storageDph } from "../src/sim/catalog";
import { mean, simRig } from "./harness";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? fallback;
};
const hours = Number(arg("hours", "24"));
const ratio = Number(arg("bid-ratio", "0.45"));
const margin = Number(arg("margin", String(DEFAULTS.bidMargin)));
const rentersPerHour = Number(arg("renters-per-hour", String(RENTERS_PER_HOUR)));
const [from, to] = arg("seeds", "1-8").split("-").map(Number) as [number, number];
const WORKERS = 4;
const DISK_GB = DEFAULTS.diskGb;
/** Rank buckets as the fleet learns them (src/reconcile/interruptions.ts `rankBucket`). */
const BUCKETS = 6;

interface Seen {
  rate: number;
  healthy: boolean;
  inetMbps: number;
  /** Per minute: listed, and the bid's $/h (min_bid at the host's floor, the fleet's margin, storage). */
  listed: boolean[];
  bidDph: number[];
}

/** Minutes of boot before the first batch on a new host, as the simulator draws them on average (src/sim/instances.ts). */
const bootMin = (inetMbps: number) => (15 + 60 + 24_000 / (inetMbps * 0.5) + 120 + 64) / 60;

async function watch(seed: number, minutes: number): Promise<Map<number, Seen>> {
  const rig = simRig(seed, 1_000_000, undefined, { bidRatio: ratio, preemptMeanH: 1e9, rentersPerHour });
  const seen = new Map<number, Seen>();
  for (let t = 0; t < minutes; t++) {
    await rig.sync();
    const now = rig.now();
    for (const m of rig.market.state.machines) {
      if (!DEFAULTS.gpus.includes(m.gpuName) || m.gpuRamMb < DEFAULTS.minGpuRamMb) continue;
      let s = seen.get(m.id);
      if (!s) {
        s = { rate: m.gamesPerSec, healthy: m.fault === null, inetMbps: m.inetDown, listed: [], bidDph: [] };
        seen.set(m.id, s);
      }
      const dph = gpuDph(m, now) * ratio * (1 + margin) + storageDph(DISK_GB);
      s.listed[t] = m.offerId !== null && dph <= DEFAULTS.maxDph;
      s.bidDph[t] = dph;
    }
    rig.advance(60);
  }
  return seen;
}

/** Takes per listed hour by rank bucket: a machine listed at minute t and gone at t + 1. */
function takes(seen: Map<number, Seen>, minutes: number): { hours: number[]; taken: number[] } {
  const hours = new Array<number>(BUCKETS).fill(0);
  const taken = new Array<number>(BUCKETS).fill(0);
  for (let t = 0; t + 1 < minutes; t++) {
    const listed = [...seen.values()].filter((s) => s.listed[t]).sort((a, b) => b.rate / b.bidDph[t]! - a.rate / a.bidDph[t]!);
    listed.forEach((s, i) => {
      const b = Math.min(BUCKETS - 1, Math.floor(Math.log2(i + 1)));
      hours[b]! += 1 / 60;
      if (!s.listed[t + 1]) taken[b]! += 1;
    });
  }
  return { hours, taken };
}

function oracle(seen: Map<number, Seen>, minutes: number): { gamesPerDollar: number; producing: number } {
  const until = (s: Seen, t: number) => {
    let u = t;
    while (u < minutes && s.listed[u]) u++;
    return u;
  };
  const slots: { s: Seen; end: number }[] = [];
  let games = 0;
  let dollars = 0;
  let producingMin = 0;
  for (let t = 0; t < minutes; t++) {
    for (let i = slots.length - 1; i >= 0; i--) if (slots[i]!.end <= t) slots.splice(i, 1);
    while (slots.length < WORKERS) {
      let best: { s: Seen; end: number; games: number; dollars: number; producing: number } | null = null;
      for (const s of seen.values()) {
        if (!s.healthy || !s.listed[t] || slots.some((x) => x.s === s)) continue;
        const end = until(s, t);
        const producing = Math.max(0, end - t - bootMin(s.inetMbps));
        const c = { s, end, games: s.rate * 60 * producing, dollars: (s.bidDph[t]! * (end - t)) / 60, producing };
        if (!best || c.games / c.dollars > best.games / best.dollars) best = c;
      }
      if (!best) break;
      slots.push({ s: best.s, end: best.end });
      games += best.games;
      dollars += best.dollars;
      producingMin += best.producing;
    }
  }
  return { gamesPerDollar: games / dollars, producing: producingMin / (WORKERS * minutes) };
}

const started = performance.now();
const minutes = hours * 60;
const results: { gamesPerDollar: number; producing: number }[] = [];
const hoursBy = new Array<number>(BUCKETS).fill(0);
const takenBy = new Array<number>(BUCKETS).fill(0);
for (let seed = from; seed <= to; seed++) {
  const seen = await watch(seed, minutes);
  const r = oracle(seen, minutes);
  results.push(r);
  const k = takes(seen, minutes);
  k.hours.forEach((h, i) => {
    hoursBy[i]! += h;
    takenBy[i]! += k.taken[i]!;
  });
  console.log(`seed ${seed}: ${(r.gamesPerDollar / 1000).toFixed(1)}K games/$, producing ${(r.producing * 100).toFixed(1)}%`);
}
console.log(
  `clairvoyant bid oracle, ${hours} h, seeds ${from}-${to}, bid ratio ${ratio}, margin ${margin}: ${(mean(results.map((r) => r.gamesPerDollar)) / 1000).toFixed(1)}K games/$, producing ${(mean(results.map((r) => r.producing)) * 100).toFixed(1)}%`,
);
console.log(
  `listed machines taken by other renters, per hour, by value rank: ${hoursBy.map((h, i) => `${2 ** i}${i === BUCKETS - 1 ? "+" : `-${2 ** (i + 1) - 1}`}: ${(takenBy[i]! / Math.max(h, 1e-9)).toFixed(2)}`).join(", ")}`,
);
console.log(`${to - from + 1} seeds in ${((performance.now() - started) / 1000).toFixed(0)} s wall`);
