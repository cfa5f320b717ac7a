import { describe, expect, it } from "vitest";
import { config, destroys, HOUR, input, launches, MIN, NOW, offer, state, worker } from "./fixtures";
import {
  availability,
  FLEET_KEY,
  FLEET_TAKES_KEY,
  fleetOutbids,
  gpuKey,
  learnInterruptions,
  learnTakes,
  rankBidOffers,
  rankBucket,
  rankKey,
  takeRate,
} from "../../src/reconcile/interruptions";
import { plan } from "../../src/reconcile/plan";
import { capacityNow, heldOnDemand, nextFallback } from "../../src/reconcile/plan/bids";
import { classify } from "../../src/reconcile/classify";
import { offerQuery } from "../../src/reconcile/offers";
import { SEARCH_ROW_CAP } from "../../src/vast/client";

/**
 * On-demand renters outrank every bid and want what the fleet wants (the best value listed): how
 * the fleet learns how often each rank of the listing is taken, values bids with it, replaces a
 * worker whose machine a renter took at once, and trades workers back to bids after a fall back.
 */

const bidCfg = config({ workers: 1, capacity: "interruptible", maxDph: 0.09, outbidWaitS: 600 });
const bidRow = (machine: number, minBid: number, gpu = "RTX 3060") =>
  offer({ id: machine, machine_id: machine, gpu_name: gpu, gpu_ram: 12288, min_bid: minBid, dph_total: minBid + 0.0031 });
const outbid = (machine = 777) =>
  worker({
    id: 5,
    phase: "OUTBID",
    since: NOW - 2 * MIN,
    inst: { is_bid: true, actual_status: "stopped", machine_id: machine, dph_total: 0.0331 },
  });
const ctx = { config: bidCfg, state: state(), now: NOW, fleetDph: 0 };

describe("an outbid worker's machine absent from a complete bid search: an on-demand renter holds it", () => {
  const full = Array.from({ length: SEARCH_ROW_CAP }, (_, i) => bidRow(1000 + i, 0.03));
  it.each([
    ["listed (a rival bid holds it)", outbid(), [bidRow(777, 0.04)], false],
    ["not listed", outbid(), [bidRow(900, 0.04)], true],
    ["not listed, but the search filled its rows (may be past the last)", outbid(), full, false],
    ["no bid search this pass", outbid(), null, false],
    ["a running worker", worker({ inst: { machine_id: 777, is_bid: true } }), [bidRow(900, 0.04)], false],
  ] as const)("%s → %s", (_name, w, offers, held) => {
    expect(heldOnDemand(w, offers, offerQuery(bidCfg, 0))).toBe(held);
  });

  it.each([
    ["not listed: replaced at once", [bidRow(900, 0.04)], 1],
    ["listed: waits for the rival to leave", [bidRow(777, 0.2)], 0],
  ])("%s", (_name, bidOffers, destroyed) => {
    const p = plan(input({ config: bidCfg, state: state({ lastMarketScanAt: NOW }), workers: [outbid()], offers: [], bidOffers }));
    const d = destroys(p.actions);
    expect(d).toHaveLength(destroyed);
    if (destroyed) expect(d[0]).toMatchObject({ cause: "outbid", reason: expect.stringMatching(/no longer listed for bids/) });
  });
});

