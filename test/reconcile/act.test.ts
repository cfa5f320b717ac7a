import { describe, expect, it } from "vitest";
import { act } from "../../src/reconcile/act";
import type { LaunchAction } from "../../src/reconcile/plan";
import type { FleetState } from "../../src/reconcile/state";
import { VastError } from "../../src/vast/errors";
import { virtualPacer } from "../../src/vast/pacing";
import { config, destroys, FLEET, NOW, offer, scriptedVast, state, worker } from "./fixtures";
import { labelFor } from "../../src/config/fleet";
import { destroyOf } from "../../src/reconcile/plan";

/** Sending, journaled: what is written before each call, and what each kind of answer leaves behind. */

const launch = (slot: number): LaunchAction => {
  const o = offer();
  return {
    kind: "launch",
    slot,
    label: labelFor(FLEET, slot),
    reason: `slot ${slot} empty`,
    offer: o,
    expectedGamesPerSec: 4,
    upgradeOf: null,
  };
};

function recorder() {
  const journal: FleetState[] = [];
  return { journal, record: (s: FleetState) => void journal.push(structuredClone(s)) };
}

describe("act: the journal", () => {
  it("writes each launch's intent before its create is sent, and its id after", async () => {
    const r = recorder();
    const seenBySend: number[] = [];
    const vast = scriptedVast({ createInstance: async () => (seenBySend.push(r.journal.at(-1)!.pendingLaunches.length), { id: 77 }) });
    const out = await act([launch(0)], state(), config(), { vast, hfToken: "hf_x", now: NOW, journal: r.record });
    expect(seenBySend).toEqual([1]);
    expect(r.journal[0]!.pendingLaunches[0]!.instanceId).toBeNull();
    expect(out.state.pendingLaunches[0]!.instanceId).toBe(77);
    expect(r.journal.at(-1)!.pendingLaunches[0]!.instanceId).toBe(77);
  });

  it("writes each destroy before it is sent", async () => {
    const r = recorder();
    const w = worker({ id: 55, phase: "DEAD" });
    const vast = scriptedVast({
      destroyInstance: async () => (expect(r.journal.at(-1)!.pendingDestroys.map((p) => p.instanceId)).toEqual([55]), "destroyed"),
    });
    await act(destroys([destroyOf(w, "dead", "dead")]), state(), config(), { vast, hfToken: "hf_x", now: NOW, journal: r.record });
    expect(r.journal).toHaveLength(1);
  });

  it("sends nothing more once the journal cannot be written (the lease was lost)", async () => {
    let creates = 0;
    let writes = 0;
    const vast = scriptedVast({ createInstance: async () => ({ id: ++creates }) });
    const journal = () => {
      if (++writes > 2) throw new Error("fence 3 is stale");
    };
    const out = await act([launch(0), launch(1), launch(2)], state(), config(), { vast, hfToken: "hf_x", now: NOW, journal });
    expect(creates).toBe(1);
    expect(out.errors.join()).toMatch(/fence 3 is stale: nothing more is sent/);
  });
});

describe("act: what each create answer leaves", () => {
  const err = (kind: ConstructorParameters<typeof VastError>[0], status?: number) =>
    new VastError(kind, "PUT /api/v0/asks/1/", `${kind}`, status === undefined ? {} : { status });
  it.each<[string, Error, { pending: number; breaker: number; heldMore: boolean; creates: number }]>([
    ["a timeout: it may have rented, the slot waits", err("timeout"), { pending: 3, breaker: 0, heldMore: false, creates: 3 }],
    ["a 502: it may have rented, the slot waits", err("unavailable", 502), { pending: 3, breaker: 0, heldMore: false, creates: 3 }],
    ["a malformed answer: it may have rented, the slot waits", err("malformed"), { pending: 3, breaker: 0, heldMore: false, creates: 3 }],
    [
      "a 429: refused, and the rest wait for the next pass",
      err("rate_limited", 429),
      { pending: 0, breaker: 0, heldMore: true, creates: 1 },
    ],
    [
      "the offer taken by another renter: the market, not a fault",
      err("offer_gone", 404),
      { pending: 0, breaker: 0, heldMore: false, creates: 3 },
    ],
    ["a 400 refusal: counts for the breaker", err("http", 400), { pending: 0, breaker: 3, heldMore: false, creates: 3 }],
  ])("%s", async (_name, error, want) => {
    let creates = 0;
    const vast = scriptedVast({ createInstance: async () => (creates++, Promise.reject(error)) });
    const out = await act([launch(0), launch(1), launch(2)], state(), config(), { vast, hfToken: "hf_x", now: NOW, journal: () => {} });
    expect(creates).toBe(want.creates);
    expect(out.state.pendingLaunches).toHaveLength(want.pending);
    expect(out.outcomes).toHaveLength(want.breaker);
    expect(out.held.some((h) => /rate-limited/.test(h))).toBe(want.heldMore);
  });
});

/** A pacer on a virtual clock that records each wait: no real time passes. */
function waits() {
  const slept: number[] = [];
  return { slept, pacer: virtualPacer(async (ms) => void slept.push(ms)) };
}

