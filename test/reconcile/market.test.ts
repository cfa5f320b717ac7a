import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/fleet";
import { observeMarket, type MarketLook, type Sighting } from "../../src/reconcile/market";
import { MIN, NOW, offer } from "./fixtures";

const CAP = 0.11;
const BOUNCE_WINDOW_MS = DEFAULTS.bounceWindowS * 1000;
const M = 7001;
const listed = (machine_id: number, dph = 0.06) => offer({ machine_id, dph_total: dph });
const look = (over: Partial<MarketLook> = {}): MarketLook => ({
  offers: [],
  now: NOW,
  windowMs: BOUNCE_WINDOW_MS,
  maxDph: CAP,
  complete: true,
  own: new Set(),
  ...over,
});
const sighting = (over: Partial<Sighting> = {}): Sighting => ({ listedAt: NOW - 10 * MIN, dph: 0.06, goneAt: null, ...over });

describe("observeMarket: a machine that leaves the listing and comes back soon was rented and dropped", () => {
  it.each<[string, Record<string, Sighting>, Partial<MarketLook>, number[]]>([
    ["back within the window → bounced", { [M]: sighting({ goneAt: NOW - 20 * MIN }) }, { offers: [listed(M)] }, [M]],
    ["back at exactly the window → bounced", { [M]: sighting({ goneAt: NOW - BOUNCE_WINDOW_MS }) }, { offers: [listed(M)] }, [M]],
    [
      "back just after the window → a real rental ended, not a bounce",
      { [M]: sighting({ goneAt: NOW - BOUNCE_WINDOW_MS - 1 }) },
      { offers: [listed(M)] },
      [],
    ],
    ["listed all along → nothing", { [M]: sighting() }, { offers: [listed(M)] }, []],
    ["never seen before → nothing", {}, { offers: [listed(M)] }, []],
    [
      "ours (we rented it, then let it go) → nothing",
      { [M]: sighting({ goneAt: NOW - 20 * MIN }) },
      { offers: [listed(M)], own: new Set([M]) },
      [],
    ],
  ])("%s", (_name, before, over, bounced) => {
    expect(observeMarket(before, look(over)).bounced).toEqual(bounced);
  });

  it.each<[string, Sighting, Partial<MarketLook>, Sighting | undefined]>([
    ["absent from a complete search → marked gone now", sighting(), {}, sighting({ goneAt: NOW })],
    ["absent from a search that hit its row limit → forgotten, not gone", sighting(), { complete: false }, undefined],
    ["last listed near the cap → forgotten (it may have drifted over the cap)", sighting({ dph: CAP * 0.96 }), {}, undefined],
    ["absent because we rent it → forgotten", sighting(), { own: new Set([M]) }, undefined],
    ["gone within the window → kept as gone", sighting({ goneAt: NOW - 30 * MIN }), {}, sighting({ goneAt: NOW - 30 * MIN })],
    ["gone longer than the window → forgotten", sighting({ goneAt: NOW - BOUNCE_WINDOW_MS - 1 }), {}, undefined],
  ])("%s", (_name, before, over, after) => {
    expect(observeMarket({ [M]: before }, look(over)).sightings[String(M)]).toEqual(after);
  });

  it("a listed machine is remembered at its price, gone marks cleared", () => {
    const { sightings } = observeMarket({ [M]: sighting({ goneAt: NOW - 5 * MIN }) }, look({ offers: [listed(M, 0.051)] }));
    expect(sightings[String(M)]).toEqual({ listedAt: NOW, dph: 0.051, goneAt: null });
  });

  it("listed, gone, listed: the third search names it", () => {
    let s: Record<string, Sighting> = {};
    const seen: number[][] = [];
    for (const [t, offers] of [
      [0, [listed(M), listed(M + 1)]],
      [10, [listed(M + 1)]],
      [20, [listed(M + 1)]],
      [30, [listed(M), listed(M + 1)]],
    ] as const) {
      const out = observeMarket(s, look({ offers: [...offers], now: NOW + t * MIN }));
      s = out.sightings;
      seen.push(out.bounced);
    }
    expect(seen).toEqual([[], [], [], [M]]);
  });
});
