import { describe, expect, it } from "vitest";
import { DEFAULT_CREDIT, Market } from "../../src/sim";
import { MIN_LISTED } from "../../src/sim/catalog";
import { harness } from "./helpers";

describe("control API", () => {
  it.each([
    [{ speed: -1 }, /^speed: /],
    [{ faultRates: { stuck_boot: 2 } }, /^faultRates\.stuck_boot: /],
    [{ faultRates: { gremlins: 0.1 } }, /^faultRates\.gremlins: unknown field$/],
    [{ apiFaults: { rate429: "often" } }, /^apiFaults\.rate429: /],
    [{ apiFaults: { endpoints: { create: { rate5xx: 1.5 } } } }, /^apiFaults\.endpoints\.create\.rate5xx: /],
    [{ apiFaults: { endpoints: { teleport: { rate5xx: 0.5 } } } }, /^apiFaults\.endpoints\.teleport: unknown field$/],
    [{ logsNotReadyPolls: 1.5 }, /^logsNotReadyPolls: /],
    [{ forceFault: { next: "gremlins" } }, /^forceFault\.next: /],
    [{ forceFault: { "1": "oom" } }, /^forceFault\.1: no such machine$/],
    [{ forceFault: { later: "oom" } }, /^forceFault\.later: keys are "next" or a machine id$/],
    [{ colour: "blue" }, /^colour: unknown field$/],
  ])("rejects %j with 400 naming the field", async (input, message) => {
    const h = harness();
    const res = await h.control(input);
    expect(res.status).toBe(400);
    expect((res.body as { error: string }).error).toBe("invalid_input");
    expect((res.body as { message: string }).message).toMatch(message);
  });

  it("validates advance and reset bodies too", async () => {
    const h = harness();
    expect((await h.call("POST", "/__sim/advance", { seconds: "ten" })).body).toMatchObject({
      error: "invalid_input",
      message: expect.stringMatching(/^seconds: /),
    });
    expect((await h.call("POST", "/__sim/reset", {})).body).toMatchObject({
      error: "invalid_input",
      message: expect.stringMatching(/^seed: /),
    });
  });

  it("moves the clock only when told at speed 0, and with real time at speed > 0", async () => {
    const market = new Market({ seed: 1, speed: 0, startMs: 1_000_000 });
    const clock = async (real: number) =>
      ((await (await market.handle(new Request("http://vast-simulator/__sim/clock"), real)).json()) as { now_ms: number }).now_ms;
    expect(await clock(0)).toBe(1_000_000);
    expect(await clock(50_000)).toBe(1_000_000);
    await market.handle(
      new Request("http://vast-simulator/__sim/advance", { method: "POST", body: JSON.stringify({ seconds: 90 }) }),
      50_000,
    );
    expect(await clock(60_000)).toBe(1_090_000);
    await market.handle(
      new Request("http://vast-simulator/__sim/control", { method: "POST", body: JSON.stringify({ speed: 60 }) }),
      60_000,
    );
    expect(await clock(61_000)).toBe(1_150_000);
  });

  it("reports hidden state: clock, credit, offers and each instance's fault", async () => {
    const h = harness();
    await h.launch("oom");
    const state = await h.hidden();
    expect(state.credit).toBe(DEFAULT_CREDIT);
    // The market keeps at least MIN_LISTED offers; the instance just rented one of them.
    expect(state.offers).toBeGreaterThanOrEqual(MIN_LISTED - 1);
    expect(state.instances).toHaveLength(1);
    expect(state.instances[0]?.fault).toBe("oom");
    expect(typeof state.now_ms).toBe("number");
  });

  it("queues forced faults for the next launches in order", async () => {
    const h = harness();
    await h.control({ forceFault: { next: "stall" } });
    await h.control({ forceFault: { next: "none" } });
    await h.launch(undefined, 0);
    await h.launch(undefined, 1);
    expect((await h.hidden()).instances.map((i) => i.fault)).toEqual(["stall", null]);
  });
});

describe("determinism", () => {
  async function scenario(seed: number): Promise<string[]> {
    const h = harness(seed);
    const out: string[] = [];
    out.push((await h.call("POST", "/api/v0/bundles/", { order: [["dph_total", "asc"]] })).text);
    for (let i = 0; i < 6; i++) out.push((await h.launch(undefined, i)).res.text);
    for (let step = 0; step < 8; step++) {
      await h.advance(450);
      out.push((await h.call("GET", "/api/v1/instances/")).text);
      for (const inst of (await h.hidden()).instances) out.push(await h.logs(inst.id, 20));
    }
    out.push((await h.call("GET", "/__sim/hf/api/datasets/jasonyandell/zeb-42-examples/commits/main")).text);
    return out;
  }

  it("replays a run exactly from its seed", async () => {
    const a = await scenario(77);
    expect(await scenario(77)).toEqual(a);
    expect(await scenario(78)).not.toEqual(a);
  });

  it("gives the same logs however often an instance is polled", async () => {
    const often = harness(5);
    const rarely = harness(5);
    const a = await often.launch("none");
    const b = await rarely.launch("none");
    for (let i = 0; i < 60; i++) {
      await often.advance(60);
      await often.logs(a.id, 5);
    }
    await rarely.advance(3600);
    expect(await rarely.logs(b.id, 300)).toBe(await often.logs(a.id, 300));
  });

  it("resets to a fresh market for a seed", async () => {
    const h = harness(1);
    await h.launch();
    const reset = await h.call("POST", "/__sim/reset", { seed: 31, startMs: 0 });
    expect(reset.status).toBe(200);
    const fresh = harness(31);
    await fresh.call("POST", "/__sim/reset", { seed: 31, startMs: 0 });
    expect((await h.hidden()).instances).toHaveLength(0);
    expect((await h.call("POST", "/api/v0/bundles/", {})).text).toBe((await fresh.call("POST", "/api/v0/bundles/", {})).text);
  });

  it("scales the whole market for benchmarks of many fleets: machines and listings grow together", async () => {
    const one = harness(5);
    await one.call("POST", "/__sim/reset", { seed: 5, startMs: 0 });
    const three = harness(5);
    await three.call("POST", "/__sim/reset", { seed: 5, startMs: 0, marketScale: 3 });
    expect(three.market.state.machines.length).toBe(3 * one.market.state.machines.length);
    const listed = (h: ReturnType<typeof harness>) => h.market.state.machines.filter((m) => m.offerId !== null).length;
    expect(listed(three)).toBeGreaterThan(2 * listed(one));
    expect((await one.call("POST", "/__sim/reset", { seed: 5, marketScale: 50 })).body).toMatchObject({
      message: expect.stringMatching(/^marketScale: /),
    });
  });

  it("survives a JSON round trip of its state", async () => {
    const h = harness(9);
    await h.launch("none");
    await h.advance(1800);
    const copy = new Market(JSON.parse(JSON.stringify(h.market.state)));
    const req = () => new Request("http://vast-simulator/api/v0/instances/", { headers: { authorization: "Bearer k" } });
    expect(await (await copy.handle(req(), 0)).text()).toBe(await (await h.market.handle(req(), 0)).text());
  });
});
