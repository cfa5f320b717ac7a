/**
 * Seeded randomness. Draws that change the market (new machines, fault profiles, instance
 * timings) come from a stream stored in the state, so a seed plus a request sequence replays a
 * run exactly. Per-batch jitter in logs comes from `hash01` instead, so that log text is a pure
 * function of an instance and a time, no matter how often or when it is polled.
 * @module
 */

/** A mulberry32 stream; `s` is its whole state, a uint32 kept in the market's JSON. */
export interface RngState {
  s: number;
}

export function nextFloat(rng: RngState): number {
  rng.s = (rng.s + 0x6d2b79f5) >>> 0;
  let t = rng.s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function between(rng: RngState, min: number, max: number): number {
  return min + (max - min) * nextFloat(rng);
}

export function intBetween(rng: RngState, min: number, max: number): number {
  return Math.floor(between(rng, min, max + 1));
}

export function pick<T>(rng: RngState, items: readonly T[]): T {
  const item = items[Math.floor(nextFloat(rng) * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

export function pickWeighted<T>(rng: RngState, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let roll = nextFloat(rng) * total;
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  const last = items[items.length - 1];
  if (last === undefined) throw new Error("pick from an empty list");
  return last[0];
}

/** A stateless uniform [0,1) from two integers (murmur3's finaliser). */
export function hash01(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Stateless hex digits (ids, tokens) that do not consume the market's stream. */
export function hashHex(seed: number, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++)
    out += Math.floor(hash01(seed, 1000 + i) * 0x10000)
      .toString(16)
      .padStart(4, "0");
  return out.slice(0, length);
}
