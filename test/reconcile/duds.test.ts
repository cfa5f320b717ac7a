import { describe, expect, it } from "vitest";
import { DUD_FEATURES, offerFeatures, searchMedians } from "../../src/reconcile/duds/features";
import { describeDudModel, dudFactor, dudProbability, learnOutcome, priorDudModel, type DudModel } from "../../src/reconcile/duds/model";
import { learnDuds, MAX_WATCHED, WATCH_MS, watchRentals } from "../../src/reconcile/duds/watch";
import { rankOffers } from "../../src/reconcile/offers";
import { emptyState, FleetState } from "../../src/reconcile/state";
import { hash01 } from "../../src/sim/rng";
import { config, NOW, offer, state } from "./fixtures";

/** The dud model (src/reconcile/duds/): listing features, an online logistic model with a "no signal" prior, and its use in ranking. */

const RELIABILITY = DUD_FEATURES.indexOf("reliability");
const zeros = () => DUD_FEATURES.map(() => 0);
/** A deterministic spread in [-1, 1): noise features that say nothing about the outcome. */
const noise = (i: number, k: number) => hash01(k + 1, i) * 2 - 1;

/** `n` outcomes: every third a dud; `separating` sets reliability low on duds and high on the rest, else it is noise too. */
function trained(n: number, separating: boolean): DudModel {
  let m = priorDudModel();
  for (let i = 0; i < n; i++) {
    const dud = i % 3 === 0;
    const x = DUD_FEATURES.map((_, k) => noise(i, k));
    if (separating) x[RELIABILITY] = dud ? -2 + 0.5 * noise(i, 9) : 0.5 + 0.3 * noise(i, 9);
    m = learnOutcome(m, x, dud ? "no_cuda" : null);
  }
  return m;
}

describe("dud model", () => {
  it("the prior says no signal: every listing gets factor 1, whatever its features", () => {
    const m = priorDudModel();
    for (const x of [zeros(), DUD_FEATURES.map(() => 3), DUD_FEATURES.map((_, i) => (i % 2 ? -4 : 2))]) expect(dudFactor(m, x)).toBe(1);
    expect(dudProbability(m, zeros())).toBeCloseTo(0.3, 9);
    expect(describeDudModel(m)).toMatchObject({ ran: 0, duds: 0, kinds: {}, dudRate: null, priorDudRate: 0.3 });
  });

  it("outcomes of unremarkable listings move only the base rate", () => {
    let m = priorDudModel();
    for (let i = 0; i < 40; i++) m = learnOutcome(m, zeros(), i % 2 ? "boot_timeout" : null);
    expect(m.mean.slice(1)).toEqual(zeros());
    expect(dudProbability(m, zeros())).toBeGreaterThan(0.4);
    expect(
      dudFactor(
        m,
        DUD_FEATURES.map(() => 2),
      ),
    ).toBe(1);
    expect(describeDudModel(m)).toMatchObject({ ran: 20, duds: 20, kinds: { boot_timeout: 20 }, dudRate: 0.5 });
  });

  it.each([
    { name: "learns a feature that separates duds", separating: true },
    { name: "stays near the prior when no feature carries signal", separating: false },
  ])("$name", ({ separating }) => {
    const n = separating ? 150 : 600;
    const m = trained(n, separating);
    const w = describeDudModel(m).weights;
    const low = zeros();
    low[RELIABILITY] = -2;
    const high = zeros();
    high[RELIABILITY] = 0.8;
    if (separating) {
      expect(w.reliability).toBeLessThan(-1);
      expect(dudProbability(m, low)).toBeGreaterThan(0.8);
      expect(dudFactor(m, low)).toBeLessThan(0.8);
      expect(dudFactor(m, high)).toBeGreaterThan(1);
    } else {
      // Noise weights shrink as 1/sqrt(outcomes): about 0.15 sd at 600.
      for (const name of DUD_FEATURES) expect(Math.abs(w[name] as number)).toBeLessThan(0.4);
      expect(Math.abs(dudFactor(m, low) - 1)).toBeLessThan(0.1);
    }
    expect(m.duds).toBe(n / 3);
    expect(m.ran).toBe((2 * n) / 3);
  });

  it("is bounded: weights and counts only, and at most 16 named kinds", () => {
    let m = priorDudModel();
    for (let i = 0; i < 2000; i++)
      m = learnOutcome(
        m,
        DUD_FEATURES.map((_, k) => noise(i, k)),
        i % 2 ? `kind${i % 40}` : null,
      );
    expect(Object.keys(m.kinds)).toHaveLength(17);
    expect(m.kinds.other).toBeGreaterThan(0);
    expect(JSON.stringify(m).length).toBeLessThan(1200);
    expect(m.mean.every(Number.isFinite)).toBe(true);
  });
});

