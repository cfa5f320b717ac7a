import { describe, expect, it } from "vitest";
import { BLOCK_AT, decayedStrikes, isBlocked, rankOffers, STRIKES_TO_BLOCK } from "../../src/reconcile/offers";
import { blockHost, FORGET_BELOW, forgetHosts, MAX_MEASURED_HOSTS, strike } from "../../src/reconcile/hosts";
import { runPass } from "../../src/reconcile/pass";
import { adoptBlocks, BLOCK_MS } from "../../src/reconcile/shared-hosts";
import { config, hostRecord, HOUR, instance, NOW, offer, passDeps, scriptedVast, state } from "./fixtures";

/**
 * The operator's block (PUT /hosts/:machineId): what no log line shows, kept until cleared, over
 * whatever record the fleet had; what it measured there stays.
 */
describe("blocking a host by hand", () => {
  const rows: { name: string; before: ReturnType<typeof hostRecord> | null; keeps: Partial<ReturnType<typeof hostRecord>> }[] = [
    { name: "a host the fleet has never seen", before: null, keeps: { gamesPerSec: null, samples: 0, gpuName: null } },
    {
      name: "a host the fleet measured",
      before: hostRecord(700, { gamesPerSec: 3.9, samples: 8, gpuName: "RTX 3060" }),
      keeps: { gamesPerSec: 3.9, samples: 8, gpuName: "RTX 3060" },
    },
    {
      name: "a host with one strike of its own",
      before: hostRecord(700, { strikes: 1, lastStrikeAt: NOW - HOUR, lastStrike: "stalled" }),
      keeps: {},
    },
    {
      name: "a host blocked by another fleet (adopted)",
      before: hostRecord(700, { strikes: STRIKES_TO_BLOCK, lastStrikeAt: NOW - HOUR, sharedFrom: "zeb-large" }),
      keeps: {},
    },
    {
      name: "a No CUDA host: the operator's reason replaces it",
      before: hostRecord(700, { strikes: 2, lastStrikeAt: NOW - HOUR, blockedReason: "No CUDA on this host" }),
      keeps: {},
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const before = state({ hosts: r.before ? { "700": r.before } : {} });
      const frozen = structuredClone(before);
      const { state: after, host } = blockHost(before, 700, "blocked by the operator: slow link", NOW);
      expect(before).toEqual(frozen);
      expect(after.hosts["700"]).toEqual(host);
      expect(host).toMatchObject({
        machineId: 700,
        blockedReason: "blocked by the operator: slow link",
        lastStrike: "blocked by the operator: slow link",
        lastStrikeAt: NOW,
        sharedFrom: null,
        ...r.keeps,
      });
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
    const adopted = adoptBlocks(
      state(),
      [{ machineId: 700, gpuName: null, reason: "bounced", fleet: "zeb-large", at: NOW - HOUR, permanent: false }],
      "zeb",
      NOW,
    );
    const { state: blocked } = blockHost(adopted, 700, "blocked by the operator: slow link", NOW);
    // The other fleet's block is cleared: the operator's, now this fleet's own, stays.
    const lifted = adoptBlocks(blocked, [], "zeb", NOW + HOUR);
    expect(lifted.hosts["700"]?.blockedReason).toBe("blocked by the operator: slow link");
    expect(rankOffers([cheap, other], { ...ctx, now: NOW + HOUR, state: lifted }).map((r) => r.offer.machine_id)).toEqual([701]);
  });
});

/**
 * Records that say nothing any more leave the state every pass reads and writes, so a fleet that
 * runs for months does not carry every host it ever struck.
 */
