import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/fleet";
import { PROBE_INTERVAL_MS } from "../../src/reconcile/breaker";
import { actionEvents, control, fleet, fleetState, resetMarket, run, startFleet, until } from "./harness";

/**
 * A broken image, not broken hosts: every worker dies with the same error, each on another host.
 * The breaker must open, stop spending on launches, probe once per interval (a failed probe keeps
 * it open), and close when a human resumes the fleet.
 */
describe("the circuit breaker through the real scheduled handler", () => {
  it("opens when hosts fail the same way, holds launches, probes once per interval, closes on /resume", { timeout: 120_000 }, async () => {
    const name = "brk";
    await resetMarket(31);
    for (let i = 0; i < 20; i++) await control({ forceFault: { next: "no_cuda" } });
    await startFleet(name, 3, { maxConcurrentUpgrades: 0 });
    const launches = async () => (await actionEvents(name)).filter((e) => e.action === "launch").length;

    await until(30, async () => (await fleetState(name)).breaker.open, "breaker open");
    expect((await fleetState(name)).breaker.reason).toMatch(/the same (error|way)/);
    const atOpen = await launches();
    // Bounded spend: five alike must fail first, and the slots refilled meanwhile are in flight.
    expect(atOpen).toBeLessThanOrEqual(DEFAULTS.breakerLaunchFailures + 2 * 3);

    const quiet = PROBE_INTERVAL_MS / 60_000 - 5;
    await run(quiet);
    expect(await launches()).toBe(atOpen);
    expect((await fleet(name).status(name)).lastPass?.held.join(" ")).toMatch(/circuit breaker open/);

    // One probe once the interval has passed; it dies the same way, so the breaker stays open.
    await until(10, async () => (await launches()) === atOpen + 1, "one probe launch");
    await run(quiet);
    expect(await launches()).toBe(atOpen + 1);
    expect((await fleetState(name)).breaker.open).toBe(true);

    // A human who fixed the image resumes the fleet: the breaker closes and slots refill at once.
    expect((await fleet(name).setPaused(name, false)).ok).toBe(true);
    expect((await fleetState(name)).breaker.open).toBe(false);
    await run(1);
    expect(await launches()).toBeGreaterThan(atOpen + 1);
  });
});
