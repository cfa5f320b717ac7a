import { beforeEach, describe, expect, it } from "vitest";
import { HF_COMMIT_BUDGET } from "../../src/config/uploads";
import { call, callJson, createFleet, reconcile as pass, resetMarket, sim } from "./helpers";

interface SimState {
  instances: { id: number; label: string | null; upload_interval_s: number }[];
}
interface Status {
  fleets: { hfCommits: { perHour: number; budget: number; limit: number; uploadInterval: number | "auto" } | null }[];
}

/** Each worker's interval as the simulated host runs it: parsed from the create body's env and onstart. */
const intervals = async (fleet: string) =>
  ((await sim("/__sim/state")) as SimState).instances
    .filter((i) => i.label?.startsWith(`${fleet}-worker-vast-`))
    .map((i) => i.upload_interval_s)
    .sort((a, b) => a - b);

/** Passes until the fleet has n instances (pacing spreads a dozen launches over a few passes), at most six. */
async function fill(fleet: string, n: number): Promise<void> {
  for (let i = 0; i < 6 && (await intervals(fleet)).length < n; i++) await pass(fleet);
}

const commits = async (fleet: string) => (await callJson<Status>(`/status?fleet=${fleet}`)).fleets[0]!.hfCommits!;

/** ZEB_UPLOAD_INTERVAL=auto (the default): each launch gets the smallest interval the HF budget allows. */
describe("upload interval auto", () => {
  beforeEach(() => resetMarket(12));
  // Room for 12 launches in one pass, and a cap the simulated market fills 12 slots under.
  const roomy = { maxLaunchesPerPass: 12, maxLaunchesPerHour: 100, maxDph: 1, bounceWindowS: 0, maxConcurrentUpgrades: 0 };

  it("POST /scale?n=12 with the default settings answers 200 and launches every worker at max(240, ceil(12 × 3600 / 100)) = 432 s", async () => {
    await createFleet("auto12", roomy);
    expect((await callJson<{ config: { uploadInterval: unknown } }>("/fleets/auto12")).config.uploadInterval).toBe("auto");
    const res = await call("/scale?fleet=auto12&n=12", { method: "POST" });
    expect(res.status, res.text).toBe(200);
    // Vast allows a create every 4.5 s: the launches a pass cannot pace in wait for the next passes.
    await fill("auto12", 12);
    expect(await intervals("auto12")).toEqual(Array(12).fill(432));
    expect(await commits("auto12")).toEqual({ perHour: 100, budget: HF_COMMIT_BUDGET, limit: 128, uploadInterval: "auto" });
  });

  it("growing from 4 workers at 240 s, the 8 new ones share what the 4 leave of the budget: 720 s, 100 commits an hour in all", async () => {
    await createFleet("grow", roomy);
    await callJson("/scale?fleet=grow&n=4", { method: "POST" });
    expect(await intervals("grow")).toEqual([240, 240, 240, 240]);
    expect((await commits("grow")).perHour).toBe(60);
    await callJson("/scale?fleet=grow&n=12", { method: "POST" });
    await fill("grow", 12);
    expect(await intervals("grow")).toEqual([...Array(4).fill(240), ...Array(8).fill(720)]);
    expect((await commits("grow")).perHour).toBe(100);
    // A later pass that has nothing to fill keeps the ledger: the rate stays what the workers make.
    await pass("grow");
    expect((await commits("grow")).perHour).toBe(100);
  });

  it("a fixed interval still refuses a target whose commits would break the budget, naming the interval that would allow it", async () => {
    await createFleet("fixed", { ...roomy, uploadInterval: 240 });
    const res = await call("/scale?fleet=fixed&n=12", { method: "POST" });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/uploadInterval \(ZEB_UPLOAD_INTERVAL\) to at least 432s/);
  });

  it("ZEB_UPLOAD_INTERVAL accepts auto or whole seconds through the API, and names the field otherwise", async () => {
    await createFleet("named", roomy);
    const bad = await call("/fleets/named", {
      method: "PUT",
      body: { ...(await callJson<{ config: object }>("/fleets/named")).config, uploadInterval: "often" },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/uploadInterval \(ZEB_UPLOAD_INTERVAL\)/);
  });
});
