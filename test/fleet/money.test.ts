import { env, exports } from "cloudflare:workers";
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { FleetStore } from "../../src/fleet/store";
import { FleetState } from "../../src/reconcile/state";
import {
  actionEvents,
  advance,
  allEvents,
  configure,
  control,
  fleet,
  fleetState,
  owned,
  register,
  resetMarket,
  run,
  simState,
  slots,
  startFleet,
  stopFleet,
  tick,
  until,
} from "./harness";

/**
 * Issue 17's findings, each reproduced through the real objects, API and scheduled handler against
 * the simulator: what used to lose money now does not.
 */

const QUIET = { maxConcurrentUpgrades: 0 };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const CLEAN = {
  logsNotReadyPolls: 1,
  listDelayS: 0,
  apiFaults: {
    rate429: 0,
    rate5xx: 0,
    rateMalformed: 0,
    delayMs: 0,
    endpoints: { list: { delayMs: 0, rate5xx: 0 }, create: { delayMs: 0, rate429: 0, rate5xx: 0, rateMalformed: 0 }, logs: { rate5xx: 0 } },
  },
};

let current: string | null = null;
afterEach(async () => {
  await control(CLEAN);
  if (current) await stopFleet(current);
  current = null;
});

async function api(path: string, method = "POST"): Promise<{ status: number; body: { error?: string } }> {
  const res = await exports.default.fetch(
    new Request(`http://vastfleet.test${path}`, { method, headers: { authorization: `Bearer ${env.API_TOKEN}` } }),
  );
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

async function running(name: string): Promise<number> {
  return (await fleet(name).status(name)).instances.filter((i) => i.phase === "RUNNING").length;
}

describe("a fleet deleted while its own work is queued (Why 1)", () => {
  it("is tombstoned under its lease: the queued /scale answers 404, nothing is launched for it, and it is gone from /fleets", {
    timeout: 60_000,
  }, async () => {
    const name = "orph";
    await resetMarket(91);
    const body = JSON.stringify({ ...(await configOf()), workers: 0 });
    const created = await exports.default.fetch(
      new Request(`http://vastfleet.test/fleets/${name}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${env.API_TOKEN}`, "content-type": "application/json" },
        body,
      }),
    );
    expect(created.status).toBe(200);
    // The listing is held 1.5 s: a reconcile holds the lease while the delete and a scale queue behind it.
    await control({ apiFaults: { endpoints: { list: { delayMs: 1500 } } } });
    const first = api(`/reconcile?fleet=${name}`);
    await sleep(300);
    const deleted = api(`/fleets/${name}`, "DELETE");
    await sleep(100);
    const queued = api(`/scale?fleet=${name}&n=4`);
    expect((await first).status).toBe(200);
    expect((await deleted).status).toBe(200);
    const scaled = await queued;
    expect(scaled.status).toBe(404);
    expect(scaled.body.error).toBe("unknown_fleet");
    await control(CLEAN);
    await run(3);
    expect(owned(await simState(), name)).toEqual([]);
    const fleets = (await (
      await exports.default.fetch(new Request("http://vastfleet.test/fleets", { headers: { authorization: `Bearer ${env.API_TOKEN}` } }))
    ).json()) as { fleets: { name: string }[] };
    expect(fleets.fleets.map((f) => f.name)).not.toContain(name);
  });

  it("is refused (503, kept) when Vast cannot be listed, and (409) while a launch may still appear", { timeout: 60_000 }, async () => {
    const name = "keepme";
    current = name;
    await resetMarket(92);
    await startFleet(name, 0, QUIET);
    await control({ apiFaults: { endpoints: { list: { rate5xx: 1 } } } });
    const refused = await api(`/fleets/${name}`, "DELETE");
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe("vast_unavailable");
    await control(CLEAN);
    // A launch whose create answer was lost holds the fleet: its instance may still be listed.
    await control({ listDelayS: 600, apiFaults: { endpoints: { create: { rateMalformed: 1 } } } });
    expect((await fleet(name).scale(name, 1)).ok).toBe(true);
    expect((await fleetState(name)).pendingLaunches).toHaveLength(1);
    await fleet(name).scale(name, 0);
    const pending = await api(`/fleets/${name}`, "DELETE");
    expect(pending.status).toBe(409);
    expect((await fleet(name).status(name)).fleet).toBe(name);
  });
});

async function configOf() {
  const c = await fleet("zeb").getConfig("zeb");
  if (!c.ok || c.value.config === null) throw new Error("no config");
  return c.value.config;
}

