import type { FleetStatus } from "../fleet/status";

export type GrandTotals = Pick<FleetStatus["totals"], "instances" | "running" | "dph" | "dpd" | "gamesPerSec">;

/** All fleets together: what the account is spending and producing right now. */
export function grandTotals(fleets: FleetStatus[]): GrandTotals {
  const sum = (pick: (t: FleetStatus["totals"]) => number) => fleets.reduce((a, f) => a + pick(f.totals), 0);
  const dph = sum((t) => t.dph);
  return {
    instances: sum((t) => t.instances),
    running: sum((t) => t.running),
    dph: Math.round(dph * 10_000) / 10_000,
    dpd: Math.round(dph * 24 * 100) / 100,
    gamesPerSec: Math.round(sum((t) => t.gamesPerSec) * 100) / 100,
  };
}
