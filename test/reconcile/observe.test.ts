import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/fleet";
import { observeWorkers } from "../../src/reconcile/observe";
import { emptyState } from "../../src/reconcile/state";
import { createVastClient } from "../../src/vast/client";
import { FAULT_KINDS } from "../../src/sim/types";
import { harness } from "../sim/helpers";

/**
 * Logs of a whole fleet in one polling budget: every file requested first, then all polled
 * together, against the simulator's S3-like result_url (404 for its first polls).
 */
describe("observe: the logs of many workers", () => {
  async function fleetOf(n: number, notReadyPolls: number) {
    const h = harness(41, { credit: 1000 });
    await h.control({ logsNotReadyPolls: notReadyPolls, faultRates: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) });
    const ids: number[] = [];
    for (let slot = 0; slot < n; slot++) ids.push((await h.launch(undefined, slot)).id);
    await h.advance(3600);
    const listed = (await h.data<{ instances: { id: number; label: string }[] }>("GET", "/api/v1/instances/?limit=25")).instances;
    const sleeps: number[] = [];
    const vast = createVastClient({
      baseUrl: "http://vast-simulator",
      apiKey: "test-key",
      fetch: (req) => h.market.handle(req, 0),
      sleep: async (ms) => void sleeps.push(ms),
    });
    const full = await vast.listInstances();
    expect(full.map((i) => i.id).sort()).toEqual([...ids].sort());
    expect(listed.length).toBe(n);
    return { vast, sleeps, owned: full.map((instance, slot) => ({ instance, slot })), h };
  }
  const firstSeen = { ops: { reads: 0, writes: 0 }, since: async (_id: number, _p: string, t: number) => t };

  it("reads 8 workers' logs in about one polling budget: one round per not-ready poll, not one per worker", async () => {
    const { vast, sleeps, owned, h } = await fleetOf(8, 2);
    const now = (await h.data<{ now_ms: number }>("GET", "/__sim/clock")).now_ms;
    const seen = await observeWorkers(owned, emptyState(), DEFAULTS, { vast, firstSeen, now });
    expect(seen.errors).toEqual([]);
    expect(seen.workers.map((w) => w.phase)).toEqual(Array.from({ length: 8 }, () => "RUNNING"));
    // Two not-ready polls then the text: three rounds of 0.3 s for the whole fleet (one listing page, no waits).
    expect(sleeps).toEqual([300, 300, 300]);
  });

  it("logs that never become readable within the budget are unknown, never unhealthy", async () => {
    const { vast, sleeps, owned, h } = await fleetOf(3, 1000);
    const now = (await h.data<{ now_ms: number }>("GET", "/__sim/clock")).now_ms;
    const seen = await observeWorkers(owned, emptyState(), DEFAULTS, { vast, firstSeen, now });
    // 30 rounds, the CLI's budget, for all three together.
    expect(sleeps).toHaveLength(30);
    expect(seen.workers.every((w) => w.phase !== "DEAD" && w.phase !== "FATAL" && w.phase !== "STALLED")).toBe(true);
    expect(seen.workers).toHaveLength(3);
  });
});
