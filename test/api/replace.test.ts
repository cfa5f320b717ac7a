import { beforeEach, describe, expect, it } from "vitest";
import {
  call,
  callJson,
  createFleet,
  hostsOf,
  launchForeign,
  type PassBody,
  reconcile as pass,
  resetMarket,
  sim,
  simInstances,
} from "./helpers";

interface Worker {
  id: number;
  slot: number;
  machineId: number | null;
  phase: string;
}

const workers = async (fleet: string) =>
  (await callJson<{ fleets: { instances: Worker[] }[] }>(`/status?fleet=${fleet}`)).fleets[0]!.instances;
const quiet = { maxConcurrentUpgrades: 0, bounceWindowS: 0 };

/** The runbook's "destroy it, then vast_up.sh 1", for one worker, through the real objects. */
describe("POST /instances/:id/replace", () => {
  beforeEach(() => resetMarket(7));

  it("destroys that worker now and refills its slot in the same pass, without a strike on its host", async () => {
    await createFleet("swap", { workers: 2, ...quiet });
    await pass("swap");
    for (let minute = 0; minute < 20 && (await workers("swap")).filter((w) => w.phase === "RUNNING").length < 2; minute++) {
      await sim("/__sim/advance", { seconds: 60 });
      await pass("swap");
    }
    const [target, other] = await workers("swap");
    expect(target?.phase).toBe("RUNNING");

    const { replaced, report } = await callJson<{ replaced: number; report: PassBody }>(`/instances/${target!.id}/replace?fleet=swap`, {
      method: "POST",
    });
    expect(replaced).toBe(target!.id);
    expect(report.actions).toEqual([
      expect.objectContaining({ kind: "destroy", instanceId: target!.id, cause: "replaced", ok: true }),
      expect.objectContaining({ kind: "launch", slot: target!.slot, ok: true }),
    ]);
    const left = (await simInstances()).map((i) => i.id);
    expect(left).not.toContain(target!.id);
    expect(left).toContain(other!.id);
    expect((await hostsOf("swap")).some((h) => h.machineId === target!.machineId && h.strikes > 0)).toBe(false);
  });

  it("refuses another's instance, an unknown id and a paused fleet, says so when Vast will not destroy, and destroys nothing", async () => {
    await createFleet("swap2", { workers: 1, ...quiet });
    await pass("swap2");
    await pass("swap2");
    const [mine] = await workers("swap2");
    const foreign = await launchForeign("someone-else-worker-vast-0");
    const before = await simInstances();

    for (const [id, message] of [
      [foreign, `id: instance ${foreign} is not in fleet swap2`],
      [987654321, "id: instance 987654321 is not in fleet swap2"],
    ] as const) {
      const res = await call(`/instances/${id}/replace?fleet=swap2`, { method: "POST" });
      expect(res.status).toBe(404);
      expect(res.json()).toEqual({ error: "not_found", message });
    }

    // Vast refusing the destroy: the answer says it was not replaced, and nothing was launched for it.
    await sim("/__sim/control", { apiFaults: { endpoints: { destroy: { rate5xx: 1 } } } });
    try {
      const refused = await call(`/instances/${mine!.id}/replace?fleet=swap2`, { method: "POST" });
      expect(refused.status).toBe(503);
      expect(refused.json()).toMatchObject({
        error: "not_replaced",
        message: expect.stringMatching(new RegExp(`^instance ${mine!.id} was not destroyed: .+`)),
      });
    } finally {
      await sim("/__sim/control", { apiFaults: { endpoints: { destroy: { rate5xx: 0 } } } });
    }
    expect(await simInstances()).toEqual(before);

    await callJson("/pause?fleet=swap2", { method: "POST" });
    const paused = await call(`/instances/${mine!.id}/replace?fleet=swap2`, { method: "POST" });
    expect(paused.status).toBe(409);
    expect(paused.json()).toMatchObject({ error: "paused", message: expect.stringContaining("POST /resume?fleet=swap2") });
    // Not a pass in progress: nothing to retry after two seconds.
    expect(paused.headers.get("retry-after")).toBeNull();
    expect(await simInstances()).toEqual(before);
  });
});
