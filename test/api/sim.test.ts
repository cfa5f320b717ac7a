import { describe, expect, it } from "vitest";
import { call, callJson, READ } from "./helpers";

describe("/__sim/* (the simulator's control API over HTTP, for npm start and benchmarks)", () => {
  it("forwards to the embedded simulator: state, advance, and control errors that name the field", async () => {
    const before = await callJson<{ now_ms: number }>("/__sim/clock");
    const advanced = await callJson<{ now_ms: number }>("/__sim/advance", { method: "POST", body: { seconds: 3600 } });
    expect(advanced.now_ms - before.now_ms).toBeGreaterThanOrEqual(3_600_000);
    const bad = await call("/__sim/control", { method: "POST", body: { speed: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("speed");
  });

  it("needs the admin token to change anything; the read token may look", async () => {
    expect((await call("/__sim/state", { token: READ })).status).toBe(200);
    expect((await call("/__sim/advance", { method: "POST", token: READ, body: { seconds: 60 } })).status).toBe(403);
    expect((await call("/__sim/state", { token: null })).status).toBe(401);
  });
});

describe("/__sim/* against a real Vast endpoint", () => {
  it("does not exist", async () => {
    const { env } = await import("cloudflare:workers");
    const { app } = await import("../../src/app");
    const res = await app.request(
      "/__sim/state",
      { headers: { authorization: "Bearer test-admin-token-SECRET" } },
      { ...env, VAST_API_URL: "https://console.vast.ai" },
    );
    expect(res.status).toBe(404);
  });
});