describe("act: paced to Vast's intervals", () => {
  it("waits Vast's create interval between two creates, and the destroy interval between two destroys", async () => {
    const sent: string[] = [];
    const { slept, pacer } = waits();
    const vast = scriptedVast({
      createInstance: async () => (sent.push(`create@${pacer.elapsed()}`), { id: 9 }),
      destroyInstance: async (id) => (sent.push(`destroy ${id}@${pacer.elapsed()}`), "destroyed"),
    });
    const gone = [worker({ id: 51, slot: 5, phase: "DEAD" }), worker({ id: 52, slot: 6, phase: "DEAD" })].map((w) =>
      destroyOf(w, "dead", "dead"),
    );
    const out = await act([...gone, launch(0), launch(1), launch(2)], state(), config(), {
      vast,
      hfToken: "hf_x",
      now: NOW,
      journal: () => {},
      pacer,
    });
    // Destroys and creates are limited per endpoint: the first create need not wait for a destroy.
    expect(sent).toEqual(["destroy 51@0", "destroy 52@3000", "create@3000", "create@7500", "create@12000"]);
    expect(slept).toEqual([3000, 4500, 4500]);
    expect(out.held).toEqual([]);
    expect(out.state.notBefore).toEqual({ create: NOW + 12000 + 4500, destroy: NOW + 3000 + 3000 });
  });

  it("leaves the creates that do not fit its budget to the next pass, unsent and not failed, and says why", async () => {
    let creates = 0;
    const { pacer } = waits();
    const vast = scriptedVast({ createInstance: async () => ({ id: ++creates }) });
    const r = recorder();
    const out = await act([0, 1, 2, 3, 4, 5, 6].map(launch), state(), config(), {
      vast,
      hfToken: "hf_x",
      now: NOW,
      journal: r.record,
      pacer,
      budgetMs: 10_000,
    });
    // 10 s fits the first create and two more 4.5 s apart.
    expect(creates).toBe(3);
    expect(out.actions.map((a) => a.ok)).toEqual([true, true, true]);
    expect(out.state.pendingLaunches.map((p) => p.slot)).toEqual([0, 1, 2]);
    expect(out.state.launches).toHaveLength(3);
    expect(out.outcomes).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.held).toEqual(["4 launch(es) wait for the next pass: Vast allows a create every 4.5 s"]);
    expect(pacer.elapsed()).toBeLessThanOrEqual(10_000);
  });

  it("keeps the interval across passes: a pass a second after another waits the rest of it", async () => {
    const { slept, pacer } = waits();
    const vast = scriptedVast();
    const first = await act([launch(0)], state(), config(), { vast, hfToken: "hf_x", now: NOW, journal: () => {}, pacer });
    expect(slept).toEqual([]);
    const later = waits();
    await act([launch(1)], first.state, config(), { vast, hfToken: "hf_x", now: NOW + 1000, journal: () => {}, pacer: later.pacer });
    expect(later.slept).toEqual([3500]);
  });

  it("journals when the next create may go with the create's intent, before it is sent", async () => {
    const r = recorder();
    const vast = scriptedVast({ createInstance: async () => (expect(r.journal.at(-1)!.notBefore.create).toBe(NOW + 4500), { id: 3 }) });
    await act([launch(0)], state(), config(), { vast, hfToken: "hf_x", now: NOW, journal: r.record, pacer: waits().pacer });
    expect(r.journal.length).toBeGreaterThan(0);
  });

  it("after a 429 on a create, waits out Vast's 12 s penalty, not the interval", async () => {
    const { pacer } = waits();
    const limited = new VastError("rate_limited", "PUT /api/v0/asks/1/", "too frequent", { status: 429 });
    const vast = scriptedVast({ createInstance: async () => Promise.reject(limited) });
    const out = await act([launch(0), launch(1)], state(), config(), { vast, hfToken: "hf_x", now: NOW, journal: () => {}, pacer });
    expect(out.state.notBefore.create).toBe(NOW + 12_000);
    expect(out.held).toEqual(["Vast rate-limited a create: 1 more launch(es) wait for the next pass (no create for 12 s)"]);
    const next = waits();
    await act([launch(1)], out.state, config(), {
      vast: scriptedVast(),
      hfToken: "hf_x",
      now: NOW + 5000,
      journal: () => {},
      pacer: next.pacer,
    });
    expect(next.slept).toEqual([7000]);
  });

  it("journals destroys it cannot fit as decided but unsent, holds their slots' launches", async () => {
    const destroyed: number[] = [];
    const vast = scriptedVast({ destroyInstance: async (id) => (destroyed.push(id), "destroyed") });
    const gone = [1, 2, 3].map((slot) => destroyOf(worker({ id: 60 + slot, slot, phase: "DEAD" }), "dead", "dead"));
    const out = await act([...gone, launch(3), launch(0)], state(), config(), {
      vast,
      hfToken: "hf_x",
      now: NOW,
      journal: () => {},
      pacer: waits().pacer,
      budgetMs: 4000,
    });
    expect(destroyed).toEqual([61, 62]);
    expect(out.state.pendingDestroys.map((p) => [p.instanceId, p.attempts])).toEqual([
      [61, 1],
      [62, 1],
      [63, 0],
    ]);
    // Slot 3 keeps its old worker until its destroy is sent: its launch waits too, never two in one slot.
    expect(out.state.pendingLaunches.map((p) => p.slot)).toEqual([0]);
    expect(out.held).toEqual([
      "1 destroy(s) wait for the next pass: Vast allows a destroy every 3 s",
      "1 launch(es) wait for the next pass: their slot's worker is not destroyed yet",
    ]);
  });

  it("never waits longer than a rule's penalty, whatever time was stored (a clock that jumped)", async () => {
    const { slept, pacer } = waits();
    const far = { ...state(), notBefore: { create: NOW + 86_400_000, destroy: 0 } };
    await act([launch(0)], far, config(), { vast: scriptedVast(), hfToken: "hf_x", now: NOW, journal: () => {}, pacer });
    expect(slept).toEqual([12_000]);
  });
});
