import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PASS_LOG_MSG } from "../../src/fleet/pass-log";
import { callJson, createFleet, resetMarket, SECRETS, sim } from "./helpers";

/** One JSON line per pass (src/fleet/pass-log.ts), as `wrangler tail` and Workers Logs get it. */
describe("the pass log line", () => {
  let lines: string[] = [];
  beforeEach(async () => {
    await resetMarket(5);
    lines = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  });
  afterEach(() => vi.restoreAllMocks());

  it("says per pass what it saw, did by kind and cause, held and failed, with subrequests and wall time, and no secret", async () => {
    await createFleet("logged", { maxDph: 1, bounceWindowS: 0 });
    await callJson("/scale?fleet=logged&n=2", { method: "POST" });
    await sim("/__sim/control", { apiFaults: { rate5xx: 1 } });
    await callJson("/reconcile?fleet=logged", { method: "POST" });
    await sim("/__sim/control", { apiFaults: { rate5xx: 0 } });

    const passes = lines
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === PASS_LOG_MSG && l.fleet === "logged");
    expect(passes).toHaveLength(2);
    const [scaled, blind] = passes;
    expect(scaled).toMatchObject({ observed: true, launches: { slot: 2 }, destroys: {}, failedActions: 0, errors: [] });
    expect(scaled!.subrequests).toBeGreaterThan(0);
    expect(typeof scaled!.wallMs).toBe("number");
    expect(blind).toMatchObject({ observed: false, launches: {}, destroys: {} });
    expect((blind!.errors as string[])[0]).toMatch(/^cannot list instances/);
    for (const l of lines) for (const s of SECRETS) expect(l).not.toContain(s);
  });
});
