import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { guardResponses } from "../../src/api/redact-responses";
import type { ApiEnv } from "../../src/api/hono";
import { ADMIN, READ, SECRETS, call, createFleet, launchForeign, resetMarket, seenBodies, sim } from "./helpers";

/** No answer carries a secret: not the API tokens, not the Vast key, not the HF token. */

describe("secrets", () => {
  it("are removed from any answer, even one that echoes them", async () => {
    const echo = new Hono<ApiEnv>()
      .use("*", guardResponses)
      .get("/", (c) => c.json({ leaked: `${c.env.VAST_API_KEY} ${c.env.HF_TOKEN} Bearer ${ADMIN}` }));
    const res = await echo.request("/", {}, env);
    const text = await res.text();
    for (const s of SECRETS) expect(text).not.toContain(s);
    expect(JSON.parse(text)).toEqual({ leaked: expect.stringContaining("[redacted]") });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("never appear in any answer of a session over every route", async () => {
    await resetMarket();
    await createFleet("sec", { workers: 1, maxDph: 1 });
    // A Vast error that quotes the key back must not reach the operator.
    await sim("/__sim/control", { apiFaults: { endpoints: { list: { rate5xx: 1 } } } });
    await call("/reconcile?fleet=sec", { method: "POST" });
    await call("/down?fleet=sec", { method: "POST" });
    await sim("/__sim/control", { apiFaults: { endpoints: { list: { rate5xx: 0 } } } });
    await call("/reconcile?fleet=sec", { method: "POST" });
    await call("/reconcile?fleet=sec", { method: "POST" });
    const id = await launchForeign("sec-worker-vast-5");
    for (const path of [
      "/status",
      "/status?format=text",
      "/fleets",
      "/fleets/sec",
      "/events?fleet=sec",
      `/instances/${id}/logs?fleet=sec`,
      "/openapi.json",
      "/healthz",
      "/nope",
    ]) {
      await call(path);
      await call(path, { token: READ });
      await call(path, { token: null });
    }
    await call("/scale?fleet=sec&n=abc", { method: "POST" });
    await call("/scale?fleet=sec&n=1", { method: "POST", token: READ });
    expect(seenBodies.length).toBeGreaterThan(30);
    for (const body of seenBodies) for (const s of SECRETS) expect(body).not.toContain(s);
  });
});
