import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { ADMIN_PATHS, OPEN_PATHS } from "../../src/api/auth";
import { CSP } from "../../src/api/secure";
import { SHELL_PATHS } from "../../src/dashboard/routes";
import { ADMIN, READ, call } from "./helpers";

/**
 * The auth matrix over the app's own route table, so that a route added later is covered
 * without anyone remembering to add it here.
 */

const ROUTES = [...new Map(app.routes.filter((r) => r.method !== "ALL").map((r) => [`${r.method} ${r.path}`, r])).values()];
const concrete = (path: string) => path.replace(":id", "1").replace(":machineId", "1").replace(":fleet", "auth-matrix");
/** What the read token may send: GETs, but not the admin's own (the preflight can post to Slack). */
const isRead = (route: { method: string; path: string }) =>
  (route.method === "GET" || route.method === "HEAD") && !ADMIN_PATHS.has(route.path);

describe("auth matrix", () => {
  it("enumerates the operator routes", () => {
    const names = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(names).toEqual(
      [
        "GET /status",
        "GET /healthz",
        "GET /events",
        "GET /instances/:id/logs",
        "POST /instances/:id/replace",
        "POST /scale",
        "POST /up",
        "POST /down",
        "POST /pause",
        "POST /resume",
        "POST /reconcile",
        "POST /roll",
        "GET /fleets",
        "GET /fleets/:fleet",
        "PUT /fleets/:fleet",
        "DELETE /fleets/:fleet",
        "GET /openapi.json",
        "GET /docs",
        "GET /metrics",
        "GET /history",
        "GET /whoami",
        "GET /preflight",
        "GET /stats",
        "GET /hosts",
        "DELETE /hosts/:machineId",
        "PUT /hosts/:machineId",
        // The dashboard shell (page, script, stylesheet): open, see below.
        "GET /",
        "GET /assets/app.js",
        "GET /assets/app.css",
      ].sort(),
    );
    expect([...OPEN_PATHS]).toEqual(["/healthz", "/openapi.json", "/docs"]);
    expect([...ADMIN_PATHS]).toEqual(["/preflight"]);
  });

  for (const route of ROUTES) {
    const path = concrete(route.path);
    const name = `${route.method} ${route.path}`;
    // Allowed without a token, explicitly: the dashboard's page shell and static assets. A browser
    // cannot send a bearer header on navigation, and they carry no fleet data (checked here: the
    // same bytes with or without a token), so the data itself stays behind the JSON API's auth.
    if (SHELL_PATHS.includes(route.path)) {
      it(`${name} is the open dashboard shell: no data, strict CSP`, async () => {
        const anonymous = await call(path, { method: route.method, token: null });
        expect(anonymous.status).toBe(200);
        expect(anonymous.headers.get("content-security-policy")).toBe(CSP);
        expect(anonymous.headers.get("cache-control")).toBe("no-store");
        expect(anonymous.headers.get("access-control-allow-origin")).toBeNull();
        expect((await call(path, { method: route.method, token: ADMIN })).text).toBe(anonymous.text);
      });
      continue;
    }
    if (OPEN_PATHS.has(route.path)) {
      it(`${name} is open`, async () => {
        const res = await call(path, { method: route.method, token: null });
        expect([200, 503]).toContain(res.status);
        expect(res.headers.get("cache-control")).toBe("no-store");
      });
      continue;
    }

    it(`${name}: no token → 401 with WWW-Authenticate`, async () => {
      const res = await call(path, { method: route.method, token: null });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(res.json()).toMatchObject({ error: "unauthorized" });
      expect(res.headers.get("cache-control")).toBe("no-store");
    });

    it(`${name}: wrong token → 401`, async () => {
      const res = await call(path, { method: route.method, token: "not-the-token-123" });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      // A token that shares the admin token's prefix is no closer to being accepted.
      expect((await call(path, { method: route.method, token: `${ADMIN}x` })).status).toBe(401);
    });

    it(`${name}: read token → ${isRead(route) ? "allowed" : "403"}`, async () => {
      const res = await call(path, { method: route.method, token: READ });
      if (isRead(route)) expect([401, 403, 503]).not.toContain(res.status);
      else {
        expect(res.status).toBe(403);
        expect(res.json()).toMatchObject({ error: "forbidden" });
      }
    });

    it(`${name}: admin token → allowed`, async () => {
      const res = await call(path, { method: route.method, token: ADMIN });
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    });

    it(`${name}: without API_TOKEN configured → ${isRead(route) ? "read token still reads" : "503, never open"}`, async () => {
      const noAdmin = { ...env, API_TOKEN: undefined };
      const res = await app.request(path, { method: route.method, headers: { authorization: `Bearer ${READ}` } }, noAdmin);
      if (isRead(route)) expect([401, 403, 503]).not.toContain(res.status);
      else {
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ error: "not_configured" });
      }
      const anonymous = await app.request(path, { method: route.method }, { ...env, API_TOKEN: undefined, API_READ_TOKEN: undefined });
      expect(anonymous.status).toBe(503);
      expect(await anonymous.json()).toMatchObject({ error: "not_configured", message: expect.stringContaining("API_TOKEN") });
    });
  }

  it("answers a CORS preflight without opening it", async () => {
    const res = await call("/status", {
      method: "OPTIONS",
      token: null,
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.status).toBe(401);
  });

  it("unknown routes need auth too and answer JSON", async () => {
    expect((await call("/nope", { token: null })).status).toBe(401);
    const res = await call("/nope");
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: "not_found" });
  });
});
