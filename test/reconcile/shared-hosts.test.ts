import { describe, expect, it } from "vitest";
import { isBlocked, STRIKES_TO_BLOCK } from "../../src/reconcile/offers";
import { runPass } from "../../src/reconcile/pass";
import { adoptBlocks, BLOCK_MS, inForce, type SharedBlock } from "../../src/reconcile/shared-hosts";
import type { FleetState, HostRecord } from "../../src/reconcile/state";
import type { Offer } from "../../src/vast/schemas";
import { config, hostRecord, HOUR, instance, memory, MIN, NOW, offer, passDeps, scriptedVast, state } from "./fixtures";

/**
 * Host blocks the account's fleets share: what one fleet learns about a host whatever its workload
 * (no CUDA, no container, gone offline, given back by other renters) the others adopt before they
 * rent; what depends on the workload stays with the fleet that saw it.
 */
const block = (over: Partial<SharedBlock> = {}): SharedBlock => ({
  machineId: 700,
  gpuName: "RTX 3060",
  reason: "no container after 10m00s",
  fleet: "zeb-large",
  at: NOW - HOUR,
  permanent: false,
  ...over,
});
const record = (over: Partial<HostRecord> = {}): HostRecord => hostRecord(700, { lastStrikeAt: 0, ...over });

describe("adopting another fleet's blocks", () => {
  const rows: { name: string; b: SharedBlock; mine?: HostRecord; blocked: boolean; reason?: string | RegExp; from?: string | null }[] = [
    {
      name: "another fleet's block an hour old",
      b: block(),
      blocked: true,
      reason: "no container after 10m00s (found by fleet zeb-large)",
      from: "zeb-large",
    },
    { name: "this fleet's own block (it is already in its records, or was cleared here)", b: block({ fleet: "zeb" }), blocked: false },
    { name: "a block that has lapsed", b: block({ at: NOW - BLOCK_MS }), blocked: false },
    { name: "a lapsing block a minute before it lapses", b: block({ at: NOW - BLOCK_MS + MIN }), blocked: true, from: "zeb-large" },
    {
      name: "No CUDA found a week ago: permanent",
      b: block({ reason: "No CUDA on this host", permanent: true, at: NOW - 7 * 24 * HOUR }),
      blocked: true,
      reason: /^No CUDA on this host \(found by fleet zeb-large\)$/,
      from: "zeb-large",
    },
    { name: "a block from a later run of the clock (simulator reset)", b: block({ at: NOW + MIN }), blocked: false },
    {
      name: "a host this fleet blocked itself keeps its own reason",
      b: block(),
      mine: record({ strikes: 2, lastStrikeAt: NOW - MIN, lastStrike: "stuck in setup 10m00s" }),
      blocked: true,
      reason: "stuck in setup 10m00s",
      from: null,
    },
    {
      name: "a host with one strike of its own and measured speed",
      b: block(),
      mine: record({ strikes: 1, lastStrikeAt: NOW - MIN, gamesPerSec: 3.9, samples: 8 }),
      blocked: true,
      from: "zeb-large",
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const before = state({ hosts: r.mine ? { "700": r.mine } : {} });
      const after = adoptBlocks(before, [r.b], "zeb", NOW);
      const h = after.hosts["700"];
      expect(isBlocked(h, NOW)).toBe(r.blocked);
      if (!r.blocked) {
        expect(after).toBe(before);
        return;
      }
      expect(h?.sharedFrom).toBe(r.from);
      if (r.reason !== undefined) expect(h?.blockedReason ?? h?.lastStrike).toMatch(r.reason);
      if (r.mine) expect(h).toMatchObject({ gamesPerSec: r.mine.gamesPerSec, samples: r.mine.samples });
    });
  }

  it("lifts an adopted block the account no longer holds (cleared through the API), keeping what the fleet measured there", () => {
    const adopted = adoptBlocks(
      state({ hosts: { "700": record({ gamesPerSec: 3.9, samples: 8 }) } }),
      [block(), block({ machineId: 701 })],
      "zeb",
      NOW,
    );
    expect(isBlocked(adopted.hosts["700"], NOW) && isBlocked(adopted.hosts["701"], NOW)).toBe(true);
    const lifted = adoptBlocks(adopted, [block({ machineId: 701 })], "zeb", NOW);
    expect(lifted.hosts["700"]).toEqual(record({ gamesPerSec: 3.9, samples: 8, lastStrikeAt: NOW - HOUR }));
    expect(lifted.hosts["701"]?.sharedFrom).toBe("zeb-large");
    expect(adoptBlocks(lifted, [], "zeb", NOW).hosts["701"]).toBeUndefined();
  });

  it("keeps a block the fleet has since confirmed itself", () => {
    const adopted = adoptBlocks(state(), [block()], "zeb", NOW);
    const own = { ...adopted, hosts: { "700": { ...adopted.hosts["700"]!, sharedFrom: null } } };
    expect(adoptBlocks(own, [], "zeb", NOW)).toBe(own);
  });

  it("is idempotent, and an adopted block lapses when the finder's would", () => {
    const once = adoptBlocks(state(), [block()], "zeb", NOW);
    expect(adoptBlocks(once, [block()], "zeb", NOW)).toBe(once);
    const h = once.hosts["700"]!;
    expect(h.strikes).toBe(STRIKES_TO_BLOCK);
    expect(isBlocked(h, NOW - HOUR + BLOCK_MS - MIN)).toBe(true);
    expect(isBlocked(h, NOW - HOUR + BLOCK_MS + MIN)).toBe(false);
    expect(inForce(block(), NOW - HOUR + BLOCK_MS - MIN)).toBe(true);
    expect(inForce(block(), NOW - HOUR + BLOCK_MS + MIN)).toBe(false);
  });
});