describe("dud features", () => {
  const medianOf = [
    offer({ dph_total: 0.05, dlperf: 12 }),
    offer({ dph_total: 0.06, dlperf: 12.4 }),
    offer({ dph_total: 0.07, dlperf: 13 }),
  ];

  it.each([
    {
      name: "an unremarkable listing",
      over: { reliability2: 0.95, cuda_max_good: 12.5, inet_down: 400, dph_total: 0.06, dlperf: 12.4 },
      strikes: 0,
      x: zeros(),
    },
    { name: "nothing listed", over: { reliability2: null }, strikes: 0, x: [0, 0, 0, 0, 0, 0.06 / 0.06 - 1, 0] },
    {
      name: "an unreliable, unverified, old-driver, slow, weak, cheap, struck host",
      over: { reliability2: 0.85, verified: false, cuda_max_good: 12, inet_down: 100, dph_total: 0.05, dlperf: 6.2 },
      strikes: 1,
      x: [-2, 1, -1, Math.log(0.25) / 1.5, -3, Math.log(0.05 / 0.055) / 0.2, 1],
    },
  ])("$name", ({ over, strikes, x }) => {
    const o = offer({ dph_total: 0.06, ...over });
    const got = offerFeatures(o, searchMedians([...medianOf, o]), strikes);
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(x[i] as number, 6);
  });
});

describe("dud watch: from a rental to an outcome", () => {
  const a = offer({ reliability2: 0.85 });
  const b = offer({ reliability2: 0.99 });
  const c = offer({ reliability2: 0.97 });
  const watch = watchRentals(
    {},
    [a, b, c].map((o) => ({ machineId: o.machine_id, offerId: o.id })),
    [a, b, c],
    () => 0,
    NOW,
  );

  it("records each rental's features by machine", () => {
    expect(Object.keys(watch).sort()).toEqual([a, b, c].map((o) => String(o.machine_id)).sort());
    expect(watch[String(a.machine_id)]?.x[RELIABILITY]).toBeCloseTo(-2, 9);
  });

  it("learns a dud and a run, forgets a launch given back for another reason", () => {
    const out = learnDuds(
      priorDudModel(),
      watch,
      { ran: [b.machine_id], duds: [{ machineId: a.machine_id, kind: "no_cuda" }], gone: [c.machine_id] },
      NOW,
    );
    expect(out.watch).toEqual({});
    expect(out.model).toMatchObject({ ran: 1, duds: 1, kinds: { no_cuda: 1 } });
    expect(out.model.mean[RELIABILITY + 1]).toBeLessThan(0);
  });

  it("ignores outcomes of machines it does not watch, drops launches older than its window, keeps at most MAX_WATCHED", () => {
    const out = learnDuds(priorDudModel(), watch, { ran: [1], duds: [{ machineId: 2, kind: "fatal" }], gone: [] }, NOW + WATCH_MS + 1);
    expect(out.model).toEqual(priorDudModel());
    expect(out.watch).toEqual({});
    const many = Array.from({ length: 50 }, () => offer());
    const full = watchRentals(
      {},
      many.map((o) => ({ machineId: o.machine_id, offerId: o.id })),
      many,
      () => 0,
      NOW,
    );
    expect(Object.keys(full)).toHaveLength(MAX_WATCHED);
  });
});

describe("dud model in the ranking", () => {
  const cfg = config({ maxDph: 0.2 });
  // A cheap listing that looks like a dud, and a dearer one that looks sound.
  const shady = offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.05, reliability2: 0.85 });
  const sound = offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.055, reliability2: 0.99 });
  const rank = (s: FleetState) => rankOffers([shady, sound], { config: cfg, state: s, now: NOW, fleetDph: 0 });

  it("with no outcomes it ranks exactly as without a model", () => {
    const { dudModel: _, ...without } = state();
    const plain = rankOffers([shady, sound], { config: cfg, state: without, now: NOW, fleetDph: 0 });
    expect(rank(state())).toEqual(plain);
    expect(plain.map((r) => r.offer.id)).toEqual([shady.id, sound.id]);
  });

  it("once it learned that low reliability means a dud, the sound offer goes first", () => {
    const ranked = rank(state({ dudModel: trained(150, true) }));
    expect(ranked.map((r) => r.offer.id)).toEqual([sound.id, shady.id]);
  });
});

describe("dud model in the fleet's state", () => {
  it("an old state without it starts at the prior with nothing watched", () => {
    const { dudModel: _m, dudWatch: _w, ...old } = emptyState();
    const parsed = FleetState.parse(JSON.parse(JSON.stringify(old)));
    expect(parsed.dudModel).toEqual(priorDudModel());
    expect(parsed.dudWatch).toEqual({});
  });

  it("a model stored with another set of features starts over at the prior; the rest of the state stays", () => {
    const stored = { ...emptyState(), vramFloorMb: 9000, dudModel: { ...priorDudModel(), mean: [0, 1], precision: [1, 1], ran: 5 } };
    const parsed = FleetState.parse(JSON.parse(JSON.stringify(stored)));
    expect(parsed.dudModel).toEqual(priorDudModel());
    expect(parsed.vramFloorMb).toBe(9000);
  });
});
