import { describe, expect, it } from "vitest";
import { act } from "../../src/reconcile/act";
import type { LaunchAction } from "../../src/reconcile/plan";
import type { FleetState } from "../../src/reconcile/state";
import { VastError } from "../../src/vast/errors";
import { config, destroys, FLEET, NOW, offer, scriptedVast, state, worker } from "./fixtures";
import { labelFor } from "../../src/config/fleet";
import { destroyOf } from "../../src/reconcile/plan";

/** Sending, journaled: what is written before each call, and what each kind of answer leaves behind. */

const launch = (slot: number): LaunchAction => {
  const o = offer();
  return { kind: "launch", slot, label: labelFor(FLEET, slot), reason: `slot ${slot} empty`, offer: o, expectedGamesPerSec: 4, upgradeOf: null };
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
    const vast = scriptedVast({ destroyInstance: async () => (expect(r.journal.at(-1)!.pendingDestroys.map((p) => p.instanceId)).toEqual([55]), "destroyed") });
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
  const err = (kind: ConstructorParameters<typeof VastError>[0], status?: number) => new VastError(kind, "PUT /api/v0/asks/1/", `${kind}`, status === undefined ? {} : { status });
  it.each<[string, Error, { pending: number; breaker: number; heldMore: boolean; creates: number }]>([
    ["a timeout: it may have rented, the slot waits", err("timeout"), { pending: 3, breaker: 0, heldMore: false, creates: 3 }],
    ["a 502: it may have rented, the slot waits", err("unavailable", 502), { pending: 3, breaker: 0, heldMore: false, creates: 3 }],
    ["a malformed answer: it may have rented, the slot waits", err("malformed"), { pending: 3, breaker: 0, heldMore: false, creates: 3 }],
    ["a 429: refused, and the rest wait for the next pass", err("rate_limited", 429), { pending: 0, breaker: 0, heldMore: true, creates: 1 }],
    ["the offer taken by another renter: the market, not a fault", err("offer_gone", 404), { pending: 0, breaker: 0, heldMore: false, creates: 3 }],
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
