import { describe, expect, it } from "vitest";
import { runPass } from "../../src/reconcile/pass";
import { emptyState as emptyStateFixture, type FleetState } from "../../src/reconcile/state";
import { createVastClient } from "../../src/vast/client";
import { config, MIN, NOW, passDeps, scriptedVast } from "./fixtures";
import { BASE, json, KEY, offerRow, scripted, sleeps } from "../vast/standin";

/**
 * Vast answers at most 64 offers a search (SEARCH_ROW_CAP); a search is complete only when Vast sent
 * fewer rows, rented ones included (the ranking drops those, not the client). Counted after dropping
 * them, a capped search of 64 rows with one rented row would read as a complete one of 63, and a
 * machine merely pushed past row 64 would be struck as "given back by another renter" when back.
 */
describe("a capped search with a rented row", () => {
  it("does not block a machine that was only pushed past the 64th row", async () => {
    // Rows 1..64 by price; row 1 is marked rented (Vast may still list it). Machine of offer 64 is the one watched.
    const base = Array.from({ length: 64 }, (_, i) => ({
      ...offerRow(i + 1, "RTX 3060", 0.03 + i * 0.0005),
      ...(i === 0 ? { rented: true } : {}),
    }));
    // A cheaper offer appears: offer 64 is now row 65, past the cap, though still on the market.
    const pushed = [offerRow(500, "RTX 3060", 0.02), ...base.slice(0, 63)];
    const vast = scripted(
      () => json({ offers: base }),
      () => json({ offers: pushed }),
      () => json({ offers: base }),
    );
    const real = createVastClient({ baseUrl: BASE, apiKey: KEY, fetch: vast.fetch, sleep: sleeps().sleep });
    const client = scriptedVast({ searchOffers: (q) => real.searchOffers(q) });
    const cfg = config({ workers: 0, maxDph: 0.09, bounceWindowS: 2700 });
    let state: FleetState = emptyStateFixture();
    for (const [k, t] of [NOW, NOW + 3 * MIN, NOW + 6 * MIN].entries()) {
      const out = await runPass("zeb", cfg, state, passDeps(client, t));
      state = out.state;
      if (k === 1) expect(state.market[String(50_000 + 64)]?.goneAt ?? null, "recorded as gone though only past the last row").toBeNull();
    }
    // STRIKES_TO_BLOCK (2) strikes: blocked (offers.ts), and shared with the account's fleets.
    expect(state.hosts[String(50_000 + 64)]?.strikes ?? 0).toBe(0);
  });
});
