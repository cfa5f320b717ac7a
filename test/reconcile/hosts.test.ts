import { describe, expect, it } from "vitest";
import { BLOCK_AT, isBlocked, rankOffers, STRIKES_TO_BLOCK } from "../../src/reconcile/offers";
import { blockHost } from "../../src/reconcile/hosts";
import { adoptBlocks, BLOCK_MS } from "../../src/reconcile/shared-hosts";
import { config, hostRecord, HOUR, NOW, offer, state } from "./fixtures";

/**
 * The operator's block (PUT /hosts/:machineId): what no log line shows, kept until cleared, over
 * whatever record the fleet had; what it measured there stays.
 */
describe("blocking a host by hand", () => {
  const rows: { name: string; before: ReturnType<typeof hostRecord> | null; keeps: Partial<ReturnType<typeof hostRecord>> }[] = [
    { name: "a host the fleet has never seen", before: null, keeps: { gamesPerSec: null, samples: 0, gpuName: null } },
    { name: "a host the fleet measured", before: hostRecord(700, { gamesPerSec: 3.9, samples: 8, gpuName: "RTX 3060" }), keeps: { gamesPerSec: 3.9, samples: 8, gpuName: "RTX 3060" } },
    { name: "a host with one strike of its own", before: hostRecord(700, { strikes: 1, lastStrikeAt: NOW - HOUR, lastStrike: "stalled" }), keeps: {} },
    { name: "a host blocked by another fleet (adopted)", before: hostRecord(700, { strikes: STRIKES_TO_BLOCK, lastStrikeAt: NOW - HOUR, sharedFrom: "zeb-large" }), keeps: {} },
    { name: "a No CUDA host: the operator's reason replaces it", before: hostRecord(700, { strikes: 2, lastStrikeAt: NOW - HOUR, blockedReason: "No CUDA on this host" }), keeps: {} },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const before = state({ hosts: r.before ? { "700": r.before } : {} });
      const frozen = structuredClone(before);
      const { state: after, host } = blockHost(before, 700, "blocked by the operator: slow link", NOW);
      expect(before).toEqual(frozen);
      expect(after.hosts["700"]).toEqual(host);
      expect(host).toMatchObject({ machineId: 700, blockedReason: "blocked by the operator: slow link", lastStrike: "blocked by the operator: slow link", lastStrikeAt: NOW, sharedFrom: null, ...r.keeps });
      expect(host.strikes).toBeGreaterThanOrEqual(STRIKES_TO_BLOCK);
      // Until cleared: a strike-only block would have lapsed by then.
      for (const later of [NOW, NOW + BLOCK_MS, NOW + 30 * 24 * HOUR]) expect(isBlocked(host, later)).toBe(true);
      expect(host.strikes * 0.5 ** 30).toBeLessThan(BLOCK_AT);
    });
  }

  it("cuts a long reason to the 200 characters a record keeps", () => {
    const { host } = blockHost(state(), 700, `blocked by the operator: ${"x".repeat(300)}`, NOW);
    expect(host.blockedReason).toHaveLength(200);
    expect(host.blockedReason.endsWith("…")).toBe(true);
  });

  it("is never rented again, and survives the registry dropping an adopted block", () => {
    const cheap = offer({ machine_id: 700, gpu_name: "RTX 3060 Ti", dph_total: 0.05 });
    const other = offer({ machine_id: 701, gpu_name: "RTX 3060 Ti", dph_total: 0.06 });
    const ctx = { config: config(), now: NOW, fleetDph: 0 };
    expect(rankOffers([cheap, other], { ...ctx, state: state() })[0]?.offer.machine_id).toBe(700);
    const adopted = adoptBlocks(state(), [{ machineId: 700, gpuName: null, reason: "bounced", fleet: "zeb-large", at: NOW - HOUR, permanent: false }], "zeb", NOW);
    const { state: blocked } = blockHost(adopted, 700, "blocked by the operator: slow link", NOW);
    // The other fleet's block is cleared: the operator's, now this fleet's own, stays.
    const lifted = adoptBlocks(blocked, [], "zeb", NOW + HOUR);
    expect(lifted.hosts["700"]?.blockedReason).toBe("blocked by the operator: slow link");
    expect(rankOffers([cheap, other], { ...ctx, now: NOW + HOUR, state: lifted }).map((r) => r.offer.machine_id)).toEqual([701]);
  });
});
