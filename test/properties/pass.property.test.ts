import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { slotOf } from "../../src/config/fleet";
import type { FirstSeen } from "../../src/reconcile/observe";
import { runPass } from "../../src/reconcile/pass";
import { BLOCK_MS, type SharedBlock } from "../../src/reconcile/shared-hosts";
import { VastError } from "../../src/vast/errors";
import type { VastClient } from "../../src/vast/client";
import type { Instance, Offer } from "../../src/vast/schemas";
import { logsOf } from "../reconcile/fixtures";
import { scenarioArb, type Scenario } from "./arbitraries";

/**
 * Properties of the pass shell (runPass) around the planner, with a scripted Vast client: the
 * guarantees that live outside the pure plan (observation failures, retried destroys of pending
 * destroys, the per-instance log reads) hold for any fleet, state and clock.
 */
const SEED = 20_260_207;
const RUNS = 500;

interface Calls {
  destroy: number[];
  create: { offerId: number; label: string }[];
  search: number;
  logs: number[];
  other: string[];
}

const LOG_SAMPLES = [
  null,
  "",
  "Error response from daemon: No such container: C.1",
  "=== Setup started ===\nrepo cloned",
  "[worker-vast-0] batch 3: 7168 examples, 4.1 games/s, step=142, total_games=768",
  "Traceback (most recent call last):\nRuntimeError: CUDA error: no CUDA-capable device is detected",
  "huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized",
] as const;

function fakeVast(listing: () => Promise<Instance[]>, offers: Offer[], logPick: number[], calls: Calls): VastClient {
  let nextId = 5_000_000;
  let logCall = 0;
  return {
    listInstances: listing,
    async searchOffers() {
      calls.search++;
      return offers;
    },
    async createInstance(offerId, body) {
      calls.create.push({ offerId, label: body.label });
      return { id: nextId++ };
    },
    async showInstance() {
      calls.other.push("show");
      return null;
    },
    async destroyInstance(id) {
      calls.destroy.push(id);
      return "destroyed";
    },
    ...logsOf(async (id) => {
      calls.logs.push(id);
      const pick = logPick[logCall++ % Math.max(1, logPick.length)] ?? 0;
      if (pick >= LOG_SAMPLES.length) throw new VastError("timeout", "PUT /api/v0/instances/request_logs/", "timed out");
      return LOG_SAMPLES[pick] ?? null;
    }),
    async setLabel() {
      calls.other.push("setLabel");
    },
    async changeBid() {
      calls.other.push("changeBid");
    },
    async currentUser() {
      calls.other.push("currentUser");
      return { id: 1, credit: 100, balance: null };
    },
  };
}

function firstSeen(agoMs: number): FirstSeen {
  return { ops: { reads: 0, writes: 0 }, since: async (_id, _phase, now) => now - agoMs };
}

const newCalls = (): Calls => ({ destroy: [], create: [], search: 0, logs: [], other: [] });

const listError = fc.constantFrom(
  () => new VastError("unavailable", "GET /api/v1/instances/", "503 Service Unavailable", { status: 503 }),
  () => new VastError("rate_limited", "GET /api/v1/instances/", "429 Too Many Requests", { status: 429 }),
  () => new VastError("timeout", "GET /api/v1/instances/", "timed out after 20000 ms"),
  () => new VastError("malformed", "GET /api/v1/instances/", "instances.3.id: expected number", { path: "instances.3.id" }),
  () => new VastError("network", "GET /api/v1/instances/", "connection reset"),
  () => new TypeError("fetch failed"),
);

