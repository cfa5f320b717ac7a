import { describe, expect, it } from "vitest";
import { FLEET_TAKES_KEY, learnTakes, rankKey } from "../../src/reconcile/interruptions";
import { type MarketLook, observeMarket } from "../../src/reconcile/market";
import { runPass } from "../../src/reconcile/pass";
import { plan } from "../../src/reconcile/plan";
import { config, destroys, input, instance, launches, MIN, NOW, offer, passDeps, scriptedVast, state, worker } from "./fixtures";

/**
 * A bid search that did not ask for an outbid worker's machine (`/up?gpu=` of another model, a
 * machine under the learned VRAM floor) cannot say an on-demand renter holds it: "cannot see" is
 * not "taken". The worker waits its bounded spell, and the fleet learns no take.
 */

const bidCfg = config({ workers: 1, capacity: "interruptible", maxDph: 0.09, outbidWaitS: 600 });
const row3090 = offer({ id: 900, machine_id: 900, gpu_name: "RTX 3090", gpu_ram: 24576, min_bid: 0.05, dph_total: 0.0531 });
const outbid3060 = () =>
  worker({
    id: 5,
    phase: "OUTBID",
    since: NOW - 2 * MIN,
    inst: { is_bid: true, actual_status: "stopped", machine_id: 777, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.0331 },
  });

describe("an outbid worker the bid search did not look for is not replaced at once", () => {
  it.each([
    ["/up?gpu= of another model", { gpu: "RTX_3090" }, state({ lastMarketScanAt: NOW })],
    ["its VRAM is under the floor the search asked for", {}, state({ lastMarketScanAt: NOW, vramFloorMb: 16_000 })],
  ] as const)("%s", (_name, over, s) => {
    const p = plan(input({ config: bidCfg, state: s, workers: [outbid3060()], offers: [], bidOffers: [row3090], ...over }));
    expect(destroys(p.actions).filter((d) => d.instanceId === 5)).toEqual([]);
  });

  it("a pass with /up?gpu= of another model neither destroys it nor learns a take", async () => {
    const destroyed: number[] = [];
    const paused = instance({ id: 5, is_bid: true, actual_status: "stopped", machine_id: 777, dph_total: 0.0331 });
    const vast = scriptedVast({
      listInstances: async () => [paused],
      searchOffers: async () => [row3090],
      destroyInstance: async (id) => {
        destroyed.push(id);
        return "destroyed";
      },
    });
    const out = await runPass("zeb", bidCfg, state(), passDeps(vast, NOW), { gpu: "RTX_3090" });
    expect(out.report.workers.map((w) => w.phase)).toEqual(["OUTBID"]);
    expect(destroyed).toEqual([]);
    expect(out.state.interruptions[FLEET_TAKES_KEY]?.outbids ?? 0).toBe(0);
  });
});

describe("takes are learned only from consecutive bid searches", () => {
  const row = (machine: number) =>
    offer({ id: machine, machine_id: machine, gpu_name: "RTX 3060", gpu_ram: 12288, min_bid: 0.03, dph_total: 0.0331 });
  const ctx = { config: bidCfg, state: state(), now: NOW, fleetDph: 0 };
  const first = [1, 2, 3, 4, 5, 6, 7, 8].map(row);

  it.each([
    ["two minutes apart: the machines gone were taken", 2 * MIN, 8],
    // A fall back (6 h on demand), a pause or a run of capped searches: who left when is unknown.
    ["six hours apart: nothing is learned", 6 * 60 * MIN, 0],
  ])("%s", (_name, gap, takes) => {
    const s1 = learnTakes(state(), first, new Set(), ctx, NOW - gap);
    const s2 = learnTakes(s1, [row(9)], new Set(), ctx, NOW);
    const learned = Object.values(s2.interruptions).reduce((n, r) => n + r.outbids, 0);
    expect(learned).toBeCloseTo(takes, 6);
    expect(s2.bidListing).toEqual({ at: NOW, buckets: { "9": 0 } });
  });
});

describe("a bid launch never lands on a machine the fleet rents", () => {
  const cfg = config({ workers: 2, capacity: "interruptible", maxDph: 0.09 });
  const running = worker({ id: 6, inst: { is_bid: true, machine_id: 777, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.0331 } });
  // The bid search lists the account's own machines; a row that does not say `rented` must not outbid the fleet's own worker.
  const own = offer({ id: 70, machine_id: 777, gpu_name: "RTX 3060", gpu_ram: 12288, min_bid: 0.034, dph_total: 0.0371, rented: null });

  it("the slot waits for another machine", () => {
    const p = plan(input({ config: cfg, workers: [running], offers: [], bidOffers: [own] }));
    expect(launches(p.actions)).toEqual([]);
  });
});

describe("a trade to a bid never lands on a machine the fleet rents", () => {
  const cfg = config({ workers: 2, capacity: "interruptible", maxDph: 0.09, maxConcurrentUpgrades: 1 });
  const od = worker({ id: 9, slot: 0, since: NOW - 2 * 60 * MIN, inst: { machine_id: 50, gpu_name: "RTX 3060", dph_total: 0.07 } });
  // Slot 1's launch is made and not yet listed; the bid search lists its machine without saying `rented`.
  const pending = {
    slot: 1,
    instanceId: null,
    offerId: 60,
    machineId: 60,
    gpuName: "RTX 3060",
    dph: 0.0331,
    at: NOW - MIN,
    upgradeOf: null,
    reason: "",
    bid: 0.03,
  };
  const row = offer({ id: 60, machine_id: 60, gpu_name: "RTX 3060", gpu_ram: 12288, min_bid: 0.03, dph_total: 0.0331, rented: null });

  it("no trade to the pending launch's machine", () => {
    const interruptions = { [rankKey(0)]: { hours: 50, outbids: 1, at: NOW } };
    const s = state({ lastMarketScanAt: null, pendingLaunches: [pending], interruptions });
    const p = plan(input({ config: cfg, state: s, workers: [od], offers: [], bidOffers: [row] }));
    expect(launches(p.actions).map((l) => l.offer.machine_id)).toEqual([]);
  });
});

describe("the bid search lists the fleet's own machines: giving one back is no bounce", () => {
  const M = 777;
  const row = (rented: boolean) =>
    offer({ id: M, machine_id: M, gpu_name: "RTX 3060", gpu_ram: 12288, min_bid: 0.03, dph_total: 0.0331, rented });
  const look = (offers: ReturnType<typeof row>[], own: number[], now: number): MarketLook => ({
    offers,
    now,
    windowMs: 45 * MIN,
    maxDph: 0.09,
    complete: true,
    own: new Set(own),
  });

  it("rented by the fleet (listed), given back, relisted a few minutes later: not bounced", () => {
    const a = observeMarket({}, look([row(true)], [M], NOW - 4 * MIN));
    const b = observeMarket(a.sightings, look([], [], NOW - 2 * MIN));
    const c = observeMarket(b.sightings, look([row(false)], [], NOW));
    expect(c.bounced).toEqual([]);
  });
});