describe("Vast's logs endpoint failing (Why 2)", () => {
  it("destroys nothing and strikes no host for 30 minutes of unreadable logs, alerts after 15, and the workers are RUNNING again after", {
    timeout: 180_000,
  }, async () => {
    const name = "logs-out";
    current = name;
    await resetMarket(93);
    await startFleet(name, 2, QUIET);
    await until(40, async () => (await running(name)) === 2, "2 RUNNING");
    const ids = owned(await simState(), name)
      .map((i) => i.id)
      .sort();
    await control({ apiFaults: { endpoints: { logs: { rate5xx: 1 } } } });
    const from = await run(1);
    await run(29);
    expect(await actionEvents(name, from)).toEqual([]);
    expect(
      owned(await simState(), name)
        .map((i) => i.id)
        .sort(),
    ).toEqual(ids);
    const s = await fleet(name).status(name);
    expect(s.instances.map((i) => i.phase)).toEqual(["RUNNING", "RUNNING"]);
    expect(s.breaker.open).toBe(false);
    const hosts = (await fleetState(name)).hosts;
    for (const i of owned(await simState(), name)) expect(hosts[String(i.machine_id)]?.strikes ?? 0, `strikes of ${i.machine_id}`).toBe(0);
    const firing = s.alerts.firing.map((a) => a.title);
    expect(firing.some((t) => /2 worker\(s\) of fleet logs-out unobserved/.test(t))).toBe(true);

    await control(CLEAN);
    await run(3);
    expect(await running(name)).toBe(2);
    expect(await actionEvents(name, from)).toEqual([]);
  });
});

describe("a create whose answer is lost while the listing lags (Why 3)", () => {
  it("holds its slot until the listing shows its label: never two instances for one slot", { timeout: 120_000 }, async () => {
    const name = "lost-answer";
    current = name;
    await resetMarket(94);
    await control({ listDelayS: 180, apiFaults: { endpoints: { create: { rateMalformed: 1 } } } });
    await startFleet(name, 2, QUIET);
    await run(1);
    await control({ apiFaults: { endpoints: { create: { rateMalformed: 0 } } } });
    for (let m = 0; m < 12; m++) {
      await run(1);
      const mine = owned(await simState(), name);
      expect(mine.length, `minute ${m}: ${mine.map((i) => i.label).join(", ")}`).toBeLessThanOrEqual(2);
      expect(new Set(mine.map((i) => i.label)).size).toBe(mine.length);
    }
    expect(slots(owned(await simState(), name), name)).toEqual([0, 1]);
    expect((await fleetState(name)).pendingLaunches).toEqual([]);
  });
});

describe("a pass killed between two creates (Why 3)", () => {
  it("leaves its journal behind: the next incarnation launches no slot twice", { timeout: 180_000 }, async () => {
    const name = "killed";
    current = name;
    await resetMarket(95);
    await register(name);
    await configure(name, { ...QUIET, workers: 4, bootTimeoutS: 600, maxDph: 0.5 });
    await control({ apiFaults: { endpoints: { create: { delayMs: 800 } } } });
    await advance(60);
    const pass = tick();
    // Killed once Vast has made the first instance, while the next creates are under way.
    for (let i = 0; i < 100 && owned(await simState(), name).length === 0; i++) await sleep(100);
    expect(owned(await simState(), name).length).toBeGreaterThan(0);
    await abortAllDurableObjects();
    await pass.catch(() => undefined);
    await control(CLEAN);
    const journal = await fleetState(name);
    expect(journal.pendingLaunches.length).toBeGreaterThan(0);
    // A create cut off by the kill may or may not have reached Vast: its slot waits out the boot timeout (600 s).
    await run(12);
    const mine = owned(await simState(), name);
    expect(slots(mine, name)).toEqual([0, 1, 2, 3]);
    expect(mine).toHaveLength(4);
  });
});

describe("a slow pass outliving its lease (Why 3)", () => {
  it("renews its lease as it works: no stale fence, every launch journaled and in the events", { timeout: 120_000 }, async () => {
    const name = "slow";
    current = name;
    await resetMarket(96);
    await register(name);
    await configure(name, { ...QUIET, workers: 3, maxLaunchesPerPass: 3 });
    // Every lease is made to look 4.5 minutes old: without renewal it would expire within the pass.
    await runInDurableObject(fleet(name), (_i, state) => {
      state.storage.sql.exec("DELETE FROM doc WHERE name = 'lease'");
    });
    await control({ apiFaults: { endpoints: { create: { delayMs: 400 } } } });
    await advance(60);
    await tick();
    const errors = (await allEvents(name)).filter((e) => e.action === "error").map((e) => e.reason);
    expect(errors.filter((e) => /stale/.test(e))).toEqual([]);
    const launches = (await actionEvents(name)).filter((e) => e.action === "launch" && e.ok);
    expect(launches).toHaveLength(3);
    expect(owned(await simState(), name)).toHaveLength(3);
  });
});

