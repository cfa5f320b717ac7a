import { describe, expect, it } from "vitest";
import { classify } from "../../src/reconcile/classify";
import { FLEET_KEY, forgetInterruptions, gpuKey, hostKey, learnInterruptions } from "../../src/reconcile/interruptions";
import { learnFromDestroys } from "../../src/reconcile/learn";
import { asKnownBid, phaseClock } from "../../src/reconcile/observe";
import { runPass } from "../../src/reconcile/pass";
import { launchDph, plan, settleBids } from "../../src/reconcile/plan";
import type { BidRecord, InstanceMemory } from "../../src/reconcile/state";
import type { Offer } from "../../src/vast/schemas";
import { config, destroys, HOUR, input, instance, MIN, NOW, offer, passDeps, scriptedVast, state, worker } from "./fixtures";

/** The money bugs a review found in interruptible capacity, each pinned by a table. */

const bidCfg = config({ workers: 1, capacity: "interruptible", maxDph: 0.09, outbidWaitS: 600 });
const mine = (price: number, over: Partial<BidRecord> = {}): BidRecord => ({
  price,
  previous: null,
  at: NOW - HOUR,
  uncertain: false,
  ...over,
});
const bidInst = { is_bid: true, machine_id: 777, dph_total: 0.0331 };
const outbid = (since: number, id = 5) => worker({ id, phase: "OUTBID", since, inst: { ...bidInst, actual_status: "stopped" } });
const bidRow = (machine: number, minBid: number) =>
  offer({ machine_id: machine, gpu_name: "RTX 3060", gpu_ram: 12288, min_bid: minBid, dph_total: minBid + 0.0031 });

describe("a resumed bid's phase clocks start at its resume", () => {
  // Ran from NOW-4h, outbid at NOW-3h, resumed at NOW-1min: KV first saw it in BOOT at NOW-4h and OUTBID at NOW-3h.
  const started = (NOW - 4 * HOUR) / 1000;
  const inst = (over: Record<string, unknown>) => instance({ id: 5, ...bidInst, start_date: started, ...over });
  const ran: InstanceMemory = { ...classify(inst({ actual_status: "running" }), undefined, undefined, NOW - 4 * HOUR, 600).memory };
  const running: InstanceMemory = { ...ran, phase: "RUNNING", everRan: true, lastBatch: 40, batchAdvancedAt: NOW - 3 * HOUR };
  const paused = classify(inst({ actual_status: "stopped" }), undefined, running, NOW - 3 * HOUR, 600);
  const resumed = classify(inst({ actual_status: "loading" }), undefined, paused.memory, NOW - MIN, 600);

  it("a resumed worker survives its boot, and its host gets no strike", () => {
    expect(resumed.phase).toBe("BOOT");
    const since = phaseClock(NOW - 4 * HOUR, "BOOT", resumed.memory, started, NOW);
    expect(since).toBe(NOW - MIN);
    const w = worker({ id: 5, phase: "BOOT", since, everRan: true, inst: { ...bidInst, actual_status: "loading" } });
    const p = plan(input({ config: bidCfg, state: state({ lastMarketScanAt: NOW, bids: { "5": mine(0.03) } }), workers: [w] }));
    expect(destroys(p.actions)).toEqual([]);
    const lessons = learnFromDestroys(state(), destroys(p.actions), { workers: [w], now: NOW, blameHosts: true, refusedByHf: new Set() });
    expect(lessons.state.hosts).toEqual({});
  });

  it.each([
    ["SETUP", "running"],
    ["WAIT", "running"],
  ] as const)("%s after a resume is timed from the resume", (phase, status) => {
    const c = classify(inst({ actual_status: status }), undefined, resumed.memory, NOW, 600);
    expect(phaseClock(NOW - 3.5 * HOUR, phase, c.memory, started, NOW)).toBe(NOW - MIN);
  });

  it("a second outbid spell gets its full wait", () => {
    const again = classify(inst({ actual_status: "stopped" }), undefined, resumed.memory, NOW, 600);
    expect(again.phase).toBe("OUTBID");
    const since = phaseClock(NOW - 3 * HOUR, "OUTBID", again.memory, started, NOW);
    expect(since).toBe(NOW);
    const p = plan(input({ config: bidCfg, state: state({ lastMarketScanAt: NOW, bids: { "5": mine(0.03) } }), workers: [outbid(since)] }));
    expect(destroys(p.actions)).toEqual([]);
    expect(p.held.join("\n")).toMatch(/outbid, waits up to 10m00s more/);
  });
});

