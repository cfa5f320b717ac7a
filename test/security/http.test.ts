import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/api/app";
import { app } from "../../src/app";
import { SHELL_PATHS } from "../../src/dashboard/routes";
import { ADMIN, READ, call } from "../api/helpers";

/**
 * The HTTP surface, enumerated from the app's own route table so that a route added later is
 * covered without anyone remembering to list it: auth everywhere but /healthz, CORS closed,
 * answers never cached, bodies size-capped before they are read.
 */

/** The only paths reachable without a token: the uptime check, the API's description and page, and the dashboard's static shell. */
const DESCRIPTION = ["/openapi.json", "/docs"];
const OPEN = new Set(["/healthz", ...DESCRIPTION, ...SHELL_PATHS]);
const ROUTES = [...new Map(app.routes.filter((r) => r.method !== "ALL").map((r) => [`${r.method} ${r.path}`, r])).values()];
const concrete = (path: string) =>
  path
    .replace(/:id\b/, "1")
    .replace(/:machineId\b/, "1")
    .replace(/:fleet\b/, "zeb") + (path.includes("?") ? "" : "?fleet=zeb");
const EVIL = "https://evil.example";

describe("every route but /healthz and the API's description needs a token", () => {
  it("the route table is non-trivial and its open paths are exactly /healthz, /openapi.json, /docs and the static shell", () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(10);
    expect(
      ROUTES.filter((r) => OPEN.has(r.path))
        .map((r) => r.path)
        .sort(),
    ).toEqual(["/healthz", ...DESCRIPTION, ...SHELL_PATHS].sort());
    expect(SHELL_PATHS.every((p) => p === "/" || p.startsWith("/assets/"))).toBe(true);
  });

  it("the open shell and API description carry no fleet data and no secret", async () => {
    for (const path of [...SHELL_PATHS, ...DESCRIPTION]) {
      const res = await call(path, { token: null });
      expect(res.status).toBe(200);
      for (const secret of [ADMIN, READ, "test-vast-key-SECRET", "hf_test_SECRET", "slack-hook-SECRET"])
        expect(res.text).not.toContain(secret);
      expect(res.text).not.toMatch(/worker-vast-\d/);
    }
  });

  for (const route of ROUTES) {
    const path = concrete(route.path);
    if (OPEN.has(route.path)) continue;
    it(`${route.method} ${route.path} answers 401 without a token, with a wrong one, and with a malformed header`, async () => {
      expect((await call(path, { method: route.method, token: null })).status).toBe(401);
      expect((await call(path, { method: route.method, token: "x".repeat(24) })).status).toBe(401);
      const malformed = await call(path, {
        method: route.method,
        token: null,
        headers: { authorization: `Basic ${btoa(`admin:${ADMIN}`)}` },
      });
      expect([400, 401]).toContain(malformed.status);
      // Tokens are not accepted in the query string, where they would end up in access logs.
      expect((await call(`${path}&token=${ADMIN}&api_key=${ADMIN}`, { method: route.method, token: null })).status).toBe(401);
    });
  }

  it("an unknown route does not tell an anonymous caller whether it exists", async () => {
    for (const method of ["GET", "POST", "DELETE"]) expect((await call("/admin/secret", { method, token: null })).status).toBe(401);
  });
});

describe("CORS is closed by default", () => {
  const preflight = (method: string) => ({
    origin: EVIL,
    "access-control-request-method": method,
    "access-control-request-headers": "authorization, content-type",
  });

  for (const route of ROUTES) {
    const path = concrete(route.path);
    it(`${route.method} ${route.path}: no Access-Control-Allow-* on the preflight or the answer`, async () => {
      const pre = await call(path, { method: "OPTIONS", token: null, headers: preflight(route.method) });
      for (const [name] of pre.headers)
        expect(name.toLowerCase().startsWith("access-control-allow"), `${name} on OPTIONS ${path}`).toBe(false);
      for (const token of [null, ADMIN]) {
        const res = await call(path, { method: route.method, token, headers: { origin: EVIL } });
        for (const [name] of res.headers)
          expect(name.toLowerCase().startsWith("access-control-allow"), `${name} on ${route.method} ${path}`).toBe(false);
      }
    });
  }
});

describe("answers are never cached", () => {
  for (const route of ROUTES.filter((r) => r.method === "GET")) {
    const path = concrete(route.path);
    it(`GET ${route.path}: Cache-Control no-store with and without a token`, async () => {
      for (const token of [null, READ, ADMIN]) expect((await call(path, { token })).headers.get("cache-control")).toBe("no-store");
    });
  }

  it("errors (401, 404, 400, 413) are not cacheable either", async () => {
    const answers = [
      await call("/status", { token: null }),
      await call("/nope"),
      await call("/events?fleet=NOT A NAME"),
      await call("/fleets/zeb", { method: "PUT", body: "x".repeat(MAX_BODY_BYTES + 1) }),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 404, 400, 413]);
    for (const a of answers) expect(a.headers.get("cache-control")).toBe("no-store");
  });
});

describe("request bodies are size-capped", () => {
  const big = JSON.stringify({ workers: 1, padding: "x".repeat(MAX_BODY_BYTES) });

  for (const route of ROUTES.filter((r) => r.method !== "GET" && r.method !== "HEAD")) {
    const path = concrete(route.path);
    it(`${route.method} ${route.path}: a body over ${MAX_BODY_BYTES / 1024} KiB is refused with 413 (authenticated) or 401 (not)`, async () => {
      const res = await call(path, { method: route.method, body: big });
      expect(res.status).toBe(413);
      expect(res.json()).toMatchObject({ error: "payload_too_large" });
      // Anonymous callers are turned away before their body is read at all.
      expect((await call(path, { method: route.method, token: null, body: big })).status).toBe(401);
    });
  }

  it("a body without Content-Length (streamed) is capped too", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= MAX_BODY_BYTES * 2) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await app.request(
      "/fleets/zeb",
      {
        method: "PUT",
        body: stream,
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        duplex: "half",
      } as RequestInit,
      {
        API_TOKEN: ADMIN,
        API_READ_TOKEN: READ,
      },
    );
    expect(res.status).toBe(413);
  });

  it("a body just under the cap is read normally (and rejected on its content, not its size)", async () => {
    const res = await call("/fleets/zeb", { method: "PUT", body: JSON.stringify({ padding: "x".repeat(MAX_BODY_BYTES - 100) }) });
    expect(res.status).toBe(400);
  });
});
