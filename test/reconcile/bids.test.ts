import { describe, expect, it } from "vitest";
import { config, destroys, HOUR, input, MIN, NOW, offer, state, worker } from "./fixtures";
import { classify } from "../../src/reconcile/classify";
import { fleetOutbids, gpuKey, hostKey, learnInterruptions, FLEET_KEY } from "../../src/reconcile/interruptions";
import { learnFromDestroys } from "../../src/reconcile/learn";
import type { BidRecord } from "../../src/reconcile/state";
import { plan } from "../../src/reconcile/plan";
import { capacityNow, FALLBACK_HOLD_MS, nextFallback } from "../../src/reconcile/plan/bids";

/** The bid policy: outbid → wait → replace, raise when it pays, fall back to on demand when interruption is frequent. */

const bidCfg = config({ workers: 1, capacity: "interruptible", maxDph: 0.09, outbidWaitS: 600 });
const mine = (price: number, over: Partial<BidRecord> = {}): BidRecord => ({
  price,
  previous: null,
  at: NOW - HOUR,
  uncertain: false,
  ...over,
});
/** An outbid worker on machine 777 that bid $0.03/h (dph 0.0331 with storage). */
const outbid = (since: number) =>
  worker({ id: 5, phase: "OUTBID", since, inst: { is_bid: true, actual_status: "stopped", machine_id: 777, dph_total: 0.0331 } });
/** A bid search's row: dph_total is min_bid plus storage. */
const bidRow = (machine: number, minBid: number, gpu = "RTX 3060") =>
  offer({ machine_id: machine, gpu_name: gpu, gpu_ram: 12288, min_bid: minBid, dph_total: minBid + 0.0031 });

describe("classify: a paused bid is OUTBID, never dead", () => {
  it.each([
    ["stopped bid", { is_bid: true, actual_status: "stopped", intended_status: "running" }, "OUTBID"],
    ["stopped bid, intent stopped too", { is_bid: true, actual_status: "stopped", intended_status: "stopped" }, "OUTBID"],
    ["stopped on-demand instance", { is_bid: false, actual_status: "stopped" }, "DEAD"],
  ])("%s", (_name, over, phase) => {
    const inst = worker({ inst: over }).instance;
    expect(classify(inst, undefined, undefined, NOW, 600).phase).toBe(phase);
  });

  it("a resumed bid starts over from BOOT (its container restarts), keeping that it ran", () => {
    const inst = worker({ inst: { is_bid: true, actual_status: "loading" } }).instance;
    const before = {
      ...classify(worker({ inst: { is_bid: true, actual_status: "stopped" } }).instance, undefined, undefined, NOW, 600).memory,
      everRan: true,
      lastBatch: 40,
    };
    const c = classify(inst, undefined, before, NOW, 600);
    expect(c.phase).toBe("BOOT");
    expect(c.memory).toMatchObject({ everRan: true, lastBatch: null });
  });
});

describe("outbid → wait → replace", () => {
  it.each([
    ["within the wait: kept, and said so", 5 * MIN, 0],
    ["past the wait: destroyed as outbid", 11 * MIN, 1],
  ])("%s", (_name, waited, destroyed) => {
    const p = plan(
      input({ config: bidCfg, state: state({ lastMarketScanAt: NOW, bids: { "5": mine(0.03) } }), workers: [outbid(NOW - waited)] }),
    );
    const d = destroys(p.actions);
    expect(d).toHaveLength(destroyed);
    if (destroyed) expect(d[0]).toMatchObject({ cause: "outbid", instanceId: 5 });
    else expect(p.held.join("\n")).toMatch(/outbid, waits up to 5m00s more/);
  });

  it("an outbid destroy never strikes the host, and an outbid worker is no failure for the breaker", () => {
    const w = outbid(NOW - HOUR);
    const p = plan(input({ config: bidCfg, state: state({ lastMarketScanAt: NOW, bids: { "5": mine(0.03) } }), workers: [w] }));
    const lessons = learnFromDestroys(state(), destroys(p.actions), { workers: [w], now: NOW, blameHosts: true, refusedByHf: new Set() });
    expect(lessons.state.hosts).toEqual({});
    expect(lessons.outcomes).toEqual([]);
  });
});

