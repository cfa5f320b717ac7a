import { describe, expect, it } from "vitest";
import {
  chooseOffers,
  decayedStrikes,
  expectedGpuRate,
  expectedRate,
  gamesPerDollar,
  GPU_PRIOR_WEIGHT,
  HOST_MIN_SAMPLES,
  isBlocked,
  offerRejection,
  rankOffers,
  STRIKE_HALF_LIFE_MS,
  BLOCK_AT,
  STRIKES_TO_BLOCK,
  type OfferChoiceContext,
} from "../../src/reconcile/offers";
import type { GpuStat, HostRecord } from "../../src/reconcile/state";
import { config, hostRecord, NOW, offer, state } from "./fixtures";

const ctx = (over: Partial<OfferChoiceContext> = {}): OfferChoiceContext => ({
  config: config(),
  state: state(),
  now: NOW,
  fleetDph: 0,
  ...over,
});

describe("offers: ranking by expected games per dollar", () => {
  // The runbook's example: a $0.055 RTX 3060 Ti beats a $0.083 RTX 3060 and a $0.107 RTX 3080.
  const ti = offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.055 });
  const r3060 = offer({ gpu_name: "RTX 3060", dph_total: 0.083 });
  const r3080 = offer({ gpu_name: "RTX 3080", gpu_ram: 10240, dph_total: 0.107 });
  const c = ctx({ config: config({ maxDph: 0.2 }) });

  it("value policy: RTX 3060 Ti @ $0.055 first, RTX 3080 @ $0.107, then RTX 3060 @ $0.083", () => {
    const ranked = rankOffers([r3060, r3080, ti], c);
    expect(ranked.map((r) => r.offer.id)).toEqual([ti.id, r3080.id, r3060.id]);
    expect(ranked.map((r) => Math.round(r.gamesPerDollar / 1000))).toEqual([275, 172, 169]);
  });

  it("cheapest policy (the original scripts'): by price only", () => {
    expect(rankOffers([r3080, r3060, ti], { ...c, policy: "cheapest" }).map((r) => r.offer.id)).toEqual([ti.id, r3060.id, r3080.id]);
  });

  it.each<[number, number, number]>([
    [4.2, 0.055, (4.2 * 3600) / 0.055],
    [3.9, 0.083, (3.9 * 3600) / 0.083],
    [5, 0, 0],
  ])("gamesPerDollar(%f games/s, $%f/h)", (rate, dph, expected) => {
    expect(gamesPerDollar(rate, dph)).toBeCloseTo(expected, 6);
  });
});

describe("offers: expected throughput", () => {
  it.each<[string, number, number, number]>([
    ["no samples: the prior", 0, 9, 3.9],
    [`${GPU_PRIOR_WEIGHT} samples: halfway`, GPU_PRIOR_WEIGHT, 6, (3.9 + 6) / 2],
    ["one sample barely moves it", 1, 6, (3.9 * GPU_PRIOR_WEIGHT + 6) / (GPU_PRIOR_WEIGHT + 1)],
    ["594 samples: the observation dominates", 594, 6, (3.9 * GPU_PRIOR_WEIGHT + 6 * 594) / 600],
  ])("prior → observation blend (RTX 3060, prior 3.9): %s", (_name, samples, seen, expected) => {
    const stats: Record<string, GpuStat> = samples === 0 ? {} : { "RTX 3060": { gamesPerSec: seen, samples, dph: null } };
    expect(expectedGpuRate(config(), stats, "RTX 3060")).toBeCloseTo(expected, 9);
  });

  it("a GPU the table does not know gets the table's slowest prior", () => {
    expect(expectedGpuRate(config(), {}, "Tesla K80")).toBe(3.9);
  });

  it.each<[number, number]>([
    [HOST_MIN_SAMPLES - 1, 3.9],
    [HOST_MIN_SAMPLES, 1.4],
  ])("host record with %i samples → %f games/s (the host's own record wins after HOST_MIN_SAMPLES)", (samples, expected) => {
    const st = state({ hosts: { "777": hostRecord(777, { gamesPerSec: 1.4, samples }) } });
    expect(expectedRate(config(), st, "RTX 3060", 777)).toBe(expected);
    expect(expectedRate(config(), st, "RTX 3060", null)).toBe(3.9);
  });

  it("a slow host's record sinks its offer below a slower-model offer from an unknown host", () => {
    const slowHost = offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.055, machine_id: 777 });
    const other = offer({ gpu_name: "RTX 3060", dph_total: 0.06 });
    const st = state({ hosts: { "777": hostRecord(777, { gpuName: "RTX 3060 Ti", gamesPerSec: 1.0, samples: HOST_MIN_SAMPLES }) } });
    expect(rankOffers([slowHost, other], ctx({ state: st })).map((r) => r.offer.id)).toEqual([other.id, slowHost.id]);
  });
});

