import { describe, expect, it } from "vitest";
import { labelFor } from "../../src/config/fleet";
import { settle } from "../../src/reconcile/journal";
import type { PendingLaunch } from "../../src/reconcile/state";
import { config, FLEET, instance, memory, MIN, NOW, state } from "./fixtures";

/** The journal against the listing: what each pending launch became. */

const intent = (over: Partial<PendingLaunch> = {}): PendingLaunch => ({
  slot: 1,
  instanceId: null,
  offerId: 7,
  machineId: 4242,
  gpuName: "RTX 3060",
  dph: 0.06,
  at: NOW - MIN,
  upgradeOf: null,
  reason: "slot 1 empty",
  ...over,
});

describe("settle: pending launches", () => {
  const ours = instance({ id: 900, label: labelFor(FLEET, 1), machine_id: 4242 });

  it.each<[string, PendingLaunch, Parameters<typeof instance>[0][], number]>([
    [
      "a create with an id, now listed → settled",
      intent({ instanceId: 900 }),
      [{ id: 900, label: labelFor(FLEET, 1), machine_id: 4242 }],
      0,
    ],
    ["a create with an id, not listed yet → still pending", intent({ instanceId: 900 }), [], 1],
    ["a lost answer, its label listed on its machine → settled", intent(), [{ id: 901, label: labelFor(FLEET, 1), machine_id: 4242 }], 0],
    [
      "a lost answer, its label listed on another machine (the slot's old worker) → still pending",
      intent(),
      [{ id: 902, label: labelFor(FLEET, 1), machine_id: 1 }],
      1,
    ],
    [
      "a lost answer, another slot's label on its machine → still pending",
      intent(),
      [{ id: 903, label: labelFor(FLEET, 2), machine_id: 4242 }],
      1,
    ],
    ["a lost answer, nothing listed → still pending within the boot timeout", intent(), [], 1],
  ])("%s", (_name, p, listed, left) => {
    const out = settle(
      state({ pendingLaunches: [p] }),
      listed.map((l) => instance(l)),
      FLEET,
      config(),
      NOW,
    );
    expect(out.state.pendingLaunches).toHaveLength(left);
    expect(out.outcomes).toEqual([]);
  });

  it("an instance the fleet already knew is not taken for the lost create's", () => {
    const known = state({ pendingLaunches: [intent()], instances: { "900": memory() } });
    expect(settle(known, [ours], FLEET, config(), NOW).state.pendingLaunches).toHaveLength(1);
  });

  it("past the boot timeout a lost answer is forgotten without blaming anything; an answered create that never appeared counts for the breaker", () => {
    const old = NOW - 601_000;
    const out = settle(
      state({ pendingLaunches: [intent({ at: old }), intent({ slot: 2, instanceId: 905, at: old })] }),
      [],
      FLEET,
      config({ bootTimeoutS: 600 }),
      NOW,
    );
    expect(out.state.pendingLaunches).toEqual([]);
    expect(out.errors).toHaveLength(2);
    expect(out.outcomes).toEqual([{ ok: false, signature: "launch never listed" }]);
  });

  it("a trade whose create answer was lost becomes a trial once its instance is seen", () => {
    const old = instance({ id: 800, label: labelFor(FLEET, 1), machine_id: 1 });
    const out = settle(
      state({ pendingLaunches: [intent({ upgradeOf: 800, reason: "upgrade of 800" })] }),
      [old, ours],
      FLEET,
      config(),
      NOW,
    );
    expect(out.state.pendingLaunches).toEqual([]);
    expect(out.state.upgrades).toEqual([{ slot: 1, oldId: 800, newId: 900, startedAt: NOW - MIN, reason: "upgrade of 800" }]);
  });
});
