import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
// The Worker first: its API schemas extend zod when loaded, before any other module builds a schema.
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { HealthDown, HealthUp } from "../../src/api/fleet-schemas";
import { advance, control, register, resetMarket, tick } from "../fleet/harness";
import { callJson } from "./helpers";

/**
 * /healthz through the real cron (scheduled handler → fleet objects → registry) against the
 * simulator, whose clock is frozen and far from the wall clock: health must be judged by the
 * passes' own clock. It must say whether Vast is being seen (not merely whether passes run), name
 * no fleet, and cost one Durable Object request however many fleets there are.
 */

const FLEETS = ["hz-second", "hz-third"];

/** /healthz through the Worker's fetch with every Durable Object namespace counting its stubs. */
async function healthz(): Promise<{ status: number; text: string; stubs: number }> {
  let stubs = 0;
  const counted = <T extends object>(ns: T): T =>
    new Proxy(ns, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (key === "get" || key === "getByName") stubs++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const base = env as unknown as Env;
  const counting: Env = { ...base, FLEET: counted(base.FLEET), REGISTRY: counted(base.REGISTRY), SIM: counted(base.SIM) };
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request("http://vastfleet.test/healthz"), counting, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, text: await res.text(), stubs };
}

async function fleetNames(): Promise<string[]> {
  return (await callJson<{ fleets: { name: string }[] }>("/fleets")).fleets.map((f) => f.name);
}

describe("/healthz", () => {
  it("is 503 before any cron tick", async () => {
    const res = await healthz();
    expect(res.status).toBe(503);
    expect(HealthDown.parse(JSON.parse(res.text))).toMatchObject({
      ok: false,
      lastObservedAt: null,
      message: "no cron tick has been recorded yet",
    });
  });

  it("says when passes stopped seeing Vast: 200 while a pass listed it within 5 ticks, 503 at the fifth blind tick, 200 again when it is back; no fleet names; one DO request", async () => {
    const t0 = await resetMarket(3);
    for (const f of FLEETS) await register(f);
    await tick();
    const up = await healthz();
    expect(up.status, up.text).toBe(200);
    expect(HealthUp.parse(JSON.parse(up.text))).toEqual({ ok: true, lastObservedAt: t0, lastPassAt: t0, fleets: 3, blind: 0 });

    // Vast answers every request with a 500: passes go on every minute, blind.
    await control({ apiFaults: { rate5xx: 1 } });
    for (let minute = 1; minute <= 5; minute++) {
      const now = await advance(60);
      await tick();
      const res = await healthz();
      const body: unknown = JSON.parse(res.text);
      if (minute < 5) {
        // Passes ran (lastPassAt moves) but saw nothing; still within 5 ticks of the last sighting.
        expect(res.status, `minute ${minute}: ${res.text}`).toBe(200);
        expect(HealthUp.parse(body)).toEqual({ ok: true, lastObservedAt: t0, lastPassAt: now, fleets: 3, blind: 3 });
      } else {
        expect(res.status, `minute ${minute}: ${res.text}`).toBe(503);
        expect(HealthDown.parse(body)).toEqual({
          ok: false,
          error: "vast_unobserved",
          message: "no pass has listed Vast for 300s (limit 300s); 3 of 3 fleet(s) blind at the last tick",
          lastObservedAt: t0,
          lastPassAt: now,
          fleets: 3,
          blind: 3,
        });
      }
      // One request to the registry, none to the fleets, however many there are.
      expect(res.stubs).toBe(1);
      for (const name of await fleetNames()) expect(res.text).not.toContain(name);
    }

    await control({ apiFaults: { rate5xx: 0 } });
    const back = await advance(60);
    await tick();
    const res = await healthz();
    expect(res.status, res.text).toBe(200);
    expect(HealthUp.parse(JSON.parse(res.text))).toMatchObject({ lastObservedAt: back, blind: 0 });
  });
});