describe("rate limiting (Why 4)", () => {
  it("429s on create never open the breaker; the remaining launches wait for the next pass", { timeout: 120_000 }, async () => {
    const name = "limited";
    current = name;
    await resetMarket(97);
    await control({ apiFaults: { endpoints: { create: { rate429: 1 } } } });
    await startFleet(name, 4, QUIET);
    await run(8);
    const s = await fleet(name).status(name);
    expect(s.breaker.open).toBe(false);
    expect(s.breaker.recentFailures).toEqual([]);
    const held = (await allEvents(name)).filter((e) => e.action === "held" && /rate-limited/.test(e.reason));
    expect(held.length).toBeGreaterThan(0);
    await control(CLEAN);
    await until(30, async () => (await running(name)) === 4, "4 RUNNING once the 429s end");
  });
});

describe("a No CUDA host (Why 5)", () => {
  it("is blocked and not rented again by the pass that found it", { timeout: 120_000 }, async () => {
    const name = "nocuda";
    current = name;
    await resetMarket(98);
    await control({ forceFault: { next: "no_cuda" } });
    await startFleet(name, 1, QUIET);
    const victim = owned(await simState(), name)[0]!;
    await until(
      30,
      async () => (await actionEvents(name)).some((e) => e.action === "destroy" && e.instanceId === victim.id),
      "the No CUDA worker destroyed",
    );
    // The pass that destroyed it also refilled the slot, on another host, though the victim's offer is listed again.
    const refill = (await fleet(name).status(name)).lastPass?.actions.find((a) => a.kind === "launch" && a.ok);
    expect(refill?.machineId).toBeDefined();
    expect(refill?.machineId).not.toBe(victim.machine_id);
    expect((await fleetState(name)).hosts[String(victim.machine_id)]?.blockedReason).toMatch(/No CUDA/);
    await run(5);
    expect(owned(await simState(), name).some((i) => i.machine_id === victim.machine_id)).toBe(false);
  });
});

describe("a price cap lowered below every worker (Why 7)", () => {
  it("replaces them one by one, make before break: the fleet never has fewer than its running workers", { timeout: 240_000 }, async () => {
    const name = "capped";
    current = name;
    await resetMarket(99);
    await startFleet(name, 3, { ...QUIET, maxDph: 0.5 });
    await until(40, async () => (await running(name)) === 3, "3 RUNNING");
    const before = owned(await simState(), name);
    const cap = Math.min(...before.map((i) => i.dph_total)) - 0.001;
    await configure(name, { maxDph: Math.max(0.03, cap) });
    let replaced = 0;
    for (let m = 0; m < 90 && replaced < 3; m++) {
      await run(1);
      const s = await fleet(name).status(name);
      expect(s.instances.filter((i) => i.phase === "RUNNING").length, `minute ${m}`).toBeGreaterThanOrEqual(3);
      const destroyed = (await actionEvents(name)).filter((e) => e.action === "destroy" && before.some((b) => b.id === e.instanceId));
      expect(destroyed.every((e) => /replaced by/.test(e.reason))).toBe(true);
      replaced = destroyed.length;
    }
    expect(replaced).toBe(3);
  });
});

describe("a stored state that fails its schema (Why 8)", () => {
  it("is kept aside, reported, and what it still holds is used: a pending launch is not made twice", { timeout: 60_000 }, async () => {
    const name = "damaged";
    current = name;
    await resetMarket(100);
    await control({ listDelayS: 300 });
    await startFleet(name, 1, QUIET);
    const good = await fleetState(name);
    expect(good.pendingLaunches).toHaveLength(1);
    // An older version's breaker shape: the state no longer fits, its pending launch still does.
    await runInDurableObject(fleet(name), (instance) => {
      (instance as unknown as { run: { store: FleetStore } }).run.store.put("state", { ...good, breaker: { open: "no" } });
    });
    await run(1);
    const s = await fleet(name).status(name);
    expect(s.stateDamage?.lost).toEqual(["breaker"]);
    expect(s.stateDamage?.problem).toMatch(/breaker/);
    const kept = await runInDurableObject(fleet(name), (_i, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM doc WHERE name LIKE 'state.damaged.%'").toArray(),
    );
    expect(kept).toHaveLength(1);
    expect((await allEvents(name)).some((e) => e.action === "error" && /failed its schema/.test(e.reason))).toBe(true);
    expect(FleetState.parse(await fleetState(name)).pendingLaunches).toHaveLength(1);
    expect((await actionEvents(name)).filter((e) => e.action === "launch")).toHaveLength(1);
  });
});