describe("bid raise", () => {
  const base = (bidOffers: ReturnType<typeof offer>[], bids = { "5": mine(0.03) }, maxDph = 0.09) =>
    input({
      config: { ...bidCfg, maxDph },
      state: state({ lastMarketScanAt: NOW, bids }),
      workers: [outbid(NOW - 2 * MIN)],
      offers: [],
      bidOffers,
    });

  it("raises to min_bid + 5% when the machine is listed and that beats a replacement", () => {
    const p = plan(base([bidRow(777, 0.034), bidRow(900, 0.04)]));
    expect(p.actions).toEqual([expect.objectContaining({ kind: "bid", instanceId: 5, from: 0.03, to: 0.0357 })]);
  });

  it.each([
    ["a much better replacement offer", [bidRow(777, 0.06), bidRow(900, 0.02)], { "5": mine(0.03) }, 0.09],
    ["the raise would pass the cap", [bidRow(777, 0.085)], { "5": mine(0.03) }, 0.09],
    ["the machine is not listed (an on-demand renter holds it)", [bidRow(900, 0.04)], { "5": mine(0.03) }, 0.09],
    ["the last change may have happened", [bidRow(777, 0.034)], { "5": mine(0.03, { uncertain: true }) }, 0.09],
  ])("does not raise when %s", (_name, bidOffers, bids, maxDph) => {
    const p = plan(base(bidOffers, bids, maxDph));
    expect(p.actions.filter((a) => a.kind === "bid")).toEqual([]);
  });
});

describe("capacity and launches", () => {
  const od = offer({ id: 1, machine_id: 1, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.07 });
  const bid = bidRow(2, 0.03);

  it.each([
    ["on-demand", 0, [null]],
    ["interruptible", 0, [0.0345]],
    ["mixed", 1, [null, 0.0345]],
  ] as const)("%s (minOnDemand %i) launches %j", (capacity, minOnDemand, bids) => {
    const cfg = config({ workers: bids.length, capacity, minOnDemand });
    const p = plan(input({ config: cfg, offers: [od], bidOffers: [bid] }));
    expect(p.actions.map((a) => (a.kind === "launch" ? (a.bid ?? null) : a.kind))).toEqual(bids);
  });

  it("ranks bids net of expected interruption losses: an often-outbid model loses to on demand", () => {
    const interruptions = { [gpuKey("RTX 3060")]: { hours: 10, outbids: 100, at: NOW } };
    const cfg = config({ workers: 1, capacity: "mixed", minOnDemand: 0 });
    const p = plan(input({ config: cfg, state: state({ lastMarketScanAt: NOW, interruptions }), offers: [od], bidOffers: [bid] }));
    expect(p.actions).toEqual([expect.objectContaining({ kind: "launch", bid: null })]);
  });
});

describe("learning and fallback", () => {
  it("counts a new outbid per model, host and fleet, and bid hours while not paused", () => {
    const before = state({
      instances: { "5": { ...classify(worker().instance, undefined, undefined, NOW, 600).memory, phase: "RUNNING" } },
      interruptions: { [FLEET_KEY]: { hours: 0, outbids: 0, at: NOW - 5 * MIN } },
    });
    const w = outbid(NOW);
    const next = learnInterruptions(before, [w], before, NOW);
    for (const key of [FLEET_KEY, gpuKey("RTX 3060"), hostKey(777)]) expect(next.interruptions[key]).toMatchObject({ outbids: 1 });
    expect(next.interruptions[FLEET_KEY]?.hours).toBeCloseTo(5 / 60, 5);
  });

  it.each([
    ["rare outbids: stays on bids", { hours: 48, outbids: 2, at: NOW }, "interruptible"],
    ["frequent outbids: falls back to on demand", { hours: 2, outbids: 16, at: NOW }, "on-demand"],
  ] as const)("%s", (_name, all, capacity) => {
    const s = state({ interruptions: { [FLEET_KEY]: all } });
    const fb = nextFallback(bidCfg, s, NOW);
    expect(capacityNow(bidCfg, { capacityFallback: fb }, NOW)).toBe(capacity);
    if (fb) {
      expect(fb.until).toBe(NOW + FALLBACK_HOLD_MS);
      expect(fb.reason).toMatch(/outbid .* times an hour/);
      // It lasts its hold, then bids are tried again.
      expect(capacityNow(bidCfg, { capacityFallback: fb }, NOW + FALLBACK_HOLD_MS + 1)).toBe("interruptible");
    }
    expect(fleetOutbids(s, NOW).outbids).toBe(all.outbids);
  });

  it("an on-demand fleet never falls back", () => {
    const s = state({ interruptions: { [FLEET_KEY]: { hours: 1, outbids: 9, at: NOW } } });
    expect(nextFallback(config(), s, NOW)).toBeNull();
  });
});
