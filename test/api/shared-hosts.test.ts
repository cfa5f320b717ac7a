import { beforeEach, describe, expect, it } from "vitest";
import { callJson, createFleet, type HostBody, hostsOf as hosts, reconcile as pass, resetMarket, sim } from "./helpers";

/**
 * Through the real Durable Objects: a host one fleet found bad (its first launch never starts a
 * container) is skipped by the account's other fleets (the registry holds the shared
 * blocks), and clearing it lifts it for them.
 */
describe("host blocks shared by the account's fleets", () => {
  beforeEach(() => resetMarket(17));

  it("a host that never booted for one fleet is skipped by another until cleared", async () => {
    // Market memory off, so that the only blocks are failures of alpha's own workers.
    await createFleet("alpha", { workers: 1, maxConcurrentUpgrades: 0, bounceWindowS: 0 });
    await sim("/__sim/control", { forceFault: { next: "stuck_boot" } });
    let found: HostBody | undefined;
    for (let minute = 0; minute < 20 && !found; minute++) {
      await sim("/__sim/advance", { seconds: 60 });
      await pass("alpha");
      found = (await hosts("alpha")).find((h) => h.blocked);
    }
    expect(found?.reason).toMatch(/^no container after 1\dm\d\ds \(limit 10m00s\)/);
    const machine = found!.machineId;
    expect(found!.sharedFrom).toBeNull();

    await createFleet("beta", { workers: 1, maxConcurrentUpgrades: 0, bounceWindowS: 0 });
    const report = await pass("beta");
    expect(report.actions.some((a) => a.kind === "launch")).toBe(true);
    expect(report.actions.some((a) => a.machineId === machine)).toBe(false);
    const adopted = `${found!.reason} (found by fleet alpha)`;
    expect((await hosts("beta")).find((h) => h.machineId === machine)).toMatchObject({
      blocked: true,
      sharedFrom: "alpha",
      reason: adopted,
    });

    // Cleared through beta: the shared block goes; alpha, which found it itself, keeps its own record.
    await callJson(`/hosts/${machine}?fleet=beta`, { method: "DELETE" });
    await createFleet("gamma", { workers: 1, maxConcurrentUpgrades: 0, bounceWindowS: 0 });
    await pass("gamma");
    expect((await hosts("gamma")).some((h) => h.machineId === machine)).toBe(false);
    expect((await hosts("alpha")).find((h) => h.machineId === machine)?.blocked).toBe(true);
  });
});
