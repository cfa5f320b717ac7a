/**
 * The reads the dashboard needs besides /status, /events and /hosts: the fleet's 24-hour history
 * for its charts, and which token it holds so that it offers only what that token may do.
 * @module
 */

import { createRoute } from "@hono/zod-openapi";
import { BUCKET_MS } from "../../fleet/history";
import type { HistoryBody as HistoryBodyOf, WhoamiBody as WhoamiBodyOf } from "../contract";
import { lookupFleet } from "../fleet";
import { newApi } from "../hono";
import { fail } from "../respond";
import { HistoryBody, WhoamiBody } from "../responses/session";
import { err, FleetQuery, security } from "../schemas";

export const historyRoute = createRoute({
  method: "get",
  path: "/history",
  summary: "The fleet's games/s, $/hr and worker counts over the last 24 hours, one point per 5 minutes",
  security,
  request: { query: FleetQuery },
  responses: {
    200: {
      description: "points oldest first; `now` is the fleet's clock",
      content: { "application/json": { schema: HistoryBody } },
    },
    400: err("invalid fleet name"),
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
  const found = await lookupFleet(c.env, c.req.valid("query").fleet);
  if (!found.ok) return fail(c, found);
  const { name, stub } = found.value;
  const history = await stub.history(name);
  return c.json({ fleet: name, now: history.now, bucketMs: BUCKET_MS, points: history.points } satisfies HistoryBodyOf, 200);
});

dashboardReads.openapi(whoamiRoute, (c) => c.json({ role: c.get("role") } satisfies WhoamiBodyOf, 200));
