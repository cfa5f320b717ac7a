import { createRoute, z } from "@hono/zod-openapi";
import { Hono } from "hono";
import type { Context } from "hono";
import { FleetName } from "../config/fleet";
import { lookupFleet } from "../api/fleet";
import { newApi, type ApiEnv } from "../api/hono";
import { fail } from "../api/respond";
import { ErrorBody } from "../api/schemas";
import { APP_CSS } from "./style";
import { APP_JS } from "./client";
import type { WhoamiBody } from "./api-types";
import { HistoryBody, HistoryWindow, windowBucketMs } from "../fleet/history";
import { Page } from "./page";

/**
 * Two mounts. `shell` (the page, its script and stylesheet) is served before the API's auth
 * because it holds no fleet data and a browser cannot attach a bearer token to a navigation.
 * `dashboardApi` (history, whoami) is ordinary authenticated API, mounted after auth.
 */

/** Paths the shell serves without a token; test/api/auth.test.ts allows exactly these. */
export const SHELL_PATHS: readonly string[] = ["/", "/assets/app.js", "/assets/app.css"];

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The shell's headers, also the API page's (/docs): strict CSP, no sniffing, no framing, no caching. */
export function secure(c: Context): void {
  c.header("Content-Security-Policy", CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  // The shell is tiny; never caching it means a deploy is seen on the next reload.
  c.header("Cache-Control", "no-store");
}

export const shell = new Hono<ApiEnv>();

shell.get("/", (c) => {
  secure(c);
  return c.html(<Page />);
});

shell.get("/assets/app.js", (c) => {
  secure(c);
  return c.body(APP_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" });
});

shell.get("/assets/app.css", (c) => {
  secure(c);
  return c.body(APP_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
});

const security = [{ bearer: [] }];
const err = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

export const historyRoute = createRoute({
  method: "get",
  path: "/history",
  summary:
    "The fleet's games/s, $/hr, games per dollar (also by GPU model) and worker counts: the last 24 hours, one point per 5 minutes, or 7 days, one per hour",
  security,
  request: {
    query: z.object({
      fleet: FleetName.optional().openapi({ description: "the fleet; the default fleet (ZEB_FLEET) when absent" }),
      window: HistoryWindow.optional().openapi({ description: "24h (the default): 5-minute points; 7d: hourly means" }),
    }),
  },
  responses: {
    200: {
      description: "points oldest first; `now` is the fleet's clock",
      content: { "application/json": { schema: HistoryBody } },
    },
    400: err("invalid fleet name or window"),
    401: err("missing or wrong bearer token"),
    404: err("unknown fleet"),
    409: err("the fleet is busy"),
    503: err("API_TOKEN not configured"),
  },
});

export const whoamiRoute = createRoute({
  method: "get",
  path: "/whoami",
  summary: "Which token this is (admin or read), so that a client can offer only what it may do",
  security,
  responses: {
    200: { description: "the token's role", content: { "application/json": { schema: z.object({ role: z.enum(["admin", "read"]) }) } } },
    401: err("missing or wrong bearer token"),
  },
});

export const dashboardApi = newApi();

dashboardApi.openapi(historyRoute, async (c) => {
  const query = c.req.valid("query");
  const found = await lookupFleet(c.env, query.fleet);
  if (!found.ok) return fail(c, found);
  const { name, stub } = found.value;
  const window = query.window ?? "24h";
  const history = await stub.history(name, window);
  return c.json(
    { fleet: name, now: history.now, window, bucketMs: windowBucketMs(window), points: history.points } satisfies HistoryBody,
    200,
  );
});

dashboardApi.openapi(whoamiRoute, (c) => c.json({ role: c.get("role") } satisfies WhoamiBody, 200));
