import { describe, expect, it } from "vitest";
import { emptyState, FleetState, salvageState } from "../../src/reconcile/state";

describe("FleetState: states saved by older versions still load", () => {
  it("one from before the market watch (lastUpgradeScanAt) reads as never scanned", () => {
    const { lastMarketScanAt: _, ...rest } = emptyState();
    const saved = JSON.parse(JSON.stringify({ ...rest, lastUpgradeScanAt: 1_700_000_000_000 }));
    const parsed = FleetState.parse(saved);
    expect(parsed.lastMarketScanAt).toBeNull();
    expect(parsed).not.toHaveProperty("lastUpgradeScanAt");
  });

  it("one from before market memory has no sightings", () => {
    const { market: _, ...rest } = emptyState();
    expect(FleetState.parse(JSON.parse(JSON.stringify(rest))).market).toEqual({});
  });
});

describe("FleetState: an older per-model VRAM floor", () => {
  it("becomes one floor by memory, the highest of them", () => {
    const { vramFloorMb: _, ...rest } = emptyState();
    const saved = JSON.parse(JSON.stringify({ ...rest, gpuRamFloor: { "RTX 3060": 12289, "RTX 3070": 8193 } }));
    const parsed = FleetState.parse(saved);
    expect(parsed.vramFloorMb).toBe(12289);
    expect(parsed).not.toHaveProperty("gpuRamFloor");
  });
});

describe("salvageState: what a damaged stored state still gives back", () => {
  const pending = {
    slot: 1,
    instanceId: null,
    offerId: 7,
    machineId: 70,
    gpuName: "RTX 3060",
    dph: 0.06,
    at: 1000,
    upgradeOf: null,
    reason: "slot 1 empty",
  };
  const good = { ...emptyState(), pendingLaunches: [pending], vramFloorMb: 12289 };

  it.each<[string, (s: Record<string, unknown>) => Record<string, unknown>, string[], number]>([
    ["a field of the wrong shape: only that field is lost", (s) => ({ ...s, breaker: { open: "no" } }), ["breaker"], 1],
    [
      "one bad pending launch among good ones: the good ones are kept",
      (s) => ({ ...s, pendingLaunches: [pending, { slot: "x" }] }),
      ["pendingLaunches"],
      1,
    ],
    ["a missing field: it takes its empty value", ({ upgrades: _, ...s }) => s, ["upgrades"], 1],
  ])("%s", (_name, damage, lost, kept) => {
    const text = JSON.stringify(damage(good));
    expect(FleetState.safeParse(JSON.parse(text)).success).toBe(false);
    const out = salvageState(text);
    expect(out.lost).toEqual(lost);
    expect(out.state.pendingLaunches).toHaveLength(kept);
    expect(out.state.vramFloorMb).toBe(12289);
  });

  it("text that is not JSON gives an empty state and says so", () => {
    expect(salvageState("{not json")).toEqual({ state: emptyState(), lost: ["everything (not JSON)"] });
  });
});