const NO_CUDA = [
  "=== Setup started ===",
  "GPU check",
  "Traceback (most recent call last):",
  '  File "<string>", line 1, in <module>',
  "AssertionError: No CUDA",
].join("\n");
const OOM = [
  "[worker-vast-0] batch 3: 7168 examples, 3.9 games/s, step=142, total_games=768",
  "Traceback (most recent call last):",
  "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 11.76 GiB of which 312.00 MiB is free.",
].join("\n");
const BATCH_5 = "[worker-vast-0] batch 5: 7168 examples, 3.9 games/s, step=142, total_games=1280";
const OCI =
  "Error response from daemon: failed to create task for container: OCI runtime create failed: unresolvable CDI devices nvidia.com/gpu=all: unknown";

describe("which failures a pass shares with the account's other fleets", () => {
  // Every phase was first seen an hour ago (passDeps), so each timeout has passed.
  const rows: {
    name: string;
    over: Record<string, unknown>;
    logs?: string;
    ran?: boolean;
    stalled?: boolean;
    shared: "permanent" | "lapses" | null;
  }[] = [
    { name: "No CUDA before the first batch", over: { actual_status: "exited" }, logs: NO_CUDA, shared: "permanent" },
    { name: "no container after the boot timeout", over: { actual_status: "loading" }, shared: "lapses" },
    {
      name: "a boot Vast abandoned",
      over: { actual_status: "created", intended_status: "stopped", cur_state: "stopped", status_msg: OCI },
      shared: "lapses",
    },
    { name: "a host that went offline under a running worker", over: { actual_status: "offline" }, ran: true, shared: "lapses" },
    { name: "CUDA out of memory: the workload's size", over: { actual_status: "exited" }, logs: OOM, ran: true, shared: null },
    {
      name: "a container that exited before its first batch: maybe the onstart",
      over: { actual_status: "exited" },
      logs: "=== Setup started ===",
      shared: null,
    },
    { name: "stuck in setup: maybe the workload's dependencies", over: {}, logs: "=== Setup started ===\ngit installed", shared: null },
    { name: "a stall: the workload's or the host's, nobody can tell", over: {}, logs: BATCH_5, ran: true, stalled: true, shared: null },
  ];
  for (const r of rows) {
    it(`${r.name}: ${r.shared ?? "not shared"}`, async () => {
      const inst = instance({ id: 61, machine_id: 6100, ...r.over });
      const vast = scriptedVast({ listInstances: async () => [inst], getLogs: async () => r.logs ?? "" });
      const remembered: FleetState["instances"] = r.ran
        ? { "61": memory(r.stalled ? { lastBatch: 5, batchAdvancedAt: NOW - HOUR } : {}) }
        : {};
      const out = await runPass(
        "zeb",
        config({ workers: 1 }),
        state({ instances: remembered, lastMarketScanAt: NOW }),
        passDeps(vast, NOW),
      );
      expect(out.report.actions.find((a) => a.kind === "destroy")?.machineId).toBe(6100);
      if (r.shared === null) expect(out.share).toEqual([]);
      else
        expect(out.share).toEqual([
          expect.objectContaining({ machineId: 6100, fleet: "zeb", at: NOW, permanent: r.shared === "permanent" }),
        ]);
    });
  }

  it("nothing while the breaker is open: then the fault is likely the image or the token", async () => {
    const inst = instance({ id: 62, machine_id: 6200, actual_status: "loading" });
    const vast = scriptedVast({ listInstances: async () => [inst] });
    const open: FleetState["breaker"] = { open: true, reason: "test", since: NOW - MIN, failures: 5, recentFailures: [], lastProbeAt: NOW };
    const out = await runPass("zeb", config({ workers: 1 }), state({ breaker: open, lastMarketScanAt: NOW }), passDeps(vast, NOW));
    expect(out.report.actions.some((a) => a.kind === "destroy")).toBe(true);
    expect(out.share).toEqual([]);
  });
});