describe("forgetting faded host records", () => {
  const DAY = 24 * HOUR;
  // Two strikes fall under FORGET_BELOW after log2(2 / 0.05) = 5.32 half-lives of a day.
  const rows: { name: string; record: ReturnType<typeof hostRecord>; kept: boolean }[] = [
    { name: "two strikes 5 days ago (0.063 left)", record: hostRecord(1, { strikes: 2, lastStrikeAt: NOW - 5 * DAY }), kept: true },
    { name: "two strikes 5.4 days ago (0.047 left)", record: hostRecord(2, { strikes: 2, lastStrikeAt: NOW - 5.4 * DAY }), kept: false },
    { name: "one strike 4.4 days ago (0.047 left)", record: hostRecord(3, { strikes: 1, lastStrikeAt: NOW - 4.4 * DAY }), kept: false },
    { name: "a record with no strike and nothing measured", record: hostRecord(4, { strikes: 0, lastStrikeAt: 0 }), kept: false },
    {
      name: "faded, but the fleet measured the host",
      record: hostRecord(5, { strikes: 2, lastStrikeAt: NOW - 30 * DAY, gamesPerSec: 3.9, samples: 1 }),
      kept: true,
    },
    {
      name: "No CUDA a month ago: blocked for good",
      record: hostRecord(6, { strikes: 2, lastStrikeAt: NOW - 30 * DAY, blockedReason: "No CUDA on this host" }),
      kept: true,
    },
    {
      name: "the operator's block a month ago",
      record: hostRecord(7, { strikes: 2, lastStrikeAt: NOW - 30 * DAY, blockedReason: "blocked by the operator: slow link" }),
      kept: true,
    },
    {
      name: "another fleet's block, faded (the account lifts those)",
      record: hostRecord(8, { strikes: 2, lastStrikeAt: NOW - 30 * DAY, sharedFrom: "zeb-large" }),
      kept: true,
    },
  ];
  for (const r of rows) {
    it(`${r.kept ? "keeps" : "forgets"} ${r.name}`, () => {
      const hosts = { [String(r.record.machineId)]: r.record };
      expect(String(r.record.machineId) in forgetHosts(hosts, NOW)).toBe(r.kept);
    });
  }

  it("keeps the same object when nothing faded, and leaves its input as it was", () => {
    const kept = { "1": rows[0]!.record };
    expect(forgetHosts(kept, NOW)).toBe(kept);
    const mixed = Object.fromEntries(rows.map((r) => [String(r.record.machineId), r.record]));
    const frozen = structuredClone(mixed);
    expect(Object.keys(forgetHosts(mixed, NOW)).map(Number)).toEqual(rows.filter((r) => r.kept).map((r) => r.record.machineId));
    expect(mixed).toEqual(frozen);
  });

  it("forgets only records whose later strike counts would differ from none by under FORGET_BELOW", () => {
    const forgotten = rows.filter((r) => !r.kept).map((r) => r.record);
    expect(forgotten.length).toBeGreaterThan(0);
    for (const old of forgotten) {
      expect(forgetHosts({ [String(old.machineId)]: old }, NOW)).toEqual({});
      for (const weights of [[1], [1, 1], [STRIKES_TO_BLOCK], [1, STRIKES_TO_BLOCK]]) {
        const remembered = { ...old };
        const fresh = hostRecord(old.machineId, { strikes: 0, lastStrikeAt: 0 });
        weights.forEach((w, i) => {
          strike(remembered, w, "stalled", NOW + i * 6 * HOUR);
          strike(fresh, w, "stalled", NOW + i * 6 * HOUR);
        });
        for (const later of [0, 1, 6, 12, 24, 48].map((h) => NOW + h * HOUR)) {
          expect(Math.abs(decayedStrikes(remembered, later) - decayedStrikes(fresh, later))).toBeLessThan(FORGET_BELOW);
        }
      }
    }
  });

  it(`past ${MAX_MEASURED_HOSTS} measured hosts, forgets those measured longest ago, never a blocked one`, () => {
    const measured = (id: number, at: number | null, over: Partial<ReturnType<typeof hostRecord>> = {}) =>
      hostRecord(id, { gamesPerSec: 3.9, samples: 6, measuredAt: at, ...over });
    const hosts: Record<string, ReturnType<typeof hostRecord>> = {};
    for (let i = 0; i < MAX_MEASURED_HOSTS; i++) hosts[String(10_000 + i)] = measured(10_000 + i, NOW - i * HOUR);
    // Three more than the cap: a record saved before measuredAt was kept, and the two oldest by date.
    hosts["1"] = measured(1, null);
    hosts["2"] = measured(2, NOW - 10_000 * HOUR);
    hosts["3"] = measured(3, NOW - (MAX_MEASURED_HOSTS - 1) * HOUR - 1);
    // Older than all of them, but blocked: kept, and not counted.
    hosts["4"] = measured(4, NOW - 20_000 * HOUR, { blockedReason: "No CUDA on this host" });
    hosts["5"] = measured(5, NOW - 20_000 * HOUR, { strikes: 2, sharedFrom: "zeb-large" });
    const kept = forgetHosts(hosts, NOW);
    expect(Object.keys(kept)).toHaveLength(MAX_MEASURED_HOSTS + 2);
    for (const gone of ["1", "2", "3"]) expect(kept[gone]).toBeUndefined();
    for (const stays of ["4", "5", "10000", String(10_000 + MAX_MEASURED_HOSTS - 1)]) expect(kept[stays]).toBeDefined();
    // At the cap, nothing goes.
    expect(forgetHosts(kept, NOW)).toBe(kept);
  });

  it("a pass drops them, and keeps what it measured", async () => {
    const worker = instance({ id: 41, machine_id: 500 });
    const batch = "[worker-vast-0] batch 6: 7168 examples, 3.9 games/s, step=142, total_games=1536";
    const vast = scriptedVast({ listInstances: async () => [worker], searchOffers: async () => [], getLogs: async () => batch });
    const before = state({
      hosts: {
        "2": rows[1]!.record,
        "5": rows[4]!.record,
        "6": rows[5]!.record,
      },
    });
    const { state: after } = await runPass("zeb", config({ workers: 1 }), before, passDeps(vast, NOW));
    // 500 is the running worker's host, measured in this pass.
    expect(Object.keys(after.hosts).sort()).toEqual(["5", "500", "6"]);
    expect(after.hosts["500"]).toMatchObject({ samples: 1, gamesPerSec: 3.9, measuredAt: NOW });
    expect(after.hosts["5"]).toEqual(rows[4]!.record);
  });
});
