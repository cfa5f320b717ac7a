import { describe, expect, it } from "vitest";
import { emptyState, FleetState } from "../../src/reconcile/state";

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