describe("a pass about to rent honours the shared blocks", () => {
  const bad = offer({ id: 1, machine_id: 700, gpu_name: "RTX 3060 Ti", gpu_ram: 8192, dph_total: 0.05 });
  const good = offer({ id: 2, machine_id: 800, gpu_name: "RTX 3060", gpu_ram: 12288, dph_total: 0.06 });
  const rent = async (sharedBlocks: (() => Promise<SharedBlock[]>) | undefined, workers = 1) => {
    const created: number[] = [];
    let searched = 0;
    const vast = scriptedVast({
      searchOffers: async (): Promise<Offer[]> => (searched++, [bad, good]),
      createInstance: async (offerId) => ({ id: 9000 + created.push(offerId) }),
    });
    const out = await runPass("zeb", config({ workers }), state({ lastMarketScanAt: NOW }), { ...passDeps(vast, NOW), sharedBlocks });
    return { out, created, searched };
  };

  it("skips a host another fleet blocked, and keeps the block in its own records", async () => {
    const { out, created } = await rent(async () => [block()]);
    expect(created).toEqual([good.id]);
    expect(out.state.hosts["700"]).toMatchObject({
      sharedFrom: "zeb-large",
      lastStrike: "no container after 10m00s (found by fleet zeb-large)",
    });
  });

  it("without them it rents the better deal, as a fleet alone would", async () => {
    expect((await rent(async () => [])).created).toEqual([bad.id]);
  });

  it("cannot read them: says so and rents on its own knowledge", async () => {
    const { out, created } = await rent(async () => {
      throw new Error("registry unavailable");
    });
    expect(created).toEqual([bad.id]);
    expect(out.report.errors).toContain("shared host blocks unreadable (registry unavailable)");
  });

  it("a pass with nothing to rent does not ask", async () => {
    let asked = 0;
    const { searched } = await rent(async () => (asked++, [block()]), 0);
    expect([asked, searched]).toEqual([0, 0]);
  });
});