describe("raises stay under the fleet's $/h ceiling", () => {
  const base = (maxFleetDph: number, workers: number, bidOffers: Offer[]) =>
    input({
      config: { ...bidCfg, workers, maxFleetDph },
      state: state({ lastMarketScanAt: NOW, bids: { "5": mine(0.03) } }),
      workers: [outbid(NOW - 2 * MIN)],
      offers: [],
      bidOffers,
    });

  it.each([
    ["fits the ceiling: raised", 0.05, 1],
    ["would pass the ceiling: not raised", 0.035, 0],
  ])("%s", (_name, ceiling, raised) => {
    const p = plan(base(ceiling, 1, [bidRow(777, 0.034), bidRow(900, 0.04)]));
    expect(p.actions.filter((a) => a.kind === "bid")).toHaveLength(raised);
  });

  it("a raise counts at its new price before launches are chosen", () => {
    // Room for the worker at its old price and one launch, not for the raise and the launch.
    const launch = bidRow(900, 0.03);
    const ceiling = 0.0331 + launchDph({ offer: launch, bid: 0.0345 }) + 0.001;
    const p = plan(base(ceiling, 2, [bidRow(777, 0.034), launch]));
    const total =
      0.0331 + p.actions.reduce((sum, a) => sum + (a.kind === "bid" ? a.to - a.from : a.kind === "launch" ? launchDph(a) : 0), 0);
    expect(p.actions.some((a) => a.kind === "bid")).toBe(true);
    expect(total).toBeLessThanOrEqual(ceiling);
  });
});

describe("the outbid wait always holds", () => {
  const run = (since: number, bid: BidRecord) =>
    plan(
      input({
        config: bidCfg,
        state: state({ lastMarketScanAt: NOW, bids: { "5": bid } }),
        workers: [outbid(since)],
        offers: [],
        bidOffers: [bidRow(777, 0.04), bidRow(900, 0.045)],
      }),
    );

  it.each([
    ["first raise of the spell: raised", NOW - 2 * MIN, mine(0.03), "bid"],
    ["already raised this spell: waits, no second raise", NOW - 2 * MIN, mine(0.0357, { previous: 0.03, at: NOW - MIN }), "held"],
    ["raise possible but the wait is over: destroyed", NOW - 11 * MIN, mine(0.03), "destroy"],
  ] as const)("%s", (_name, since, bid, outcome) => {
    const p = run(since, bid);
    const kinds = p.actions.map((a) => a.kind);
    if (outcome === "held") {
      expect(kinds).toEqual([]);
      expect(p.held.join("\n")).toMatch(/outbid, waits/);
    } else if (outcome === "bid") expect(kinds).toEqual(["bid"]);
    // Destroyed and its slot refilled, never raised.
    else expect(kinds).toEqual(["destroy", "launch"]);
  });
});