describe("offers: host strikes and blocks", () => {
  it.each<[string, Partial<HostRecord>, number, boolean]>([
    ["no strikes", {}, 0, false],
    ["one strike (a worker that ran, then failed)", { strikes: 1 }, 0, false],
    ["just under the block threshold", { strikes: BLOCK_AT - 0.01 }, 0, false],
    ["a failure before running, fresh", { strikes: STRIKES_TO_BLOCK }, 0, true],
    ["a failure before running, 9 hours later: still blocked", { strikes: STRIKES_TO_BLOCK }, 9 * 3600_000, true],
    ["a failure before running, 11 hours later: another chance", { strikes: STRIKES_TO_BLOCK }, 11 * 3600_000, false],
    ["two strikes, one half-life later (halved)", { strikes: STRIKES_TO_BLOCK }, STRIKE_HALF_LIFE_MS, false],
    ["four strikes, one half-life later", { strikes: 2 * STRIKES_TO_BLOCK }, STRIKE_HALF_LIFE_MS, true],
    ["four strikes, two half-lives later", { strikes: 2 * STRIKES_TO_BLOCK }, 2 * STRIKE_HALF_LIFE_MS, false],
    ["blocked with a reason (No CUDA), never decays", { blockedReason: "No CUDA on this host" }, 30 * STRIKE_HALF_LIFE_MS, true],
  ])("%s", (_name, over, age, blocked) => {
    const h = hostRecord(5, { lastStrikeAt: NOW - age, ...over });
    expect(isBlocked(h, NOW)).toBe(blocked);
  });

  it.each<[number, number, number]>([
    [4, 0, 4],
    [4, STRIKE_HALF_LIFE_MS, 2],
    [4, 2 * STRIKE_HALF_LIFE_MS, 1],
    [4, -STRIKE_HALF_LIFE_MS, 4],
  ])("decayedStrikes(%f strikes, %i ms ago) = %f", (strikes, age, expected) => {
    expect(decayedStrikes(hostRecord(5, { strikes, lastStrikeAt: NOW - age }), NOW)).toBeCloseTo(expected, 9);
  });

  it("a blocked host's offer is skipped even when it is the best deal", () => {
    const blocked = offer({ dph_total: 0.04, machine_id: 31 });
    const fine = offer({ dph_total: 0.06 });
    const st = state({ hosts: { "31": hostRecord(31, { strikes: STRIKES_TO_BLOCK }) } });
    expect(rankOffers([blocked, fine], ctx({ state: st })).map((r) => r.offer.id)).toEqual([fine.id]);
    expect(offerRejection(blocked, ctx({ state: st }))).toMatch(/blocked/);
  });
});

describe("offers: rejection rules", () => {
  it.each<[string, Parameters<typeof offer>[0], Partial<OfferChoiceContext>, RegExp | null]>([
    ["a good offer", {}, {}, null],
    ["price at the cap", { dph_total: 0.09 }, {}, null],
    ["price over the cap", { dph_total: 0.0901 }, {}, /over the cap/],
    ["GPU not in ZEB_GPUS", { gpu_name: "RTX 4090" }, {}, /not wanted/],
    ["two GPUs", { num_gpus: 2 }, {}, /single-GPU/],
    ["under minGpuRamMb", { gpu_ram: 8192 }, { config: config({ minGpuRamMb: 10000 }) }, /VRAM/],
    ["rented already (vast-cli drops these after the search)", { rented: true }, {}, /is rented already/],
    ["under the fleet's OOM floor", { gpu_ram: 8192 }, { state: state({ vramFloorMb: 8193 }) }, /8192 MB VRAM is under 8193 MB/],
    ["above the OOM floor", { gpu_ram: 12288 }, { state: state({ vramFloorMb: 8193 }) }, null],
    [
      "an OOM on another model's 8 GB card applies to this 8 GB card too",
      { gpu_name: "RTX 3060 Ti", gpu_ram: 8192 },
      { state: state({ vramFloorMb: 8193 }) },
      /8192 MB VRAM is under 8193 MB/,
    ],
    ["gpu filter RTX_3090 (runbook spelling) rejects a 3060 Ti", {}, { gpu: "RTX_3090" }, /not wanted/],
    ["gpu filter RTX_3060_Ti (runbook spelling) accepts it", {}, { gpu: "RTX_3060_Ti" }, null],
    ["gpu filter may name a model outside ZEB_GPUS", { gpu_name: "RTX 4090", dph_total: 0.09 }, { gpu: "RTX 4090" }, null],
  ])("%s", (_name, o, c, rejected) => {
    const why = offerRejection(offer(o), ctx(c));
    if (rejected === null) expect(why).toBeNull();
    else expect(why).toMatch(rejected);
  });
});

describe("offers: chooseOffers", () => {
  it("one offer per machine", () => {
    const a = offer({ machine_id: 1, dph_total: 0.05 });
    const b = offer({ machine_id: 1, dph_total: 0.051 });
    const c = offer({ machine_id: 2, dph_total: 0.06 });
    expect(chooseOffers([a, b, c], 3, ctx()).map((r) => r.offer.id)).toEqual([a.id, c.id]);
  });

  it.each<[string, number | null, number, number[]]>([
    ["no ceiling", null, 0.5, [0, 2, 1]],
    ["ceiling leaves room for two", 0.2, 0.08, [0, 2]],
    ["a cheaper offer still fits where a better one does not", 0.2, 0.146, [2]],
    ["ceiling already reached", 0.2, 0.2, []],
  ])("fleet ceiling: %s", (_name, ceiling, fleetDph, picked) => {
    // By value: Ti @ 0.055 (275K games/$), RTX 3060 @ 0.052 (270K), Ti @ 0.06 (252K).
    const market = [offer({ dph_total: 0.055 }), offer({ dph_total: 0.06 }), offer({ gpu_name: "RTX 3060", dph_total: 0.052 })];
    const chosen = chooseOffers(market, 3, ctx({ config: config({ maxFleetDph: ceiling }), fleetDph }));
    expect(chosen.map((r) => r.offer.id)).toEqual(picked.map((i) => market[i]!.id));
  });

  it.each<[number, number]>([
    [0, 0],
    [1, 1],
    [5, 3],
  ])("asked for %i → gets %i (never more than there are)", (count, got) => {
    expect(chooseOffers([offer(), offer(), offer()], count, ctx())).toHaveLength(got);
  });
});
