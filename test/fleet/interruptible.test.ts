import { afterEach, describe, expect, it } from "vitest";
import {
  allEvents,
  configure,
  control,
  fleet,
  fleetState,
  owned,
  resetMarket,
  run,
  scale,
  simState,
  startFleet,
  stopFleet,
  until,
} from "./harness";

/**
 * ZEB_CAPACITY=interruptible through the real cron handler on the simulator: the fleet rents at a
 * bid, an outbid worker waits its bounded time and is then replaced (no strike on its host), and
 * frequent interruptions make the fleet fall back to on demand by itself.
 */

const NAME = "bids";
let started = false;
afterEach(async () => {
  if (started) await stopFleet(NAME);
  started = false;
});

interface Bidding {
  id: number;
  machine_id: number;
  bid: number | null;
  actual_status: string | null;
}

async function mine(): Promise<Bidding[]> {
  return owned(await simState(), NAME) as unknown as Bidding[];
}

async function phaseOf(id: number): Promise<string | undefined> {
  return (await fleet(NAME).status(NAME)).instances.find((i) => i.id === id)?.phase;
}

/** A resumed worker is still there (or went only as outbid), and its host has no strike. */
async function survivedOrOutbid(w: Bidding): Promise<void> {
  const fate = (await allEvents(NAME)).find((e) => e.action === "destroy" && e.instanceId === w.id);
  // Replaced after its wait, or at once should an on-demand renter take the machine meanwhile.
  if (fate) expect(fate.reason).toMatch(/^outbid( \(paused\) for|: machine \d+ is no longer listed)/);
  else expect((await mine()).map((i) => i.id)).toContain(w.id);
  expect((await fleetState(NAME)).hosts[String(w.machine_id)]?.strikes ?? 0).toBe(0);
}

describe("interruptible capacity", () => {
  it("bids, waits when outbid, replaces after the wait, and falls back to on demand when outbid often", { timeout: 600_000 }, async () => {
    await resetMarket(31);
    // No competing bidder arrives by chance: this test outbids the fleet itself.
    await control({ bidRatio: 0.45, preemptMeanH: 10_000 });
    started = true;
    await startFleet(NAME, 1, {
      capacity: "interruptible",
      outbidWaitS: 300,
      maxDph: 0.2,
      maxConcurrentUpgrades: 0,
      bounceWindowS: 0,
    });
    await until(40, async () => (await fleet(NAME).status(NAME)).instances.some((i) => i.phase === "RUNNING"), "a RUNNING bid worker");

    const [first] = await mine();
    if (!first) throw new Error("no worker");
    expect(first.bid).not.toBeNull();
    const shown = (await fleet(NAME).status(NAME)).instances[0];
    expect(shown).toMatchObject({ capacity: "interruptible", bid: first.bid });

    // A competing bid under the cap but far above what the worker is worth: the machine stays listed
    // (a rival, not an on-demand renter), no raise pays, so the worker waits, then goes.
    await control({ rivalBids: { [first.machine_id]: { bid: 0.17, hours: 10 } } });
    await run(1);
    expect(await phaseOf(first.id)).toBe("OUTBID");
    await run(3);
    expect((await mine()).map((i) => i.id)).toContain(first.id);
    const gone = await until(5, async () => !(await mine()).some((i) => i.id === first.id), "the outbid worker destroyed after its wait");
    const destroyed = (await allEvents(NAME)).find((e) => e.action === "destroy" && e.instanceId === first.id);
    expect(destroyed?.reason).toMatch(/^outbid \(paused\) for/);
    expect(gone).toBeGreaterThan(0);
    // Not the host's fault: no strike.
    expect((await fleetState(NAME)).hosts[String(first.machine_id)]?.strikes ?? 0).toBe(0);
    await until(3, async () => (await mine()).length === 1, "a replacement launched");

    // Interruptions that each cost an hour's wait, three times in a few minutes: bids no longer pay.
    await configure(NAME, { outbidWaitS: 3600 });
    // Should the replacement be paused early, it resumes long after its first boot sighting: it
    // boots again from the resume, not destroyed for a boot timeout.
    const [fresh] = await mine();
    if (!fresh) throw new Error("no replacement");
    const settled = async () => (await phaseOf(fresh.id)) === "RUNNING" || !(await mine()).some((i) => i.id === fresh.id);
    await until(80, settled, "the replacement running or gone");
    await run(12);
    await survivedOrOutbid(fresh);
    for (let i = 0; i < 3; i++) {
      const [w] = await mine();
      if (!w) throw new Error("no worker");
      await control({ rivalBids: { [w.machine_id]: { bid: 0.17, hours: 0.05 } } });
      await run(1);
      expect(await phaseOf(w.id)).toBe("OUTBID");
      // It resumes when the competing bid leaves (or, should an on-demand renter hold the machine, is replaced after the wait).
      await until(70, async () => (await phaseOf(w.id)) !== "OUTBID", "the outbid worker resumed or replaced");
      await run(3);
      await survivedOrOutbid(w);
    }
    const fallback = (await fleetState(NAME)).capacityFallback;
    expect(fallback?.reason).toMatch(/outbid .* times an hour/);
    const status = await fleet(NAME).status(NAME);
    expect(status.capacity).toMatchObject({ configured: "interruptible", now: "on-demand" });

    // Launches now go on demand.
    await scale(NAME, 2);
    await until(20, async () => (await mine()).length === 2, "a second worker");
    const added = (await mine()).find((i) => i.id !== (status.instances[0]?.id ?? -1));
    expect(added?.bid).toBeNull();
  });
});
