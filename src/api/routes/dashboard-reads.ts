/**
 * The reads the dashboard needs besides /status, /events and /hosts: the fleet's history (24 hours
 * or 7 days) for its charts, and which token it holds so that it offers only what that token may do.
 * @module
 */

import { createRoute } from "@hono/zod-openapi";
import { HistoryWindow, windowBucketMs } from "../../fleet/history";
import type { HistoryBody as HistoryBodyOf, WhoamiBody as WhoamiBodyOf } from "../contract";
import { lookupFleet } from "../fleet";
import { newApi } from "../hono";
import { fail } from "../respond";
import { HistoryBody, WhoamiBody } from "../responses/session";
import { err, FleetQuery, security } from "../schemas";

export const historyRoute = createRoute({
  method: "get",
  path: "/history",
  summary:
    "The fleet's games/s, $/hr, games per dollar (also by GPU model) and worker counts: the last 24 hours, one point per 5 minutes, or 7 days, one per hour",
  security,
  request: {
    query: FleetQuery.extend({
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
    200: { description: "the token's role", content: { "application/json": { schema: WhoamiBody } } },
    401: err("missing or wrong bearer token"),
  },
});

export const dashboardReads = newApi();

dashboardReads.openapi(historyRoute, async (c) => {
  const query = c.req.valid("query");
  const found = await lookupFleet(c.env, query.fleet);
  if (!found.ok) return fail(c, found);
  const { name, stub } = found.value;
  const window = query.window ?? "24h";
  const history = await stub.history(name, window);
  return c.json(
    { fleet: name, now: history.now, window, bucketMs: windowBucketMs(window), points: history.points } satisfies HistoryBodyOf,
    200,
  );
});

dashboardReads.openapi(whoamiRoute, (c) => c.json({ role: c.get("role") } satisfies WhoamiBodyOf, 200));
