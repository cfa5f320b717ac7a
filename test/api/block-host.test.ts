import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../src/fleet/registry";
import { REDACTED } from "../../src/redact";
import { call, callJson, createFleet, hostsOf as hosts, type PassBody, reconcile as pass, resetMarket, SECRETS } from "./helpers";

const launchedOn = (r: PassBody) => r.actions.filter((a) => a.kind === "launch").map((a) => a.machineId);
const quiet = { workers: 1, maxConcurrentUpgrades: 0, bounceWindowS: 0 };

/**
 * PUT /hosts/:machineId through the real objects: the host the fleet was about to rent is
 * skipped, by every fleet of the account unless the block is the fleet's alone, until DELETE.
 */
describe("blocking a host by hand", () => {
  beforeEach(() => resetMarket(17));

  it("the fleet's next pick is skipped by it and by the account's other fleets until cleared", async () => {
    await createFleet("alpha", quiet);
    const [pick] = launchedOn(await pass("alpha", true));
    expect(pick).toEqual(expect.any(Number));

    const bad = await call(`/hosts/${pick}?fleet=alpha`, { method: "PUT", body: { reason: "" } });
    expect(bad.status).toBe(400);
    expect(await hosts("alpha")).toEqual([]);

    const answer = await callJson(`/hosts/${pick}?fleet=alpha`, { method: "PUT", body: { reason: "throttles under load" } });
    expect(answer).toEqual({ fleet: "alpha", blocked: pick, scope: "account", reason: "blocked by the operator: throttles under load" });
    const launched = launchedOn(await pass("alpha"));
    expect(launched).toHaveLength(1);
    expect(launched).not.toContain(pick);
    expect((await hosts("alpha")).find((h) => h.machineId === pick)).toMatchObject({
      blocked: true,
      sharedFrom: null,
      reason: "blocked by the operator: throttles under load",
    });
    const { events } = await callJson<{ events: { action: string; reason: string }[] }>("/events?fleet=alpha");
    expect(
      events.some(
        (e) => e.action === "host" && e.reason === `machine ${pick} blocked through the API for every fleet: throttles under load`,
      ),
    ).toBe(true);

    await createFleet("beta", quiet);
    expect(launchedOn(await pass("beta"))).not.toContain(pick);
    expect((await hosts("beta")).find((h) => h.machineId === pick)).toMatchObject({ blocked: true, sharedFrom: "alpha" });

    await callJson(`/hosts/${pick}?fleet=alpha`, { method: "DELETE" });
    expect((await hosts("alpha")).some((h) => h.machineId === pick)).toBe(false);
    // Beta drops the adopted block at its next search of the market: here, a scale-up's.
    await callJson("/scale?fleet=beta&n=2", { method: "POST" });
    expect((await hosts("beta")).some((h) => h.machineId === pick)).toBe(false);
  });

  it("keeps no secret pasted into the reason, not even in the registry", async () => {
    await createFleet("epsilon", quiet);
    const answer = await callJson<{ reason: string }>(`/hosts/4242?fleet=epsilon`, {
      method: "PUT",
      body: { reason: `slow; key ${SECRETS[2]}` },
    });
    expect(answer.reason).toBe(`blocked by the operator: slow; key ${REDACTED}`);
    const stored = (await registry(env).hostBlocks(Date.now() + 3_600_000)).find((b) => b.machineId === 4242);
    expect(stored?.reason).toBe(`blocked by the operator: slow; key ${REDACTED}`);
  });

  it("scope fleet: the other fleets still rent the host", async () => {
    await createFleet("gamma", quiet);
    const [pick] = launchedOn(await pass("gamma", true));
    expect(
      await callJson(`/hosts/${pick}?fleet=gamma`, { method: "PUT", body: { reason: "OOMs with the large model", scope: "fleet" } }),
    ).toMatchObject({ scope: "fleet" });
    expect(launchedOn(await pass("gamma"))).not.toContain(pick);

    await createFleet("delta", quiet);
    expect(launchedOn(await pass("delta"))).toEqual([pick]);
    expect((await hosts("delta")).some((h) => h.machineId === pick && h.blocked)).toBe(false);
  });
});
