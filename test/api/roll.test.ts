import { beforeEach, describe, expect, it } from "vitest";
import { callJson, createFleet, reconcile as pass, resetMarket, sim } from "./helpers";

interface Status {
  fleets: { instances: { id: number; phase: string }[]; roll: { since: number; remaining: number } | null }[];
}
interface Rolled {
  rolling: boolean;
  remaining: number;
  report: { actions: { kind: string; reason: string }[] } | null;
}

const status = async (fleet: string) => (await callJson<Status>(`/status?fleet=${fleet}`)).fleets[0]!;
const events = async (fleet: string) =>
  (await callJson<{ events: { action: string; reason: string }[] }>(`/events?fleet=${fleet}&limit=1000`)).events;

/** POST /roll through the real objects and the simulator: new instances everywhere, never a gap. */
describe("POST /roll", () => {
  beforeEach(() => resetMarket(11));

  it("replaces every worker one at a time, make before break, and ends by itself", async () => {
    // No trading up of its own (maxConcurrentUpgrades 0), so every replacement here is the roll's.
    await createFleet("roller", { workers: 2, maxConcurrentUpgrades: 0, bounceWindowS: 0 });
    await pass("roller");
    for (let minute = 0; minute < 20 && (await status("roller")).instances.filter((i) => i.phase === "RUNNING").length < 2; minute++) {
      await sim("/__sim/advance", { seconds: 60 });
      await pass("roller");
    }
    const before = (await status("roller")).instances.map((i) => i.id);
    expect(before).toHaveLength(2);
    // /up searches the market to launch (and /scale takes that worker back): no search is due when
    // the roll comes, and it starts in its own pass all the same.
    await sim("/__sim/advance", { seconds: 60 });
    await callJson("/up?fleet=roller&n=1", { method: "POST" });
    await callJson("/scale?fleet=roller&n=2", { method: "POST" });

    const started = await callJson<Rolled>("/roll?fleet=roller", { method: "POST" });
    expect(started).toMatchObject({ rolling: true, remaining: 2 });
    expect(started.report?.actions.filter((a) => a.kind === "launch")).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^roll: replaces \d+, started before the roll: /) }),
    ]);

    let leastRunning = Infinity;
    let minutes = 0;
    for (; minutes < 90 && (await status("roller")).roll !== null; minutes++) {
      await sim("/__sim/advance", { seconds: 60 });
      await pass("roller");
      leastRunning = Math.min(leastRunning, (await status("roller")).instances.filter((i) => i.phase === "RUNNING").length);
    }
    const after = (await status("roller")).instances;
    expect(after.map((i) => i.id).filter((id) => before.includes(id))).toEqual([]);
    expect(after).toHaveLength(2);
    // Make before break: both slots produced throughout.
    expect(leastRunning).toBeGreaterThanOrEqual(2);
    const log = await events("roller");
    expect(log.filter((e) => e.action === "destroy" && /^replaced by \d+ \(roll: replaces \d+/.test(e.reason))).toHaveLength(2);
    expect(log.some((e) => e.action === "roll" && e.reason.startsWith("roll done"))).toBe(true);
    console.log(`roll of 2 workers: ${minutes} simulated minutes, at least ${leastRunning} running throughout`);
  });

  it("cancel ends a roll and replaces nothing more", async () => {
    await createFleet("halt", { workers: 1, maxConcurrentUpgrades: 0, bounceWindowS: 0 });
    await pass("halt");
    // Started a minute before the roll: an instance started in the roll's own minute is not before it.
    await sim("/__sim/advance", { seconds: 60 });
    expect((await callJson<Rolled>("/roll?fleet=halt", { method: "POST" })).rolling).toBe(true);
    expect((await status("halt")).roll).toMatchObject({ remaining: 1 });
    expect(await callJson<Rolled>("/roll?fleet=halt&cancel=1", { method: "POST" })).toEqual({
      fleet: "halt",
      rolling: false,
      remaining: 0,
      report: null,
    });
    expect((await status("halt")).roll).toBeNull();
    expect((await events("halt"))[0]).toMatchObject({ action: "roll", reason: "roll cancelled through the API" });
  });
});