describe("runPass: properties with a scripted Vast client", () => {
  it(`never calls destroy or create (or anything else) when the listing fails (${RUNS} runs, seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), listError, fc.boolean(), async (sc: Scenario, makeError, dryRun) => {
        const calls = newCalls();
        const vast = fakeVast(() => Promise.reject(makeError()), sc.offers, [], calls);
        const before = structuredClone(sc.state);
        const sharedBlocks = async () => (calls.other.push("sharedBlocks"), []);
        const out = await runPass(
          sc.fleet,
          sc.config,
          sc.state,
          { vast, firstSeen: firstSeen(0), hfToken: "hf_x", now: sc.now, journal: () => {}, vastRequests: () => 0, sharedBlocks },
          { dryRun, gpu: sc.gpu },
        );
        expect(calls).toEqual(newCalls());
        expect(out.share).toEqual([]);
        expect(out.report.observed).toBe(false);
        expect(out.report.actions).toEqual([]);
        expect(out.report.errors.join(" ")).toMatch(/cannot list instances/);
        // Nothing is forgotten either: pending launches, destroys, upgrades and the breaker stay as they were.
        expect(out.state).toEqual(before);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("destroys only instances whose whole label is the fleet's, even when retrying remembered destroys", async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb(),
        fc.array(fc.nat({ max: LOG_SAMPLES.length }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 7200_000 }),
        async (sc, logPick, ago) => {
          const calls = newCalls();
          const listing = sc.listed.map((l) => l.instance);
          // Remembered destroys name foreign instances too: a retry must still check ownership.
          const state = structuredClone(sc.state);
          state.pendingDestroys = listing.map((i) => ({
            instanceId: i.id,
            label: i.label ?? "",
            reason: "generated",
            cause: "dead" as const,
            at: sc.now - 60_000,
            attempts: 1,
          }));
          const vast = fakeVast(async () => listing, sc.offers, logPick, calls);
          const out = await runPass(
            sc.fleet,
            sc.config,
            state,
            { vast, firstSeen: firstSeen(ago), hfToken: "hf_x", now: sc.now, journal: () => {}, vastRequests: () => 0 },
            { gpu: sc.gpu },
          );
          const byId = new Map(listing.map((i) => [i.id, i]));
          for (const id of calls.destroy)
            expect(slotOf(sc.fleet, byId.get(id)?.label), `destroyed ${id} labelled ${byId.get(id)?.label}`).not.toBeNull();
          for (const c of calls.create) expect(slotOf(sc.fleet, c.label)).not.toBeNull();
          // Logs are read only for the fleet's own instances.
          for (const id of calls.logs) expect(slotOf(sc.fleet, byId.get(id)?.label)).not.toBeNull();
          if (sc.config.paused) {
            expect(calls.create).toEqual([]);
            expect(calls.destroy).toEqual([]);
            expect(out.report.actions.filter((a) => a.kind === "launch")).toEqual([]);
          }
          for (const c of calls.create)
            expect(sc.offers.find((o) => o.id === c.offerId)?.dph_total ?? Infinity).toBeLessThanOrEqual(sc.config.maxDph);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("never rents a host another fleet's shared block still names, and shares only what it saw itself", async () => {
    const blockArb = fc.record({ pick: fc.nat(), agoMs: fc.integer({ min: 0, max: Math.floor(BLOCK_MS) - 1 }), permanent: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(
        scenarioArb(),
        fc.array(blockArb, { maxLength: 6 }),
        fc.integer({ min: 0, max: 7200_000 }),
        async (sc, picks, ago) => {
          const calls = newCalls();
          const listing = sc.listed.map((l) => l.instance);
          const blocks: SharedBlock[] =
            sc.offers.length === 0
              ? []
              : picks.map((p) => ({
                  machineId: sc.offers[p.pick % sc.offers.length]!.machine_id,
                  gpuName: null,
                  reason: "generated",
                  fleet: `${sc.fleet}-other`,
                  at: sc.now - p.agoMs,
                  permanent: p.permanent,
                }));
          const vast = fakeVast(async () => listing, sc.offers, [], calls);
          const out = await runPass(
            sc.fleet,
            sc.config,
            sc.state,
            {
              vast,
              firstSeen: firstSeen(ago),
              hfToken: "hf_x",
              now: sc.now,
              journal: () => {},
              vastRequests: () => 0,
              sharedBlocks: async () => blocks,
            },
            { gpu: sc.gpu },
          );
          const blocked = new Set(blocks.map((b) => b.machineId));
          for (const c of calls.create)
            expect(blocked.has(sc.offers.find((o) => o.id === c.offerId)!.machine_id), `rented blocked offer ${c.offerId}`).toBe(false);
          // A shared block names a host of one of its own destroyed workers, or one its own search listed (a bounce).
          // Destroys left for the next pass by Vast's pacing are decided and journaled all the same.
          const deferred = out.state.pendingDestroys
            .filter((p) => p.attempts === 0)
            .map((p) => listing.find((i) => i.id === p.instanceId)?.machine_id);
          const destroyed = new Set([
            ...out.report.actions.filter((a) => a.kind === "destroy" && a.ok).map((a) => a.machineId),
            ...deferred,
          ]);
          const listed = new Set(sc.offers.map((o) => o.machine_id));
          for (const b of out.share) {
            expect(b.fleet).toBe(sc.fleet);
            expect(destroyed.has(b.machineId) || listed.has(b.machineId), `shared ${b.machineId}`).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