describe("takes by rank", () => {
  it.each([
    [1, 0],
    [2, 1],
    [3, 1],
    [4, 2],
    [31, 4],
    [32, 5],
  ])("rank %i is in bucket %i", (rank, bucket) => {
    expect(rankBucket(rank)).toBe(bucket);
  });

  it("the prior: renters take the top of the listing most often", () => {
    const rates = [0, 1, 2, 3].map((b) => takeRate(state(), b, NOW));
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    expect(rates[0]).toBeGreaterThan(rates[3]! * 4);
  });

  it("learns exposure per bucket and a take for each machine gone from the listing, ignoring its own", () => {
    // Value order at the same price: 3060 Ti (rank 1), then the 3060s by id.
    const first = [bidRow(1, 0.03, "RTX 3060 Ti"), bidRow(2, 0.03), bidRow(3, 0.03), bidRow(4, 0.03)];
    const s1 = learnTakes(state(), first, new Set(), ctx, NOW);
    expect(s1.bidListing).toEqual({ at: NOW, buckets: { "1": 0, "2": 1, "3": 1, "4": 2 } });
    expect(s1.interruptions).toEqual({});
    // Two minutes later machine 1 is gone (taken), 3 is ours now, 2 and 4 are still listed.
    const s2 = learnTakes(s1, [bidRow(2, 0.03), bidRow(4, 0.03)], new Set([3]), ctx, NOW + 2 * MIN);
    expect(s2.interruptions[rankKey(0)]).toMatchObject({ outbids: 1, hours: 2 / 60 });
    expect(s2.interruptions[rankKey(1)]).toMatchObject({ outbids: 0, hours: 2 / 60 });
    expect(s2.interruptions[rankKey(2)]).toMatchObject({ outbids: 0, hours: 2 / 60 });
  });

  it("values a bid net of its rank's takes: a top offer renters take every few minutes loses to the next", () => {
    const interruptions = { [rankKey(0)]: { hours: 5, outbids: 40, at: NOW }, [rankKey(1)]: { hours: 10, outbids: 1, at: NOW } };
    const ranked = rankBidOffers([bidRow(1, 0.03), bidRow(2, 0.031)], { ...ctx, state: state({ interruptions }) });
    expect(ranked.map((r) => r.offer.machine_id)).toEqual([2, 1]);
    expect(availability(0, bidCfg, 8)).toBeLessThan(0.5);
  });
});

describe("the fleet's takes and the fall back", () => {
  const running = () =>
    state({
      instances: { "5": { ...classify(worker().instance, undefined, undefined, NOW, 600).memory, phase: "RUNNING" } },
      interruptions: { [FLEET_KEY]: { hours: 0, outbids: 0, at: NOW - 5 * MIN } },
    });

  it("a take counts for the fleet's takes only: not as an outbid of the fleet, the model or the host", () => {
    const before = running();
    const w = outbid();
    const next = learnInterruptions(before, [w], before, NOW, new Set([w.instance.id]));
    expect(next.interruptions[FLEET_TAKES_KEY]).toMatchObject({ outbids: 1 });
    expect(next.interruptions[FLEET_KEY]).toMatchObject({ outbids: 0 });
    expect(next.interruptions[gpuKey("RTX 3060")]).toMatchObject({ outbids: 0 });
  });

  it.each([
    ["takes now and then: stays on bids", { hours: 40, outbids: 4, at: NOW }, "interruptible"],
    ["taken on demand every half hour: falls back", { hours: 4, outbids: 8, at: NOW }, "on-demand"],
  ] as const)("%s", (_name, taken, capacity) => {
    const s = state({ interruptions: { [FLEET_TAKES_KEY]: taken } });
    expect(fleetOutbids(s, NOW).takes).toBeCloseTo((taken.outbids + 1 / 6) / (taken.hours + 2), 6);
    const fb = nextFallback(bidCfg, s, NOW);
    expect(capacityNow(bidCfg, { capacityFallback: fb }, NOW)).toBe(capacity);
    if (fb) expect(fb.reason).toMatch(/taken on demand .* times an hour/);
  });
});

describe("trades after a fall back", () => {
  const od = worker({ id: 9, since: NOW - 2 * HOUR, inst: { machine_id: 50, gpu_name: "RTX 3060", dph_total: 0.07 } });
  const cfg = config({ workers: 1, capacity: "interruptible", maxDph: 0.09, maxConcurrentUpgrades: 1 });

  it.each([
    ["bids again: an on-demand worker is traded to a bid", null, 0.0345],
    ["still on demand: trades rent on demand", { since: NOW - HOUR, until: NOW + HOUR, reason: "test" }, null],
  ] as const)("%s", (_name, capacityFallback, bid) => {
    const p = plan(
      input({
        config: cfg,
        // Renters seldom take the top of this listing: a bid is worth about half the on-demand price.
        state: state({ lastMarketScanAt: null, capacityFallback, interruptions: { [rankKey(0)]: { hours: 50, outbids: 1, at: NOW } } }),
        workers: [od],
        offers: [offer({ id: 3, machine_id: 3, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.045 })],
        bidOffers: [bidRow(2, 0.03)],
      }),
    );
    expect(launches(p.actions)).toEqual([expect.objectContaining({ upgradeOf: 9, bid })]);
  });
});
