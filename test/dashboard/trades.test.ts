import { describe, expect, it } from "vitest";
import { headline, tradeRoles } from "../../src/dashboard/client/trades";
import type { FleetStatus } from "../../src/dashboard/client/types";

/** The dashboard's reading of trade-ups in /status: two rows of one slot are a trial and a leaver. */

type Instance = FleetStatus["instances"][number];

function at(id: number, slot: number, phase: Instance["phase"], startedAt: number | null): Instance {
  return {
    id,
    label: `zeb-worker-vast-${slot}`,
    slot,
    gpu: "RTX 3060",
    machineId: id,
    status: "running",
    phase,
    detail: "",
    since: 0,
    startedAt,
    dph: 0.06,
    gamesPerSec: null,
    batch: null,
    step: null,
    totalGames: null,
    ssh: null,
    hfAuthError: false,
    everRan: phase === "RUNNING",
    fatalKind: null,
    logsUnreadableSince: null,
    storageDph: null,
    uploadedGames: null,
    ageS: null,
    phaseForS: 0,
  };
}

describe("trade-ups on the dashboard", () => {
  it.each([
    {
      name: "no shared slot: no marks",
      instances: [at(1, 0, "RUNNING", 10), at(2, 1, "RUNNING", 20)],
      roles: {},
      line: "2 running of target 2",
    },
    {
      name: "a trade-up under way: the newer is on trial, the older leaves after its upload",
      instances: [at(1, 0, "RUNNING", 10), at(2, 1, "RUNNING", 20), at(3, 1, "SETUP", 30)],
      roles: { 2: "leaving", 3: "trial" },
      line: "2 running of target 2, 1 in trial",
    },
    {
      name: "a trial not started yet counts as the newer, whatever the ids",
      instances: [at(9, 0, "RUNNING", 10), at(4, 0, "BOOT", null)],
      roles: { 9: "leaving", 4: "trial" },
      line: "1 running of target 1, 1 in trial",
    },
    {
      name: "a worker still booting into an empty slot is starting",
      instances: [at(1, 0, "RUNNING", 10), at(2, 1, "BOOT", null)],
      roles: {},
      line: "1 running of target 2, 1 starting",
    },
  ])("$name", ({ instances, roles, line }) => {
    const found = tradeRoles(instances);
    expect(Object.fromEntries(found)).toEqual(roles);
    expect(headline({ instances, target: new Set(instances.map((i) => i.slot)).size }, found)).toBe(line);
  });

  it("says ? for a fleet without a valid config", () => {
    expect(headline({ instances: [], target: null }, new Map())).toBe("0 running of target ?");
  });
});