describe("interruptions learned", () => {
  it("a bid outbid from its first sighting counts as an outbid", () => {
    const before = state({ interruptions: { [FLEET_KEY]: { hours: 0, outbids: 0, at: NOW - 5 * MIN } } });
    const next = learnInterruptions(before, [outbid(NOW)], before, NOW);
    for (const key of [FLEET_KEY, gpuKey("RTX 3060"), hostKey(777)]) expect(next.interruptions[key]).toMatchObject({ outbids: 1 });
  });

  it.each([
    ["a host not seen for weeks is forgotten", hostKey(1), { hours: 5, outbids: 1, at: NOW - 30 * 24 * HOUR }, false],
    ["a recent host is kept", hostKey(2), { hours: 5, outbids: 1, at: NOW - HOUR }, true],
    ["the fleet's own record is always kept", FLEET_KEY, { hours: 5, outbids: 1, at: NOW - 60 * 24 * HOUR }, true],
  ])("%s", (_name, key, rec, kept) => {
    expect(key in forgetInterruptions({ [key]: rec }, NOW)).toBe(kept);
  });
});

describe("a paused bid is never read as dead", () => {
  const known = state({ bids: { "5": mine(0.03) } });
  const journaled = state({
    pendingLaunches: [
      {
        slot: 0,
        instanceId: 5,
        offerId: 1,
        machineId: 777,
        gpuName: "RTX 3060",
        dph: 0.03,
        at: NOW,
        upgradeOf: null,
        reason: "",
        bid: 0.03,
      },
    ],
  });
  it.each([
    ["is_bid missing, known in state.bids", { is_bid: false, actual_status: "stopped" }, known, "OUTBID"],
    ["is_bid missing, a launch journaled at a bid", { is_bid: false, actual_status: "stopped" }, journaled, "OUTBID"],
    ["paused before it ever started", { is_bid: true, actual_status: "loading", intended_status: "stopped" }, state(), "OUTBID"],
    ["paused before it was created", { is_bid: true, actual_status: "created", intended_status: "stopped" }, state(), "OUTBID"],
    ["an on-demand instance stopped", { is_bid: false, actual_status: "stopped" }, state(), "DEAD"],
  ] as const)("%s: %s", (_name, over, s, phase) => {
    const inst = asKnownBid(instance({ id: 5, ...over }), s);
    expect(classify(inst, undefined, undefined, NOW, 600).phase).toBe(phase);
  });
});

describe("one pass, one fate per instance", () => {
  it("a worker the scale-down destroys is not raised too", () => {
    const p = plan(
      input({
        config: { ...bidCfg, workers: 0 },
        state: state({ lastMarketScanAt: NOW, bids: { "5": mine(0.03) } }),
        workers: [outbid(NOW - 2 * MIN)],
        offers: [],
        bidOffers: [bidRow(777, 0.034), bidRow(900, 0.04)],
      }),
    );
    expect(destroys(p.actions).map((d) => d.instanceId)).toEqual([5]);
    expect(p.actions.filter((a) => a.kind === "bid")).toEqual([]);
  });
});

describe("a failed bid search blinds only the bids", () => {
  it("on-demand launches go on", async () => {
    const created: number[] = [];
    const vast = scriptedVast({
      searchOffers: async (q) => {
        if (q.type === "bid") throw new Error("bid search down");
        return [offer({ id: 11, machine_id: 1, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.07 })];
      },
      createInstance: async (offerId) => ({ id: 9000 + created.push(offerId) }),
    });
    const out = await runPass("zeb", config({ workers: 1, capacity: "mixed", minOnDemand: 1 }), state(), passDeps(vast, NOW));
    expect(created).toEqual([11]);
    expect(out.report.errors.join("\n")).toMatch(/bid offer search failed/);
  });
});

describe("uncertain bids are settled", () => {
  it.each([
    ["the worker runs again: certain", "RUNNING", "running", false],
    ["still paused: stays uncertain", "OUTBID", "stopped", true],
  ] as const)("%s", (_name, phase, status, uncertain) => {
    const w = worker({ id: 5, phase, inst: { ...bidInst, actual_status: status } });
    expect(settleBids({ "5": mine(0.0357, { uncertain: true }) }, [w])["5"]?.uncertain).toBe(uncertain);
  });
});
