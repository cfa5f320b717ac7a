import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
// The Worker first: its API schemas extend zod when loaded, before any other module builds a schema.
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { registry } from "../../src/fleet/registry";
import { ADMIN, READ, resetMarket, simInstances } from "./helpers";

/**
 * A malformed endpoint or token, set as a deployment would set it (wrangler.toml vars, secrets):
 * the Worker's real fetch and scheduled handlers run with that env. Every route answers a 503
 * naming the setting (never its value), a token that fails validation authenticates nothing, and
 * the cron says what is wrong instead of throwing "Invalid URL string" from every pass.
 */

const testEnv = env as unknown as Env;

async function fetchWith(
  overrides: Partial<Env>,
  path: string,
  method = "GET",
  token: string | null = ADMIN,
): Promise<{ status: number; body: { error: string; message: string } }> {
  const headers = new Headers();
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://vastfleet.test${path}`, { method, headers }), { ...testEnv, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as { error: string; message: string } };
}

const ROUTES: [string, string][] = [
  ["GET", "/healthz"],
  ["GET", "/status"],
  ["GET", "/fleets"],
  ["POST", "/scale?n=1"],
  ["POST", "/up?n=1"],
];

const BAD: [Partial<Env>, string, RegExp][] = [
  [{ VAST_API_URL: "console.vast.ai" }, "console.vast.ai", /^VAST_API_URL: must be an http:\/\/ or https:\/\/ URL/],
  [{ VAST_API_URL: "ftp://console.vast.ai" }, "ftp://console.vast.ai", /^VAST_API_URL: /],
  [{ HF_ENDPOINT: "huggingface.co" }, "huggingface.co", /^HF_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/],
  [
    { API_TOKEN: "admin token with spaces" },
    "admin token with spaces",
    /^API_TOKEN: may hold only A-Z a-z 0-9 - \. _ ~ \+ \/ and a trailing =/,
  ],
  [{ API_TOKEN: "short-admin" }, "short-admin", /^API_TOKEN: must be at least 16 characters/],
  [{ API_READ_TOKEN: "abc" }, "abc", /^API_READ_TOKEN: must be at least 16 characters/],
  [{ API_READ_TOKEN: "read=token=0123456789" }, "read=token=0123456789", /^API_READ_TOKEN: may hold only/],
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe("malformed settings", () => {
  for (const [overrides, value, message] of BAD) {
    const name = Object.keys(overrides)[0] ?? "";
    it(`${name}=${JSON.stringify(value)}: every route, /healthz included, is a 503 naming ${name}, without its value`, async () => {
      await resetMarket();
      const before = await simInstances();
      for (const [method, path] of ROUTES) {
        const res = await fetchWith(overrides, path, method, path === "/healthz" ? null : ADMIN);
        expect(res.status, `${method} ${path}`).toBe(503);
        expect(res.body.error).toBe("not_configured");
        expect(res.body.message).toMatch(message);
        expect(res.body.message).not.toContain(value);
      }
      expect(await simInstances()).toEqual(before);
    });
  }

  it("a token that fails validation authenticates nothing, not even itself", async () => {
    for (const [overrides, token] of [
      [{ API_READ_TOKEN: "abc" }, "abc"],
      [{ API_TOKEN: "short-admin" }, "short-admin"],
    ] as const) {
      for (const [method, path] of ROUTES.filter(([, p]) => p !== "/healthz")) {
        const res = await fetchWith(overrides, path, method, token);
        expect(res.status, `${method} ${path} with ${token}`).toBe(503);
      }
    }
    // The valid tokens still work once the settings are right.
    expect((await fetchWith({}, "/status", "GET", READ)).status).toBe(200);
  });

  it("the cron runs no pass with a malformed VAST_API_URL: it says which setting and why, records every fleet blind, and does not throw", async () => {
    await resetMarket();
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(" ")));
    const before = await env.FLEET.getByName("zeb").events("zeb", 1000, null);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), { ...testEnv, VAST_API_URL: "console.vast.ai" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors)
      expect(line).toMatch(/^tick [a-z0-9-]+: settings invalid, no pass: VAST_API_URL: must be an http:\/\/ or https:\/\/ URL/);
    expect(errors.join("\n")).not.toContain("Invalid URL");
    const { tick } = await registry(testEnv).passHealth();
    expect(tick).toMatchObject({ observedAt: null, passAt: null, blind: tick?.fleets });
    expect(tick?.fleets).toBeGreaterThan(0);
    // No pass ran: the fleet's own record is as it was.
    expect(await env.FLEET.getByName("zeb").events("zeb", 1000, null)).toEqual(before);
  });
});
