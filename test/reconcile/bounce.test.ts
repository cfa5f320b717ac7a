import { describe, expect, it } from "vitest";
import type { FleetConfig } from "../../src/config/fleet";
import { runPass } from "../../src/reconcile/pass";
import type { FleetState } from "../../src/reconcile/state";
import type { VastClient } from "../../src/vast/client";
import type { Instance, Offer } from "../../src/vast/schemas";
import { config, instance, MIN, NOW, offer, passDeps, scriptedVast, state as emptyFleetState } from "./fixtures";

/**
 * The market memory inside a real pass: searches that list a host, then not, then again within
 * the bounce window block it before the plan can rent it, and GET /hosts can say why.
 */
const WORKER = instance({ id: 41, machine_id: 500, dph_total: 0.08 });
const BOUNCER = 777;
const BATCHES = Array.from(
  { length: 6 },
  (_, i) => `[worker-vast-0] batch ${i + 1}: 7168 examples, 3.9 games/s, step=142, total_games=${256 * (i + 1)}`,
).join("\n");

function scripted(offersByPass: Offer[][], othersByPass: Instance[][] = []): { vast: VastClient; created: number[] } {
  let pass = -1;
  const created: number[] = [];
  const vast = scriptedVast({
    listInstances: async () => [WORKER, ...(othersByPass[++pass] ?? [])],
    searchOffers: async () => offersByPass[pass] ?? [],
    createInstance: async (offerId) => ({ id: 9000 + created.push(offerId) }),
    getLogs: async () => BATCHES,
  });
  return { vast, created };
}

async function passes(
  offersByPass: Offer[][],
  othersByPass: Instance[][] = [],
  over: Partial<FleetConfig> = {},
): Promise<{ state: FleetState; created: number[] }> {
  const { vast, created } = scripted(offersByPass, othersByPass);
  let s = emptyFleetState();
  for (let i = 0; i < offersByPass.length; i++) {
    // 10 minutes apart: each pass is due an upgrade scan, so each one searches the market.
    s = (await runPass("zeb", config({ workers: 1, ...over }), s, passDeps(vast, NOW + i * 10 * MIN))).state;
  }
  return { state: s, created };
}

describe("a host another renter gives back within minutes", () => {
  // The same value as the running worker (no upgrade), and then a deal worth trading up to.
  const same = () => offer({ machine_id: BOUNCER, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.08 });
  const deal = () => offer({ machine_id: BOUNCER, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.05 });

  it("is blocked the pass it comes back, before the planner could trade up to it", async () => {
    const { state, created } = await passes([[same()], [], [deal()]]);
    expect(state.hosts[String(BOUNCER)]).toMatchObject({ lastStrike: expect.stringMatching(/gave it back within 45m00s/) });
    expect(state.hosts[String(BOUNCER)]!.strikes).toBeGreaterThanOrEqual(1.5);
    expect(created).toEqual([]);
  });

  it("a host another fleet of the account rented and dropped is no bounce: the fleet trades up to it", async () => {
    const theirs = instance({ id: 42, machine_id: BOUNCER, label: "zeb-large-worker-vast-0" });
    const { state, created } = await passes([[same()], [], [deal()]], [[], [theirs], []]);
    expect(state.hosts[String(BOUNCER)]).toBeUndefined();
    expect(created).toHaveLength(1);
  });

  it("with ZEB_BOUNCE_WINDOW_S=0 the market is not watched: the fleet trades up to the same host", async () => {
    const { state, created } = await passes([[same()], [], [deal()]], [], { bounceWindowS: 0 });
    expect(state.hosts[String(BOUNCER)]).toBeUndefined();
    expect(state.market).toEqual({});
    expect(created).toHaveLength(1);
  });

  it("a host that stays listed is a deal like any other: the fleet trades up to it", async () => {
    const { state, created } = await passes([[same()], [same()], [deal()]]);
    expect(state.hosts[String(BOUNCER)]).toBeUndefined();
    expect(created).toHaveLength(1);
  });
});

describe("an idle fleet watches the market", () => {
  const bouncer = () => offer({ id: 1, machine_id: BOUNCER, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.05 });
  const steady = () => offer({ id: 2, machine_id: 778, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.055 });

  async function idleThenScale(bounceWindowS: number): Promise<{ created: number[]; searches: number }> {
    const listings = [[bouncer(), steady()], [steady()], [bouncer(), steady()], [bouncer(), steady()]];
    let pass = -1;
    let searches = 0;
    const created: number[] = [];
    const vast = scriptedVast({
      listInstances: async () => {
        pass++;
        return [];
      },
      searchOffers: async () => {
        searches++;
        return listings[pass] ?? [];
      },
      createInstance: async (offerId) => ({ id: 9000 + created.push(offerId) }),
    });
    let s = emptyFleetState();
    // Three passes at target 0, two scan intervals apart, then the user scales to 1.
    for (const [i, workers] of [0, 0, 0, 1].entries()) {
      s = (await runPass("zeb", config({ workers, bounceWindowS }), s, passDeps(vast, NOW + i * 5 * MIN))).state;
    }
    return { created, searches };
  }

  it("so a host given back while it idled is not its first rental when it scales up", async () => {
    const { created, searches } = await idleThenScale(2700);
    expect(searches).toBe(4);
    expect(created).toEqual([2]);
  });

  it("with market memory off an idle fleet does not search, and rents the cheaper host", async () => {
    const { created, searches } = await idleThenScale(0);
    expect(searches).toBe(1);
    expect(created).toEqual([1]);
  });
});
